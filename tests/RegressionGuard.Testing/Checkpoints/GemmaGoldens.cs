using System.Text.Json;

namespace RegressionGuard.Testing;

/// <summary>One golden of tools/references/gemma/gemma_reference.py: token ids and the reference's fp32 logits (T, V).</summary>
public sealed record GemmaGolden(string Name, int[] Tokens, int VocabSize, float[] Logits)
{
    public float Logit(int position, int id) => Logits[position * VocabSize + id];
}

/// <summary>
/// The tiny random Gemma checkpoints and their Python-reference logits, committed under
/// tests/goldens/gemma/&lt;name&gt;/ (config.json, model.safetensors, expected.json); the published configs they shrink are
/// in tests/fixtures/configs.
/// </summary>
public static class GemmaGoldens
{
    public const string Gemma2 = "gemma2-tiny";
    public const string Gemma3 = "gemma3-tiny";
    public const string Gemma3LinearRope = "gemma3-tiny-linear-rope";
    public const string Folder = "tests/goldens/gemma";

    public static string PublishedConfig(string fileName) => RepositoryFiles.Path($"tests/fixtures/configs/{fileName}");

    public static GemmaGolden Read(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.Path($"{Folder}/{name}/expected.json")));
        var root = doc.RootElement;
        var shape = root.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        return new GemmaGolden(name,
            root.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            shape[1],
            root.GetProperty("logits").EnumerateArray().Select(e => e.GetSingle()).ToArray());
    }

    /// <summary>
    /// Copies the golden's config.json and model.safetensors into <paramref name="directory"/> with a byte-level
    /// tokenizer.json beside them, optionally editing the config first; returns the folder.
    /// </summary>
    public static string CopyTo(string name, string directory, Action<Dictionary<string, JsonElement>>? editConfig = null)
    {
        var source = RepositoryFiles.Path($"{Folder}/{name}");
        Directory.CreateDirectory(directory);
        File.Copy(Path.Combine(source, "model.safetensors"), Path.Combine(directory, "model.safetensors"), overwrite: true);
        var config = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(Path.Combine(source, "config.json")))!;
        editConfig?.Invoke(config);
        File.WriteAllText(Path.Combine(directory, "config.json"), JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));
        TinyTokenizers.WriteByteLevel(directory, config["vocab_size"].GetInt32());
        return directory;
    }
}
