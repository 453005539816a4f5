namespace RegressionGuard.Torch.Runtime;

/// <summary>
/// Which threads run libtorch. libtorch's CPU kernels run their parallel regions on OpenMP (libgomp), which gives
/// every thread that starts a parallel region a pool of its own for as long as that thread lives; once more pool
/// threads are alive than there are cores, idle pool threads sleep instead of spinning, and every small parallel
/// region pays a wake-up. Measured on the organism (2 cores): a model worker generating while the thread that had
/// loaded the model was still alive ran ≈ 3× slower than the same work with the loading thread gone. So a process
/// that keeps one long-lived model thread (<c>serve</c>'s model worker) does its other torch work — loading — on
/// short-lived threads (<see cref="OnOwnThread{T}"/>).
/// </summary>
public static class TorchThreads
{
    /// <summary>
    /// Runs <paramref name="work"/> on a new thread and waits for it; its exception, if any, is rethrown here. The
    /// thread has no dispose scope, no inference mode and, once it ends, no OpenMP pool.
    /// </summary>
    public static T OnOwnThread<T>(Func<T> work, string name = "torch work")
    {
        ArgumentNullException.ThrowIfNull(work);
        T? result = default;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            }
        })
        { Name = name };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result!;
    }
}
