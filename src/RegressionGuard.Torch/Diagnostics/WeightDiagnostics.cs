using System.Globalization;
using System.Text.RegularExpressions;
using RegressionGuard.Diagnostics;
using RegressionGuard.Torch.Models.Gpt2;
using RegressionGuard.Torch.Models.Shared;
using RegressionGuard.Torch.Runtime;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Diagnostics;

/// <summary>
/// Weight-space forgetting diagnostics over the adaptable projections of a model (every <see cref="ILoraHost"/>):
/// ΔW norms and stable rank (from the LoRA factors when there are any, never a materialised ΔW) and intruder
/// dimensions (which need the tuned weight's singular vectors, so W + ΔW is formed one matrix at a time).
/// </summary>
public static partial class WeightDiagnostics
{
    /// <summary>
    /// Diagnostics of <paramref name="tuned"/> however it was loaded: from its LoRA factors when it carries unmerged
    /// branches (an adapter loaded with <c>merge: false</c>), else against <paramref name="base"/> weight by weight.
    /// </summary>
    public static WeightDiagnosticsReport Of(ICausalTransformer @base, ICausalTransformer tuned, DiagnoseOptions options) =>
        Hosts(tuned).Any(h => h.Host.Lora is not null) ? FromAdapter(tuned, options) : FromPair(@base, tuned, options);

    /// <summary>
    /// Loads a base/tuned pair for diagnosis: the tuned model as a full checkpoint, or a PEFT adapter applied to the base
    /// unmerged (so its factors are diagnosed, never a materialised ΔW). The caller disposes both.
    /// </summary>
    public static (LoadedModel Base, LoadedModel Tuned) LoadPair(string basePath, string tunedPath, string? tokenizer, ComputeOptions compute)
    {
        var baseModel = ModelLoader.Load(basePath, tokenizer, compute);
        try
        {
            var isAdapter = Adapters.LoraAdapter.IsAdapterFolder(Path.GetFullPath(tunedPath));
            return (baseModel, ModelLoader.LoadTuned(tunedPath, basePath, tokenizer, compute, merge: !isAdapter));
        }
        catch
        {
            baseModel.Dispose();
            throw;
        }
    }

    /// <summary>Folds every LoRA branch of <paramref name="model"/> into its weight (as a merged load does) and frees the branch.</summary>
    public static void MergeBranches(ICausalTransformer model)
    {
        foreach (var (_, host) in Hosts(model).ToList())
        {
            if (host.Lora is { } branch)
            {
                host.MergeLora();
                branch.A.Dispose();
                branch.B.Dispose();
            }
        }
    }

    /// <summary>Diagnostics of a model carrying unmerged LoRA branches (base weights + adapter).</summary>
    public static WeightDiagnosticsReport FromAdapter(ICausalTransformer model, DiagnoseOptions options)
    {
        var hosts = Hosts(model).Where(h => h.Host.Lora is not null).ToList();
        if (hosts.Count == 0)
        {
            throw new ArgumentException("the tuned model carries no LoRA branch: load the adapter unmerged, or diagnose two full checkpoints");
        }

        return Measure("lora", options, hosts.Select(h =>
        {
            var lora = h.Host.Lora!;
            return (h.Path, Logical(h.Host, h.Host.BaseWeight), (WeightUpdate)new WeightUpdate.LowRank(lora.B.weight!, lora.A.weight!, lora.Scale), (int?)lora.Rank);
        }));
    }

