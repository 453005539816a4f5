using System.Text.Json;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

public sealed class ModelCommandsTests
{
    static string Bin => SharedData.Path("models/stories260K/stories260K.bin");
    static string Expected => File.ReadAllText(SharedData.Path("models/stories260K/greedy_from_BOS_256steps.txt"))[..^1];
    static string Stories => SharedData.Path("datasets/tinystories/TinyStories-valid.first46.jsonl");

    [Test]
    public void Generate_with_an_empty_prompt_prints_the_reference_sample()
    {
        var run = CliRun.Of("generate", "--model", Bin, "--prompt", "", "--max-new-tokens", "256");
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.Out, Is.EqualTo(Expected + Environment.NewLine));
    }

    [Test]
    public void Generate_json_prints_text_and_token_ids()
    {
        var run = CliRun.Of("generate", "--model", Bin, "--max-new-tokens", "256", "--json");
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.That(doc.RootElement.GetProperty("text").GetString(), Is.EqualTo(Expected));
        Assert.That(doc.RootElement.GetProperty("token_ids").GetArrayLength(), Is.EqualTo(256));
    }

    [Test]
    public void Score_truncate_json_matches_the_reference_numbers()
    {
        var run = CliRun.Of("score", "--model", Bin, "--data", Stories, "--truncate", "--json");
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Multiple(() =>
        {
            Assert.That(doc.RootElement.GetProperty("predicted_tokens").GetInt64(), Is.EqualTo(14_721));
            Assert.That(doc.RootElement.GetProperty("documents").GetInt32(), Is.EqualTo(46));
            Assert.That(doc.RootElement.GetProperty("mean_nll").GetDouble(), Is.EqualTo(1.2229).Within(0.0005));
            Assert.That(doc.RootElement.GetProperty("perplexity").GetDouble(), Is.EqualTo(3.397).Within(0.002));
        });
    }

    [Test]
    public void Convert_then_generate_and_score_through_the_HF_folder()
    {
        using var dir = new TempFolder();
        var convert = CliRun.Of("convert", "--from", Bin, "--to", dir.Path);
        Assert.That(convert.ExitCode, Is.Zero, convert.Error);
        var generate = CliRun.Of("generate", "--model", dir.Path, "--max-new-tokens", "256");
        Assert.That(generate.Out, Is.EqualTo(Expected + Environment.NewLine));
        var score = CliRun.Of("score", "--model", dir.Path, "--data", Stories, "--truncate", "--json");
        using var doc = JsonDocument.Parse(score.Out);
        Assert.That(doc.RootElement.GetProperty("mean_nll").GetDouble(), Is.EqualTo(1.2229).Within(0.0005));
    }

    [Test]
    public void A_model_path_that_does_not_exist_exits_2_with_the_path()
    {
        var run = CliRun.Of("generate", "--model", "/nonexistent/model", "--max-new-tokens", "3");
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Is.EqualTo($"error: /nonexistent/model: no such model folder or file{Environment.NewLine}"));
    }

    [Test]
    public void An_unsupported_dtype_exits_2_and_lists_the_valid_ones()
    {
        var run = CliRun.Of("generate", "--model", Bin, "--dtype", "float16");
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Is.EqualTo($"error: dtype 'float16' is not supported; valid: float32, bfloat16 (float16 is unusably slow on CPU){Environment.NewLine}"));
    }

    [Test]
    public void A_missing_required_option_exits_2()
    {
        var run = CliRun.Of("score", "--model", Bin);
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.Contain("--data"));
    }

    [Test]
    public void A_model_option_also_takes_a_PEFT_adapter_folder_and_finds_its_base()
    {
        var adapter = RepositoryFiles.Path("suites/organism/models/mild");
        var run = CliRun.Of("generate", "--model", adapter, "--prompt", "Q: What is 23 + 45?\nA:", "--max-new-tokens", "30", "--stop", "\n");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Out, Does.Contain("The answer is 68."));
    }
}
