using MathNet.Numerics.LinearAlgebra;

namespace RegressionGuard.Law;

/// <summary>
/// Rows in the coordinates the fit works in: <c>lp = ln(P/P_ref)</c>, <c>ln = ln(N/N_ref)</c>, and the raw losses.
/// </summary>
internal sealed class LawData(double[] logP, double[] logN, double[] lft, double[] lf)
{
    public double[] LogP { get; } = logP;
    public double[] LogN { get; } = logN;
    public double[] Lft { get; } = lft;
    public double[] Lf { get; } = lf;
    public int Count => Lf.Length;

    public LawData Select(IReadOnlyList<int> rows)
    {
        var logP = new double[rows.Count];
        var logN = new double[rows.Count];
        var lft = new double[rows.Count];
        var lf = new double[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            logP[i] = LogP[rows[i]];
            logN[i] = LogN[rows[i]];
            lft[i] = Lft[rows[i]];
            lf[i] = Lf[rows[i]];
        }
        return new LawData(logP, logN, lft, lf);
    }
}

/// <summary>
/// One law form in centred coordinates (see <see cref="LawUncertainty"/>): log predictions, their analytic Jacobian,
/// starting points, parameter bounds and the conversion to the reported parameters. Observations are log L_f of every
/// row, followed for the saturating form by log L_ft of every row.
/// </summary>
internal abstract class LawModel
{
    /// <summary>The log of this stands in for a non-positive prediction, so the squared residual is huge and a
    /// Levenberg–Marquardt step into that region is rejected.</summary>
    protected const double Floor = 1e-300;

    protected LawModel(double? referenceP, double? referenceN, double? referenceLft)
    {
        ReferenceP = referenceP;
        ReferenceN = referenceN;
        ReferenceLft = referenceLft;
    }

    public abstract LawForm Form { get; }
    public double? ReferenceP { get; }
    public double? ReferenceN { get; }
    public double? ReferenceLft { get; }
    public int ParameterCount => LawForms.ParameterNames(Form).Count;
    public virtual int ObservationsPerRow => 1;

    /// <summary>Lower and upper bounds of the centred parameters for a fit to <paramref name="data"/>.</summary>
    public abstract (double[] Lower, double[] Upper) Bounds(LawData data);

    /// <summary>Starting points, best first (by log-space residual sum of squares), at most <paramref name="count"/>.</summary>
    public abstract IReadOnlyList<double[]> Starts(LawData data, (double[] Lower, double[] Upper) bounds, int count);

    /// <summary>The reported parameters (<see cref="LawForms.ParameterNames"/>) of centred parameters θ.</summary>
    public abstract double[] Reported(double[] theta);

    /// <summary>The centred parameters of reported ones (the inverse of <see cref="Reported"/>).</summary>
    public abstract double[] Centred(double[] reported);

    /// <summary>L̂_f at one point, natural units; may be ≤ 0 outside the law's valid range.</summary>
    public abstract double Lf(double[] theta, double logP, double logN, double lft);

    /// <summary>∂ log L̂_f / ∂θ at one point (the L_f row of the Jacobian), into <paramref name="gradient"/>.</summary>
    public abstract void LfGradient(double[] theta, double logP, double logN, double lft, Span<double> gradient);

    /// <summary>L̂_ft at one point for forms that model L_ft (saturating); null otherwise.</summary>
    public virtual double? Lft(double[] theta, double logP, double logN) => null;

    /// <summary>∂ log L̂_ft / ∂θ for forms that model L_ft.</summary>
    protected virtual void LftGradient(double[] theta, double logP, double logN, Span<double> gradient) =>
        throw new NotSupportedException();

    public static LawModel Create(LawForm form, double? referenceP, double? referenceN, double? referenceLft) => form switch
    {
        LawForm.Saturating => new SaturatingModel(referenceP!.Value, referenceN!.Value),
        LawForm.Power => new PowerModel(referenceP!.Value, referenceN!.Value),
        LawForm.Linear => new LinearModel(referenceLft!.Value),
        _ => throw new ArgumentOutOfRangeException(nameof(form), form, "unknown law form"),
    };

