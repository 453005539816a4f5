using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Models.Gemma;

/// <summary>
/// Gemma's RMSNorm: x / sqrt(mean(x²) + eps) · (1 + weight), all in fp32 and cast back at the end (transformers'
/// Gemma2RMSNorm / Gemma3RMSNorm: "(x * w).to(float16)", not Llama's "x.to(float16) * w"). The stored weight is the
/// offset from 1, so a fresh norm (weight 0) is the identity scale.
/// </summary>
public sealed class GemmaRmsNorm : nn.Module<Tensor, Tensor>
{
    // Scalars live as long as the module (a temporary Scalar can be finalized while libtorch still reads it).
    readonly Scalar _eps;
    readonly Scalar _one;
#pragma warning disable IDE1006 // field names are checkpoint keys
    public readonly Parameter weight; // (D), scale − 1
#pragma warning restore IDE1006

    public GemmaRmsNorm(string name, long dim, double eps) : base(name)
    {
        _eps = eps.ToScalar();
        _one = 1.0.ToScalar();
        weight = new Parameter(zeros(dim));
        RegisterComponents();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _eps.Dispose();
            _one.Dispose();
        }

        base.Dispose(disposing);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x32 = x.dtype == ScalarType.Float32 ? x : x.to_type(ScalarType.Float32);        // (…, D) fp32
        var normed = x32 * (x32.mul(x32).mean(new long[] { -1 }, keepdim: true) + _eps).rsqrt(); // (…, D)
        var scale = (weight.dtype == ScalarType.Float32 ? weight : weight.to_type(ScalarType.Float32)) + _one; // (D)
        var y = normed * scale;
        return (y.dtype == x.dtype ? y : y.to_type(x.dtype)).MoveToOuterDisposeScope();
    }
}
