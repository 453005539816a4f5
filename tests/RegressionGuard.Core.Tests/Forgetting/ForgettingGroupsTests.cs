using RegressionGuard.Forgetting;
using RegressionGuard.Modeling;

namespace RegressionGuard.Core.Tests.Forgetting;

public sealed class ForgettingGroupsTests
{
    [Test]
    public void Documents_are_grouped_largest_first_in_runs_of_the_group_size_the_last_one_shorter()
    {
        // Given 7 documents with 5, 9, 5, 1, 7, 9 and 2 scored positions, and groups of 3
        int[] positions = [5, 9, 5, 1, 7, 9, 2];

        // When the corpus is grouped
        var groups = ForgettingGroups.Of(positions, 3);

        // Then the largest come first, ties in corpus order, and every document is in one group
        Assert.That(groups, Is.EqualTo(new[] { new[] { 1, 5, 4 }, new[] { 0, 2, 6 }, new[] { 3 } }));
        Assert.That(ForgettingGroups.Of([], 3), Is.Empty);
    }

    [Test]
    public void The_documents_of_whole_groups_grouped_again_give_the_same_groups()
    {
        // Given the groups of 7 documents, and the documents of the first and last groups alone (in corpus order)
        int[] positions = [5, 9, 5, 1, 7, 9, 2];
        var groups = ForgettingGroups.Of(positions, 3);
        var kept = groups[0].Concat(groups[2]).Order().ToArray();

        // When those documents are grouped on their own
        var again = ForgettingGroups.Of(kept.Select(d => positions[d]).ToArray(), 3).Select(g => g.Select(d => kept[d]).ToArray()).ToList();

        // Then they make the same two groups
        Assert.That(again, Is.EqualTo(new[] { groups[0], groups[2] }));
    }

    [Test]
    public void The_windows_of_a_group_are_those_of_its_documents_in_window_order()
    {
        // Given 3 documents: two windows of 4 positions, one of 2, and one of 6 (windows in document order)
        ScoredWindow W(int positions) => new(new int[positions + 1], 1);
        ScoredWindow[] windows = [W(4), W(4), W(2), W(6)];
        int[] windowDocument = [0, 0, 1, 2];

        // When the windows are grouped in groups of 2 documents
        var groups = ForgettingGroups.Windows(windows, windowDocument, 3, 2);

        // Then documents 0 (8 positions) and 2 (6) make the first group, document 1 the second
        Assert.That(groups, Is.EqualTo(new[] { new[] { 0, 1, 3 }, new[] { 2 } }));
    }
}
