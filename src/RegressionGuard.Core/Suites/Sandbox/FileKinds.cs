using System.Runtime.InteropServices;

namespace RegressionGuard.Suites.Sandbox;

/// <summary>What kind of file system entry a path is, following links: only regular files are read as suite inputs
/// (a FIFO would block the reader forever, a device never ends).</summary>
internal static partial class FileKinds
{
    // .NET's own native shim (shipped with every runtime): SystemNative_Stat fills a FileStatus whose second 32-bit
    // field is the mode, with the file-type bits in the portable values below on every Unix.
    const int TypeMask = 0xF000, Fifo = 0x1000, CharDevice = 0x2000, Folder = 0x4000, BlockDevice = 0x6000, Regular = 0x8000, Socket = 0xC000;

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, Span<byte> status);

    /// <summary>Null for a regular file; otherwise what it is ("a FIFO (named pipe)", "a device", ...).</summary>
    public static string? NotRegular(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            var attributes = File.GetAttributes(path);
            return attributes.HasFlag(FileAttributes.Directory) ? "a folder" : attributes.HasFlag(FileAttributes.Device) ? "a device" : null;
        }

        Span<byte> status = stackalloc byte[256];
        if (Stat(path, status) != 0)
        {
            return "not readable (it could not be examined)";
        }

        int mode = BitConverter.ToInt32(status[4..8]);
        return (mode & TypeMask) switch
        {
            Regular => null,
            Fifo => "a FIFO (named pipe)",
            CharDevice or BlockDevice => "a device",
            Folder => "a folder",
            Socket => "a socket",
            _ => "not a regular file",
        };
    }
}
