using System.Globalization;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using MathNet.Numerics.Statistics;
using RegressionGuard.Ledger;
using RegressionGuard.Suites;

namespace RegressionGuard.Law;

/// <summary>
/// Fits a forgetting law (<see cref="LawForm"/>) to ledger rows.
/// <para>
/// <b>Fitting space.</b> Loss noise here is multiplicative (a checkpoint's L_f scatters by a percentage of its size), so
/// the fit minimises squared residuals of log L: Σᵢ (log L_f,i − log L̂_f,i)², plus Σᵢ (log L_ft,i − log L̂_ft,i)² for
/// the saturating form, which models both losses with shared exponents. In log space the residuals are homoscedastic.
/// </para>
/// <para>
/// <b>Solver.</b> MathNet's <see cref="LevenbergMarquardtMinimizer"/> on <see cref="ObjectiveFunction.NonlinearModel(Func{Vector{double}, Vector{double}, Vector{double}}, Func{Vector{double}, Vector{double}, Matrix{double}}, Vector{double}, Vector{double}, Vector{double})"/>
/// with analytic Jacobians and box bounds (MathNet maps bounded parameters through a sine). Parameters are centred at
/// a reference point (<see cref="LawUncertainty"/>) so they have comparable scales. Starting points: a grid over the
/// exponents with the linear parameters by ordinary least squares at each grid point, best 3 by log-space SSR
/// (saturating, power), or the least-squares line and the flat line (linear); bounds and grids are listed on the
/// model classes: saturating a, b ∈ [0, 3], offsets and amplitudes ∈ [0, 10·max L]; power a, b ∈ [−3, 3], E and
/// A_ref ∈ ±10·max L_f; linear c0_ref ∈ [0, 10·max L_f], |c1| ≤ 10·max L_f / range(L_ft). A start counts when the
/// solver exits converged (relative gradient, relative step or residual below tolerance); the converged start with
/// the lowest SSR wins; when none converges the fit fails with a <see cref="LawException"/> naming the exit reasons.
/// </para>
/// <para>
/// <b>Diagnostics</b> (<see cref="LawDiagnostics"/>) are on L_f in nats per token: R², RMSE, and leave-one-out RMSE,
/// each row predicted by a refit without it (started from the full fit, then from the grid).
/// </para>
/// <para>
/// <b>Confidence intervals.</b> A bootstrap over runs (rows with the same <see cref="LedgerRow.Run"/> stay together,
/// because checkpoints of one run share its noise): each of R resamples (<see cref="FitOptions.Resamples"/>, default
/// 300) draws as many runs as there are, with replacement (one <c>new System.Random(seed)</c>, <c>Next(runs)</c> per
/// draw), and refits from the full fit's parameters (then from the grid). A draw that cannot be fitted (all its runs
/// have one P or one N, or the fit does not converge) is replaced by a fresh draw and counted in
/// <see cref="LawUncertainty.Redrawn"/>; after 10·R draws the fit fails. Each parameter's interval is the percentile
/// interval [Q((1 − level)/2), Q((1 + level)/2)] (R type 7 quantiles) of its resampled values, widened for few runs
/// (<see cref="FitOptions.FewRunsCorrection"/>); the covariance of the centred parameters over the resamples (widened
/// alike) feeds the prediction intervals.
/// </para>
/// <para>
/// <b>Refusals.</b> A ledger that cannot support a form is refused with a <see cref="LawException"/> that says why:
/// non-finite values (rows by cell), non-positive P, N or losses, fewer than parameters + 3 rows, a single P or N value
/// (forms in P and N) or a single L_ft value (linear), fewer than 2 runs, or rows from more than one L_f corpus or base
/// model.
/// </para>
/// </summary>
public static class LawFitter
{
    const int GridStarts = 3;
    const int MaxListed = 5;

