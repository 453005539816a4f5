namespace RegressionGuard.Torch.Tokenization;

/// <summary>Opens the right <see cref="ITokenizer"/> for a tokenizer file, or finds the tokenizer that belongs to a model.</summary>
public static class TokenizerLoader
{
    /// <summary>The file names <see cref="FindBeside"/> looks for, in order.</summary>
    public static IReadOnlyList<string> SearchedNames { get; } = ["tokenizer.json", "tokenizer.model", "tok*.model"];

    /// <summary>
    /// Opens a tokenizer file: a Hugging Face <c>*.json</c> (byte-level BPE) or a SentencePiece <c>*.model</c>; other
    /// names are recognised by content (a JSON object or a SentencePiece protobuf). A folder is searched as by <see cref="FindBeside"/>.
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

        return LooksLikeJson(full) ? HfTokenizerJson.Load(full) : SentencePieceTokenizer.Load(full);
    }

    /// <summary>
    /// The tokenizer of a model: for a model folder (Hugging Face layout) or a model file (e.g. <c>stories260K.bin</c>),
    /// the first of <c>tokenizer.json</c>, <c>tokenizer.model</c>, <c>tok*.model</c> in that folder (or the file's folder).
    /// </summary>
    /// <exception cref="FileNotFoundException">No tokenizer is there, or several <c>tok*.model</c> files are and none is tokenizer.model.</exception>
    public static ITokenizer FindBeside(string modelPath) => Load(FindFileBeside(modelPath));

    /// <summary>The path of the tokenizer file <see cref="FindBeside"/> would load.</summary>
    public static string FindFileBeside(string modelPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        var full = Path.GetFullPath(modelPath);
        var folder = Directory.Exists(full) ? full : Path.GetDirectoryName(full) ?? full;

        foreach (var name in new[] { "tokenizer.json", "tokenizer.model" })
        {
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        var models = Directory.Exists(folder)
            ? Directory.GetFiles(folder, "tok*.model").Order(StringComparer.Ordinal).ToArray()
            : [];
        if (models.Length == 1)
        {
            return models[0];
        }

        if (models.Length > 1)
        {
            throw new FileNotFoundException(
                $"several tokenizers found for model '{full}': {string.Join(", ", models.Select(Path.GetFileName))} in '{folder}'; pass --tokenizer <file>");
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
