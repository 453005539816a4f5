using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Models.Shared;

/// <summary>RMSNorm as in Llama: x / sqrt(mean(x²) + eps) · weight, computed in fp32 and cast back.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    readonly double _eps;
#pragma warning disable IDE1006 // field names are checkpoint keys
    public readonly Parameter weight; // (D)
#pragma warning restore IDE1006

    public RmsNorm(string name, long dim, double eps) : base(name)
    {
        _eps = eps;
        weight = new Parameter(ones(dim));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (x.dtype == ScalarType.Float32)
            return (x * (x.square().mean(new long[] { -1 }, keepdim: true) + _eps).rsqrt() * weight).MoveToOuterDisposeScope();
        var x32 = x.to_type(ScalarType.Float32);
        var normed = x32 * (x32.square().mean(new long[] { -1 }, keepdim: true) + _eps).rsqrt();
        return (normed.to_type(x.dtype) * weight).MoveToOuterDisposeScope();
    }
}
