using System.Text.Json;

namespace RegressionGuard.Corpora;

/// <summary>How a plain-text corpus is cut into documents.</summary>
public enum TextSplit
{
    /// <summary>Documents separated by lines holding only <c>&lt;|endoftext|&gt;</c> (the whole file is one document when there is none).</summary>
    EndOfText,

    /// <summary>Documents are paragraphs separated by one or more blank lines.</summary>
    Blank,
}

/// <summary>One document of a corpus and where it came from (file and 1-based line of its first line).</summary>
public sealed record CorpusDocument(string Text, string Source, int Line);

/// <summary>
/// Reads an evaluation corpus: <c>.jsonl</c> (one document per line, text in a named field) or <c>.txt</c>
/// (documents split by <see cref="TextSplit"/>). Empty documents are skipped. Errors name file:line and what is wrong.
/// </summary>
public static class CorpusReader
{
    public const string EndOfTextMarker = "<|endoftext|>";

    public static IReadOnlyList<CorpusDocument> Read(string path, string field = "text", TextSplit split = TextSplit.EndOfText)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: corpus file not found", path);
        }

        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".jsonl" => ReadJsonl(path, field),
            ".txt" or ".text" => ReadText(path, split),
            _ => throw new InvalidDataException($"{path}: unsupported corpus file type '{extension}'; expected .jsonl (one JSON object per line with field '{field}') or .txt"),
        };
    }

    static List<CorpusDocument> ReadJsonl(string path, string field)
    {
        var documents = new List<CorpusDocument>();
        int lineNumber = 0;
        foreach (var line in Suites.Sandbox.StrictUtf8.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}:{e.BytePositionInLine + 1}: invalid JSON: {e.Message}", e);
            }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidDataException($"{path}:{lineNumber}:1: expected a JSON object with field '{field}', got {doc.RootElement.ValueKind}");
                }

                if (!doc.RootElement.TryGetProperty(field, out var value))
                {
                    var fields = string.Join(", ", doc.RootElement.EnumerateObject().Select(p => p.Name));
                    throw new InvalidDataException($"{path}:{lineNumber}:1: no field '{field}'; fields on this line: {fields} (choose one with --field)");
                }
                if (value.ValueKind != JsonValueKind.String)
                {
                    throw new InvalidDataException($"{path}:{lineNumber}:1: field '{field}' must be a string, got {value.ValueKind}");
                }

                var text = value.GetString()!;
                if (text.Length > 0)
                {
                    documents.Add(new CorpusDocument(text, path, lineNumber));
                }
            }
        }
        return documents;
    }

    static List<CorpusDocument> ReadText(string path, TextSplit split)
    {
        var documents = new List<CorpusDocument>();
        var current = new List<string>();
        int start = 1, lineNumber = 0;
        void Flush(int nextStart)
        {
            var text = string.Join("\n", current).Trim('\n', '\r');
            if (text.Trim().Length > 0)
            {
                documents.Add(new CorpusDocument(text, path, start));
            }

            current.Clear();
            start = nextStart;
        }
        foreach (var line in Suites.Sandbox.StrictUtf8.ReadLines(path))
        {
            lineNumber++;
            bool separator = split == TextSplit.EndOfText ? line.Trim() == EndOfTextMarker : line.Trim().Length == 0;
            if (separator)
            {
                Flush(lineNumber + 1);
            }
            else
            {
                if (current.Count == 0)
                {
                    start = lineNumber;
                }

                current.Add(line);
            }
        }
        Flush(lineNumber + 1);
        return documents;
    }
}
