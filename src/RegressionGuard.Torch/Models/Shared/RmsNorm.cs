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
    readonly double _epsValue;
#pragma warning disable IDE1006 // field names are checkpoint keys
    public readonly Parameter weight; // (D)
#pragma warning restore IDE1006

    public RmsNorm(string name, long dim, double eps) : base(name)
    {
        _eps = eps.ToScalar();
        _epsValue = eps;
        weight = new Parameter(ones(dim));
        RegisterComponents();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _eps.Dispose();
            _epsTensor?.Dispose();
        }

        base.Dispose(disposing);
    }

    Tensor? _epsTensor; // 0-dim fp32 eps for the inference form, made by PrepareInference

    /// <summary>Makes the inference form's constant once, beside the weight (the loader calls it after moving the model).</summary>
    public void PrepareInference() => _epsTensor ??= tensor((float)_epsValue, device: weight.device).DetachFromDisposeScope();

    /// <summary>
    /// The same normalisation in fewer native calls, for inference forwards where each call's dispatch costs more than
    /// its arithmetic (one-token decoding): ‖x‖ as one reduction, ‖x‖²/D + eps as one addcmul, then in-place rsqrt and
    /// weight. Equal to <see cref="forward"/> within fp32 rounding (‖x‖² differs from Σx² by about one ulp). Without
    /// <see cref="PrepareInference"/> (or off fp32) it is <see cref="forward"/>.
    /// </summary>
    public Tensor ForwardInference(Tensor x)
    {
        if (_epsTensor is null || x.dtype != ScalarType.Float32)
        {
            return forward(x);
        }

        using var scope = NewDisposeScope();
        long d = weight.shape[0];
        var norm = linalg.vector_norm(x, 2, new long[] { -1 }, keepdim: true);                          // (…, 1)
        var inverse = addcmul(_epsTensor, norm, norm, 1.0 / d).rsqrt_();                                // (…, 1)
        return x.mul(inverse).mul_(weight).MoveToOuterDisposeScope();
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
