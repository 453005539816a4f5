using RegressionGuard.Law;
using RegressionGuard.Modeling;

namespace RegressionGuard.Gate;

/// <summary>
/// A gate config with its local models replaced by the same models behind OpenAI-compatible servers (docs/scale-out.md):
/// one config runs the gate in process and through <c>regressionguard serve</c> alike, which is how the served gate is
/// tested and benchmarked against the in-process one.
/// </summary>
public static class ServedGate
{
    /// <summary>
    /// <paramref name="gate"/> with base and/or tuned served (null: that model stays as it is). A served tuned model has
    /// no checkpoint to read P and N from, so they are read here from the local tuned checkpoint it replaces; weight
    /// diagnostics need both models' weights and are dropped.
    /// </summary>
    /// <exception cref="LawException">The tuned model becomes served and its local checkpoint records no P and N (and the config gives none).</exception>
    public static GateConfig Config(GateConfig gate, RemoteModelSpec? baseModel, RemoteModelSpec? tunedModel)
    {
        ArgumentNullException.ThrowIfNull(gate);
        var forgetting = gate.Forgetting;
        if (tunedModel is not null && gate.TunedRemote is null && forgetting is { } f && (f.P is null || f.N is null))
        {
            var scale = CheckpointScale.Read(gate.Tuned);
            forgetting = f with { P = f.P ?? scale.P, N = f.N ?? scale.N };
        }

        return gate with
        {
            Base = baseModel?.Display ?? gate.Base,
            BaseRemote = baseModel ?? gate.BaseRemote,
            Tuned = tunedModel?.Display ?? gate.Tuned,
            TunedRemote = tunedModel ?? gate.TunedRemote,
            Forgetting = forgetting,
            Diagnostics = baseModel is null && tunedModel is null ? gate.Diagnostics : null,
        };
    }
}
