using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace RegressionGuard.Caching;

/// <summary>
/// A content-addressed cache of byte payloads on disk: callers compute a <see cref="CacheKey"/> from everything the
/// payload depends on and serialise the payload themselves; this class stores, verifies and hands it back.
/// <para>
/// Layout: <c>folder/&lt;kind&gt;/&lt;first 2 hex digits of the key&gt;/&lt;key&gt;.bin</c>, each entry a small header
/// (magic, format version, payload length, payload XXH128, key; see <see cref="HeaderSize"/>) followed by the payload,
/// with <c>&lt;key&gt;.txt</c> beside it holding <see cref="CacheKey.Describe"/> for people debugging the cache.
/// </para>
/// <para>
/// Writes are atomic: the entry is written to a unique temp file in the same folder
/// (<c>&lt;key&gt;.bin.tmp-&lt;pid&gt;-&lt;guid&gt;</c>), flushed to disk, then renamed over the final name, so readers
/// see either no entry or a complete one; when several writers put the same key, the last rename wins and every
/// version is complete. Entries are never modified in place, so a reader that has opened and verified an entry keeps
/// reading that version even if a writer replaces it meanwhile.
/// </para>
/// <para>
/// Reads verify the magic, version, key, length and checksum (XXH128) before returning any byte (<see cref="TryOpenMapped"/>:
/// before the caller uses what it computed from them, see <see cref="MappedEntry.Verify"/>). A bad entry is reported
/// through the <c>onProblem</c> callback with a message naming the file and what is wrong, deleted, and counted as a
/// miss (and in <see cref="Discarded"/>) so the caller recomputes. If a writer replaces a bad entry between the
/// check and the deletion, the good entry may be deleted too; that costs a recomputation, never a wrong result.
/// </para>
/// <para>An instance is safe to use from several threads, and several processes may share one folder. The callback
/// may be called from any thread that reads.</para>
/// </summary>
public sealed class ContentCache
{
    /// <summary>The environment variable that overrides <see cref="DefaultFolder"/>.</summary>
    public const string EnvironmentVariable = "REGRESSIONGUARD_CACHE";

    /// <summary>Size of an entry's header in bytes; an entry file is this plus its payload.</summary>
    public const int HeaderSize = CacheEntryFormat.HeaderSize;

    /// <summary>Temp files left by writers that died are removed (on construction and by <see cref="Clear"/>) once
    /// they are older than this.</summary>
    public static readonly TimeSpan StaleTempAge = TimeSpan.FromHours(1);

    const string EntryExtension = ".bin";
    const string DescriptionExtension = ".txt";
    const string TempMarker = ".tmp-";
    const int FileBufferSize = 64 * 1024;
    const int HashChunkSize = 1024 * 1024;

    readonly Action<string>? onProblem;
    long hits, misses, discarded;

    /// <summary>A cache in <paramref name="folder"/> (created on the first put). Temp files older than
    /// <see cref="StaleTempAge"/> left there by writers that died are removed.</summary>
    /// <param name="folder">The cache folder; relative paths are made absolute now.</param>
    /// <param name="onProblem">Told about each corrupt entry discarded, unreadable entry or failed clean-up, with a
    /// message naming the file; null to stay silent.</param>
    public ContentCache(string folder, Action<string>? onProblem = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Folder = Path.GetFullPath(folder);
        this.onProblem = onProblem;
        RemoveStaleTempFiles(DateTime.UtcNow - StaleTempAge);
    }

    /// <summary>
    /// Where the cache lives unless told otherwise: <c>$REGRESSIONGUARD_CACHE</c> if set; on Windows
    /// <c>%LOCALAPPDATA%\RegressionGuard\cache</c>; elsewhere <c>$XDG_CACHE_HOME/regressionguard</c> if
    /// <c>XDG_CACHE_HOME</c> is set to an absolute path, else <c>~/.cache/regressionguard</c>.
    /// </summary>
    public static string DefaultFolder =>
        ResolveDefaultFolder(Environment.GetEnvironmentVariable, Environment.GetFolderPath, OperatingSystem.IsWindows());

