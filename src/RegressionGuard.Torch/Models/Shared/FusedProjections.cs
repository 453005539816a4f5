using static TorchSharp.torch;

namespace RegressionGuard.Torch.Models.Shared;

/// <summary>
/// Projections that read the same input (q/k/v, gate/up) run as one matmul at inference. Their weights (and biases)
/// are moved once into one buffer, (Σ out, in), and each projection's own parameter becomes a view of its block of rows
/// (<c>set_</c>): the parameters keep their checkpoint names, and whatever changes them in place (loading, optimizer
/// steps, LoRA merges, weight repairs) changes the fused buffer too, so it is never stale. An attached LoRA branch adds
/// its Δy to its part's block of the fused output. Recorded gradients need the projections one by one (the fused
/// buffer is not a parameter), so models use this for inference forwards only.
/// </summary>
public sealed class FusedProjections : IDisposable
{
    readonly Projection[] _parts;
    readonly Tensor _weight;   // (Σ out, in)
    readonly Tensor? _bias;    // (Σ out)

    public FusedProjections(params Projection[] parts)
    {
        if (parts.Length < 2 || parts.Any(p => p.InFeatures != parts[0].InFeatures || (p.bias is null) != (parts[0].bias is null)))
        {
            throw new ArgumentException("fused projections need at least two projections of the same input width, all with or all without bias", nameof(parts));
        }

        _parts = parts;
        Sizes = parts.Select(p => p.OutFeatures).ToArray();
        var first = parts[0].weight;
        using (no_grad())
        {
            _weight = empty(new[] { Sizes.Sum(), parts[0].InFeatures }, first.dtype, first.device);
            _bias = parts[0].bias is null ? null : empty(new[] { Sizes.Sum() }, first.dtype, first.device);
            long row = 0;
            foreach (var p in parts)
            {
                using (var rows = _weight.narrow(0, row, p.OutFeatures))
                {
                    rows.copy_(p.weight);
                    p.weight.set_(rows);
                }

                if (_bias is not null)
                {
                    using var entries = _bias.narrow(0, row, p.OutFeatures);
                    entries.copy_(p.bias!);
                    p.bias!.set_(entries);
                }

                row += p.OutFeatures;
            }
        }
    }

    /// <summary>Output widths of the parts, in order (the split sizes of <see cref="Forward"/>'s last dimension).</summary>
    public long[] Sizes { get; }

    /// <summary>x (…, in) → (…, Σ out): every part's output (with its LoRA branch, if any), concatenated along the last dimension.</summary>
    public Tensor Forward(Tensor x)
    {
        var y = nn.functional.linear(x, _weight, _bias);
        long column = 0;
        foreach (var p in _parts)
        {
            if (p.Lora is { } lora)
            {
                using var scope = NewDisposeScope();
                y.narrow(-1, column, p.OutFeatures).add_(lora.Delta(x));
            }

            column += p.OutFeatures;
        }

        return y;
    }

    public void Dispose()
    {
        _weight.Dispose();
        _bias?.Dispose();
    }
}

/// <summary>A model whose same-input projections can be fused for inference after its weights are loaded.</summary>
public interface IFusesProjections
{
    /// <summary>Fuses q/k/v and gate/up (where the family has them) once; called by the loader after loading.</summary>
    void FuseProjections();
}
