namespace RegressionGuard.Torch.Checkpoints;

/// <summary>A checkpoint that cannot be used as it is; the message says which file, which keys and what was expected.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string message) : base(message) { }

    public CheckpointException(string message, Exception inner) : base(message, inner) { }
}
