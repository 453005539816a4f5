using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Torch.Tests.Runtime;

public sealed class TorchThreadsTests
{
    [Test]
    public void Work_on_its_own_thread_returns_its_result_and_rethrows_its_exception_here()
    {
        // Given work that notes its thread, and work that fails
        int caller = Environment.CurrentManagedThreadId;

        // When each runs on its own thread
        int ran = TorchThreads.OnOwnThread(() => Environment.CurrentManagedThreadId);
        var e = Assert.Throws<InvalidDataException>(() => TorchThreads.OnOwnThread<int>(() => throw new InvalidDataException("bad weights")))!;

        // Then the first ran elsewhere and returned, and the second's exception reaches the caller as it was thrown
        Assert.That(ran, Is.Not.EqualTo(caller));
        Assert.That(e.Message, Is.EqualTo("bad weights"));
    }
}
