using RegressionGuard.Forgetting;

namespace RegressionGuard.Core.Tests.Forgetting;

public sealed class ForgettingGroupsTests
{
    [Test]
    public void A_corpus_is_cut_into_consecutive_runs_of_the_group_size_the_last_one_shorter()
    {
        // Given 10 documents and groups of 4
        // When the corpus is cut
        var groups = ForgettingGroups.Of(10, 4).ToList();

        // Then three groups cover every document once, in order
        Assert.That(groups, Is.EqualTo(new[] { (0, 4), (4, 4), (8, 2) }));
        Assert.That(ForgettingGroups.Of(0, 4), Is.Empty);
    }

    [Test]
    public void The_windows_of_a_group_are_those_of_its_documents()
    {
        // Given 5 documents with 2, 1, 3, 0 and 1 windows, in document order, and groups of 2 documents
        int[] windowDocument = [0, 0, 1, 2, 2, 2, 4];

        // When the windows are grouped
        var groups = ForgettingGroups.Windows(windowDocument, 5, 2).Select(r => (r.Start.Value, r.End.Value)).ToList();

        // Then documents 0–1, 2–3 and 4 give three ranges of windows
        Assert.That(groups, Is.EqualTo(new[] { (0, 3), (3, 6), (6, 7) }));
    }

    [Test]
    public void Windows_out_of_document_order_are_refused()
    {
        // Given windows whose documents go back
        int[] windowDocument = [0, 2, 1];

        // When they are grouped, then the window that goes back is named
        var e = Assert.Throws<ArgumentException>(() => ForgettingGroups.Windows(windowDocument, 3, 2).ToList())!;
        Assert.That(e.Message, Does.StartWith("window 2 belongs to document 1, before document 2"));
    }
}
