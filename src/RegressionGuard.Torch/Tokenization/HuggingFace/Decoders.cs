using System.Text;

namespace RegressionGuard.Torch.Tokenization;

/// <summary>A tokenizer.json <c>decoder</c>: turns the tokens of the ids into text pieces that are then concatenated.</summary>
internal abstract class Decoder
{
    public abstract List<string> DecodeChain(List<string> tokens);
}

/// <summary><c>ByteLevel</c>: byte-level alphabet back to bytes, read as UTF-8 (invalid sequences become U+FFFD).</summary>
internal sealed class ByteLevelDecoder : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var token in tokens)
        {
            var start = bytes.Count;
            var inAlphabet = true;
            foreach (var c in token)
            {
                if (!ByteLevelAlphabet.TryCharToByte(c, out var b))
                {
                    inAlphabet = false;
                    break;
                }
                bytes.Add(b);
            }
            if (!inAlphabet)
            {
                bytes.RemoveRange(start, bytes.Count - start);
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
            }
        }
        return [Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes))];
    }
}

/// <summary><c>Metaspace</c>: the replacement character becomes a space, except in the first token when a prefix was prepended.</summary>
internal sealed class MetaspaceDecoder(char replacement, MetaspacePrepend prepend) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var builder = new StringBuilder(tokens[i].Length);
            foreach (var c in tokens[i])
            {
                if (c != replacement)
                {
                    builder.Append(c);
                }
                else if (i != 0 || prepend == MetaspacePrepend.Never)
                {
                    builder.Append(' ');
                }
            }
            result.Add(builder.ToString());
        }
        return result;
    }
}

/// <summary><c>ByteFallback</c>: runs of "&lt;0xHH&gt;" tokens become their UTF-8 text, or one U+FFFD per byte when invalid.</summary>
internal sealed class ByteFallbackDecoder : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var token in tokens)
        {
            if (ByteOf(token) is byte b)
            {
                pending.Add(b);
                continue;
            }
            Flush(pending, result);
            result.Add(token);
        }
        Flush(pending, result);
        return result;
    }

    static void Flush(List<byte> pending, List<string> result)
    {
        if (pending.Count == 0)
        {
            return;
        }

        try
        {
            result.Add(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(pending.ToArray()));
        }
        catch (DecoderFallbackException)
        {
            for (var k = 0; k < pending.Count; k++)
            {
                result.Add("\uFFFD");
            }
        }
        pending.Clear();
    }

    internal static byte? ByteOf(string token) =>
        token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
        && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var b)
            ? b
            : null;
}

/// <summary><c>Fuse</c>: all tokens into one.</summary>
internal sealed class FuseDecoder : Decoder
{
    public override List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
}

/// <summary><c>Strip</c>: removes up to <c>start</c> leading and <c>stop</c> trailing copies of a character from each token.</summary>
internal sealed class StripDecoder(string content, int start, int stop) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        foreach (var token in tokens)
        {
            var runes = token.EnumerateRunes().Select(r => r.ToString()).ToArray();
            var from = 0;
            while (from < Math.Min(start, runes.Length) && runes[from] == content)
            {
                from++;
            }

            var to = runes.Length;
            for (var k = 0; k < stop && to > from && runes[to - 1] == content; k++)
            {
                to--;
            }

            result.Add(string.Concat(runes[from..to]));
        }
        return result;
    }
}

/// <summary><c>Replace</c>: in each token, every match of a literal string or regex becomes <c>content</c>.</summary>
internal sealed class ReplaceDecoder(Normalizer replace) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens) => tokens.Select(replace.Normalize).ToList();
}

/// <summary><c>Sequence</c>: each decoder on the previous one's tokens.</summary>
internal sealed class SequenceDecoder(IReadOnlyList<Decoder> decoders) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        foreach (var decoder in decoders)
        {
            tokens = decoder.DecodeChain(tokens);
        }

        return tokens;
    }
}
