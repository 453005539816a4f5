namespace RegressionGuard.Forgetting;

/// <summary>Per-document sums behind the forgetting metric (nats; divide by <see cref="Positions"/> for means).</summary>
public sealed record DocumentForgetting(int Index, int Positions, double CrossEntropy, double BaseEntropy, double Divergence, double TopOneAgreements)
{
    public double Lf => Positions == 0 ? double.NaN : CrossEntropy / Positions;
    public double Kl => Positions == 0 ? double.NaN : Divergence / Positions;
}

/// <summary>
/// The forgetting metric over a corpus (Kalajdzievski 2024): at every predicted position the cross-entropy of the tuned
/// model's next-token distribution against the base model's full distribution, averaged over all predicted positions
/// of all documents. L_f = H + KL(base ‖ tuned) position by position; H (the base entropy) is L_f's floor.
/// When a backend cannot return what the exact value needs, <see cref="Bounds"/> holds the tightest interval it allows
/// and <see cref="Lf"/>, <see cref="BaseEntropy"/> and <see cref="Kl"/> are NaN (never an approximate number).
/// </summary>
public sealed record ForgettingResult(
    double Lf,
    double BaseEntropy,
    double Kl,
    double TopOneAgreement,
    long PredictedTokens,
    int Documents,
    IReadOnlyList<DocumentForgetting> PerDocument,
    ForgettingBounds? Bounds = null)
{
    public bool Exact => Bounds is null;
}

/// <summary>
/// L_f known only within [<see cref="Lower"/>, <see cref="Upper"/>] (nats/token; Upper may be +∞), and why: which
/// quantity the backend could not return.
/// </summary>
public sealed record ForgettingBounds(double Lower, double Upper, string Reason);
