namespace RegressionGuard.Torch.Tokenization;

/// <summary>Opens the right <see cref="ITokenizer"/> for a tokenizer file, or finds the tokenizer that belongs to a model.</summary>
public static class TokenizerLoader
{
    /// <summary>The file names <see cref="FindBeside"/> looks for, in order.</summary>
    public static IReadOnlyList<string> SearchedNames { get; } = ["tokenizer.json", "tokenizer.model", "tok*.model", "tokenizer.bin", "tok*.bin"];

    /// <summary>
    /// Opens a tokenizer file: a Hugging Face <c>*.json</c>, a SentencePiece <c>*.model</c> or a llama2.c <c>*.bin</c>;
    /// other names are recognised by content (a JSON object, else a SentencePiece protobuf). A folder is searched as by <see cref="FindBeside"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">The path does not exist, or a folder holds no tokenizer.</exception>
    /// <exception cref="TokenizerFormatException">The file is not a tokenizer this project can read.</exception>
    public static ITokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return FindBeside(full);
        }

        if (!File.Exists(full))
        {
            throw new FileNotFoundException(
                $"tokenizer file '{full}' does not exist; expected a Hugging Face tokenizer.json or a SentencePiece tokenizer.model", full);
        }

        var extension = Path.GetExtension(full);
        if (extension.Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            return HfTokenizerJson.Load(full);
        }

        if (extension.Equals(".model", StringComparison.OrdinalIgnoreCase))
        {
            return SentencePieceTokenizer.Load(full);
        }

        if (extension.Equals(".bin", StringComparison.OrdinalIgnoreCase))
        {
            return Llama2cTokenizer.Load(full);
        }

        return LooksLikeJson(full) ? HfTokenizerJson.Load(full) : SentencePieceTokenizer.Load(full);
    }

    /// <summary>
    /// The tokenizer of a model: for a model folder (Hugging Face layout) or a model file (e.g. <c>stories260K.bin</c>),
    /// the first of <c>tokenizer.json</c> (preferred over a <c>tokenizer.model</c> beside it), <c>tokenizer.model</c>,
    /// <c>tok*.model</c>, then llama2.c's <c>tokenizer.bin</c>, <c>tok*.bin</c> in that folder (or the file's folder).
    /// </summary>
    /// <exception cref="FileNotFoundException">No tokenizer is there, or several <c>tok*</c> files of one kind are and none is named tokenizer.*.</exception>
    public static ITokenizer FindBeside(string modelPath) => Load(FindFileBeside(modelPath));

    /// <summary>The path of the tokenizer file <see cref="FindBeside"/> would load.</summary>
    public static string FindFileBeside(string modelPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        var full = Path.GetFullPath(modelPath);
        var folder = Directory.Exists(full) ? full : Path.GetDirectoryName(full) ?? full;

        foreach (var (exact, pattern) in new[] { ("tokenizer.json", (string?)null), ("tokenizer.model", "tok*.model"), ("tokenizer.bin", "tok*.bin") })
        {
            var candidate = Path.Combine(folder, exact);
            if (File.Exists(candidate))
            {
                return candidate;
            }

            if (pattern is null || !Directory.Exists(folder))
            {
                continue;
            }

            var matches = Directory.GetFiles(folder, pattern).Where(f => !string.Equals(f, full, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
            if (matches.Length == 1)
            {
                return matches[0];
            }

            if (matches.Length > 1)
            {
                throw new FileNotFoundException(
                    $"several tokenizers found for model '{full}': {string.Join(", ", matches.Select(Path.GetFileName))} in '{folder}'; pass --tokenizer <file>");
            }
        }

        throw new FileNotFoundException(
            $"no tokenizer found for model '{full}': looked for {string.Join(", ", SearchedNames)} in '{folder}'; pass --tokenizer <file>");
    }

    static bool LooksLikeJson(string path)
    {
        using var stream = File.OpenRead(path);
        int b;
        while ((b = stream.ReadByte()) >= 0)
        {
            if (b is ' ' or '\t' or '\r' or '\n' or 0xEF or 0xBB or 0xBF)
            {
                continue;
            }

            return b == '{';
        }
        return false;
    }
}
