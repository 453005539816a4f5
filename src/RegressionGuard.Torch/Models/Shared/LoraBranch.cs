using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Models.Shared;

/// <summary>
/// A low-rank update attached to a linear layer: Δy = (alpha / r) · B(A(dropout(x))), A: (r, in), B: (out, r),
/// B initialised to zero so the layer starts unchanged. A <see cref="Adapters.LoraAdapter"/> owns the branches and
/// names them with PEFT's keys (<c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c>).
/// </summary>
public sealed class LoraBranch
{
    public LoraBranch(long inFeatures, long outFeatures, int rank, double alpha, double dropout, bool rsLora = false, ScalarType? dtype = null, Device? device = null)
    {
        if (rank < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, "LoRA rank must be at least 1");
        }

        Rank = rank;
        Alpha = alpha;
        Scale = rsLora ? alpha / Math.Sqrt(rank) : alpha / rank;
        A = nn.Linear(inFeatures, rank, hasBias: false);
        B = nn.Linear(rank, outFeatures, hasBias: false);
        using (no_grad())
        {
            nn.init.kaiming_uniform_(A.weight!, a: Math.Sqrt(5));
            B.weight!.zero_();
        }
        Dropout = dropout > 0 ? nn.Dropout(dropout) : null;
        if (dtype is { } t) { A.to(t); B.to(t); }
        if (device is not null && device.type != DeviceType.CPU) { A.to(device); B.to(device); }
    }

    public int Rank { get; }
    public double Alpha { get; }
    public double Scale { get; }
    public Linear A { get; }
    public Linear B { get; }
    public Dropout? Dropout { get; }

    /// <summary>Δy for input x (…, in) → (…, out).</summary>
    public Tensor Delta(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = Dropout is null ? x : Dropout.forward(x);
        return B.forward(A.forward(h)).mul(Scale).MoveToOuterDisposeScope();
    }

    /// <summary>(alpha / r) · B · A as (out, in).</summary>
    public Tensor DeltaWeight()
    {
        using var scope = NewDisposeScope();
        return B.weight!.matmul(A.weight!).mul(Scale).MoveToOuterDisposeScope();
    }

    /// <summary>Adds ΔW to <paramref name="weight"/> in place; <paramref name="transposed"/> for weights stored (in, out), as GPT-2's Conv1D.</summary>
    public void MergeInto(Tensor weight, bool transposed = false)
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            var delta = DeltaWeight();
            weight.add_((transposed ? delta.t() : delta).to_type(weight.dtype));
        }
    }
}

/// <summary>A linear layer that can carry a <see cref="LoraBranch"/> (Llama projections, GPT-2 Conv1D).</summary>
public interface ILoraHost
{
    long InFeatures { get; }
    long OutFeatures { get; }
    LoraBranch? Lora { get; }

    /// <summary>The frozen base weight (in the checkpoint's own layout).</summary>
    Parameter BaseWeight { get; }

    void AttachLora(LoraBranch branch);

    /// <summary>Adds the branch's ΔW into the base weight and removes the branch.</summary>
    void MergeLora();
}
