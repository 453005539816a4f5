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
        var dtype = x.dtype;
        var x32 = x.to_type(ScalarType.Float32);
        var normed = x32 * rsqrt(x32.pow(2).mean(new long[] { -1 }, keepdim: true) + _eps);
        return (normed.to_type(dtype) * weight).MoveToOuterDisposeScope();
    }
}
