namespace RegressionGuard.Torch.Tokenization;

/// <summary>
/// A tokenizer file that cannot be read: malformed, or using a feature this project does not implement.
/// The message names the file, the place in it (a JSON path for tokenizer.json) and what would be valid.
/// </summary>
public sealed class TokenizerFormatException : Exception
{
    public TokenizerFormatException(string message) : base(message) { }

    public TokenizerFormatException(string message, Exception inner) : base(message, inner) { }
}
