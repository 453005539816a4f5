namespace RegressionGuard.Law;

/// <summary>
/// The equation a forgetting law holds. P is the number of trainable non-embedding parameters, N the number of
/// optimizer steps, L_f the forgetting loss and L_ft the fine-tuning loss, both in nats per token.
/// </summary>
public enum LawForm
{
    /// <summary>
    /// <c>L_f(P,N) = E_f − A_f·(P^a·N^b)^(−1)</c>, fitted jointly with <c>L_ft(P,N) = E_ft + A_ft·(P^a·N^b)^(−1)</c>
    /// (shared a, b): forgetting rises towards its asymptote E_f as P·N grows while L_ft falls towards E_ft.
    /// Parameters E_f, A_f, E_ft, A_ft, a, b.
    /// </summary>
    Saturating,

    /// <summary>
    /// The unconstrained shifted power law <c>L_f(P,N) = E + A·P^a·N^b</c>; A, a and b may take either sign.
    /// Parameters E, A, a, b.
    /// </summary>
    Power,

    /// <summary><c>L_f = c0 + c1·L_ft</c>: forgetting as a linear function of the fine-tuning loss. Parameters c0, c1.</summary>
    Linear,
}

/// <summary>Names, equations and parameter lists of the <see cref="LawForm"/>s, as written in <c>law.yaml</c>.</summary>
public static class LawForms
{
    /// <summary>The pseudo-form that fits every form and keeps the one with the lowest leave-one-out RMSE of L_f.</summary>
    public const string Auto = "auto";

    /// <summary>Every form, in the order <see cref="LawFitter"/> fits them under <see cref="Auto"/>.</summary>
    public static IReadOnlyList<LawForm> All { get; } = [LawForm.Saturating, LawForm.Power, LawForm.Linear];

    /// <summary>The names a caller may pass to <see cref="LawFitter.Fit"/>: the forms and <c>auto</c>.</summary>
    public static IReadOnlyList<string> FitNames { get; } = ["saturating", "power", "linear", Auto];

    /// <summary>The form's name in files and on the command line: <c>saturating</c>, <c>power</c> or <c>linear</c>.</summary>
    public static string Name(LawForm form) => form switch
    {
        LawForm.Saturating => "saturating",
        LawForm.Power => "power",
        LawForm.Linear => "linear",
        _ => throw new ArgumentOutOfRangeException(nameof(form), form, "unknown law form"),
    };

    /// <summary>The form named <paramref name="name"/> (ordinal, lowercase), or false.</summary>
    public static bool TryParse(string name, out LawForm form)
    {
        foreach (var candidate in All)
        {
            if (Name(candidate) == name)
            {
                form = candidate;
                return true;
            }
        }
        form = default;
        return false;
    }

    /// <summary>The form's equation as text, e.g. <c>L_f = E + A * P^a * N^b</c>.</summary>
    public static string Equation(LawForm form) => form switch
    {
        LawForm.Saturating => "L_f = E_f - A_f * (P^a * N^b)^(-1); L_ft = E_ft + A_ft * (P^a * N^b)^(-1)",
        LawForm.Power => "L_f = E + A * P^a * N^b",
        LawForm.Linear => "L_f = c0 + c1 * L_ft",
        _ => throw new ArgumentOutOfRangeException(nameof(form), form, "unknown law form"),
    };

    /// <summary>The form's parameters in their fixed order (the order of law files and of <see cref="LawFit.Parameters"/>).</summary>
    public static IReadOnlyList<string> ParameterNames(LawForm form) => form switch
    {
        LawForm.Saturating => ["E_f", "A_f", "E_ft", "A_ft", "a", "b"],
        LawForm.Power => ["E", "A", "a", "b"],
        LawForm.Linear => ["c0", "c1"],
        _ => throw new ArgumentOutOfRangeException(nameof(form), form, "unknown law form"),
    };

    /// <summary>
    /// The names of the centred parameters the fit works in and the covariance is stored over (see
    /// <see cref="LawUncertainty"/>): amplitudes at the reference point (<c>A_ref</c>) and, for the linear form, the
    /// intercept at the reference L_ft (<c>c0_ref</c>); the other parameters are the reported ones.
    /// </summary>
    public static IReadOnlyList<string> CentredNames(LawForm form) => form switch
    {
        LawForm.Saturating => ["E_f", "A_f_ref", "E_ft", "A_ft_ref", "a", "b"],
        LawForm.Power => ["E", "A_ref", "a", "b"],
        LawForm.Linear => ["c0_ref", "c1"],
        _ => throw new ArgumentOutOfRangeException(nameof(form), form, "unknown law form"),
    };

    /// <summary>How many of the form's parameters L_f itself depends on (the saturating form's E_ft and A_ft only shape L_ft).</summary>
    internal static int LfParameterCount(LawForm form) => form == LawForm.Linear ? 2 : 4;

    /// <summary>Whether the form predicts L_f from (P, N); the linear form needs L_ft instead.</summary>
    public static bool UsesScale(LawForm form) => form != LawForm.Linear;
}