    /// <summary>
    /// Fits <paramref name="form"/> (<c>saturating</c>, <c>power</c>, <c>linear</c> or <c>auto</c>) to
    /// <paramref name="rows"/>. Under <c>auto</c> every form is fitted and the one with the lowest leave-one-out RMSE of
    /// L_f is kept; forms the ledger cannot support are listed with their reasons in <see cref="LawFit.Candidates"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown form name or invalid options.</exception>
    /// <exception cref="LawException">The ledger cannot support the form (under <c>auto</c>: any form), or a fit failed.</exception>
    public static LawFit Fit(IReadOnlyList<LedgerRow> rows, string form, FitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (form == LawForms.Auto)
        {
            return Fit(rows, LawForms.All, LawForms.Auto, options);
        }

        if (LawForms.TryParse(form, out var parsed))
        {
            return Fit(rows, [parsed], "explicit", options);
        }

        throw new ArgumentException($"unknown law form '{form}'{DidYouMean.Hint(form, LawForms.FitNames.ToList())}", nameof(form));
    }

    /// <summary>Fits one <paramref name="form"/> to <paramref name="rows"/> (see <see cref="Fit(IReadOnlyList{LedgerRow}, string, FitOptions?)"/>).</summary>
    public static LawFit Fit(IReadOnlyList<LedgerRow> rows, LawForm form, FitOptions? options = null) =>
        Fit(rows, [form], "explicit", options);

    static LawFit Fit(IReadOnlyList<LedgerRow> rows, IReadOnlyList<LawForm> forms, string selection, FitOptions? options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        options ??= FitOptions.Default;
        options.Validate();
        var (corpus, model) = Hashes(rows);

        var attempts = new List<(LawForm Form, Attempt? Attempt, string? Refusal)>();
        foreach (var form in forms)
        {
            string? refusal = Refusal(rows, form);
            Attempt? attempt = null;
            if (refusal is null)
            {
                try { attempt = Attempt.Run(rows, form); }
                catch (LawException e) { refusal = e.Message; }
            }
            attempts.Add((form, attempt, refusal));
        }

        if (forms.Count == 1 && attempts[0].Refusal is { } only)
        {
            throw new LawException($"cannot fit the {LawForms.Name(forms[0])} law: {only}");
        }

        if (attempts.All(a => a.Attempt is null))
        {
            throw new LawException("cannot fit any law form to these rows: " + string.Join("; ", attempts.Select(a => $"{LawForms.Name(a.Form)} — {a.Refusal}")));
        }

        var chosen = attempts.Where(a => a.Attempt is not null).MinBy(a => a.Attempt!.LooRmse).Attempt!;
        var candidates = attempts
            .Select(a => a.Attempt is { } t
                ? new LawCandidate(a.Form, t.Model.ParameterCount, t.R2, t.Rmse, t.LooRmse, null, ReferenceEquals(t, chosen))
                : new LawCandidate(a.Form, LawForms.ParameterNames(a.Form).Count, null, null, null, a.Refusal, false))
            .ToList();

        var (parameters, uncertainty) = chosen.Bootstrap(rows, options);
        var residuals = rows.Select((r, i) => new LawResidual(r.Cell, r.Run, r.P, r.N, r.LFt, r.Lf, chosen.FittedLf[i], chosen.FittedLft?[i])).ToList();
        var diagnostics = new LawDiagnostics(chosen.R2, chosen.Rmse, chosen.LooRmse, rows.Count, rows.Select(r => r.Run).Distinct(StringComparer.Ordinal).Count());
        return new LawFit(chosen.Model.Form, parameters, uncertainty, diagnostics, residuals, candidates, selection, corpus, model);
    }

    // ------------------------------------------------------------------ refusals

