using RegressionGuard.Corpora;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Corpora;

public sealed class CorpusReaderTests
{
    [Test]
    public void Jsonl_gives_one_document_per_line_with_its_line_number()
    {
        using var dir = new TempFolder();
        var path = dir.File("c.jsonl");
        File.WriteAllText(path, "{\"text\": \"a\"}\n\n{\"text\": \"b\", \"idx\": 3}\n");
        var docs = CorpusReader.Read(path);
        Assert.That(docs.Select(d => (d.Text, d.Line)), Is.EqualTo(new[] { ("a", 1), ("b", 3) }));
    }

    [Test]
    public void A_missing_field_names_the_line_and_the_fields_that_exist()
    {
        using var dir = new TempFolder();
        var path = dir.File("c.jsonl");
        File.WriteAllText(path, "{\"text\": \"a\"}\n{\"story\": \"b\", \"idx\": 3}\n");
        Assert.That(() => CorpusReader.Read(path), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo(
            $"{path}:2:1: no field 'text'; fields on this line: story, idx (choose one with --field)"));
    }

    [Test]
    public void Invalid_json_names_file_line_and_column()
    {
        using var dir = new TempFolder();
        var path = dir.File("c.jsonl");
        File.WriteAllText(path, "{\"text\": \"a\"}\n{\"text\": oops}\n");
        Assert.That(() => CorpusReader.Read(path), Throws.TypeOf<InvalidDataException>().With.Message.StartsWith($"{path}:2:10: invalid JSON"));
    }

    [Test]
    public void Text_files_split_on_endoftext_lines_or_blank_lines()
    {
        using var dir = new TempFolder();
        var path = dir.File("c.txt");
        File.WriteAllText(path, "one\nline two\n<|endoftext|>\n\nthree\n\nfour\n");
        Assert.That(CorpusReader.Read(path).Select(d => d.Text), Is.EqualTo(new[] { "one\nline two", "three\n\nfour" }));
        Assert.That(CorpusReader.Read(path, split: TextSplit.Blank).Select(d => d.Text), Is.EqualTo(new[] { "one\nline two\n<|endoftext|>", "three", "four" }));
    }

    [Test]
    public void The_46_TinyStories_validation_stories_are_read()
    {
        Assert.That(CorpusReader.Read(SharedData.Path("datasets/tinystories/TinyStories-valid.first46.jsonl")), Has.Count.EqualTo(46));
    }
}