    /// <summary>Diagnostics of two full checkpoints of the same architecture (ΔW = tuned − base, module by module).</summary>
    public static WeightDiagnosticsReport FromPair(ICausalTransformer @base, ICausalTransformer tuned, DiagnoseOptions options)
    {
        var tunedHosts = Hosts(tuned).ToDictionary(h => h.Path, h => h.Host, StringComparer.Ordinal);
        var baseHosts = Hosts(@base).ToList();
        var missing = baseHosts.Where(h => !tunedHosts.ContainsKey(h.Path)).Select(h => h.Path).ToList();
        if (missing.Count > 0 || baseHosts.Count != tunedHosts.Count)
        {
            throw new ArgumentException($"base ({@base.Architecture}) and tuned ({tuned.Architecture}) models do not have the same projections"
                + (missing.Count > 0 ? $"; missing in the tuned model: {string.Join(", ", missing.Take(5))}" : ""));
        }

        return Measure("dense", options, baseHosts.Select(h =>
        {
            var b = Logical(h.Host, h.Host.BaseWeight);
            var t = Logical(tunedHosts[h.Path], tunedHosts[h.Path].BaseWeight);
            if (!b.shape.SequenceEqual(t.shape))
            {
                throw new ArgumentException($"{h.Path}: base weight is [{string.Join(", ", b.shape)}] but tuned is [{string.Join(", ", t.shape)}]");
            }

            return (h.Path, b, (WeightUpdate)new WeightUpdate.Dense(t.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)), (int?)null);
        }));
    }

    static WeightDiagnosticsReport Measure(string kind, DiagnoseOptions options, IEnumerable<(string Path, Tensor Base, WeightUpdate Update, int? Rank)> modules)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }

        var results = new List<ModuleDiagnostics>();
        using (no_grad())
        {
            foreach (var (path, weight, update, rank) in modules)
            {
                using var scope = NewDisposeScope();
                var (frobenius, spectral, stableRank) = Spectra.DeltaNorms(update);
                double baseNorm = weight.to_type(ScalarType.Float64).norm().item<double>();
                var similarity = frobenius == 0
                    ? Enumerable.Repeat(1.0, (int)Math.Min(options.TopK, Math.Min(weight.shape[0], weight.shape[1]))).ToArray()
                    : Spectra.BestBaseSimilarity(weight, Tuned(weight, update), options.TopK);
                results.Add(new ModuleDiagnostics(
                    path, LayerOf(path), path[(path.LastIndexOf('.') + 1)..], weight.shape[0], weight.shape[1], rank,
                    frobenius, spectral, stableRank, baseNorm > 0 ? frobenius / baseNorm : 0, similarity,
                    options.Thresholds.Select(e => similarity.Count(s => s < e)).ToArray()));
            }
        }
        return new WeightDiagnosticsReport(kind, options, results);
    }

    /// <summary>
    /// Scales the singular values of every intruder direction (best base similarity below <paramref name="epsilon"/>
    /// among the top-k) by <paramref name="factor"/>, in place, in a model whose LoRA branches are already merged (or a
    /// full checkpoint). Returns how many directions were scaled per module.
    /// </summary>
    public static IReadOnlyDictionary<string, int> ScaleIntruders(ICausalTransformer @base, ICausalTransformer tuned, int topK, double epsilon, double factor)
    {
        if (!(factor >= 0) || double.IsInfinity(factor))
        {
            throw new ArgumentException($"the intruder scale factor must be a finite number ≥ 0, got {factor.ToString(CultureInfo.InvariantCulture)}");
        }

        var tunedHosts = Hosts(tuned).ToDictionary(h => h.Path, h => h.Host, StringComparer.Ordinal);
        var scaled = new SortedDictionary<string, int>(StringComparer.Ordinal);
        using (no_grad())
        {
            foreach (var (path, host) in Hosts(@base))
            {
                using var scope = NewDisposeScope();
                var target = tunedHosts[path];
                var b = Logical(host, host.BaseWeight);
                var t = Logical(target, target.BaseWeight);
                var similarity = Spectra.BestBaseSimilarity(b, t, topK);
                var intruders = Enumerable.Range(0, similarity.Length).Where(j => similarity[j] < epsilon).ToArray();
                scaled[path] = intruders.Length;
                if (intruders.Length == 0)
                {
                    continue;
                }

                var repaired = Spectra.ScaleDirections(t, intruders, factor);
                target.BaseWeight.copy_(target is Conv1D ? repaired.t() : repaired);
            }
        }
        return scaled;
    }

    static Tensor Tuned(Tensor @base, WeightUpdate update) => update switch
    {
        WeightUpdate.Dense dense => @base.to_type(ScalarType.Float64) + dense.Delta,
        WeightUpdate.LowRank lowRank => @base.to_type(ScalarType.Float64)
            + lowRank.B.to_type(ScalarType.Float64).matmul(lowRank.A.to_type(ScalarType.Float64)).mul(lowRank.Scale),
        _ => throw new ArgumentOutOfRangeException(nameof(update), update, "unknown weight update"),
    };

    static IEnumerable<(string Path, ILoraHost Host)> Hosts(ICausalTransformer model) =>
        model.Module.named_modules().Where(m => m.module is ILoraHost).Select(m => (m.name, (ILoraHost)m.module));

    /// <summary>The weight as (out, in): GPT-2's Conv1D stores (in, out).</summary>
    static Tensor Logical(ILoraHost host, Tensor weight) => host is Conv1D ? weight.t() : weight;

    static int? LayerOf(string path)
    {
        var match = LayerIndex().Match(path);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"\.(?:layers|h)\.(\d+)\.")]
    private static partial Regex LayerIndex();
}
