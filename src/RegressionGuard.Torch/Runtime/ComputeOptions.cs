using static TorchSharp.torch;

namespace RegressionGuard.Torch.Runtime;

/// <summary>How a model runs: dtype (fp32 or bf16; fp16 is refused on CPU, where it is ~1000× slower), batch size, threads, device.</summary>
public sealed record ComputeOptions
{
    public static readonly string[] DTypes = { "float32", "bfloat16" };

    /// <summary>"float32" (default, reference accuracy) or "bfloat16" (about 2.5× faster matmuls on AVX512_BF16 CPUs).</summary>
    public string DType { get; init; } = "float32";

    /// <summary>Sequences per forward pass; results do not depend on it beyond 1e-4 in fp32.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Intra-op threads; null keeps libtorch's default (OMP_NUM_THREADS or the core count).</summary>
    public int? Threads { get; init; }

    /// <summary>"cpu", or "cuda"/"cuda:N" when built with -p:RegressionGuardCuda=true.</summary>
    public string Device { get; init; } = "cpu";

    public ScalarType ScalarType => DType switch
    {
        "float32" or "fp32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        _ => throw new ArgumentException($"dtype '{DType}' is not supported; valid: {string.Join(", ", DTypes)} (float16 is unusably slow on CPU)"),
    };

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (DType is not ("float32" or "fp32" or "bfloat16" or "bf16"))
        {
            errors.Add($"dtype '{DType}' is not supported; valid: {string.Join(", ", DTypes)} (float16 is unusably slow on CPU)");
        }

        if (BatchSize < 1)
        {
            errors.Add($"batch size must be at least 1, got {BatchSize}");
        }

        if (Threads is < 1)
        {
            errors.Add($"threads must be at least 1, got {Threads}");
        }

        if (!(Device == "cpu" || Device.StartsWith("cuda", StringComparison.Ordinal)))
        {
            errors.Add($"device '{Device}' is not supported; valid: cpu, cuda, cuda:N");
        }

        return errors;
    }
}
