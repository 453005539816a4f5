using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Models.Shared;

/// <summary>RMSNorm as in Llama: x / sqrt(mean(x²) + eps) · weight, computed in fp32 and cast back.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    // One Scalar for the module's life, and x * x rather than square() (TorchSharp's pow(2) with a temporary Scalar):
    // a temporary Scalar can be finalized while libtorch still reads it, which failed a CI run with
    // "INTERNAL ASSERT FAILED at c10/core/Scalar.h" inside pow. x * x is what libtorch computes for pow(x, 2) anyway.
    readonly Scalar _eps;
#pragma warning disable IDE1006 // field names are checkpoint keys
    public readonly Parameter weight; // (D)
#pragma warning restore IDE1006

    public RmsNorm(string name, long dim, double eps) : base(name)
    {
        _eps = eps.ToScalar();
        weight = new Parameter(ones(dim));
        RegisterComponents();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _eps.Dispose();
        }

        base.Dispose(disposing);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (x.dtype == ScalarType.Float32)
        {
            return (x * (x.mul(x).mean(new long[] { -1 }, keepdim: true) + _eps).rsqrt() * weight).MoveToOuterDisposeScope();
        }

        var x32 = x.to_type(ScalarType.Float32);
        var normed = x32 * (x32.mul(x32).mean(new long[] { -1 }, keepdim: true) + _eps).rsqrt();
        return (normed.to_type(x.dtype) * weight).MoveToOuterDisposeScope();
    }
}
