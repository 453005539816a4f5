using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using RegressionGuard.Caching;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Caching;

public sealed class ContentCacheTests
{
    static CacheKey Key(string model = "w1", string tokenizer = "t1", string suite = "s1", string settings = "greedy") =>
        CacheKey.Create("suite-result", ("model", model), ("tokenizer", tokenizer), ("suite", suite), ("settings", settings));

    /// <summary>Deterministic bytes that differ with <paramref name="seed"/> and position.</summary>
    static byte[] Payload(int length, int seed)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31) ^ (i >> 8) ^ (seed * 101));
        }

        return bytes;
    }

    static string[] FilesUnder(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f)).Order().ToArray();

    static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [Test]
    public void A_stored_payload_comes_back_from_TryGet_and_OpenRead()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        var key = Key();
        var payload = Payload(10_000, 1);

        cache.Put(key, payload);

        Assert.That(cache.TryGet(key, out var read), Is.True);
        Assert.That(read, Is.EqualTo(payload));
        using (var stream = cache.OpenRead(key))
        {
            Assert.That(stream, Is.Not.Null);
            Assert.That(stream!.Length, Is.EqualTo(payload.Length));
            Assert.That(stream.Position, Is.Zero);
            Assert.That(ReadAll(stream), Is.EqualTo(payload));
            stream.Seek(-10, SeekOrigin.End);
            Assert.That(ReadAll(stream), Is.EqualTo(payload[^10..]));
        }
        Assert.That((cache.Hits, cache.Misses, cache.Discarded), Is.EqualTo((2L, 0L, 0L)));
    }

    [Test]
    public void An_entry_stored_without_a_description_is_one_file_and_reads_back()
    {
        // Given a cache and a small entry of a kind stored by the thousand (a served model's answers)
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        var key = Key();

        // When it is stored unflushed and without a description
        cache.Put(key, Payload(100, 1), flushToDisk: false, describe: false);

        // Then the entry is the only file, it reads back, and the cache lists it with no description
        Assert.That(FilesUnder(dir.Path), Is.EqualTo(new[] { Path.GetRelativePath(dir.Path, cache.PathFor(key)) }));
        Assert.That(cache.TryGet(key, out var read), Is.True);
        Assert.That(read, Is.EqualTo(Payload(100, 1)));
        Assert.That(cache.Entries().Single().DescriptionPath, Is.Null);
    }

    [Test]
    public void An_entry_is_laid_out_by_kind_and_key_prefix_with_its_description_beside_it()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        var key = Key();
        cache.Put(key, Payload(100, 1));

        var path = Path.Combine(dir.Path, "suite-result", key.Value[..2], key.Value + ".bin");
        Assert.That(cache.PathFor(key), Is.EqualTo(path));
        Assert.That(new FileInfo(path).Length, Is.EqualTo(ContentCache.HeaderSize + 100));
        var header = File.ReadAllBytes(path).AsSpan(0, ContentCache.HeaderSize);
        Assert.That(header[..8].ToArray(), Is.EqualTo("RGCACHE1"u8.ToArray()));
        Assert.That(File.ReadAllText(Path.ChangeExtension(path, ".txt")), Is.EqualTo(key.Describe()));
    }

    [Test]
    public void An_absent_key_is_a_miss_and_no_problem()
    {
        using var dir = new TempFolder();
        var problems = new List<string>();
        var cache = new ContentCache(Path.Combine(dir.Path, "not-yet-created"), problems.Add);

        Assert.That(cache.TryGet(Key(), out _), Is.False);
        Assert.That(cache.OpenRead(Key()), Is.Null);
        Assert.That((cache.Hits, cache.Misses, cache.Discarded), Is.EqualTo((0L, 2L, 0L)));
        Assert.That(problems, Is.Empty);
    }

    [Test]
    public void Changing_any_part_of_the_key_misses()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        cache.Put(Key(), Payload(64, 1));

        Assert.That(cache.TryGet(Key(model: "w2"), out _), Is.False);
        Assert.That(cache.TryGet(Key(tokenizer: "t2"), out _), Is.False);
        Assert.That(cache.TryGet(Key(suite: "s2"), out _), Is.False);
        Assert.That(cache.TryGet(Key(settings: "sampled"), out _), Is.False);
        Assert.That(cache.TryGet(CacheKey.Create("distribution", ("model", "w1"), ("tokenizer", "t1"), ("suite", "s1"), ("settings", "greedy")), out _), Is.False);
        Assert.That(cache.TryGet(Key(), out _), Is.True);
        Assert.That((cache.Hits, cache.Misses), Is.EqualTo((1L, 5L)));
    }

    [Test]
    public void An_empty_payload_round_trips()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        cache.Put(Key(), ReadOnlySpan<byte>.Empty);
        Assert.That(cache.TryGet(Key(), out var read), Is.True);
        Assert.That(read, Is.Empty);
        cache.Put(Key(suite: "s2"), _ => { });
        using var stream = cache.OpenRead(Key(suite: "s2"));
        Assert.That(stream!.Length, Is.Zero);
        Assert.That(stream.ReadByte(), Is.EqualTo(-1));
    }

    [Test]
    public void Putting_a_key_again_replaces_its_payload()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        cache.Put(Key(), Payload(500, 1));
        cache.Put(Key(), Payload(20, 2));
        Assert.That(cache.TryGet(Key(), out var read), Is.True);
        Assert.That(read, Is.EqualTo(Payload(20, 2)));
    }

    /// <summary>Stores a 1,024-byte payload, spoils its file with <paramref name="spoil"/>, reads it back (whole or as a
    /// stream) and returns the problems reported; asserts the read missed and the file is gone.</summary>
    static List<string> ReadSpoiled(bool streaming, Action<string> spoil, out string path)
    {
        using var dir = new TempFolder();
        var problems = new List<string>();
        var cache = new ContentCache(dir.Path, problems.Add);
        cache.Put(Key(), Payload(1024, 1));
        path = cache.PathFor(Key());
        spoil(path);

        bool hit = streaming ? cache.OpenRead(Key()) is not null : cache.TryGet(Key(), out _);

        Assert.That(hit, Is.False);
        Assert.That(File.Exists(path), Is.False, "the bad entry should be deleted");
        Assert.That((cache.Hits, cache.Misses, cache.Discarded), Is.EqualTo((0L, 1L, 1L)));
        Assert.That(cache.TryGet(Key(), out _), Is.False, "after discarding, the key is a plain miss");
        Assert.That(problems, Has.Count.EqualTo(1));
        return problems;
    }

    static void Rewrite(string path, Action<byte[]> change)
    {
        var bytes = File.ReadAllBytes(path);
        change(bytes);
        File.WriteAllBytes(path, bytes);
    }

    [Test]
    public void A_truncated_entry_is_reported_deleted_and_missed([Values] bool streaming)
    {
        var problems = ReadSpoiled(streaming, p =>
        {
            using var file = new FileStream(p, FileMode.Open);
            file.SetLength(ContentCache.HeaderSize + 512);
        }, out var path);
        Assert.That(problems[0], Is.EqualTo($"cache entry {path} is truncated: header says 1,024 bytes, file holds 512; discarding it"));
    }

    [Test]
    public void A_file_shorter_than_its_header_is_reported_as_truncated()
    {
        var problems = ReadSpoiled(false, p =>
        {
            using var file = new FileStream(p, FileMode.Open);
            file.SetLength(40);
        }, out var path);
        Assert.That(problems[0], Is.EqualTo(
            $"cache entry {path} is truncated: it holds 40 bytes, less than the {ContentCache.HeaderSize}-byte header; discarding it"));
    }

    [Test]
    public void A_flipped_payload_byte_is_reported_as_a_checksum_mismatch([Values] bool streaming)
    {
        var problems = ReadSpoiled(streaming, p => Rewrite(p, b => b[ContentCache.HeaderSize + 700] ^= 0x10), out var path);
        Assert.That(problems[0], Does.StartWith($"cache entry {path} is corrupt: checksum mismatch, the payload's XXH128 is "));
        Assert.That(problems[0], Does.EndWith("; discarding it"));
    }

    [Test]
    public void A_file_with_the_wrong_magic_is_discarded()
    {
        var problems = ReadSpoiled(false, p => Rewrite(p, b => "GARBAGE!"u8.CopyTo(b)), out var path);
        Assert.That(problems[0], Is.EqualTo(
            $"cache entry {path} is not a RegressionGuard cache entry: wrong magic, it starts with {Convert.ToHexStringLower("GARBAGE!"u8)} instead of \"RGCACHE1\"; discarding it"));
    }

    [Test]
    public void An_unknown_format_version_is_discarded()
    {
        var problems = ReadSpoiled(false, p => Rewrite(p, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(8), 7)), out var path);
        Assert.That(problems[0], Is.EqualTo($"cache entry {path} has format version 7; this build reads version 2; discarding it"));
    }

    [Test]
    public void Stray_bytes_after_the_payload_are_reported()
    {
        var problems = ReadSpoiled(true, p => File.AppendAllText(p, "extra"), out var path);
        Assert.That(problems[0], Is.EqualTo(
            $"cache entry {path} has 5 stray bytes after its payload: header says 1,024 bytes, file holds 1,029; discarding it"));
    }

    [Test]
    public void An_entry_moved_to_another_keys_path_is_reported_as_a_key_mismatch([Values] bool streaming)
    {
        using var dir = new TempFolder();
        var problems = new List<string>();
        var cache = new ContentCache(dir.Path, problems.Add);
        var stored = Key(model: "w1");
        var wanted = Key(model: "w2");
        cache.Put(stored, Payload(300, 1));
        var wantedPath = cache.PathFor(wanted);
        Directory.CreateDirectory(Path.GetDirectoryName(wantedPath)!);
        File.Move(cache.PathFor(stored), wantedPath);

        bool hit = streaming ? cache.OpenRead(wanted) is not null : cache.TryGet(wanted, out _);

        Assert.That(hit, Is.False);
        Assert.That(problems, Is.EqualTo(new[]
        {
            $"cache entry {wantedPath} holds key {stored.Value}, not {wanted.Value}: key mismatch (was it moved or renamed from another entry?); discarding it",
        }));
        Assert.That(File.Exists(wantedPath), Is.False);
        Assert.That(cache.Discarded, Is.EqualTo(1));
    }

    [Test]
    public void Concurrent_writers_of_one_key_never_let_a_reader_see_anything_but_a_complete_payload()
    {
        using var dir = new TempFolder();
        var problems = new ConcurrentQueue<string>();
        var cache = new ContentCache(dir.Path, problems.Enqueue);
        var key = Key();
        const int writers = 8, putsEach = 50, readers = 3;
        // One payload per writer, each of a different size, so a mix of two versions could not pass for either.
        var payloads = Enumerable.Range(0, writers).Select(w => Payload(3_000 + w * 4_111, w + 1)).ToArray();
        var bySize = payloads.ToDictionary(p => p.Length);
        var failures = new ConcurrentQueue<string>();
        int writersLeft = writers, hits = 0;

        void Check(byte[]? read, string how)
        {
            if (read is null)
            {
                return;
            }

            Interlocked.Increment(ref hits);
            if (!bySize.TryGetValue(read.Length, out var expected) || !read.AsSpan().SequenceEqual(expected))
            {
                failures.Enqueue($"{how} returned {read.Length} bytes that match no payload written");
            }
        }

        var threads = new List<Thread>();
        for (int w = 0; w < writers; w++)
        {
            int writer = w;
            threads.Add(new Thread(() =>
            {
                try
                {
                    for (int i = 0; i < putsEach; i++)
                    {
                        var payload = payloads[(writer + i) % writers];
                        if (i % 2 == 0)
                        {
                            cache.Put(key, payload);
                        }
                        else
                        {
                            cache.Put(key, s => { s.Write(payload, 0, payload.Length / 3); s.Write(payload, payload.Length / 3, payload.Length - payload.Length / 3); });
                        }
                    }
                }
                catch (Exception ex) { failures.Enqueue($"writer {writer}: {ex}"); }
                finally { Interlocked.Decrement(ref writersLeft); }
            }));
        }
        for (int r = 0; r < readers; r++)
        {
            int reader = r;
            threads.Add(new Thread(() =>
            {
                try
                {
                    for (int i = 0; Volatile.Read(ref writersLeft) > 0; i++)
                    {
                        if ((i + reader) % 2 == 0)
                        {
                            Check(cache.TryGet(key, out var read) ? read : null, "TryGet");
                        }
                        else
                        {
                            using var stream = cache.OpenRead(key);
                            Check(stream is null ? null : ReadAll(stream), "OpenRead");
                        }
                    }
                }
                catch (Exception ex) { failures.Enqueue($"reader {reader}: {ex}"); }
            }));
        }
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.That(failures, Is.Empty);
        Assert.That(problems, Is.Empty);
        Assert.That(cache.Discarded, Is.Zero);
        Assert.That(hits, Is.GreaterThan(0));
        Assert.That(cache.TryGet(key, out var final), Is.True);
        Assert.That(payloads, Has.Some.EqualTo(final));
        Assert.That(FilesUnder(dir.Path).Where(f => f.Contains(".tmp-")), Is.Empty);
    }

    [Test]
    public void A_50_MB_streamed_payload_round_trips()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        var key = CacheKey.Create("distribution", ("model", "base"), ("corpus", "c1"));
        const int chunks = 50, chunkSize = 1024 * 1024;
        var chunk = Payload(chunkSize, 7);
        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        cache.Put(key, stream =>
        {
            for (int i = 0; i < chunks; i++)
            {
                chunk[0] = (byte)i; // every chunk differs, so a misplaced chunk would show
                stream.Write(chunk);
                expected.AppendData(chunk);
            }
        });

        using var read = cache.OpenRead(key);
        Assert.That(read, Is.Not.Null);
        Assert.That(read!.Length, Is.EqualTo((long)chunks * chunkSize));
        using var actual = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[256 * 1024];
        long total = 0;
        for (int n; (n = read.Read(buffer)) > 0; total += n)
        {
            actual.AppendData(buffer, 0, n);
        }

        Assert.That(total, Is.EqualTo((long)chunks * chunkSize));
        Assert.That(actual.GetHashAndReset(), Is.EqualTo(expected.GetHashAndReset()));
    }

    [Test]
    public void No_temp_files_remain_after_either_kind_of_put()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        var key = Key();
        cache.Put(key, Payload(100, 1));
        cache.Put(Key(suite: "s2"), s => s.Write(Payload(100, 2)));
        var shardA = Path.Combine("suite-result", key.Value[..2]);
        var keyB = Key(suite: "s2").Value;
        var shardB = Path.Combine("suite-result", keyB[..2]);
        Assert.That(FilesUnder(dir.Path), Is.EquivalentTo(new[]
        {
            Path.Combine(shardA, key.Value + ".bin"), Path.Combine(shardA, key.Value + ".txt"),
            Path.Combine(shardB, keyB + ".bin"), Path.Combine(shardB, keyB + ".txt"),
        }));
    }

    [Test]
    public void A_writer_that_throws_stores_nothing_and_leaves_the_old_entry_alone()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        cache.Put(Key(), Payload(100, 1));

        Assert.That(() => cache.Put(Key(), s =>
        {
            s.Write(Payload(5000, 2));
            throw new InvalidOperationException("serialiser failed");
        }), Throws.InvalidOperationException.With.Message.EqualTo("serialiser failed"));

        Assert.That(cache.TryGet(Key(), out var read), Is.True);
        Assert.That(read, Is.EqualTo(Payload(100, 1)));
        Assert.That(FilesUnder(dir.Path).Where(f => f.Contains(".tmp-")), Is.Empty);
    }

    [Test]
    public void The_stream_given_to_a_writer_refuses_writes_once_the_writer_has_returned()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        Stream? kept = null;
        cache.Put(Key(), s => { s.Write(Payload(10, 1)); kept = s; });
        Assert.That(() => kept!.Write(Payload(10, 2)), Throws.TypeOf<ObjectDisposedException>());
        Assert.That(cache.TryGet(Key(), out var read), Is.True);
        Assert.That(read, Is.EqualTo(Payload(10, 1)));
    }

    [Test]
    public void Temp_files_older_than_an_hour_are_removed_on_construction_and_younger_ones_kept()
    {
        using var dir = new TempFolder();
        var key = Key();
        var entry = new ContentCache(dir.Path).PathFor(key);
        Directory.CreateDirectory(Path.GetDirectoryName(entry)!);
        var stale = entry + ".tmp-123-aaaa";
        var fresh = entry + ".tmp-123-bbbb";
        var foreign = Path.Combine(Path.GetDirectoryName(entry)!, "notes.tmp-1");
        foreach (var file in new[] { stale, fresh, foreign })
        {
            File.WriteAllText(file, "partial");
        }

        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-2));
        File.SetLastWriteTimeUtc(foreign, DateTime.UtcNow.AddHours(-2));

        _ = new ContentCache(dir.Path);

        Assert.That(File.Exists(stale), Is.False);
        Assert.That(File.Exists(fresh), Is.True);
        Assert.That(File.Exists(foreign), Is.True, "files that are not the cache's own are left alone");
    }

    [Test]
    public void Entries_lists_what_is_stored_and_Clear_removes_it_but_not_foreign_files()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        var a = Key();
        var b = CacheKey.Create("distribution", ("model", "base"));
        cache.Put(a, Payload(10, 1));
        cache.Put(b, Payload(20, 2));
        File.WriteAllText(Path.Combine(dir.Path, "README"), "mine");

        var entries = cache.Entries().OrderBy(e => e.Kind).ToList();
        Assert.That(entries.Select(e => (e.Kind, e.Key, e.Bytes)), Is.EqualTo(new[]
        {
            ("distribution", b.Value, ContentCache.HeaderSize + 20L),
            ("suite-result", a.Value, ContentCache.HeaderSize + 10L),
        }));
        Assert.That(entries.Select(e => e.Path), Is.EqualTo(new[] { cache.PathFor(b), cache.PathFor(a) }));
        Assert.That(File.ReadAllText(entries[0].DescriptionPath!), Is.EqualTo(b.Describe()));

        Assert.That(cache.Clear(), Is.EqualTo(2));

        Assert.That(cache.Entries(), Is.Empty);
        Assert.That(FilesUnder(dir.Path), Is.EqualTo(new[] { "README" }));
        Assert.That(Directory.EnumerateDirectories(dir.Path), Is.Empty, "emptied folders are removed");
        Assert.That(cache.TryGet(a, out _), Is.False);
        cache.Put(a, Payload(10, 1));
        Assert.That(cache.TryGet(a, out _), Is.True, "the cache still works after clearing");
    }

    [Test]
    public void Remove_deletes_one_entry()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        cache.Put(Key(), Payload(10, 1));
        cache.Put(Key(suite: "s2"), Payload(10, 2));
        Assert.That(cache.Remove(Key()), Is.True);
        Assert.That(cache.Remove(Key()), Is.False);
        Assert.That(cache.TryGet(Key(), out _), Is.False);
        Assert.That(cache.TryGet(Key(suite: "s2"), out _), Is.True);
    }

    static string Resolve(Dictionary<string, string> environment, bool windows = false) =>
        ContentCache.ResolveDefaultFolder(
            name => environment.GetValueOrDefault(name),
            folder => folder == Environment.SpecialFolder.LocalApplicationData ? "/appdata/local" : "/home/fallback",
            windows);

    [Test]
    [Platform(Exclude = "Win", Reason = "the expected paths are POSIX paths")]
    public void The_default_folder_follows_REGRESSIONGUARD_CACHE_then_XDG_CACHE_HOME_then_home()
    {
        Assert.That(Resolve(new() { ["REGRESSIONGUARD_CACHE"] = "/data/rg", ["XDG_CACHE_HOME"] = "/xdg" }), Is.EqualTo("/data/rg"));
        Assert.That(Resolve(new() { ["XDG_CACHE_HOME"] = "/xdg", ["HOME"] = "/home/me" }), Is.EqualTo("/xdg/regressionguard"));
        Assert.That(Resolve(new() { ["XDG_CACHE_HOME"] = "relative/ignored", ["HOME"] = "/home/me" }), Is.EqualTo("/home/me/.cache/regressionguard"));
        Assert.That(Resolve(new() { ["REGRESSIONGUARD_CACHE"] = "" }), Is.EqualTo("/home/fallback/.cache/regressionguard"));
        Assert.That(Resolve(new() { ["HOME"] = "/home/me" }, windows: true), Is.EqualTo(Path.Combine("/appdata/local", "RegressionGuard", "cache")));
    }

    [Test]
    public void An_entry_path_taken_by_a_folder_is_a_warned_miss_and_storing_there_is_skipped()
    {
        // Given a cache whose entry path for a key is a folder
        using var dir = new TempFolder();
        var problems = new List<string>();
        var cache = new ContentCache(dir.File("cache"), problems.Add);
        var key = CacheKey.Create("suite-result", ("a", "b"));
        Directory.CreateDirectory(cache.PathFor(key));

        // When the key is stored and read
        cache.Put(key, [1, 2, 3]);
        cache.Put(key, s => s.WriteByte(1));
        var hit = cache.TryGet(key, out _);

        // Then nothing throws, it is a miss, and the problem is reported
        Assert.That(hit, Is.False);
        Assert.That(problems, Has.Some.Contains("could not be written").And.Some.Contains(cache.PathFor(key)));
    }

    [Test]
    public void A_cache_folder_that_is_a_file_is_warned_about_and_work_goes_on_uncached()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("cache"), "not a folder");
        var problems = new List<string>();
        var cache = new ContentCache(dir.File("cache"), problems.Add);
        var key = CacheKey.Create("suite-result", ("a", "b"));

        cache.Put(key, [1, 2, 3]);

        Assert.That(cache.TryGet(key, out _), Is.False);
        Assert.That(problems, Has.One.Contains("continuing without caching it"));
    }
}
