using RegressionGuard.Corpora;
using RegressionGuard.Law;
using RegressionGuard.Ledger;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Suites.Sandbox;

/// <summary>law.yaml, ledger CSVs and corpora are read as strict UTF-8, like suites and gate configs: never a silent U+FFFD.</summary>
public sealed class StrictUtf8Tests
{
    static string WriteLatin1(TempFolder dir, string name, string before)
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, [.. System.Text.Encoding.UTF8.GetBytes(before), 0xE9, (byte)'\n']);  // é in Latin-1
        return path;
    }

    [TestCase("law.yaml", "schema: 1\nform: ")]
    [TestCase("ledger.csv", "run,method,P,N,L_ft,L_f\nr")]
    [TestCase("corpus.jsonl", "{\"text\": \"caf")]
    [TestCase("corpus.txt", "caf")]
    public void A_file_that_is_not_utf8_is_refused_with_its_byte_offset(string name, string before)
    {
        using var dir = new TempFolder();
        var path = WriteLatin1(dir, name, before);

        TestDelegate read = name switch
        {
            "law.yaml" => () => LawFile.Load(path),
            "ledger.csv" => () => LedgerCsv.Import(path),
            _ => () => CorpusReader.Read(path),
        };

        var e = Assert.Throws<InvalidDataException>(read)!;
        Assert.That(e.Message, Is.EqualTo($"{path}: not valid UTF-8 at byte offset {System.Text.Encoding.UTF8.GetByteCount(before)} (bytes E9 0A); save the file as UTF-8"));
    }

    [Test]
    public void A_utf8_corpus_with_a_bom_and_crlf_lines_reads_as_before()
    {
        using var dir = new TempFolder();
        var path = dir.File("corpus.jsonl");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes("{\"text\": \"café\"}\r\n{\"text\": \"b\"}\r\n")]);

        Assert.That(CorpusReader.Read(path).Select(d => d.Text), Is.EqualTo(new[] { "café", "b" }));
    }
}