    /// <summary>The cache folder (absolute).</summary>
    public string Folder { get; }

    /// <summary>Reads that returned a verified payload.</summary>
    public long Hits => Interlocked.Read(ref hits);

    /// <summary>Reads that found no usable entry (absent, unreadable or discarded).</summary>
    public long Misses => Interlocked.Read(ref misses);

    /// <summary>Bad entries found, reported and deleted (each also counted in <see cref="Misses"/>).</summary>
    public long Discarded => Interlocked.Read(ref discarded);

    /// <summary>The path of <paramref name="key"/>'s entry file (which may not exist).</summary>
    public string PathFor(CacheKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Path.Combine(Folder, key.Kind, key.Value[..2], key.Value + EntryExtension);
    }

    /// <summary>
    /// The payload stored under <paramref name="key"/>, read whole and verified; false on a miss (no entry, or a bad
    /// one, which is reported and deleted).
    /// </summary>
    /// <exception cref="InvalidOperationException">The entry is valid but larger than an array can hold; use
    /// <see cref="OpenRead"/>.</exception>
    public bool TryGet(CacheKey key, [MaybeNullWhen(false)] out byte[] payload) =>
        ReadEntry(key, keepsFile: false, (FileStream file, string path, long length, byte[] expected, out byte[] bytes) =>
        {
            if (length > Array.MaxLength)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"cache entry {path} holds {length:N0} bytes, more than one array can hold; read it with OpenRead"));
            }

            bytes = GC.AllocateUninitializedArray<byte>((int)length);
            file.ReadExactly(bytes);
            var actual = XxHash128.Hash(bytes);
            return actual.AsSpan().SequenceEqual(expected) ? null : CacheEntryFormat.ChecksumMismatch(path, expected, actual);
        }, out payload);

    /// <summary>
    /// A read-only, seekable stream over the payload stored under <paramref name="key"/>, or null on a miss (no entry,
    /// or a bad one, which is reported and deleted). The whole payload is checked against its checksum before the
    /// stream is returned, so the entry is read twice; the caller disposes the stream.
    /// </summary>
    public Stream? OpenRead(CacheKey key) =>
        ReadEntry(key, keepsFile: true, (FileStream file, string path, long length, byte[] expected, out Stream stream) =>
        {
            var actual = HashToEnd(file);
            bool good = actual.AsSpan().SequenceEqual(expected);
            stream = good ? new VerifiedPayloadStream(file, HeaderSize, length) : Stream.Null;
            return good ? null : CacheEntryFormat.ChecksumMismatch(path, expected, actual);
        }, out var stream) ? stream : null;

    /// <summary>
    /// Reads the payload stored under <paramref name="key"/> with <paramref name="read"/>, straight from a memory-mapped
    /// view of the entry, while another thread checks the payload's checksum alongside (one pass over the bytes each,
    /// at the same time, instead of a verification pass before the read). <paramref name="value"/> is what
    /// <paramref name="read"/> returned, kept only if the checksum matches; otherwise, or when the header is bad, the
    /// entry is reported, deleted and counted as a miss (false), so the caller recomputes — never a value read from
    /// corrupt bytes. An <see cref="InvalidDataException"/> from <paramref name="read"/> on bytes whose checksum matches
    /// (a payload of another layout under this key) is reported and discarded the same way.
    /// </summary>
    public bool TryReadMapped<T>(CacheKey key, MappedPayloadReader<T> read, [MaybeNullWhen(false)] out T value)
    {
        ArgumentNullException.ThrowIfNull(read);
        value = default;
        if (!TryOpenMapped(key, out var entry))
        {
            return false;
        }

        using (entry)
        {
            T result;
            try
            {
                result = read(entry.Payload);
            }
            catch (InvalidDataException ex)
            {
                entry.Discard($"cache entry {entry.Path} has a payload this build cannot read ({ex.Message})");
                return false;
            }

            if (entry.Verify() is not null)
            {
                return false;
            }

            value = result;
            return true;
        }
    }

    /// <summary>
    /// Opens the payload stored under <paramref name="key"/> as a memory-mapped view and starts checking its checksum on
    /// another thread: the caller reads <see cref="MappedEntry.Payload"/> at once, with no copy and no verification
    /// pass before it, and calls <see cref="MappedEntry.Verify"/> before it uses anything computed from the payload
    /// (a mismatch is then reported, the entry deleted and counted as discarded instead of a hit). False on a miss: no
    /// entry, or one whose header is bad (reported and deleted). The caller disposes the entry.
    /// </summary>
    public bool TryOpenMapped(CacheKey key, [MaybeNullWhen(false)] out MappedEntry entry) =>
        ReadEntry(key, keepsFile: true, (FileStream file, string path, long length, byte[] expected, out MappedEntry opened) =>
        {
            opened = new MappedEntry(this, file, path, length, expected);
            return null;
        }, out entry);

    /// <summary>An entry opened (and counted as a hit) whose payload turned out bad: a miss, reported, deleted.</summary>
    internal void DiscardOpened(string path, string problem)
    {
        Interlocked.Decrement(ref hits);
        Discard(path, problem);
    }

    /// <summary>Reads <paramref name="file"/>'s payload (after a good header): null on success, else what is wrong with the entry.</summary>
    delegate string? EntryReader<T>(FileStream file, string path, long length, byte[] expected, out T value);

    /// <summary>
    /// The frame of every read: open the entry, check its header, run <paramref name="read"/>. A missing entry is a miss;
    /// a bad header or what <paramref name="read"/> finds wrong is reported, the entry deleted and counted as a miss; an
    /// unreadable file is reported as a miss. <paramref name="keepsFile"/>: on a hit the value owns the open file (a stream).
    /// </summary>
    bool ReadEntry<T>(CacheKey key, bool keepsFile, EntryReader<T> read, [MaybeNullWhen(false)] out T value)
    {
        value = default;
        var path = PathFor(key);
        var file = OpenEntry(path);
        if (file is null)
        {
            return false;
        }

        string? problem;
        bool handedOver = false;
        try
        {
            problem = CheckHeader(file, path, key, out long length, out byte[] expected);
            if (problem is null)
            {
                problem = read(file, path, length, expected, out var result);
                if (problem is null)
                {
                    Interlocked.Increment(ref hits);
                    handedOver = keepsFile;
                    value = result;
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Unreadable(path, ex);
        }
        finally
        {
            if (!handedOver)
            {
                file.Dispose();
            }
        }
        return Discard(path, problem);
    }

    internal static unsafe byte[] HashMapped(nint start, long length)
    {
        var hash = new XxHash128();
        for (long offset = 0; offset < length; offset += HashChunkSize)
        {
            hash.Append(new ReadOnlySpan<byte>((byte*)start + offset, (int)Math.Min(HashChunkSize, length - offset)));
        }

        return hash.GetHashAndReset();
    }

    /// <summary>
    /// Stores <paramref name="payload"/> under <paramref name="key"/>, replacing any entry there, atomically. With
    /// <paramref name="flushToDisk"/> false the entry is not forced to the disk before it is renamed into place: it still
    /// survives a killed process (the operating system holds it), and after a power loss a torn entry fails its
    /// length and XXH128 check on read and is recomputed — for many small entries that are cheap to ask for again
    /// (a served model's answers), where a flush per entry would cost more than the work. With
    /// <paramref name="describe"/> false no description file is written beside the entry (one file instead of two,
    /// for entries so many and so small that a description each would double the cost of storing them).
    /// </summary>
    public void Put(CacheKey key, ReadOnlySpan<byte> payload, bool flushToDisk = true, bool describe = true)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> header = stackalloc byte[HeaderSize];
        CacheEntryFormat.WriteHeader(header, payload.Length, XxHash128.Hash(payload), key.Value);
        if (!TryBeginWrite(key, out var final, out var temp, out var file, describe))
        {
            return;
        }

        try
        {
            file.Write(header);
            file.Write(payload);
            file.Flush(flushToDisk);
            file.Dispose();
            Commit(temp, final);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            file.Dispose();
            TryDelete(temp);
            NotStored(final, ex);
        }
        catch
        {
            file.Dispose();
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>A cache that cannot be written (read-only or missing folder, a file where a folder should be, an entry
    /// path taken by a folder) is reported and the caller goes on uncached: caching is never worth failing a run for.</summary>
    void NotStored(string final, Exception ex) =>
        Report($"cache entry {final} could not be written ({ex.Message}); continuing without caching it");

    bool TryBeginWrite(CacheKey key, out string final, out string temp, [MaybeNullWhen(false)] out FileStream file, bool describe = true)
    {
        try
        {
            (final, temp, file) = BeginWrite(key, describe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            final = PathFor(key);
            temp = "";
            file = null;
            NotStored(final, ex);
            return false;
        }
    }

    /// <summary>
    /// Stores what <paramref name="write"/> writes to the stream it is given under <paramref name="key"/>, replacing
    /// any entry there, atomically; for payloads too large to hold in memory. The stream is write-only and hashes
    /// as it goes; it must not be used after <paramref name="write"/> returns. If <paramref name="write"/> throws,
    /// nothing is stored (an existing entry stays) and the exception propagates.
    /// </summary>
    public void Put(CacheKey key, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (!TryBeginWrite(key, out var final, out var temp, out var file))
        {
            return;
        }

        try
        {
            file.Write(new byte[HeaderSize]); // room for the header, written once the length and hash are known
            var hash = new XxHash128();
            long written;
            using (var body = new HashingWriteStream(file, hash))
            {
                write(body);
                body.Seal();
                written = body.Written;
            }
            Span<byte> header = stackalloc byte[HeaderSize];
            CacheEntryFormat.WriteHeader(header, written, hash.GetHashAndReset(), key.Value);
            file.Position = 0;
            file.Write(header);
            file.Flush(flushToDisk: true);
            file.Dispose();
            try
            {
                Commit(temp, final);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                TryDelete(temp);
                NotStored(final, ex);
            }
        }
        catch
        {
            file.Dispose();
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Deletes <paramref name="key"/>'s entry and its description; false if there was no entry.</summary>
    public bool Remove(CacheKey key)
    {
        var path = PathFor(key);
        TryDelete(Path.ChangeExtension(path, DescriptionExtension));
        return TryDelete(path);
    }

    /// <summary>
    /// The entry files in the cache folder (listed from the folder layout, not verified). Files that do not fit the
    /// layout are skipped.
    /// </summary>
    public IEnumerable<CacheEntryInfo> Entries()
    {
        foreach (var (kind, shard) in ShardFolders())
        {
            foreach (var file in shard.EnumerateFiles("*" + EntryExtension))
            {
                var key = Path.GetFileNameWithoutExtension(file.Name);
                if (!IsEntryName(key, shard.Name))
                {
                    continue;
                }

                var description = Path.ChangeExtension(file.FullName, DescriptionExtension);
                yield return new CacheEntryInfo(kind, key, file.FullName, file.Length, file.LastWriteTimeUtc,
                    File.Exists(description) ? description : null);
            }
        }
    }

    /// <summary>
    /// Deletes every entry and description, and temp files older than <see cref="StaleTempAge"/> (younger ones may
    /// belong to a writer at work), then the folders left empty. Only files that fit the cache's layout are touched,
    /// so pointing the cache at a folder holding other files does not lose them. Returns the number of entries deleted.
    /// </summary>
    public int Clear()
    {
        int removed = 0;
        var staleBefore = DateTime.UtcNow - StaleTempAge;
        foreach (var (_, shard) in ShardFolders().ToList())
        {
            foreach (var file in shard.EnumerateFiles())
            {
                var name = file.Name;
                if (name.EndsWith(EntryExtension, StringComparison.Ordinal) && IsEntryName(name[..^EntryExtension.Length], shard.Name))
                {
                    if (TryDelete(file.FullName))
                    {
                        removed++;
                    }
                }
                else if (name.EndsWith(DescriptionExtension, StringComparison.Ordinal) && IsEntryName(name[..^DescriptionExtension.Length], shard.Name))
                {
                    TryDelete(file.FullName);
                }
                else if (IsStaleTemp(file, shard.Name, staleBefore))
                {
                    TryDelete(file.FullName);
                }
            }
            TryDeleteEmptyFolder(shard.FullName);
            TryDeleteEmptyFolder(shard.Parent!.FullName);
        }
        return removed;
    }

    /// <summary>The default folder from the given environment (for tests; <see cref="DefaultFolder"/> uses the real one).</summary>
    internal static string ResolveDefaultFolder(Func<string, string?> environment, Func<Environment.SpecialFolder, string> specialFolder, bool windows)
    {
        var chosen = environment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(chosen))
        {
            return Path.GetFullPath(chosen);
        }

        if (windows)
        {
            return Path.Combine(specialFolder(Environment.SpecialFolder.LocalApplicationData), "RegressionGuard", "cache");
        }

        var xdg = environment("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathFullyQualified(xdg))
        {
            return Path.Combine(xdg, "regressionguard");
        }

        var home = environment("HOME");
        if (string.IsNullOrEmpty(home))
        {
            home = specialFolder(Environment.SpecialFolder.UserProfile);
        }

        return Path.Combine(home, ".cache", "regressionguard");
    }

    FileStream? OpenEntry(string path)
    {
        try
        {
            return new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                // Delete: writers may rename a new version over the entry (and bad entries get deleted) while it is read.
                Share = FileShare.ReadWrite | FileShare.Delete,
                BufferSize = FileBufferSize,
                Options = FileOptions.SequentialScan,
            });
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            Interlocked.Increment(ref misses);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Unreadable(path, ex);
            return null;
        }
    }

    static string? CheckHeader(FileStream file, string path, CacheKey key, out long payloadLength, out byte[] payloadHash)
    {
        long fileLength = file.Length;
        Span<byte> header = stackalloc byte[HeaderSize];
        int read = file.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false);
        return CacheEntryFormat.Check(header[..read], fileLength, path, key.Value, out payloadLength, out payloadHash);
    }

    static byte[] HashToEnd(FileStream file)
    {
        var hash = new XxHash128();
        var buffer = ArrayPool<byte>.Shared.Rent(HashChunkSize);
        try
        {
            int n;
            while ((n = file.Read(buffer, 0, HashChunkSize)) > 0)
            {
                hash.Append(buffer.AsSpan(0, n));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return hash.GetHashAndReset();
    }

    bool Unreadable(string path, Exception ex)
    {
        Interlocked.Increment(ref misses);
        Report($"cache entry {path} could not be read ({ex.Message}); treating it as a miss");
        return false;
    }

    bool Discard(string path, string? problem)
    {
        Interlocked.Increment(ref misses);
        Interlocked.Increment(ref discarded);
        try
        {
            File.Delete(path);
            Report($"{problem}; discarding it");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Report($"{problem}; treating it as a miss, but it could not be deleted: {ex.Message}");
        }
        return false;
    }

    (string Final, string Temp, FileStream File) BeginWrite(CacheKey key, bool describe)
    {
        ArgumentNullException.ThrowIfNull(key);
        var final = PathFor(key);
        var folder = Path.GetDirectoryName(final)!;
        for (int attempt = 1; ; attempt++)
        {
            Directory.CreateDirectory(folder);
            if (describe)
            {
                WriteDescription(key, Path.ChangeExtension(final, DescriptionExtension));
            }

            var temp = TempName(final);
            try
            {
                var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileBufferSize);
                return (final, temp, file);
            }
            catch (DirectoryNotFoundException) when (attempt < 3)
            {
                // A concurrent Clear removed the folder between creating it and creating the temp file: try again.
            }
        }
    }

    /// <summary>Writes the key's description beside its entry once (it never changes for a given key); not flushed to
    /// disk, it is only for people reading the folder.</summary>
    static void WriteDescription(CacheKey key, string path)
    {
        if (File.Exists(path))
        {
            return;
        }

        var temp = TempName(path);
        try
        {
            File.WriteAllText(temp, key.Describe(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
        }
    }

    static string TempName(string final) =>
        string.Create(CultureInfo.InvariantCulture, $"{final}{TempMarker}{Environment.ProcessId}-{Guid.NewGuid():N}");

    static void Commit(string temp, string final)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                File.Move(temp, final, overwrite: true);
                return;
            }
            catch (Exception ex) when (OperatingSystem.IsWindows() && attempt < 20 && ex is IOException or UnauthorizedAccessException)
            {
                // Windows may refuse to replace a file that a reader has open; readers hold entries briefly.
                Thread.Sleep(5 * attempt);
            }
        }
    }

    void RemoveStaleTempFiles(DateTime staleBefore)
    {
        try
        {
            foreach (var (_, shard) in ShardFolders())
            {
                foreach (var file in shard.EnumerateFiles("*" + TempMarker + "*"))
                {
                    if (IsStaleTemp(file, shard.Name, staleBefore) && !TryDelete(file.FullName) && File.Exists(file.FullName))
                    {
                        Report($"cache temp file {file.FullName} is stale but could not be deleted");
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Report($"cache folder {Folder} could not be searched for stale temp files ({ex.Message})");
        }
    }

    IEnumerable<(string Kind, DirectoryInfo Shard)> ShardFolders()
    {
        var root = new DirectoryInfo(Folder);
        if (!root.Exists)
        {
            yield break;
        }

        foreach (var kind in root.EnumerateDirectories())
        {
            if (!CacheKey.IsValidKind(kind.Name))
            {
                continue;
            }

            foreach (var shard in kind.EnumerateDirectories())
            {
                if (shard.Name.Length == 2 && CacheKey.IsKeyValue(shard.Name + new string('0', 62)))
                {
                    yield return (kind.Name, shard);
                }
            }
        }
    }

    static bool IsEntryName(string name, string shard) =>
        CacheKey.IsKeyValue(name) && name.StartsWith(shard, StringComparison.Ordinal);

    static bool IsStaleTemp(FileInfo file, string shard, DateTime staleBefore)
    {
        int marker = file.Name.IndexOf(TempMarker, StringComparison.Ordinal);
        if (marker < 0)
        {
            return false;
        }

        var target = file.Name[..marker];
        bool ours = (target.EndsWith(EntryExtension, StringComparison.Ordinal) && IsEntryName(target[..^EntryExtension.Length], shard))
            || (target.EndsWith(DescriptionExtension, StringComparison.Ordinal) && IsEntryName(target[..^DescriptionExtension.Length], shard));
        return ours && file.LastWriteTimeUtc < staleBefore;
    }

    static bool TryDelete(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }

            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    static void TryDeleteEmptyFolder(string path)
    {
        try
        {
            if (Directory.Exists(path) && !Directory.EnumerateFileSystemEntries(path).Any())
            {
                Directory.Delete(path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // In use again (a writer created a file) or not ours to delete: leave it.
        }
    }

    void Report(string message) => onProblem?.Invoke(message);
}
