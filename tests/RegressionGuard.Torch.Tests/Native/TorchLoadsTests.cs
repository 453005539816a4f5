using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Native;

public sealed class TorchLoadsTests
{
    [Test]
    public void A_matrix_product_runs_on_the_native_library()
    {
        using var a = ones(2, 3);
        using var b = ones(3, 4);
        using var c = a.matmul(b);
        Assert.That(c.sum().item<float>(), Is.EqualTo(24f));
    }
}
