using System.Globalization;

namespace RegressionGuard.Ledger;

/// <summary>
/// One checkpoint of a fine-tuning sweep: which run and grid cell it is, the scaling-law coordinates
/// (<see cref="P"/> trainable non-embedding parameters, <see cref="N"/> optimizer steps), the two losses the law is fitted
/// to (<see cref="LFt"/>, <see cref="Lf"/>) and what else was measured. Rows live in a <see cref="LedgerStore"/> or a
/// ledger CSV (<see cref="LedgerCsv"/>).
/// <para>
/// Equality is by value, <see cref="Metrics"/> included (same names with equal values, in any order); doubles compare
/// as <see cref="double.Equals(double)"/> does (NaN equals NaN, 0 equals −0).
/// </para>
/// </summary>
public sealed record LedgerRow
{
    /// <summary>The fine-tuning run the checkpoint belongs to, e.g. <c>lora-r4-qv</c>. Its method, P, config and model
    /// are the same for every checkpoint of the run.</summary>
    public required string Run { get; init; }

    /// <summary>Unique key of the grid cell and checkpoint, e.g. <c>lora-r4-qv@N=200</c> (see <see cref="DefaultCell"/>).</summary>
    public required string Cell { get; init; }

    /// <summary>The fine-tuning method: <c>lora</c>, <c>full</c>, <c>hft</c>, <c>ilora</c> or another name.</summary>
    public required string Method { get; init; }

    /// <summary>Trainable non-embedding parameters of the run.</summary>
    public required long P { get; init; }

    /// <summary>Optimizer steps taken up to this checkpoint.</summary>
    public required long N { get; init; }

    /// <summary>L_ft: the fine-tuning loss on held-out fine-tuning data, in nats per token.</summary>
    public required double LFt { get; init; }

    /// <summary>L_f: the forgetting loss (cross-entropy of the tuned model against the base on the L_f corpus).</summary>
    public required double Lf { get; init; }

    /// <summary>The base model's own entropy on the L_f corpus, when measured.</summary>
    public double? BaseEntropy { get; init; }

    /// <summary>KL divergence of the tuned model from the base on the L_f corpus, when measured.</summary>
    public double? Kl { get; init; }

    /// <summary>Wall time of the run up to this checkpoint, in seconds.</summary>
    public double? Seconds { get; init; }

    /// <summary>Mean wall time of one optimizer step, in seconds.</summary>
    public double? SecondsPerStep { get; init; }

    /// <summary>Training tokens seen up to this checkpoint.</summary>
    public long? TrainTokens { get; init; }

    /// <summary>KL(base ‖ tuned) in nats/token on the fine-tuning data (RL's Razor, arXiv 2509.04259); null when not measured.</summary>
    public double? KlTrain { get; init; }

    /// <summary>√(Σ ‖ΔW‖_F²) over the adaptable projections (<c>diagnose</c>); null when not measured.</summary>
    public double? DeltaFrobenius { get; init; }

    /// <summary>Mean stable rank ‖ΔW‖_F²/‖ΔW‖₂² over the projections that changed; null when not measured.</summary>
    public double? DeltaStableRank { get; init; }

    /// <summary>Intruder dimensions summed over the projections (top 10 directions, ε 0.5); null when not measured.</summary>
    public long? Intruders { get; init; }

    /// <summary>Suite metrics of the checkpoint by name, e.g. <c>tinystories_facts/acc</c>. Empty when none.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = EmptyMetrics;

    /// <summary>The run's settings as JSON, when recorded.</summary>
    public string? Config { get; init; }

    /// <summary>Content hash of the L_f corpus the forgetting was measured on.</summary>
    public string? Corpus { get; init; }

    /// <summary>Content hash of the base model.</summary>
    public string? Model { get; init; }

    /// <summary>When the row was recorded; <see langword="null"/> when not known (e.g. a CSV without <c>created_utc</c>).</summary>
    public DateTimeOffset? CreatedUtc { get; init; }

    static readonly IReadOnlyDictionary<string, double> EmptyMetrics = new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>The conventional cell key of a run's checkpoint: <c>{run}@N={n}</c>, e.g. <c>lora-r4-qv@N=200</c>.</summary>
    public static string DefaultCell(string run, long n)
    {
        ArgumentNullException.ThrowIfNull(run);
        return $"{run}@N={n.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <inheritdoc />
    public bool Equals(LedgerRow? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null)
        {
            return false;
        }

        return Run == other.Run && Cell == other.Cell && Method == other.Method && P == other.P && N == other.N
            && LFt.Equals(other.LFt) && Lf.Equals(other.Lf)
            && Nullable.Equals(BaseEntropy, other.BaseEntropy) && Nullable.Equals(Kl, other.Kl)
            && Nullable.Equals(Seconds, other.Seconds) && Nullable.Equals(SecondsPerStep, other.SecondsPerStep)
            && TrainTokens == other.TrainTokens
            && Nullable.Equals(KlTrain, other.KlTrain) && Nullable.Equals(DeltaFrobenius, other.DeltaFrobenius)
            && Nullable.Equals(DeltaStableRank, other.DeltaStableRank) && Intruders == other.Intruders && Config == other.Config && Corpus == other.Corpus && Model == other.Model
            && Nullable.Equals(CreatedUtc, other.CreatedUtc) && SameMetrics(Metrics, other.Metrics);
    }

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Run);
        hash.Add(Cell);
        hash.Add(Method);
        hash.Add(P);
        hash.Add(N);
        hash.Add(LFt);
        hash.Add(Lf);
        hash.Add(Metrics.Count);
        return hash.ToHashCode();
    }

    static bool SameMetrics(IReadOnlyDictionary<string, double> a, IReadOnlyDictionary<string, double> b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (name, value) in a)
        {
            if (!b.TryGetValue(name, out var other) || !value.Equals(other))
            {
                return false;
            }
        }

        return true;
    }
}
