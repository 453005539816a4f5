using System.Globalization;

namespace RegressionGuard.Diagnostics;

/// <summary>Settings of <c>diagnose</c>, validated: every problem at once.</summary>
/// <param name="TopK">how many of the tuned weight's top singular vectors are checked for intruders (the paper uses 10).</param>
/// <param name="Epsilons">cosine thresholds: a top direction whose best |cos| with every base direction is below ε is an intruder.</param>
public sealed record DiagnoseOptions(int TopK = 10, IReadOnlyList<double>? Epsilons = null)
{
    public static IReadOnlyList<double> DefaultEpsilons { get; } = [0.3, 0.5, 0.7];

    public IReadOnlyList<double> Thresholds => Epsilons ?? DefaultEpsilons;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (TopK < 1)
        {
            problems.Add($"top-k must be at least 1, got {TopK}");
        }

        foreach (var e in Thresholds.Where(e => !(e > 0 && e < 1)))
        {
            problems.Add($"epsilon must lie strictly between 0 and 1, got {e.ToString(CultureInfo.InvariantCulture)}");
        }

        if (Thresholds.Count == 0)
        {
            problems.Add("at least one epsilon is needed");
        }

        return problems;
    }
}

/// <summary>What fine-tuning did to one weight matrix (out, in).</summary>
/// <param name="Rank">the LoRA rank, or null for a dense update.</param>
/// <param name="RelativeChange">‖ΔW‖_F / ‖W_base‖_F.</param>
/// <param name="BestSimilarity">for each top singular vector of the tuned weight (largest first), its best |cos| with a base singular vector.</param>
/// <param name="Intruders">per ε (same order as the options' thresholds), how many of the top directions are intruders.</param>
public sealed record ModuleDiagnostics(
    string Module,
    int? Layer,
    string Projection,
    long Rows,
    long Columns,
    int? Rank,
    double Frobenius,
    double Spectral,
    double StableRank,
    double RelativeChange,
    IReadOnlyList<double> BestSimilarity,
    IReadOnlyList<int> Intruders);

/// <summary>All modules of one base/tuned pair, with totals.</summary>
/// <param name="Update">"lora" (ΔW from the adapter's factors) or "dense" (tuned − base).</param>
public sealed record WeightDiagnosticsReport(string Update, DiagnoseOptions Options, IReadOnlyList<ModuleDiagnostics> Modules)
{
    /// <summary>√(Σ ‖ΔW‖_F²) over all modules.</summary>
    public double TotalFrobenius => Math.Sqrt(Modules.Sum(m => m.Frobenius * m.Frobenius));

    /// <summary>Intruder dimensions summed over all modules, per ε.</summary>
    public IReadOnlyList<int> TotalIntruders => Options.Thresholds.Select((_, i) => Modules.Sum(m => m.Intruders[i])).ToArray();

    /// <summary>Mean stable rank over the modules that changed.</summary>
    public double MeanStableRank
    {
        get
        {
            var changed = Modules.Where(m => m.Frobenius > 0).ToArray();
            return changed.Length == 0 ? 0 : changed.Average(m => m.StableRank);
        }
    }
}