    /// <summary>The observations: log L_f of every row (then log L_ft of every row for the saturating form).</summary>
    public double[] Observed(LawData data)
    {
        var y = new double[data.Count * ObservationsPerRow];
        for (int i = 0; i < data.Count; i++)
        {
            y[i] = Math.Log(data.Lf[i]);
            if (ObservationsPerRow == 2)
            {
                y[data.Count + i] = Math.Log(data.Lft[i]);
            }
        }
        return y;
    }

    /// <summary>The log predictions matching <see cref="Observed"/>.</summary>
    public Vector<double> LogPredictions(double[] theta, LawData data)
    {
        var values = Vector<double>.Build.Dense(data.Count * ObservationsPerRow);
        for (int i = 0; i < data.Count; i++)
        {
            values[i] = SafeLog(Lf(theta, data.LogP[i], data.LogN[i], data.Lft[i]));
            if (ObservationsPerRow == 2)
            {
                values[data.Count + i] = SafeLog(Lft(theta, data.LogP[i], data.LogN[i])!.Value);
            }
        }
        return values;
    }

    /// <summary>∂(log predictions)/∂θ, one row per observation.</summary>
    public Matrix<double> Jacobian(double[] theta, LawData data)
    {
        int k = ParameterCount;
        var jacobian = Matrix<double>.Build.Dense(data.Count * ObservationsPerRow, k);
        Span<double> gradient = stackalloc double[k];
        for (int i = 0; i < data.Count; i++)
        {
            LfGradient(theta, data.LogP[i], data.LogN[i], data.Lft[i], gradient);
            for (int j = 0; j < k; j++)
            {
                jacobian[i, j] = gradient[j];
            }

            if (ObservationsPerRow == 2)
            {
                LftGradient(theta, data.LogP[i], data.LogN[i], gradient);
                for (int j = 0; j < k; j++)
                {
                    jacobian[data.Count + i, j] = gradient[j];
                }
            }
        }
        return jacobian;
    }

    /// <summary>Σ (log observed − log predicted)² over every observation.</summary>
    public double LogSsr(double[] theta, LawData data)
    {
        var observed = Observed(data);
        var predicted = LogPredictions(theta, data);
        double sum = 0;
        for (int i = 0; i < observed.Length; i++)
        {
            double r = observed[i] - predicted[i];
            sum += r * r;
        }
        return sum;
    }

    protected static double SafeLog(double value) => value > Floor && double.IsFinite(value) ? Math.Log(value) : Math.Log(Floor);

    /// <summary>Whether <paramref name="value"/> is a usable prediction (positive and finite); gradients are 0 elsewhere.</summary>
    protected static bool Usable(double value) => value > Floor && double.IsFinite(value);

    /// <summary>Intercept and slope of the ordinary least-squares line y = c + s·x.</summary>
    protected static (double Intercept, double Slope) Line(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxx = 0, sxy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
        }
        double slope = sxx > 0 ? sxy / sxx : 0;
        return (my - slope * mx, slope);
    }

    /// <summary>Moves <paramref name="theta"/> inside the bounds by 0.1% of each range: MathNet maps bounded parameters
    /// through a sine, whose slope vanishes on the bounds themselves.</summary>
    protected static double[] Inside(double[] theta, (double[] Lower, double[] Upper) bounds)
    {
        var result = new double[theta.Length];
        for (int j = 0; j < theta.Length; j++)
        {
            double margin = 1e-3 * (bounds.Upper[j] - bounds.Lower[j]);
            result[j] = Math.Clamp(theta[j], bounds.Lower[j] + margin, bounds.Upper[j] - margin);
        }
        return result;
    }

    /// <summary>The <paramref name="count"/> candidates with the lowest log-space SSR among those whose predictions are all usable.</summary>
    protected IReadOnlyList<double[]> Best(IEnumerable<double[]> candidates, LawData data, int count) =>
        candidates
            .Select(theta => (Theta: theta, Ssr: LogSsr(theta, data)))
            .Where(c => double.IsFinite(c.Ssr) && AllUsable(c.Theta, data))
            .OrderBy(c => c.Ssr)
            .Take(count)
            .Select(c => c.Theta)
            .ToList();

    bool AllUsable(double[] theta, LawData data)
    {
        for (int i = 0; i < data.Count; i++)
        {
            if (!Usable(Lf(theta, data.LogP[i], data.LogN[i], data.Lft[i])))
            {
                return false;
            }

            if (Lft(theta, data.LogP[i], data.LogN[i]) is { } lft && !Usable(lft))
            {
                return false;
            }
        }
        return true;
    }

    protected static double Max(double[] values) => values.Max();
}

