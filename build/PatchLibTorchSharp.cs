// MSBuild inline task source (RoslynCodeTaskFactory). See docs/architecture.md, "TorchSharp on older glibc".
// libLibTorchSharp.so from TorchSharp 0.107 declares a need for GLIBCXX_3.4.32 only because GCC 13 emits the
// marker symbol std::ios_base_library_init(); it is never called. Marking that version requirement WEAK lets the
// loader on Debian 12 / Ubuntu 22.04 (libstdc++ up to 3.4.30) accept the library. Idempotent; touches output copies only.
using System;
using System.IO;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class PatchLibTorchSharp : Task
{
    [Required] public string Directory { get; set; } = "";

    public override bool Execute()
    {
        if (!System.IO.Directory.Exists(Directory)) return true;
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "libLibTorchSharp.so", SearchOption.AllDirectories))
        {
            try
            {
                var result = Patch(path, "GLIBCXX_3.4.32");
                Log.LogMessage(MessageImportance.Normal, "PatchLibTorchSharp: {0}: {1}", path, result);
            }
            catch (Exception e)
            {
                Log.LogWarning("PatchLibTorchSharp: could not patch {0}: {1}", path, e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (char c in name)
        {
            h = (h << 4) + (byte)c;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    static string Patch(string path, string version)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            return "not an ELF file, left alone";
        if (elf[4] != 2 || elf[5] != 1) return "not ELF64 little-endian, left alone";
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        uint wanted = ElfHash(version);
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            uint type = BitConverter.ToUInt32(elf, (int)sh + 4);
            if (type != 0x6ffffffe) continue; // SHT_GNU_verneed
            long offset = BitConverter.ToInt64(elf, (int)sh + 0x18);
            long entry = offset;
            while (true)
            {
                int cnt = BitConverter.ToUInt16(elf, (int)entry + 2);
                long aux = entry + BitConverter.ToUInt32(elf, (int)entry + 8);
                for (int a = 0; a < cnt; a++)
                {
                    uint hash = BitConverter.ToUInt32(elf, (int)aux);
                    int flagsAt = (int)aux + 4;
                    if (hash == wanted)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, flagsAt);
                        if ((flags & 2) != 0) return version + " already WEAK";
                        flags |= 2;
                        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write))
                        {
                            fs.Position = flagsAt;
                            fs.Write(BitConverter.GetBytes(flags), 0, 2);
                        }
                        return version + " marked WEAK";
                    }
                    uint next = BitConverter.ToUInt32(elf, (int)aux + 12);
                    if (next == 0) break;
                    aux += next;
                }
                uint vnNext = BitConverter.ToUInt32(elf, (int)entry + 12);
                if (vnNext == 0) break;
                entry += vnNext;
            }
        }
        return "no " + version + " requirement, nothing to do";
    }
}
