using RegressionGuard.Comparison;
using RegressionGuard.Forgetting;
using RegressionGuard.Law;
using RegressionGuard.Reports;
using RegressionGuard.Suites.Evaluation;

namespace RegressionGuard.Gate;

/// <summary>One corpus document's sums behind L_f (nats; <see cref="Index"/> is the document's place in the whole corpus).</summary>
public sealed record DocumentSums(int Index, int Positions, double CrossEntropy, double BaseEntropy, double TopOneAgreements);

/// <summary>
/// L_f as sums per document: the means are token-weighted over every predicted position of every document, summed in
/// document order, so the same documents give the same bits whether they were measured in one run or in shards.
/// </summary>
/// <param name="Documents">documents in the whole corpus.</param>
/// <remarks><see cref="Bounds"/>: a backend that could return only bounds on L_f (a server without the tuned
/// log-probabilities it needs); then the sums are not an exact L_f and the verdict is made on the bound.</remarks>
public sealed record ForgettingSums(int Documents, IReadOnlyList<DocumentSums> PerDocument)
{
    public ForgettingBounds? Bounds { get; init; }

    /// <summary>L_f, the base entropy H, KL = L_f − H and top-1 agreement, each a mean over all predicted positions.</summary>
    public (double Lf, double BaseEntropy, double Kl, double TopOneAgreement, long Positions) Totals()
    {
        double ce = 0, h = 0, agree = 0;
        long positions = 0;
        foreach (var d in PerDocument.OrderBy(d => d.Index))
        {
            ce += d.CrossEntropy;
            h += d.BaseEntropy;
            agree += d.TopOneAgreements;
            positions += d.Positions;
        }
        double lf = ce / positions, entropy = h / positions;
        return (lf, entropy, lf - entropy, agree / positions, positions);
    }
}

/// <summary>How the config says the gate decides: what turns evaluated results into verdicts.</summary>
/// <param name="Correction">"holm" or "none" across every compared suite and metric.</param>
/// <param name="Seed">the paired bootstrap's seed.</param>
public sealed record GateRules(GateThresholds Thresholds, string Correction, int Seed, ForgettingRules? Forgetting);

/// <summary>The forgetting block as decided: the corpus as the report names it, budget, tolerance and the tuned model's P and N.</summary>
public sealed record ForgettingRules(string Corpus, double Budget, double Tolerance, double P, double N);

/// <summary>What a gate evaluated: both models' suite results (tuned: the suites finished, in order), the L_f sums, and problems met.</summary>
public sealed record GateEvidence(
    ModelReference Base,
    ModelReference Tuned,
    IReadOnlyList<SuiteResult> BaseResults,
    IReadOnlyList<SuiteResult> TunedResults,
    ForgettingSums? Forgetting,
    IReadOnlyList<string> Errors);

/// <summary>
/// Evaluated results → the gate's report, stated once for a whole run and for shards merged (<see cref="Sharding.GatePartMerger"/>):
/// each suite compared item by item (seeded paired bootstrap, exact McNemar), Holm across every compared suite and
/// metric, <see cref="GatePolicy"/> per metric, L_f from its per-document sums against the law with
/// <see cref="ForgettingPolicy"/>.
/// </summary>
public static class GateDecision
{
    public static GateReport Decide(GateEvidence evidence, GateRules rules, ForgettingLaw? law, double durationSeconds)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentNullException.ThrowIfNull(rules);
        var comparisons = evidence.TunedResults.Select((tuned, i) => SuiteComparer.Compare(evidence.BaseResults[i], tuned, rules.Seed)).ToList();
        if (rules.Correction == "holm")
        {
            // the Holm family: every gated comparison, suites and groups alike
            comparisons = SuiteComparer.AdjustHolm(comparisons, m => GatePolicy.IsGated(m, rules.Thresholds)).ToList();
        }

        ForgettingReport? forgetting = null;
        var errors = evidence.Errors.ToList();
        if (evidence.Forgetting is { } sums && rules.Forgetting is { } f)
        {
            try
            {
                var (lf, entropy, kl, agreement, positions) = sums.Totals();
                var bounds = sums.Bounds;
                if (bounds is not null)
                {
                    (lf, entropy, kl) = (double.NaN, double.NaN, double.NaN);
                }

                forgetting = new ForgettingReport(f.Corpus, lf, entropy, kl, agreement, positions, sums.Documents, Verdict(lf, bounds, law, f),
                    law?.Form.ToString().ToLowerInvariant(), Curve(law, f.P, f.N))
                {
                    LfLower = bounds?.Lower,
                    LfUpper = bounds?.Upper,
                    Bounds = bounds?.Reason,
                };
            }
            catch (Exception e) when (e is LawException or ArgumentException)
            {
                errors.Add(e.Message);
            }
        }

