using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace RegressionGuard.Suites.Data;

/// <summary>
/// Reads JSON-lines files and JSON documents into rows of plain .NET values with <see cref="Utf8JsonReader"/>, which
/// lets every value be placed at file:line:column and nesting be limited to <see cref="MaxDepth"/> levels.
/// </summary>
internal static partial class JsonRows
{
    /// <summary>The deepest nesting of objects and arrays accepted (the row's own object counts as one level).</summary>
    public const int MaxDepth = 64;

    // Two levels of headroom so that the reader never rejects nesting before the check here can name the place.
    static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth + 2 };

    public static IEnumerable<DataRow> ReadLines(DataFile file)
    {
        using var text = new StreamReader(file.RealPath, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        int lineNumber = 0;
        while (text.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return new DataRow(ParseLine(Encoding.UTF8.GetBytes(line), file.Path, lineNumber), file.Path, lineNumber);
        }
    }

    static Dictionary<string, object?> ParseLine(byte[] bytes, string file, int lineNumber)
    {
        var at = new Locator(file, bytes, 0, lineNumber);
        var reader = new Utf8JsonReader(bytes, ReaderOptions);
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new SuiteDataException($"{at.Where(reader.TokenStartIndex)}: expected a JSON object, got {Kind(reader.TokenType)}");
            }

            var fields = (Dictionary<string, object?>)ReadValue(ref reader, at)!;
            reader.Read(); // throws when anything but whitespace follows the object
            return fields;
        }
        catch (JsonException e)
        {
            throw Invalid(at, e);
        }
    }

    public static List<DataRow> ReadDocument(DataFile file, string? itemsPath)
    {
        var bytes = File.ReadAllBytes(file.RealPath);
        int start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var at = new Locator(file.Path, bytes, start, 1);
        var reader = new Utf8JsonReader(bytes.AsSpan(start), ReaderOptions);
        var rows = new List<DataRow>();
        try
        {
            if (!reader.Read())
            {
                throw new SuiteDataException($"{file.Path}: the file is empty; expected a JSON array of objects");
            }

            MoveToItems(ref reader, itemsPath, at);
            int index = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var (line, _) = at.Position(reader.TokenStartIndex);
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new SuiteDataException($"{at.Where(reader.TokenStartIndex)}: item {index} of the array is {Kind(reader.TokenType)}; expected a JSON object");
                }

                rows.Add(new DataRow((Dictionary<string, object?>)ReadValue(ref reader, at)!, file.Path, line));
                index++;
            }
            while (reader.Read()) // the rest of the document must be valid too
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    CheckDepth(ref reader, at);
                }
            }
        }
        catch (JsonException e)
        {
            throw Invalid(at, e);
        }
        return rows;
    }

    /// <summary>Leaves the reader on the start of the array of items: the document, or the property at <paramref name="itemsPath"/>.</summary>
    static void MoveToItems(ref Utf8JsonReader reader, string? itemsPath, Locator at)
    {
        var walked = "";
        foreach (var name in itemsPath is null ? [] : itemsPath.Split('.'))
        {
            var objectStart = reader.TokenStartIndex;
            var here = walked.Length == 0 ? "the document" : $"'{walked}'";
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new SuiteDataException($"{at.Where(objectStart)}: json_items_path '{itemsPath}': {here} is {Kind(reader.TokenType)}, not an object");
            }

            CheckDepth(ref reader, at);
            var names = new List<string>();
            bool found = false;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var property = reader.GetString()!;
                names.Add(property);
                reader.Read();
                if (property == name)
                {
                    found = true;
                    break;
                }
                Skip(ref reader, at);
            }
            if (!found)
            {
                var hint = DidYouMean.Suggest(name, names) is { } s ? $" — did you mean '{s}'?" : "";
                throw new SuiteDataException(
                    $"{at.Where(objectStart)}: json_items_path '{itemsPath}': {here} has no property '{name}'; properties there: {List(names)}{hint}");
            }
            walked = walked.Length == 0 ? name : $"{walked}.{name}";
        }

        if (reader.TokenType == JsonTokenType.StartArray)
        {
            CheckDepth(ref reader, at);
            return;
        }
        var where = at.Where(reader.TokenStartIndex);
        if (itemsPath is not null)
        {
            throw new SuiteDataException($"{where}: json_items_path '{itemsPath}' is {Kind(reader.TokenType)}; expected an array of objects");
        }

        var message = $"{where}: expected a JSON array of objects, got {Kind(reader.TokenType)}";
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            CheckDepth(ref reader, at);
            var arrays = new List<string>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var property = reader.GetString()!;
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    arrays.Add(property);
                }

                Skip(ref reader, at);
            }
            message += arrays.Count == 0
                ? " that holds no array"
                : $"; set json_items_path to the property that holds the items (arrays there: {List(arrays)})";
        }
        throw new SuiteDataException(message);
    }

    /// <summary>Converts the value at the reader (objects and arrays recursively), leaving the reader on its last token.</summary>
    static object? ReadValue(ref Utf8JsonReader reader, Locator at)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                {
                    CheckDepth(ref reader, at);
                    var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        var name = reader.GetString()!;
                        if (fields.ContainsKey(name))
                        {
                            // JSON leaves duplicate keys undefined (and readers disagree on which wins): refuse them.
                            throw new SuiteDataException($"{at.Where(reader.TokenStartIndex)}: the key '{name}' appears twice in one object; keep one");
                        }

                        reader.Read();
                        fields[name] = ReadValue(ref reader, at);
                    }
                    return fields;
                }
            case JsonTokenType.StartArray:
                {
                    CheckDepth(ref reader, at);
                    var items = new List<object?>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        items.Add(ReadValue(ref reader, at));
                    }

                    return items;
                }
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var integer))
                {
                    return integer;
                }

                if (reader.TryGetDouble(out var real) && double.IsFinite(real))
                {
                    return real;
                }

                throw new SuiteDataException($"{at.Where(reader.TokenStartIndex)}: the number {Encoding.UTF8.GetString(reader.ValueSpan)} is out of range");
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.Null:
                return null;
            default:
                throw new InvalidOperationException($"unexpected JSON token {reader.TokenType}");
        }
    }

    /// <summary>Skips the value at the reader, checking the nesting of what it skips.</summary>
    static void Skip(ref Utf8JsonReader reader, Locator at)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        CheckDepth(ref reader, at);
        int depth = reader.CurrentDepth;
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                CheckDepth(ref reader, at);
            }
            else if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray && reader.CurrentDepth == depth)
            {
                return;
            }
        }
    }

    /// <summary>At the start of an object or array: refuses the level past <see cref="MaxDepth"/>.</summary>
    static void CheckDepth(ref Utf8JsonReader reader, Locator at)
    {
        if (reader.CurrentDepth >= MaxDepth)
        {
            throw new SuiteDataException($"{at.Where(reader.TokenStartIndex)}: JSON nested deeper than {MaxDepth} levels");
        }
    }

    static SuiteDataException Invalid(Locator at, JsonException e)
    {
        var reason = ReaderPosition().Replace(e.Message, "");
        return new SuiteDataException($"{at.Where(e.LineNumber ?? 0, e.BytePositionInLine ?? 0)}: invalid JSON: {reason}", e);
    }

    [GeneratedRegex(@"\s*LineNumber: \d+ \| BytePositionInLine: \d+\.?\s*$")]
    private static partial Regex ReaderPosition();

    static string Kind(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    static string List(IEnumerable<string> names)
    {
        var text = string.Join(", ", names);
        return text.Length == 0 ? "(none)" : text;
    }

    /// <summary>
    /// Turns byte offsets of the reader's input into file:line:column (column in characters, 1-based). Offsets asked
    /// for in increasing order are found by scanning only the bytes since the previous one.
    /// </summary>
    sealed class Locator
    {
        readonly string file;
        readonly byte[] bytes;
        readonly int start;
        readonly int firstLine;
        int scanned; // offsets are relative to start
        int line;
        int lineStart;

        public Locator(string file, byte[] bytes, int start, int firstLine)
        {
            this.file = file;
            this.bytes = bytes;
            this.start = start;
            this.firstLine = firstLine;
            line = firstLine;
        }

        public (int Line, int Column) Position(long offset)
        {
            int target = (int)Math.Min(offset, bytes.Length - start);
            if (target < scanned)
            {
                scanned = 0;
                line = firstLine;
                lineStart = 0;
            }
            var span = bytes.AsSpan(start);
            for (; scanned < target; scanned++)
            {
                if (span[scanned] == (byte)'\n')
                {
                    line++;
                    lineStart = scanned + 1;
                }
            }
            return (line, Encoding.UTF8.GetCharCount(span[lineStart..target]) + 1);
        }

        public string Where(long offset)
        {
            var (l, c) = Position(offset);
            return $"{file}:{l}:{c}";
        }

        /// <summary>A position as <see cref="JsonException"/> gives it: 0-based line of the input and byte in that line.</summary>
        public string Where(long lineIndex, long byteInLine)
        {
            var span = bytes.AsSpan(start);
            int offset = 0;
            for (long l = 0; l < lineIndex && offset < span.Length; offset++)
            {
                if (span[offset] == (byte)'\n')
                {
                    l++;
                }
            }

            return Where(offset + byteInLine);
        }
    }
}
