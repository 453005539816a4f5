using System.Reflection.PortableExecutable;

namespace RegressionGuard.Cli.Tests.Packaging;

/// <summary>Whether an assembly was compiled ahead: a ReadyToRun image has a managed native header in its CLI header; an IL-only assembly has none.</summary>
internal static class ReadyToRunImage
{
    public static bool Is(string path)
    {
        using var file = File.OpenRead(path);
        return Is(file);
    }

    /// <summary>Reads <paramref name="stream"/> (copied first when it cannot seek, as a zip entry's).</summary>
    public static bool Is(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var seekable = stream.CanSeek ? null : new MemoryStream();
        if (seekable is not null)
        {
            stream.CopyTo(seekable);
            seekable.Position = 0;
        }

        using var reader = new PEReader(seekable ?? stream, PEStreamOptions.LeaveOpen);
        return reader.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }
}
