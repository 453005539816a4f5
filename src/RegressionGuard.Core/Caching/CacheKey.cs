using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RegressionGuard.Caching;

/// <summary>
/// The identity of a cache entry: a <see cref="Kind"/> (what sort of thing is stored, also the entry's folder) and an
/// ordered list of named parts (weights hash, tokenizer hash, suite hash, settings, ...). <see cref="Value"/> is the
/// SHA-256 (64 lowercase hex digits) of a canonical encoding of the kind and the parts, so changing, adding, removing
/// or reordering any part gives a different key.
/// <para>
/// Encoding (format 1): the tag <c>RegressionGuard.CacheKey/1</c>, the kind, the number of parts, then each part's
/// name and value. Every string is UTF-8 preceded by its byte count and the part count is a number of its own, both
/// as 4-byte little-endian integers, so no two different lists of parts encode the same way (<c>("ab", "c")</c> and
/// <c>("a", "bc")</c> differ). Changing this encoding changes every key and so empties every cache.
/// </para>
/// </summary>
public sealed class CacheKey : IEquatable<CacheKey>
{
    /// <summary>The longest kind accepted (it becomes a folder name).</summary>
    public const int MaxKindLength = 64;

    const string EncodingTag = "RegressionGuard.CacheKey/1";

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    CacheKey(string kind, IReadOnlyList<KeyValuePair<string, string>> parts, string value)
    {
        Kind = kind;
        Parts = parts;
        Value = value;
    }

    /// <summary>What sort of thing the entry holds, e.g. <c>suite-result</c>; the entry lives under a folder of this name.</summary>
    public string Kind { get; }

    /// <summary>The named parts, in the order given to <see cref="Create"/>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parts { get; }

    /// <summary>SHA-256 of the canonical encoding, 64 lowercase hex digits.</summary>
    public string Value { get; }

    /// <summary>
    /// A key of the given kind from named parts, e.g.
    /// <c>CacheKey.Create("suite-result", ("model", weightsHash), ("tokenizer", tokenizerHash), ("suite", suiteHash))</c>.
    /// </summary>
    /// <param name="kind">Lowercase letters, digits, <c>.</c>, <c>_</c> and <c>-</c>, starting with a letter or digit,
    /// at most <see cref="MaxKindLength"/> characters (it is used as a folder name).</param>
    /// <param name="parts">Names must be non-empty and distinct; values may be any string, empty included. Order matters.</param>
    /// <exception cref="ArgumentException">The kind is not a usable folder name, or a part name is empty or repeated.</exception>
    public static CacheKey Create(string kind, params (string Name, string Value)[] parts)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(parts);
        CheckKind(kind);

        var list = new List<KeyValuePair<string, string>>(parts.Length);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in parts)
        {
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException($"cache key '{kind}': part {list.Count + 1} has an empty name; every part needs one", nameof(parts));
            }

            if (value is null)
            {
                throw new ArgumentException($"cache key '{kind}': part '{name}' has a null value; use an empty string for \"none\"", nameof(parts));
            }

            if (!seen.Add(name))
            {
                throw new ArgumentException($"cache key '{kind}': part '{name}' is given twice; part names must be distinct", nameof(parts));
            }

            list.Add(new KeyValuePair<string, string>(name, value));
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendString(hash, EncodingTag);
        AppendString(hash, kind);
        AppendInt32(hash, list.Count);
        foreach (var (name, value) in list)
        {
            try
            {
                AppendString(hash, name);
                AppendString(hash, value);
            }
            catch (EncoderFallbackException)
            {
                throw new ArgumentException(
                    $"cache key '{kind}': part '{Escape(name)}' holds a lone UTF-16 surrogate, which has no UTF-8 form; pass well-formed text (or hex for bytes)",
                    nameof(parts));
            }
        }
        return new CacheKey(kind, list.AsReadOnly(), Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>
    /// A human-readable account of the key for debugging, stored beside each entry: the first line is
    /// <c>kind key</c>, then one line <c>  name = value</c> per part, in order (control characters in values shown as
    /// escapes such as <c>\n</c>).
    /// </summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(Kind).Append(' ').Append(Value).Append('\n');
        foreach (var (name, value) in Parts)
        {
            text.Append("  ").Append(Escape(name)).Append(" = ").Append(Escape(value)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary><c>kind/value</c>.</summary>
    public override string ToString() => $"{Kind}/{Value}";

    /// <inheritdoc/>
    public bool Equals(CacheKey? other) => other is not null && Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as CacheKey);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <summary>Keys are equal when their <see cref="Value"/>s are.</summary>
    public static bool operator ==(CacheKey? left, CacheKey? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Keys differ when their <see cref="Value"/>s do.</summary>
    public static bool operator !=(CacheKey? left, CacheKey? right) => !(left == right);

    /// <summary>Whether <paramref name="text"/> has the form of a key value: 64 lowercase hex digits.</summary>
    internal static bool IsKeyValue(ReadOnlySpan<char> text)
    {
        if (text.Length != 64)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="kind"/> is accepted as a kind (and so as a folder name).</summary>
    internal static bool IsValidKind(string kind)
    {
        if (kind.Length is 0 or > MaxKindLength)
        {
            return false;
        }

        if (!char.IsAsciiLetterLower(kind[0]) && !char.IsAsciiDigit(kind[0]))
        {
            return false;
        }

        foreach (var c in kind)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    static void CheckKind(string kind)
    {
        if (!IsValidKind(kind))
        {
            throw new ArgumentException(
                $"cache key kind '{Escape(kind)}' is not usable as a folder name: use 1 to {MaxKindLength} lowercase letters, digits, '.', '_' or '-', starting with a letter or digit",
                nameof(kind));
        }
    }

    static void AppendString(IncrementalHash hash, string text)
    {
        var bytes = StrictUtf8.GetBytes(text);
        AppendInt32(hash, bytes.Length);
        hash.AppendData(bytes);
    }

    static void AppendInt32(IncrementalHash hash, int value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, value);
        hash.AppendData(buffer);
    }

    static string Escape(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\n': escaped.Append("\\n"); break;
                case '\r': escaped.Append("\\r"); break;
                case '\t': escaped.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        escaped.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        escaped.Append(c);
                    }

                    break;
            }
        }
        return escaped.ToString();
    }
}
