using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // fields are named exactly like the checkpoint keys

namespace RegressionGuard.Torch.Models.Shared;

/// <summary>
/// y = x·Wᵀ + b with W (out, in) as stored in Llama-family checkpoints, plus an optional LoRA branch (owned by a
/// <see cref="Adapters.LoraAdapter"/>, not registered here, so the model's state_dict stays the base checkpoint's).
/// </summary>
public sealed class Projection : nn.Module<Tensor, Tensor>, ILoraHost
{
    public readonly Parameter weight; // (out, in)
    public readonly Parameter? bias;  // (out)
    LoraBranch? _lora;

    public Projection(long inFeatures, long outFeatures, bool hasBias) : base(nameof(Projection))
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = new Parameter(empty(outFeatures, inFeatures));
        using (no_grad())
        {
            nn.init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        }

        bias = hasBias ? new Parameter(zeros(outFeatures)) : null;
        RegisterComponents();
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }
    public LoraBranch? Lora => _lora;
    public Parameter BaseWeight => weight;

    public override Tensor forward(Tensor x)
    {
        if (_lora is null)
        {
            return nn.functional.linear(x, weight, bias);
        }

        using var scope = NewDisposeScope();
        return (nn.functional.linear(x, weight, bias) + _lora.Delta(x)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Wᵀ (in, out) as a view made once (<see cref="KeepTransposedWeight"/>), so an inference forward can add this
    /// projection's output to a residual with one addmm. It shares the weight's storage, so in-place updates show.
    /// </summary>
    internal Tensor? TransposedWeight { get; private set; }

    internal void KeepTransposedWeight() => TransposedWeight ??= weight.t().DetachFromDisposeScope();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            TransposedWeight?.Dispose();
        }

        base.Dispose(disposing);
    }

    public void AttachLora(LoraBranch branch)
    {
        if (_lora is not null)
        {
            throw new InvalidOperationException("this projection already has a LoRA branch");
        }

        _lora = branch;
    }

    public void MergeLora()
    {
        _lora?.MergeInto(weight);
        _lora = null;
    }
}