    /// <summary>Why <paramref name="rows"/> cannot support <paramref name="form"/>, or null when they can.</summary>
    internal static string? Refusal(IReadOnlyList<LedgerRow> rows, LawForm form)
    {
        bool scale = LawForms.UsesScale(form);
        bool usesLft = form != LawForm.Power;
        string name = LawForms.Name(form);

        var nonFinite = new List<string>();
        foreach (var r in rows)
        {
            if (!double.IsFinite(r.Lf))
            {
                nonFinite.Add($"L_f = {Num(r.Lf)} in '{r.Cell}'");
            }

            if (usesLft && !double.IsFinite(r.LFt))
            {
                nonFinite.Add($"L_ft = {Num(r.LFt)} in '{r.Cell}'");
            }
        }
        if (nonFinite.Count > 0)
        {
            int count = rows.Count(r => !double.IsFinite(r.Lf) || (usesLft && !double.IsFinite(r.LFt)));
            return $"non-finite values in {Plural(count, "row")}: {List(nonFinite)}; every {(usesLft ? "L_f and L_ft" : "L_f")} the {name} form uses must be a finite number (re-measure these checkpoints or drop them from the ledger)";
        }

        if (scale)
        {
            var bad = new List<string>();
            foreach (var r in rows)
            {
                if (r.P <= 0)
                {
                    bad.Add($"P = {Num(r.P)} in '{r.Cell}'");
                }

                if (r.N <= 0)
                {
                    bad.Add($"N = {Num(r.N)} in '{r.Cell}'");
                }
            }
            if (bad.Count > 0)
            {
                return $"{List(bad)}; P (trainable parameters) and N (optimizer steps) must be positive, because the {name} law takes their logarithms";
            }
        }

        var nonPositive = new List<string>();
        foreach (var r in rows)
        {
            if (r.Lf <= 0)
            {
                nonPositive.Add($"L_f = {Num(r.Lf)} in '{r.Cell}'");
            }

            if (form == LawForm.Saturating && r.LFt <= 0)
            {
                nonPositive.Add($"L_ft = {Num(r.LFt)} in '{r.Cell}'");
            }
        }
        if (nonPositive.Count > 0)
        {
            return $"{List(nonPositive)}; losses are fitted in log space and must be positive";
        }

        int k = LawForms.ParameterNames(form).Count;
        if (rows.Count < k + 3)
        {
            return $"it has {k} parameters and needs at least {k + 3} usable rows, got {rows.Count}";
        }

        if (scale)
        {
            if (rows.Select(r => r.P).Distinct().Count() < 2)
            {
                return $"all {rows.Count} rows have P = {Num(rows[0].P)}; the P exponent a needs at least two distinct P values (runs with different numbers of trainable parameters)";
            }

            if (rows.Select(r => r.N).Distinct().Count() < 2)
            {
                return $"all {rows.Count} rows have N = {Num(rows[0].N)}; the N exponent b needs at least two distinct N values (checkpoints at different steps)";
            }
        }
        else if (rows.Select(r => r.LFt).Distinct().Count() < 2)
        {
            return $"all {rows.Count} rows have L_ft = {Num(rows[0].LFt)}; the slope c1 needs at least two distinct L_ft values";
        }

        var runs = rows.Select(r => r.Run).Distinct(StringComparer.Ordinal).ToList();
        if (runs.Count < 2)
        {
            return $"the bootstrap resamples runs and needs at least 2, got 1 ('{runs[0]}')";
        }

        return null;
    }

    /// <summary>The rows' single L_f corpus hash and base model hash (null when unrecorded); mixing is refused.</summary>
    static (string? Corpus, string? Model) Hashes(IReadOnlyList<LedgerRow> rows)
    {
        return (Single(rows.Select(r => r.Corpus), "L_f corpora", "corpus"), Single(rows.Select(r => r.Model), "base models", "base model"));

        static string? Single(IEnumerable<string?> values, string plural, string singular)
        {
            var groups = values.Where(v => v is not null).GroupBy(v => v!, StringComparer.Ordinal).ToList();
            if (groups.Count <= 1)
            {
                return groups.Count == 1 ? groups[0].Key : null;
            }

            var counts = string.Join(", ", groups.Select(g => $"{g.Key}: {Plural(g.Count(), "row")}"));
            throw new LawException($"cannot fit a law: the rows come from {groups.Count} {plural} ({counts}); a law describes one {singular}, so filter the ledger to one");
        }
    }

