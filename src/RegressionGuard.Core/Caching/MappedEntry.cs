using System.IO.MemoryMappedFiles;

namespace RegressionGuard.Caching;

/// <summary>
/// A cache entry opened as a memory-mapped view by <see cref="ContentCache.TryOpenMapped"/>: its payload is read
/// straight from the mapping (<see cref="Payload"/>, no copy) while its checksum is computed on another thread, so the
/// check costs no pass of its own on the reading thread. Nothing computed from the payload may be used before
/// <see cref="Verify"/> has returned null: on a checksum mismatch the entry is reported, deleted and counted as
/// discarded, once. The mapping lives until <see cref="Dispose"/>, or until the entry is unreachable.
/// </summary>
public sealed unsafe class MappedEntry : IDisposable
{
    readonly ContentCache cache;
    readonly FileStream file;
    readonly MemoryMappedFile map;
    readonly MemoryMappedViewAccessor view;
    readonly byte[] expected;
    readonly Task<byte[]> hash;
    readonly Lock gate = new();
    bool verified;
    string? problem;
    bool disposed;

    internal MappedEntry(ContentCache cache, FileStream file, string path, long length, byte[] expected)
    {
        this.cache = cache;
        this.file = file;
        this.expected = expected;
        Path = path;
        map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        }
        catch
        {
            map.Dispose();
            throw;
        }

        // no AcquirePointer: the view stays mapped as long as this entry holds the accessor (an unreachable entry's
        // accessor unmaps when finalized); the hashing task holds this entry until it is done
        var start = (byte*)view.SafeMemoryMappedViewHandle.DangerousGetHandle() + view.PointerOffset + ContentCache.HeaderSize;
        Payload = new MappedPayload(start, length);
        hash = Task.Run(HashPayload);
    }

    /// <summary>The entry file's path.</summary>
    public string Path { get; }

    /// <summary>The payload, read-only, straight from the mapping; valid until <see cref="Dispose"/>.</summary>
    public MappedPayload Payload { get; }

    /// <summary>
    /// Waits for the checksum: null when the payload is the one stored, else what is wrong with it (the entry is then
    /// reported, deleted and counted as discarded; later calls return the same answer without counting again).
    /// </summary>
    public string? Verify()
    {
        lock (gate)
        {
            if (!verified)
            {
                var actual = hash.GetAwaiter().GetResult();
                verified = true;
                if (!actual.AsSpan().SequenceEqual(expected))
                {
                    problem = CacheEntryFormat.ChecksumMismatch(Path, expected, actual);
                    cache.DiscardOpened(Path, problem);
                }
            }

            return problem;
        }
    }

    /// <summary>
    /// Discards an entry whose payload the reader cannot use (a layout this build does not read): reported with
    /// <paramref name="reason"/>, deleted and counted as discarded — unless its checksum fails, which is reported instead.
    /// Returns what was reported.
    /// </summary>
    public string Discard(string reason)
    {
        lock (gate)
        {
            if (Verify() is { } corrupt)
            {
                return corrupt;
            }

            problem = reason;
            cache.DiscardOpened(Path, reason);
            return reason;
        }
    }

    /// <summary>Waits for the hashing thread, then unmaps the entry and closes its file.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
        }

        ((IAsyncResult)hash).AsyncWaitHandle.WaitOne(); // never unmap under the hashing thread
        Payload.Close();
        view.Dispose();
        map.Dispose();
        file.Dispose();
    }

    byte[] HashPayload()
    {
        var digest = ContentCache.HashMapped((nint)Payload.Start, Payload.Length);
        GC.KeepAlive(view);
        return digest;
    }
}
