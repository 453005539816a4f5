namespace RegressionGuard.Torch.Tokenization;

/// <summary>
/// The GPT-2 byte-level alphabet: each of the 256 byte values is written as one printable character, so that
/// byte-level BPE vocabularies can be stored as text. Printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand
/// for themselves; the other 68 bytes, in increasing order, take U+0100, U+0101, … (so space is 'Ġ' U+0120 and
/// newline is 'Ċ' U+010A).
/// </summary>
internal static class ByteLevelAlphabet
{
    static readonly char[] ByteToCharTable = BuildByteToChar();
    static readonly Dictionary<char, byte> CharToByteTable = BuildCharToByte();

    /// <summary>The character standing for <paramref name="b"/>.</summary>
    public static char ByteToChar(byte b) => ByteToCharTable[b];

    /// <summary>The byte that <paramref name="c"/> stands for, or false when <paramref name="c"/> is not in the alphabet.</summary>
    public static bool TryCharToByte(char c, out byte b) => CharToByteTable.TryGetValue(c, out b);

    /// <summary>Writes the UTF-8 bytes of <paramref name="text"/> in the byte-level alphabet.</summary>
    public static string Encode(string text)
    {
        if (!System.Text.Ascii.IsValid(text))
        {
            return EncodeUtf8(text);
        }

        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = ByteToCharTable[source[i]];
            }
        });
    }

    static string EncodeUtf8(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        return string.Create(bytes.Length, bytes, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = ByteToCharTable[source[i]];
            }
        });
    }

    static bool PrintsAsItself(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;

    static char[] BuildByteToChar()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            table[b] = PrintsAsItself(b) ? (char)b : (char)next++;
        }

        return table;
    }

    static Dictionary<char, byte> BuildCharToByte()
    {
        var map = new Dictionary<char, byte>(256);
        for (var b = 0; b < 256; b++)
        {
            map[ByteToCharTable[b]] = (byte)b;
        }

        return map;
    }
}
