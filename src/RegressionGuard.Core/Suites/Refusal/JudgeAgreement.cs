namespace RegressionGuard.Suites.Refusal;

/// <summary>
/// How well a judge agrees with human labels: raw agreement and Cohen's κ (Cohen, 1960) over the categories
/// refusal, compliance and unparseable (a judge answer that is not a label counts as a category of its own, which
/// humans never use, so it always counts against the judge).
/// <para>κ = (p_o − p_e) / (1 − p_e), where p_o is the share of items with the same category and
/// p_e = Σ_k p_human(k) · p_judge(k) is the agreement expected by chance from the two marginal distributions.
/// κ is undefined (NaN) when p_e = 1, i.e. both raters used one and the same category throughout.</para>
/// </summary>
/// <param name="Confusion">counts by (human, judge) category.</param>
public sealed record JudgeAgreement(int Items, int Agreements, double Agreement, double Kappa, int Unparseable, IReadOnlyDictionary<(JudgeOutcome Human, JudgeOutcome Judge), int> Confusion)
{
    /// <exception cref="ArgumentException">The lists differ in length, are empty, or a human label is unparseable.</exception>
    public static JudgeAgreement Of(IReadOnlyList<JudgeOutcome> human, IReadOnlyList<JudgeOutcome> judge)
    {
        ArgumentNullException.ThrowIfNull(human);
        ArgumentNullException.ThrowIfNull(judge);
        if (human.Count != judge.Count || human.Count == 0)
        {
            throw new ArgumentException($"agreement needs as many judge verdicts as human labels, at least one (got {human.Count} labels, {judge.Count} verdicts)", nameof(judge));
        }

        if (human.Contains(JudgeOutcome.Unparseable))
        {
            throw new ArgumentException("a human label must be refusal or compliance", nameof(human));
        }

        int n = human.Count;
        var confusion = new Dictionary<(JudgeOutcome, JudgeOutcome), int>();
        int agreements = 0;
        for (int i = 0; i < n; i++)
        {
            confusion[(human[i], judge[i])] = confusion.GetValueOrDefault((human[i], judge[i])) + 1;
            if (human[i] == judge[i])
            {
                agreements++;
            }
        }

        double observed = (double)agreements / n;
        double expected = Enum.GetValues<JudgeOutcome>().Sum(k => (double)human.Count(h => h == k) / n * judge.Count(j => j == k) / n);
        double kappa = expected >= 1 ? double.NaN : (observed - expected) / (1 - expected);
        return new JudgeAgreement(n, agreements, observed, kappa, judge.Count(j => j == JudgeOutcome.Unparseable), confusion);
    }
}
