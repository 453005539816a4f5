using System.Diagnostics;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Bench;

/// <summary>
/// Tokenizer load time and encode throughput (MB of UTF-8 text per second, one thread) for the shared tokenizers, on a
/// text file written by tools/goldens/tokenizers/bench.mjs (which runs @huggingface/tokenizers on the same lines).
/// </summary>
public static class TokenizerBenchmarks
{
    public static readonly string[] Names = ["mistral-32k", "llama3_1", "qwen3"];

    public static void Run(string shared, string textFile)
    {
        var lines = File.ReadAllText(textFile).Split('\n');
        var megabytes = lines.Sum(l => System.Text.Encoding.UTF8.GetByteCount(l)) / 1048576.0;
        Console.WriteLine($"\n## Tokenizer encode ({megabytes:F1} MB in {lines.Length} lines, one thread, C#)");
        Console.WriteLine("| tokenizer | load (s) | encode MB/s, first pass | encode MB/s, second pass | tokens |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var name in Names)
        {
            var load = Stopwatch.StartNew();
            var tokenizer = HfTokenizerJson.Load(Path.Combine(shared, "tokenizers", name, "tokenizer.json"));
            var loadSeconds = load.Elapsed.TotalSeconds;
            var (coldSeconds, _) = Pass(tokenizer, lines);
            var (seconds, tokens) = Pass(tokenizer, lines);
            Console.WriteLine($"| {name} | {loadSeconds:F2} | {megabytes / coldSeconds:F2} | {megabytes / seconds:F2} | {tokens} |");
        }
    }

    /// <summary>Encodes every line once (no special tokens); the seconds taken and the tokens produced.</summary>
    static (double Seconds, long Tokens) Pass(ITokenizer tokenizer, string[] lines)
    {
        var watch = Stopwatch.StartNew();
        long tokens = 0;
        foreach (var line in lines)
        {
            tokens += tokenizer.Encode(line).Count;
        }

        return (watch.Elapsed.TotalSeconds, tokens);
    }
}
