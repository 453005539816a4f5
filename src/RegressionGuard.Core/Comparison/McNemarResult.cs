namespace RegressionGuard.Comparison;

/// <summary>The exact McNemar test on paired binary outcomes.</summary>
/// <param name="RightToWrong">b: items the base model got right and the tuned model got wrong.</param>
/// <param name="WrongToRight">c: items the base model got wrong and the tuned model got right.</param>
/// <param name="Discordant">b + c: the items whose outcome changed; only these carry information.</param>
/// <param name="PValue">Two-sided exact p-value min(1, 2·P[X ≤ min(b, c)]) with X ~ Binomial(b + c, ½); 1 when b + c = 0.</param>
public sealed record McNemarResult(int RightToWrong, int WrongToRight, int Discordant, double PValue);
