using RegressionGuard.Caching;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Caching;

public sealed class MappedReadTests
{
    static readonly CacheKey Key = CacheKey.Create("mapped", ("model", "m1"));

    /// <summary>A cache holding a 100,000-byte entry under <see cref="Key"/> whose payload byte <paramref name="offset"/> was then XORed with <paramref name="mask"/>.</summary>
    static ContentCache StoredThenFlipped(TempFolder dir, List<string> problems, int offset, byte mask)
    {
        var cache = new ContentCache(dir.Path, problems.Add);
        cache.Put(Key, Payload(100_000));
        var path = cache.PathFor(Key);
        var bytes = File.ReadAllBytes(path);
        bytes[ContentCache.HeaderSize + offset] ^= mask;
        File.WriteAllBytes(path, bytes);
        return cache;
    }

    static byte[] Payload(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 ^ i >> 8)).ToArray();

    [Test]
    public void A_stored_payload_is_read_straight_from_the_mapping_and_counted_as_a_hit()
    {
        // Given a 3 MB payload (several hashing slices) in the cache
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        var payload = Payload(3_000_000);
        cache.Put(Key, payload);

        // When it is read mapped, as a copy and as an int at an offset
        bool hit = cache.TryReadMapped(Key, p => (p.Bytes(0, (int)p.Length).ToArray(), p.Int32(1000)), out var read);

        // Then the bytes are the payload's, and the read is a verified hit
        Assert.That(hit, Is.True);
        Assert.That(read.Item1, Is.EqualTo(payload));
        Assert.That(read.Item2, Is.EqualTo(BitConverter.ToInt32(payload, 1000)));
        Assert.That((cache.Hits, cache.Misses, cache.Discarded), Is.EqualTo((1L, 0L, 0L)));
    }

    [Test]
    public void A_flipped_payload_byte_discards_what_the_reader_returned_and_is_a_reported_miss()
    {
        // Given an entry with one payload byte flipped after it was stored
        using var dir = new TempFolder();
        var problems = new List<string>();
        var cache = StoredThenFlipped(dir, problems, 54_321, 0x01);
        var path = cache.PathFor(Key);

        // When it is read mapped (the reader itself sees nothing wrong)
        int calls = 0;
        bool hit = cache.TryReadMapped(Key, p => ++calls, out var value);

        // Then the reader ran once, its value is dropped, the entry is reported as corrupt and deleted
        Assert.That(calls, Is.EqualTo(1));
        Assert.That(hit, Is.False);
        Assert.That(value, Is.Zero);
        Assert.That(problems.Single(), Does.StartWith($"cache entry {path} is corrupt: checksum mismatch").And.EndWith("; discarding it"));
        Assert.That(File.Exists(path), Is.False);
        Assert.That((cache.Hits, cache.Misses, cache.Discarded), Is.EqualTo((0L, 1L, 1L)));
    }

    [Test]
    public void A_payload_the_reader_cannot_read_is_reported_and_discarded()
    {
        // Given an intact entry the reader reads past the end of
        using var dir = new TempFolder();
        var problems = new List<string>();
        var cache = new ContentCache(dir.Path, problems.Add);
        cache.Put(Key, Payload(10));

        // When it is read mapped
        bool hit = cache.TryReadMapped(Key, p => p.Int32(8), out _);

        // Then the entry is reported with the reader's reason and discarded
        Assert.That(hit, Is.False);
        Assert.That(problems.Single(), Is.EqualTo($"cache entry {cache.PathFor(Key)} has a payload this build cannot read (the cached payload ends at byte 10, but 4 bytes at 8 were wanted); discarding it"));
    }

    [Test]
    public void An_absent_key_is_a_plain_miss_and_the_reader_never_runs()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        Assert.That(cache.TryReadMapped(Key, p => throw new AssertionException("the reader ran"), out object? _), Is.False);
        Assert.That((cache.Hits, cache.Misses, cache.Discarded), Is.EqualTo((0L, 1L, 0L)));
    }

    [Test]
    public void An_opened_entry_is_read_in_place_and_verified_once_it_is_asked()
    {
        // Given a 3 MB payload in the cache
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        var payload = Payload(3_000_000);
        cache.Put(Key, payload);

        // When it is opened mapped, read, then verified twice
        Assert.That(cache.TryOpenMapped(Key, out var opened), Is.True);
        var entry = opened!;
        using (entry)
        {
            var read = entry.Payload.Bytes(0, (int)entry.Payload.Length).ToArray();

            // Then the bytes are the payload's, the check passes each time and the read is one hit
            Assert.That(read, Is.EqualTo(payload));
            Assert.That(entry.Verify(), Is.Null);
            Assert.That(entry.Verify(), Is.Null);
        }

        Assert.That((cache.Hits, cache.Misses, cache.Discarded), Is.EqualTo((1L, 0L, 0L)));
        Assert.Throws<ObjectDisposedException>(() => entry.Payload.Bytes(0, 1), "the payload is unmapped with its entry");
    }

    [Test]
    public void A_flipped_byte_in_an_opened_entry_is_found_by_verify_reported_once_and_never_a_hit()
    {
        // Given an entry with one payload byte flipped after it was stored
        using var dir = new TempFolder();
        var problems = new List<string>();
        var cache = StoredThenFlipped(dir, problems, 99_999, 0x80);
        var path = cache.PathFor(Key);

        // When it is opened (the header is intact) and verified twice
        Assert.That(cache.TryOpenMapped(Key, out var opened), Is.True);
        var entry = opened!;
        using (entry)
        {
            var first = entry.Verify();
            var second = entry.Verify();

            // Then both name the mismatch; it is reported once, the file deleted, and the read counted as a discarded miss
            Assert.That(first, Does.StartWith($"cache entry {path} is corrupt: checksum mismatch"));
            Assert.That(second, Is.EqualTo(first));
        }

        Assert.That(problems.Single(), Does.StartWith($"cache entry {path} is corrupt: checksum mismatch").And.EndWith("; discarding it"));
        Assert.That(File.Exists(path), Is.False);
        Assert.That((cache.Hits, cache.Misses, cache.Discarded), Is.EqualTo((0L, 1L, 1L)));
    }
}