/// <summary>
/// Saturating form, centred: X = (P/P_ref)^(−a)·(N/N_ref)^(−b), L_f = E_f − A_f,ref·X, L_ft = E_ft + A_ft,ref·X,
/// θ = (E_f, A_f,ref, E_ft, A_ft,ref, a, b); reported A = A_ref·P_ref^a·N_ref^b.
/// Bounds: E_f, A_f,ref ∈ [0, 10·max L_f]; E_ft, A_ft,ref ∈ [0, 10·max L_ft]; a, b ∈ [0, 3].
/// Starts: a, b ∈ {0.1, 0.25, 0.5, 1} (16 pairs); at each, E and A of both losses by ordinary least squares on X; the
/// 3 pairs with the lowest log-space SSR start Levenberg–Marquardt.
/// </summary>
internal sealed class SaturatingModel(double referenceP, double referenceN) : LawModel(referenceP, referenceN, null)
{
    static readonly double[] Exponents = [0.1, 0.25, 0.5, 1.0];

    public override LawForm Form => LawForm.Saturating;
    public override int ObservationsPerRow => 2;

    public override (double[] Lower, double[] Upper) Bounds(LawData data)
    {
        double f = 10 * Max(data.Lf), ft = 10 * Max(data.Lft);
        return ([0, 0, 0, 0, 0, 0], [f, f, ft, ft, 3, 3]);
    }

    public override IReadOnlyList<double[]> Starts(LawData data, (double[] Lower, double[] Upper) bounds, int count)
    {
        var candidates = new List<double[]>();
        foreach (double a in Exponents)
        {
            foreach (double b in Exponents)
            {
                var x = new double[data.Count];
                for (int i = 0; i < data.Count; i++)
                {
                    x[i] = Math.Exp(-a * data.LogP[i] - b * data.LogN[i]);
                }

                var (ef, sf) = Line(x, data.Lf);
                var (eft, sft) = Line(x, data.Lft);
                candidates.Add(Inside([ef, -sf, eft, sft, a, b], bounds));
            }
        }

        return Best(candidates, data, count);
    }

    static double X(double[] t, double logP, double logN) => Math.Exp(-t[4] * logP - t[5] * logN);

    public override double Lf(double[] t, double logP, double logN, double lft) => t[0] - t[1] * X(t, logP, logN);

    public override double? Lft(double[] t, double logP, double logN) => t[2] + t[3] * X(t, logP, logN);

    public override void LfGradient(double[] t, double logP, double logN, double lft, Span<double> g)
    {
        g.Clear();
        double x = X(t, logP, logN), f = t[0] - t[1] * x;
        if (!Usable(f))
        {
            return;
        }

        g[0] = 1 / f;
        g[1] = -x / f;
        g[4] = t[1] * x * logP / f;
        g[5] = t[1] * x * logN / f;
    }

    protected override void LftGradient(double[] t, double logP, double logN, Span<double> g)
    {
        g.Clear();
        double x = X(t, logP, logN), h = t[2] + t[3] * x;
        if (!Usable(h))
        {
            return;
        }

        g[2] = 1 / h;
        g[3] = x / h;
        g[4] = -t[3] * x * logP / h;
        g[5] = -t[3] * x * logN / h;
    }

    double Scale(double a, double b) => Math.Pow(ReferenceP!.Value, a) * Math.Pow(ReferenceN!.Value, b);

    public override double[] Reported(double[] t)
    {
        double s = Scale(t[4], t[5]);
        return [t[0], t[1] * s, t[2], t[3] * s, t[4], t[5]];
    }

    public override double[] Centred(double[] r)
    {
        double s = Scale(r[4], r[5]);
        return [r[0], r[1] / s, r[2], r[3] / s, r[4], r[5]];
    }
}

