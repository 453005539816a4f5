using System.Runtime.InteropServices;

namespace RegressionGuard.Caching;

/// <summary>
/// An entry's payload in a memory-mapped file (<see cref="MappedEntry.Payload"/>, or handed to a
/// <see cref="MappedPayloadReader{T}"/> by <see cref="ContentCache.TryReadMapped{T}"/>): bytes are read straight from
/// the mapping (no stream, no buffer). Valid until its entry is disposed (inside the reader only, for TryReadMapped);
/// its checksum is verified alongside, and nothing read from it may be used before the check has passed.
/// </summary>
public sealed unsafe class MappedPayload
{
    readonly byte* start;
    bool closed;

    internal MappedPayload(byte* start, long length)
    {
        this.start = start;
        Length = length;
    }

    internal byte* Start => start;

    /// <summary>Payload length in bytes.</summary>
    public long Length { get; }

    /// <summary><paramref name="count"/> bytes at <paramref name="offset"/>, read-only, straight from the mapping.</summary>
    /// <exception cref="InvalidDataException">the range lies outside the payload (a damaged or foreign payload).</exception>
    public ReadOnlySpan<byte> Bytes(long offset, int count)
    {
        ObjectDisposedException.ThrowIf(closed, this);
        if (offset < 0 || count < 0 || offset > Length - count)
        {
            throw new InvalidDataException($"the cached payload ends at byte {Length:N0}, but {count:N0} bytes at {offset:N0} were wanted");
        }

        return new ReadOnlySpan<byte>(start + offset, count);
    }

    /// <summary>Copies values of <typeparamref name="T"/> (little-endian, as stored) at <paramref name="offset"/> into <paramref name="destination"/>; returns the offset after them.</summary>
    public long CopyTo<T>(long offset, Span<T> destination) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(destination);
        Bytes(offset, bytes.Length).CopyTo(bytes);
        return offset + bytes.Length;
    }

    /// <summary>The little-endian int32 at <paramref name="offset"/>.</summary>
    public int Int32(long offset) => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(Bytes(offset, 4));

    internal void Close() => closed = true;
}

/// <summary>Reads a value out of a mapped payload (see <see cref="ContentCache.TryReadMapped{T}"/>).</summary>
public delegate T MappedPayloadReader<out T>(MappedPayload payload);
