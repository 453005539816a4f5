using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RegressionGuard.Gate.Sharding;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> (1-based, written <c>i/N</c>). Work is assigned by a stable hash of
/// what it is, never by its position: a suite item by suite id and item id (every item lands in exactly one shard, and
/// adding an item moves no other item to another shard); the L_f corpus in whole scoring groups of documents, by
/// their texts (<see cref="SelectGroups"/>), so that sharded L_f is bit for bit the unsharded one.
/// </summary>
public sealed record ShardSpec(int Index, int Count)
{
    /// <summary>The largest N accepted: more jobs than this is a typo, not a plan.</summary>
    public const int MaxCount = 4096;

    /// <summary>Reads <c>i/N</c> with 1 ≤ i ≤ N ≤ <see cref="MaxCount"/>; <paramref name="error"/> says what is wrong otherwise.</summary>
    public static bool TryParse(string? text, out ShardSpec? shard, out string? error)
    {
        shard = null;
        error = null;
        var parts = (text ?? "").Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count))
        {
            error = $"expected i/N, the shard i of N jobs (e.g. 2/5), got '{text}'";
            return false;
        }

        if (count < 1 || count > MaxCount)
        {
            error = $"N must be 1 to {MaxCount}, got '{text}'";
            return false;
        }

        if (index < 1 || index > count)
        {
            error = $"i must be 1 to N ({count}): shards are numbered 1/{count} to {count}/{count}, got '{text}'";
            return false;
        }

        shard = new ShardSpec(index, count);
        return true;
    }

    /// <summary>The shard (1 to <paramref name="count"/>) that owns <paramref name="key"/>: SHA-256 of its UTF-8 bytes, modulo N.</summary>
    public static int Of(string key, int count)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % (ulong)count) + 1;
    }

    /// <summary>The key of a suite item: its suite's id and its own (content-hash) id.</summary>
    public static string ItemKey(string suite, string item) => $"item\n{suite}\n{item}";

    /// <summary>The key of a corpus document: its text.</summary>
    public static string DocumentKey(string text) => $"document\n{text}";

    /// <summary>The key of an L_f scoring group (<see cref="Forgetting.ForgettingGroups"/>): its documents' keys, in order.</summary>
    public static string GroupKey(IEnumerable<string> documentKeys) => $"group\n{string.Join("\n\0", documentKeys)}";

    public bool Owns(string key) => Of(key, Count) == Index;

    /// <summary>The positions (in order) of the elements this shard owns.</summary>
    public int[] Select<T>(IReadOnlyList<T> all, Func<T, string> key)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentNullException.ThrowIfNull(key);
        return Enumerable.Range(0, all.Count).Where(i => Owns(key(all[i]))).ToArray();
    }

    /// <summary>
    /// The positions (in order) of the L_f corpus documents this shard owns. Documents go to shards in whole scoring
    /// groups (<see cref="Forgetting.ForgettingGroups"/> of <paramref name="groupSize"/>, the batch size, from each
    /// document's number of scored positions in <paramref name="documentPositions"/>), each group by the key of all its
    /// documents, so every document is scored in the same batch as in the unsharded run and gives the same bits.
    /// </summary>
    public int[] SelectGroups(IReadOnlyList<string> documents, IReadOnlyList<int> documentPositions, int groupSize)
    {
        ArgumentNullException.ThrowIfNull(documents);
        return Forgetting.ForgettingGroups.Of(documentPositions, groupSize)
            .Where(g => Owns(GroupKey(g.Select(d => DocumentKey(documents[d])))))
            .SelectMany(g => g).Order().ToArray();
    }

    public override string ToString() => $"{Index}/{Count}";
}
