using RegressionGuard.Torch.Runtime;
using static TorchSharp.torch;

namespace RegressionGuard.Bench;

/// <summary>Peak resident memory added by loading a checkpoint, against the size of its weight files (run in a fresh process).</summary>
public static class LoadMemory
{
    static long StatusKb(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    public static void Run(string model, string dtype = "float32")
    {
        using (var warm = ones(4, 4)) { using var _ = warm.matmul(warm); } // native libraries loaded before the baseline
        GC.Collect();
        long before = StatusKb("VmRSS");
        File.WriteAllText("/proc/self/clear_refs", "5"); // reset VmHWM to the current RSS
        using var loaded = ModelLoader.Load(model, null, new ComputeOptions { DType = dtype });
        long peak = StatusKb("VmHWM");
        long files = loaded.WeightFiles.Sum(f => new FileInfo(f).Length);
        long parameters = loaded.Transformer.Module.parameters().Sum(p => p.NumberOfElements * p.ElementSize);
        double added = (peak - before) * 1024.0;
        Console.WriteLine("\n## Peak memory while loading\n");
        Console.WriteLine("| model | compute dtype | weight files | parameters in memory | peak RSS added | ÷ parameters |");
        Console.WriteLine("|---|---|---|---|---|---|");
        Console.WriteLine($"| {Path.GetFileName(model.TrimEnd('/'))} | {dtype} | {files / 1048576.0:F1} MiB | {parameters / 1048576.0:F1} MiB | {added / 1048576.0:F1} MiB | {added / parameters:F2} |");
    }
}