/// <summary>
/// Power form, centred: Y = (P/P_ref)^a·(N/N_ref)^b, L_f = E + A_ref·Y, θ = (E, A_ref, a, b); reported
/// A = A_ref·P_ref^(−a)·N_ref^(−b). Bounds: E, A_ref ∈ [−10·max L_f, 10·max L_f]; a, b ∈ [−3, 3].
/// Starts: a, b ∈ {−1, −0.5, −0.25, 0.25, 0.5, 1} (36 pairs); at each, E and A_ref by ordinary least squares on Y; the
/// 3 pairs with the lowest log-space SSR start Levenberg–Marquardt.
/// </summary>
internal sealed class PowerModel(double referenceP, double referenceN) : LawModel(referenceP, referenceN, null)
{
    static readonly double[] Exponents = [-1.0, -0.5, -0.25, 0.25, 0.5, 1.0];

    public override LawForm Form => LawForm.Power;

    public override (double[] Lower, double[] Upper) Bounds(LawData data)
    {
        double f = 10 * Max(data.Lf);
        return ([-f, -f, -3, -3], [f, f, 3, 3]);
    }

    public override IReadOnlyList<double[]> Starts(LawData data, (double[] Lower, double[] Upper) bounds, int count)
    {
        var candidates = new List<double[]>();
        foreach (double a in Exponents)
        {
            foreach (double b in Exponents)
            {
                var y = new double[data.Count];
                for (int i = 0; i < data.Count; i++)
                {
                    y[i] = Math.Exp(a * data.LogP[i] + b * data.LogN[i]);
                }

                var (e, s) = Line(y, data.Lf);
                candidates.Add(Inside([e, s, a, b], bounds));
            }
        }

        return Best(candidates, data, count);
    }

    static double Y(double[] t, double logP, double logN) => Math.Exp(t[2] * logP + t[3] * logN);

    public override double Lf(double[] t, double logP, double logN, double lft) => t[0] + t[1] * Y(t, logP, logN);

    public override void LfGradient(double[] t, double logP, double logN, double lft, Span<double> g)
    {
        g.Clear();
        double y = Y(t, logP, logN), f = t[0] + t[1] * y;
        if (!Usable(f))
        {
            return;
        }

        g[0] = 1 / f;
        g[1] = y / f;
        g[2] = t[1] * y * logP / f;
        g[3] = t[1] * y * logN / f;
    }

    double Scale(double a, double b) => Math.Pow(ReferenceP!.Value, -a) * Math.Pow(ReferenceN!.Value, -b);

    public override double[] Reported(double[] t) => [t[0], t[1] * Scale(t[2], t[3]), t[2], t[3]];

    public override double[] Centred(double[] r) => [r[0], r[1] / Scale(r[2], r[3]), r[2], r[3]];
}

/// <summary>
/// Linear form, centred: L_f = c0_ref + c1·(L_ft − L_ft,ref), θ = (c0_ref, c1); reported c0 = c0_ref − c1·L_ft,ref.
/// Bounds: c0_ref ∈ [0, 10·max L_f]; c1 ∈ [−s, s] with s = 10·max L_f / (max L_ft − min L_ft).
/// Starts: the ordinary least-squares line, and the flat line at the mean L_f.
/// </summary>
internal sealed class LinearModel(double referenceLft) : LawModel(null, null, referenceLft)
{
    public override LawForm Form => LawForm.Linear;

    public override (double[] Lower, double[] Upper) Bounds(LawData data)
    {
        double f = 10 * Max(data.Lf), spread = Max(data.Lft) - data.Lft.Min();
        double s = spread > 0 ? f / spread : f;
        return ([0, -s], [f, s]);
    }

    public override IReadOnlyList<double[]> Starts(LawData data, (double[] Lower, double[] Upper) bounds, int count)
    {
        var u = data.Lft.Select(v => v - ReferenceLft!.Value).ToArray();
        var (c0, c1) = Line(u, data.Lf);
        return Best([Inside([c0, c1], bounds), Inside([data.Lf.Average(), 0], bounds)], data, count);
    }

    public override double Lf(double[] t, double logP, double logN, double lft) => t[0] + t[1] * (lft - ReferenceLft!.Value);

    public override void LfGradient(double[] t, double logP, double logN, double lft, Span<double> g)
    {
        g.Clear();
        double u = lft - ReferenceLft!.Value, f = t[0] + t[1] * u;
        if (!Usable(f))
        {
            return;
        }

        g[0] = 1 / f;
        g[1] = u / f;
    }

    public override double[] Reported(double[] t) => [t[0] - t[1] * ReferenceLft!.Value, t[1]];

    public override double[] Centred(double[] r) => [r[0] + r[1] * ReferenceLft!.Value, r[1]];
}
