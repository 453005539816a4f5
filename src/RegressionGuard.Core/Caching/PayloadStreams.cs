using System.IO.Hashing;

namespace RegressionGuard.Caching;

/// <summary>
/// A read-only, seekable view of the payload part of an entry file whose checksum has already been verified; it owns
/// (and disposes) the file stream. Positions and the length are those of the payload, the header is not visible.
/// </summary>
internal sealed class VerifiedPayloadStream : Stream
{
    readonly FileStream file;
    readonly long offset;
    readonly long length;

    public VerifiedPayloadStream(FileStream file, long offset, long length)
    {
        this.file = file;
        this.offset = offset;
        this.length = length;
        file.Position = offset;
    }

    public override bool CanRead => file.CanRead;
    public override bool CanSeek => file.CanSeek;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => file.Position - offset;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            file.Position = offset + value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => file.Read(buffer[..Clamp(buffer.Length)]);

    public override int ReadByte() => Clamp(1) == 0 ? -1 : file.ReadByte();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        file.ReadAsync(buffer[..Clamp(buffer.Length)], cancellationToken);

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            SeekOrigin.End => length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        if (target < 0)
        {
            throw new IOException($"cannot seek to {target}, before the start of the cached payload");
        }

        Position = target;
        return target;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException("a cached payload is read-only");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("a cached payload is read-only");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            file.Dispose();
        }

        base.Dispose(disposing);
    }

    int Clamp(int count) => (int)Math.Clamp(length - Position, 0, count);
}

/// <summary>
/// The stream handed to a streaming <see cref="ContentCache.Put(CacheKey, Action{Stream})"/> writer: write-only,
/// forwards to the temp file while hashing and counting; disposing it does not close the file, and it refuses writes
/// once the writer has returned.
/// </summary>
internal sealed class HashingWriteStream(Stream inner, NonCryptographicHashAlgorithm hash) : Stream
{
    bool closed;

    public long Written { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !closed;
    public override long Length => throw new NotSupportedException("the cache's payload stream cannot seek");

    public override long Position
    {
        get => Written;
        set => throw new NotSupportedException("the cache's payload stream cannot seek");
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(closed, this);
        hash.Append(buffer);
        inner.Write(buffer);
        Written += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(closed, this);
        hash.Append(buffer.Span);
        Written += buffer.Length;
        await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("the cache's payload stream is write-only");
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("the cache's payload stream cannot seek");
    public override void SetLength(long value) => throw new NotSupportedException("the cache's payload stream cannot seek");

    /// <summary>Refuses further writes: the writer has returned and the entry is being sealed.</summary>
    public void Seal() => closed = true;

    /// <summary>The writer may dispose the stream it was given: that refuses further writes but leaves the file open
    /// for the cache to seal.</summary>
    protected override void Dispose(bool disposing)
    {
        closed = true;
        base.Dispose(disposing);
    }
}
