using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace RegressionGuard.Suites.Sandbox;

/// <summary>
/// Text of input files is UTF-8 (an optional byte-order mark is dropped). Anything else is an error naming the file
/// and the byte offset of the first bad byte — never a silent U+FFFD.
/// </summary>
public static class StrictUtf8
{
    /// <summary>The text of <paramref name="bytes"/>; <paramref name="file"/> is what the error names.</summary>
    /// <exception cref="InvalidDataException">The bytes are not UTF-8.</exception>
    public static string Decode(ReadOnlySpan<byte> bytes, string file)
    {
        if (bytes.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        var chars = new char[bytes.Length];
        var status = Utf8.ToUtf16(bytes, chars, out int read, out int written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            throw NotUtf8(file, read, bytes[read..]);
        }

        return new string(chars, 0, written);
    }

    /// <summary>The text of the file at <paramref name="path"/>, which must be UTF-8 (a BOM is dropped).</summary>
    /// <exception cref="InvalidDataException">The file is not UTF-8 (the message gives the byte offset).</exception>
    public static string ReadAllText(string path) => Decode(File.ReadAllBytes(path), path);

    /// <summary>The lines of the UTF-8 file at <paramref name="path"/>, split as <see cref="File.ReadLines(string)"/> splits them.</summary>
    public static IEnumerable<string> ReadLines(string path)
    {
        using var reader = new StringReader(ReadAllText(path));
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    /// <summary>Reads <paramref name="stream"/> to the end, checking that it is UTF-8; returns its byte count.</summary>
    /// <exception cref="InvalidDataException">The bytes are not UTF-8 (the message gives the offset).</exception>
    public static long Check(Stream stream, string file, Action<ReadOnlySpan<byte>>? alsoSee = null)
    {
        var buffer = new byte[1 << 16];
        var chars = new char[buffer.Length];
        int carried = 0;
        long offset = 0; // of buffer[0] in the file
        while (true)
        {
            int n = stream.Read(buffer, carried, buffer.Length - carried);
            alsoSee?.Invoke(buffer.AsSpan(carried, n));
            int length = carried + n;
            bool final = n == 0;
            var status = Utf8.ToUtf16(buffer.AsSpan(0, length), chars, out int read, out _, replaceInvalidSequences: false, isFinalBlock: final);
            if (status == OperationStatus.InvalidData || (final && status == OperationStatus.NeedMoreData))
            {
                throw NotUtf8(file, offset + read, buffer.AsSpan(read, length - read));
            }

            if (final)
            {
                return offset + length;
            }

            carried = length - read;
            buffer.AsSpan(read, carried).CopyTo(buffer);
            offset += read;
        }
    }

    static InvalidDataException NotUtf8(string file, long offset, ReadOnlySpan<byte> rest)
    {
        var shown = string.Join(' ', rest[..Math.Min(4, rest.Length)].ToArray().Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));
        return new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
            $"{file}: not valid UTF-8 at byte offset {offset} (bytes {shown}); save the file as UTF-8"));
    }
}