        var suiteReports = comparisons.Select(comparison => new SuiteReport(comparison.Suite, comparison.Version, comparison.Kind, comparison.Task, comparison.PairedItems,
            comparison.Metrics.Select(m => GatePolicy.Decide(m, rules.Thresholds)).ToList(), comparison.Flips)
        { Lengths = comparison.Lengths }).ToList();
        var reasons = suiteReports.SelectMany(s => s.Metrics.Where(m => m.Outcome == "fail").Select(m => $"{s.Suite}/{m.Comparison.QualifiedName()}: {m.Reason}")).ToList();
        reasons.AddRange(evidence.BaseResults.Concat(evidence.TunedResults).Where(r => r.Errors > 0).Select(r =>
            $"{r.Suite} on {r.Model}: {r.Errors} item(s) could not be scored and count as wrong (first: {r.Items.First(i => i.Error is not null).Error})"));
        reasons.AddRange(evidence.BaseResults.Concat(evidence.TunedResults).Where(r => r.JudgeUnparseable > 0).Select(r =>
            $"{r.Suite} on {r.Model}: {r.JudgeUnparseable} judge answer(s) were not exactly one label; the rules decided those items (first: '{r.Items.First(i => i.JudgeVerdict == "unparseable").JudgeAnswer}')"));
        // prompts longer than the context: items both models left out, prompts cut (the suites' truncate policies)
        reasons.AddRange(suiteReports.Where(s => s.Lengths is not null).Select(s => $"{s.Suite}: {s.Lengths!.Note}"));
        if (forgetting?.Verdict is { } v && v.Outcome != ForgettingOutcome.Pass)
        {
            reasons.Add($"L_f: {v.Reason}");
        }

        bool failed = suiteReports.Any(s => s.Metrics.Any(m => m.Outcome == "fail")) || forgetting?.Verdict.Outcome == ForgettingOutcome.Fail;
        return new GateReport
        {
            ToolVersion = LawProvenance.CurrentToolVersion,
            GeneratedUtc = DateTimeOffset.UtcNow,
            DurationSeconds = durationSeconds,
            Outcome = errors.Count > 0 ? GateOutcome.Error : failed ? GateOutcome.Fail : GateOutcome.Pass,
            Reasons = reasons,
            Base = evidence.Base,
            Tuned = evidence.Tuned,
            Suites = suiteReports,
            Forgetting = forgetting,
            Errors = errors,
        };
    }

    /// <summary>
    /// An exact L_f is judged by <see cref="ForgettingPolicy"/>; a bounded one (a server that cannot return the tuned
    /// log-probabilities L_f needs) fails at its lower bound when that already fails, and otherwise fails as undecided:
    /// the gate never passes on an approximate number.
    /// </summary>
    static ForgettingVerdict Verdict(double lf, ForgettingBounds? bounds, ForgettingLaw? law, ForgettingRules f)
    {
        if (bounds is null)
        {
            return ForgettingPolicy.Decide(lf, law, f.Budget, f.Tolerance, f.P, f.N);
        }

        var atLower = ForgettingPolicy.Decide(bounds.Lower, law, f.Budget, f.Tolerance, f.P, f.N);
        return atLower.Outcome == ForgettingOutcome.Fail
            ? atLower with { Reason = $"{atLower.Reason} (at the lower bound {bounds.Lower.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)} of a bounded L_f)" }
            : atLower with
            {
                Outcome = ForgettingOutcome.Fail,
                Reason = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"L_f is only bounded, {bounds.Lower:F4} ≤ L_f ≤ {bounds.Upper:F4}: {bounds.Reason}; the gate cannot pass on a bound (serve the models with `regressionguard serve` for an exact L_f)"),
            };
    }

    static IReadOnlyList<LawCurvePoint> Curve(ForgettingLaw? law, double p, double n)
    {
        if (law is null || law.Form == LawForm.Linear)
        {
            return Array.Empty<LawCurvePoint>();
        }

        var points = new List<LawCurvePoint>();
        double lo = Math.Log(Math.Max(1, n / 8)), hi = Math.Log(n * 4);
        for (int i = 0; i <= 40; i++)
        {
            double x = Math.Exp(lo + (hi - lo) * i / 40);
            var prediction = law.Predict(p, x);
            points.Add(new LawCurvePoint(Math.Round(x, 3), prediction.Value, prediction.Lower, prediction.Upper));
        }
        return points;
    }
}