    static string List(List<string> items) =>
        items.Count <= MaxListed ? string.Join(", ", items) : string.Join(", ", items.Take(MaxListed)) + $" and {items.Count - MaxListed} more";

    static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    internal static string Num(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    // ------------------------------------------------------------------ one form

    /// <summary>One form fitted to all rows, with its diagnostics; <see cref="Bootstrap"/> adds the uncertainty.</summary>
    sealed class Attempt
    {
        public required LawModel Model { get; init; }
        public required LawData Data { get; init; }
        public required (double[] Lower, double[] Upper) Bounds { get; init; }
        public required double[] Theta { get; init; }
        public required double[] FittedLf { get; init; }
        public double[]? FittedLft { get; init; }
        public required double R2 { get; init; }
        public required double Rmse { get; init; }
        public required double LooRmse { get; init; }

        public static Attempt Run(IReadOnlyList<LedgerRow> rows, LawForm form)
        {
            double? refP = null, refN = null, refLft = null;
            if (LawForms.UsesScale(form))
            {
                refP = Math.Exp(rows.Average(r => Math.Log(r.P)));
                refN = Math.Exp(rows.Average(r => Math.Log(r.N)));
            }
            else
            {
                refLft = rows.Average(r => r.LFt);
            }
            var model = LawModel.Create(form, refP, refN, refLft);
            var data = new LawData(
                rows.Select(r => refP is { } p ? Math.Log(r.P / p) : 0).ToArray(),
                rows.Select(r => refN is { } n ? Math.Log(r.N / n) : 0).ToArray(),
                rows.Select(r => r.LFt).ToArray(),
                rows.Select(r => r.Lf).ToArray());
            var bounds = model.Bounds(data);
            var theta = Minimize(model, data, bounds, null, out string failure)
                ?? throw new LawException($"the {LawForms.Name(form)} fit did not converge: {failure}");

            var fitted = new double[data.Count];
            double[]? fittedLft = form == LawForm.Saturating ? new double[data.Count] : null;
            for (int i = 0; i < data.Count; i++)
            {
                fitted[i] = model.Lf(theta, data.LogP[i], data.LogN[i], data.Lft[i]);
                if (fittedLft is not null)
                {
                    fittedLft[i] = model.Lft(theta, data.LogP[i], data.LogN[i])!.Value;
                }
            }

            double mean = data.Lf.Average(), ssRes = 0, ssTot = 0, looSum = 0;
            for (int i = 0; i < data.Count; i++)
            {
                ssRes += Square(data.Lf[i] - fitted[i]);
                ssTot += Square(data.Lf[i] - mean);
            }
            var others = new List<int>(data.Count - 1);
            for (int i = 0; i < data.Count; i++)
            {
                others.Clear();
                for (int j = 0; j < data.Count; j++)
                {
                    if (j != i)
                    {
                        others.Add(j);
                    }
                }

                var without = Minimize(model, data.Select(others), bounds, theta, out string looFailure)
                    ?? throw new LawException($"the {LawForms.Name(form)} fit without row '{rows[i].Cell}' (leave-one-out) did not converge: {looFailure}");
                looSum += Square(data.Lf[i] - model.Lf(without, data.LogP[i], data.LogN[i], data.Lft[i]));
            }

            return new Attempt
            {
                Model = model,
                Data = data,
                Bounds = bounds,
                Theta = theta,
                FittedLf = fitted,
                FittedLft = fittedLft,
                R2 = 1 - ssRes / ssTot,
                Rmse = Math.Sqrt(ssRes / data.Count),
                LooRmse = Math.Sqrt(looSum / data.Count),
            };
        }

        /// <summary>Percentile CIs of the reported parameters and the covariance of the centred ones over run resamples.</summary>
        public (IReadOnlyList<LawParameter> Parameters, LawUncertainty Uncertainty) Bootstrap(IReadOnlyList<LedgerRow> rows, FitOptions options)
        {
            var runs = rows
                .Select((r, i) => (r.Run, Index: i))
                .GroupBy(x => x.Run, StringComparer.Ordinal)
                .Select(g => g.Select(x => x.Index).ToArray())
                .ToList();
            int k = Model.ParameterCount;
            var random = new Random(options.Seed);
            var resampled = new List<double[]>(options.Resamples);
            int draws = 0, maxDraws = 10 * options.Resamples;
            var indices = new List<int>(rows.Count * 2);
            while (resampled.Count < options.Resamples)
            {
                if (draws == maxDraws)
                {
                    throw new LawException($"the {LawForms.Name(Model.Form)} bootstrap could fit only {resampled.Count} of {options.Resamples} run resamples in {draws} draws; the ledger has {runs.Count} runs — add runs (different P) so that most resamples can be fitted");
                }

                draws++;
                indices.Clear();
                for (int g = 0; g < runs.Count; g++)
                {
                    indices.AddRange(runs[random.Next(runs.Count)]);
                }

                var data = Data.Select(indices);
                if (!Identifiable(data))
                {
                    continue;
                }

                if (Minimize(Model, data, Bounds, Theta, out _) is { } theta)
                {
                    resampled.Add(theta);
                }
            }

            double widen = options.FewRunsCorrection ? FewRunsFactor(runs.Count, options.Level) : 1;
            var reported = resampled.Select(Model.Reported).ToList();
            var values = Model.Reported(Theta);
            var names = LawForms.ParameterNames(Model.Form);
            var parameters = new LawParameter[k];
            for (int j = 0; j < k; j++)
            {
                var column = reported.Select(r => r[j]).ToArray();
                Array.Sort(column);
                double lower = SortedArrayStatistics.QuantileCustom(column, (1 - options.Level) / 2, QuantileDefinition.R7);
                double upper = SortedArrayStatistics.QuantileCustom(column, (1 + options.Level) / 2, QuantileDefinition.R7);
                parameters[j] = new LawParameter(names[j], values[j],
                    values[j] - widen * Math.Max(0, values[j] - lower),
                    values[j] + widen * Math.Max(0, upper - values[j]));
            }

            var covariance = new double[k, k];
            var means = new double[k];
            foreach (var t in resampled)
            {
                for (int j = 0; j < k; j++)
                {
                    means[j] += t[j] / resampled.Count;
                }
            }

            for (int i = 0; i < k; i++)
            {
                for (int j = i; j < k; j++)
                {
                    double sum = 0;
                    foreach (var t in resampled)
                    {
                        sum += (t[i] - means[i]) * (t[j] - means[j]);
                    }

                    covariance[i, j] = covariance[j, i] = widen * widen * sum / (resampled.Count - 1);
                }
            }

            double ssrLog = 0;
            for (int i = 0; i < Data.Count; i++)
            {
                ssrLog += Square(Math.Log(Data.Lf[i]) - Math.Log(FittedLf[i]));
            }

            double sd = Math.Sqrt(ssrLog / Math.Max(1, Data.Count - LawForms.LfParameterCount(Model.Form)));

            var uncertainty = new LawUncertainty(options.Level, options.Resamples, draws - options.Resamples, options.Seed, widen,
                Model.ReferenceP, Model.ReferenceN, Model.ReferenceLft, LawForms.CentredNames(Model.Form), covariance, sd);
            return (parameters, uncertainty);
        }

        /// <summary>Whether a resample has the spread its form needs: two P and two N values, or two L_ft values.</summary>
        bool Identifiable(LawData data) =>
            data.Count > Model.ParameterCount
            && (LawForms.UsesScale(Model.Form)
                ? data.LogP.Distinct().Count() >= 2 && data.LogN.Distinct().Count() >= 2
                : data.Lft.Distinct().Count() >= 2);
    }

    static double Square(double x) => x * x;

    /// <summary>
    /// c = √(G/(G − 1))·t_{G−1}(q)/z(q) with q = (1 + level)/2: how much wider than a bootstrap over G runs a
    /// cluster-robust interval is, for the (G − 1)/G variance of a G-cluster bootstrap and the heavier t_{G−1} tails
    /// of a statistic estimated from G clusters. 1.58 for 5 runs at 95%, 1.22 for 10, 1.06 for 30.
    /// </summary>
    internal static double FewRunsFactor(int runs, double level)
    {
        double q = (1 + level) / 2;
        return Math.Sqrt(runs / (runs - 1.0)) * StudentT.InvCDF(0, 1, runs - 1, q) / Normal.InvCDF(0, 1, q);
    }

    // ------------------------------------------------------------------ the solver

    static readonly HashSet<ExitCondition> Converged = [ExitCondition.Converged, ExitCondition.RelativeGradient, ExitCondition.RelativePoints];

    /// <summary>
    /// The best converged Levenberg–Marquardt solution from <paramref name="warmStart"/> (when given), else from the
    /// form's grid starts; null with <paramref name="failure"/> saying why when no start converged.
    /// </summary>
    static double[]? Minimize(LawModel model, LawData data, (double[] Lower, double[] Upper) bounds, double[]? warmStart, out string failure)
    {
        var exits = new List<string>();
        if (warmStart is not null && Solve(model, data, bounds, warmStart, exits) is { } warm)
        {
            failure = "";
            return warm.Theta;
        }
        var starts = model.Starts(data, bounds, GridStarts);
        (double[] Theta, double Ssr)? best = null;
        foreach (var start in starts)
        {
            if (Solve(model, data, bounds, start, exits) is { } solution && (best is null || solution.Ssr < best.Value.Ssr))
            {
                best = solution;
            }
        }

        failure = starts.Count == 0
            ? "no starting point of the grid gives positive predictions for every row"
            : $"no starting point converged (Levenberg–Marquardt exits: {string.Join(", ", exits)})";
        return best?.Theta;
    }

    static (double[] Theta, double Ssr)? Solve(LawModel model, LawData data, (double[] Lower, double[] Upper) bounds, double[] start, List<string> exits)
    {
        int m = data.Count * model.ObservationsPerRow;
        var x = Vector<double>.Build.Dense(m, i => i);
        var y = Vector<double>.Build.DenseOfArray(model.Observed(data));
        var objective = ObjectiveFunction.NonlinearModel(
            (p, _) => model.LogPredictions(p.ToArray(), data),
            (p, _) => model.Jacobian(p.ToArray(), data),
            x, y);
        var minimizer = new LevenbergMarquardtMinimizer(gradientTolerance: 1e-12, stepTolerance: 1e-12, functionTolerance: 1e-30, maximumIterations: 400);
        NonlinearMinimizationResult result;
        try
        {
            result = minimizer.FindMinimum(objective, Vector<double>.Build.DenseOfArray(start),
                Vector<double>.Build.DenseOfArray(bounds.Lower), Vector<double>.Build.DenseOfArray(bounds.Upper));
        }
        catch (Exception e) when (e is ArgumentException or ArithmeticException or InvalidOperationException
                                       or MathNet.Numerics.NonConvergenceException or MathNet.Numerics.NumericalBreakdownException)
        {
            exits.Add(e.GetType().Name);
            return null;
        }
        var theta = result.MinimizingPoint.ToArray();
        double ssr = model.LogSsr(theta, data);
        if (!Converged.Contains(result.ReasonForExit) || !double.IsFinite(ssr) || theta.Any(v => !double.IsFinite(v)))
        {
            exits.Add(result.ReasonForExit.ToString());
            return null;
        }
        return (theta, ssr);
    }
}
