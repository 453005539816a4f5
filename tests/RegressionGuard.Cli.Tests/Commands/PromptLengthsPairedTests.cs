using System.Text.Json;
using System.Text.RegularExpressions;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

/// <summary>
/// Prompts longer than the model's context inside <c>gate</c>, <c>compare</c>, sharded gates and <c>eval</c>:
/// stories260K (context 512) against itself on a multiple-choice and a generation suite, each with one prompt of
/// about 900 tokens, under each <c>truncate</c> policy. Skips and cuts are counted in every output.
/// </summary>
public sealed partial class PromptLengthsPairedTests
{
    static string Model => SharedData.Path("models/stories260K/stories260K.bin");

    const string Question = "{{ q }}";
    const string Prompt = "{{ p }}";

    static readonly string LongText = string.Join(' ', Enumerable.Repeat("Once upon a time there was a little girl.", 80));

    /// <summary>mc.yaml (5 items, the last too long) and gen.yaml (3 items, the last too long) with the given policies.</summary>
    static void WriteSuites(TempFolder dir, string mcPolicy, string genPolicy)
    {
        File.WriteAllText(dir.File("mc.yaml"), $$"""
            schema: 1
            id: mc
            task: multiple_choice
            truncate: {{mcPolicy}}
            templates: {prompt: "{{Question}}"}
            choices: {templates: ["yes", "no"]}
            answer: gold
            items:
              - {q: "Is the sky blue?", gold: A}
              - {q: "Is the cat big?", gold: B}
              - {q: "Was Lily happy?", gold: A}
              - {q: "Did Tom run?", gold: B}
              - {q: "{{LongText}}", gold: A}
            """);
        File.WriteAllText(dir.File("gen.yaml"), $$"""
            schema: 1
            id: gen
            task: generate
            truncate: {{genPolicy}}
            generation: {max_new_tokens: 4}
            templates: {prompt: "{{Prompt}}", target: "the"}
            metrics: [contains]
            items:
              - {p: "Once upon a time"}
              - {p: "Lily went to the park"}
              - {p: "{{LongText}}"}
            """);
    }

    static string WriteGate(TempFolder dir, string mcPolicy, string genPolicy, string? tuned = null)
    {
        WriteSuites(dir, mcPolicy, genPolicy);
        var path = dir.File("gate.yaml");
        File.WriteAllText(path, $"""
            schema: 1
            base: {Model}
            tuned: {tuned ?? Model}
            suites:
              - mc.yaml
              - gen.yaml
            thresholds: {"{"}max_drop: 0.10{"}"}
            output: {dir.File("report")}
            cache: {dir.File("cache")}
            """);
        return path;
    }

    static JsonElement Suite(JsonElement report, string id) => report.GetProperty("suites").EnumerateArray().Single(s => s.GetProperty("suite").GetString() == id);

    [Test]
    public void A_gate_with_truncate_skip_leaves_the_long_items_out_of_both_models_and_counts_them_in_every_report()
    {
        // Given a gate whose two suites each have one prompt longer than the context, both with truncate: skip
        using var dir = new TempFolder();
        var config = WriteGate(dir, "skip", "skip");

        // When the gate runs
        var run = CliRun.Of("gate", "--config", config);

        // Then it passes on the items that fit, and report.json, Markdown, HTML and JUnit count the skipped items
        Assert.That(run.ExitCode, Is.Zero, run.Out + run.Error);
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("report/report.json")));
        var (mc, gen) = (Suite(json.RootElement, "mc"), Suite(json.RootElement, "gen"));
        Assert.Multiple(() =>
        {
            Assert.That(mc.GetProperty("paired_items").GetInt32(), Is.EqualTo(4));
            Assert.That(mc.GetProperty("lengths").GetProperty("skipped").GetInt32(), Is.EqualTo(1));
            Assert.That(mc.GetProperty("lengths").GetProperty("context_length").GetInt32(), Is.EqualTo(512));
            Assert.That(mc.GetProperty("lengths").GetProperty("policy").GetString(), Is.EqualTo("skip"));
            Assert.That(gen.GetProperty("paired_items").GetInt32(), Is.EqualTo(2));
            Assert.That(gen.GetProperty("lengths").GetProperty("skipped").GetInt32(), Is.EqualTo(1));
            var reasons = json.RootElement.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).ToList();
            Assert.That(reasons, Has.Some.StartsWith($"mc: 1 item skipped (prompt longer than the context of 512 tokens; first {dir.File("mc.yaml")}:items[4]:"));
            Assert.That(reasons, Has.Some.StartsWith("gen: 1 item skipped (prompt longer than the context of 512 tokens;"));
            Assert.That(File.ReadAllText(dir.File("report/report.md")), Does.Contain("- mc: 1 item skipped (prompt longer than the context of 512 tokens;"));
            Assert.That(File.ReadAllText(dir.File("report/report.html")), Does.Contain("4 paired items, 1 skipped"));
            Assert.That(File.ReadAllText(dir.File("report/junit.xml")), Does.Contain("<property name=\"skipped_items\" value=\"1\" />"));
            Assert.That(run.Error, Does.Contain("base · mc: skipped 1 item(s) whose prompt does not fit the context of 512 tokens (truncate: skip)"));
        });
    }

    [Test]
    public void A_gate_with_truncate_left_keeps_every_item_and_counts_the_prompts_cut()
    {
        // Given both suites with truncate: left
        using var dir = new TempFolder();
        var config = WriteGate(dir, "left", "left");

        // When the gate runs
        var run = CliRun.Of("gate", "--config", config);

        // Then every item is paired and each suite reports one prompt truncated left
        Assert.That(run.ExitCode, Is.Zero, run.Out + run.Error);
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("report/report.json")));
        var (mc, gen) = (Suite(json.RootElement, "mc"), Suite(json.RootElement, "gen"));
        Assert.Multiple(() =>
        {
            Assert.That(mc.GetProperty("paired_items").GetInt32(), Is.EqualTo(5));
            Assert.That(mc.GetProperty("lengths").GetProperty("truncated").GetInt32(), Is.EqualTo(1));
            Assert.That(gen.GetProperty("paired_items").GetInt32(), Is.EqualTo(3));
            Assert.That(gen.GetProperty("lengths").GetProperty("truncated").GetInt32(), Is.EqualTo(1));
            Assert.That(json.RootElement.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()),
                Has.Member("gen: 1 prompt truncated left (to the context of 512 tokens)"));
            Assert.That(File.ReadAllText(dir.File("report/junit.xml")), Does.Contain("<property name=\"truncated_items\" value=\"1\" />"));
        });
    }

    [Test]
    public void A_gate_with_truncate_error_exits_2_naming_the_suite_file_and_the_row_before_any_model_runs()
    {
        // Given the generation suite with truncate: error
        using var dir = new TempFolder();
        var config = WriteGate(dir, "skip", "error");

        // When the gate runs
        var run = CliRun.Of("gate", "--config", config);

        // Then it stops with exit 2, one clear line naming gen.yaml and its row, no stack trace, and a report with outcome error
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Out + run.Error);
        Assert.That(run.Error, Does.Contain($"{dir.File("gen.yaml")}:1:1: the prompt does not fit the model's context of 512 tokens with generation.max_new_tokens 4; set truncate: left (cut its start) or truncate: skip (leave it out, counted) — 1 row: {dir.File("gen.yaml")}:items[2]:"));
        Assert.That(run.Error, Does.Not.Contain("   at "));
        Assert.That(run.Error, Does.Not.Contain("base · mc: evaluated"), "no model ran");
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("report/report.json")));
        Assert.That(json.RootElement.GetProperty("outcome").GetString(), Is.EqualTo("error"));
    }

    /// <summary>stories260K as a Hugging Face folder whose context is 256 tokens (the same weights and tokenizer).</summary>
    static string ShortContextCopy(TempFolder dir)
    {
        var folder = dir.File("short");
        var convert = CliRun.Of("convert", "--from", Model, "--to", folder);
        Assert.That(convert.ExitCode, Is.Zero, convert.Error);
        var config = Path.Combine(folder, "config.json");
        var text = File.ReadAllText(config);
        Assert.That(text, Does.Contain("\"max_position_embeddings\": 512"));
        File.WriteAllText(config, text.Replace("\"max_position_embeddings\": 512", "\"max_position_embeddings\": 256", StringComparison.Ordinal));
        return folder;
    }

    /// <summary>gen.yaml with a prompt of about 300 tokens: it fits the base's 512 tokens, not the tuned model's 256.</summary>
    static void WriteMidLengthSuite(TempFolder dir, string policy) => File.WriteAllText(dir.File("gen.yaml"), $$"""
        schema: 1
        id: gen
        task: generate
        truncate: {{policy}}
        generation: {max_new_tokens: 4}
        templates: {prompt: "{{Prompt}}", target: "the"}
        metrics: [contains]
        items:
          - {p: "Once upon a time"}
          - {p: "Lily went to the park"}
          - {p: "{{string.Join(' ', Enumerable.Repeat("Once upon a time there was a little girl.", 25))}}"}
        """);

    [Test]
    public void A_gate_whose_tuned_model_has_a_smaller_context_leaves_out_of_both_what_only_the_base_could_take()
    {
        // Given truncate: skip, a base with 512 tokens of context and a tuned copy with 256, and a prompt of about 300 tokens
        using var dir = new TempFolder();
        var config = WriteGate(dir, "skip", "skip", ShortContextCopy(dir));
        WriteMidLengthSuite(dir, "skip");

        // When the gate runs (the base model takes the item first)
        var run = CliRun.Of("gate", "--config", config);

        // Then the item is out of both results: two paired items, one skipped, at the pair's smaller context
        Assert.That(run.ExitCode, Is.Zero, run.Out + run.Error);
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("report/report.json")));
        var gen = Suite(json.RootElement, "gen");
        Assert.That(gen.GetProperty("paired_items").GetInt32(), Is.EqualTo(2));
        Assert.That(gen.GetProperty("lengths").GetProperty("skipped").GetInt32(), Is.EqualTo(1));
        Assert.That(gen.GetProperty("lengths").GetProperty("context_length").GetInt32(), Is.EqualTo(256));
        Assert.That(gen.GetProperty("lengths").GetProperty("note").GetString(), Does.EndWith("does not fit the context of 256 tokens (truncate: skip) on the tuned model)"));
        Assert.That(run.Error, Does.Contain("tuned · gen: 1 item(s) the base model took are left out of both models"));
    }

    [Test]
    public void A_gate_with_truncate_error_whose_tuned_model_cannot_take_a_row_reports_it_as_an_error_with_exit_2()
    {
        // Given truncate: error and a prompt only the base model can take
        using var dir = new TempFolder();
        var config = WriteGate(dir, "skip", "error", ShortContextCopy(dir));
        WriteMidLengthSuite(dir, "error");

        // When the gate runs
        var run = CliRun.Of("gate", "--config", config);

        // Then it ends with outcome error and exit 2, naming gen.yaml and the row, without a stack trace
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Out + run.Error);
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("report/report.json")));
        Assert.That(json.RootElement.GetProperty("outcome").GetString(), Is.EqualTo("error"));
        Assert.That(json.RootElement.GetProperty("errors")[0].GetString(), Does.StartWith($"{dir.File("gen.yaml")}:1:1: the prompt does not fit the model's context of 256 tokens"));
        Assert.That(run.Out, Does.Contain($"(row {dir.File("gen.yaml")}:items[2]:"));
        Assert.That(run.Out + run.Error, Does.Not.Contain("   at "));
    }

    [Test]
    public void Sharded_gates_merged_give_the_whole_gates_report_with_the_same_skipped_items()
    {
        // Given the truncate: skip gate
        using var dir = new TempFolder();
        var config = WriteGate(dir, "skip", "skip");

        // When it runs whole and as 2 shards merged
        var whole = CliRun.Of("gate", "--config", config, "--out", dir.File("whole"), "--no-cache");
        var shards = Enumerable.Range(1, 2).Select(i => CliRun.Of("gate", "--config", config, "--shard", $"{i}/2", "--out", dir.File($"part-{i}"), "--no-cache")).ToList();
        var merge = CliRun.Of("report", "merge", dir.File("part-2"), dir.File("part-1"), "--out", dir.File("merged"));

        // Then the merged report.json is the whole one's (times aside): items, skips, statistics and reasons
        Assert.That(whole.ExitCode, Is.Zero, whole.Out + whole.Error);
        Assert.That(shards.Select(s => s.ExitCode), Is.All.Zero, string.Join("\n", shards.Select(s => s.Out + s.Error)));
        Assert.That(merge.ExitCode, Is.Zero, merge.Out + merge.Error);
        var wholeJson = Times().Replace(File.ReadAllText(dir.File("whole/report.json")), "\"$1\": _");
        var mergedJson = Times().Replace(File.ReadAllText(dir.File("merged/report.json")), "\"$1\": _");
        Assert.That(mergedJson, Is.EqualTo(wholeJson));
        Assert.That(wholeJson, Does.Contain("\"skipped\": 1"));
        Assert.That(merge.Out, Does.Contain("  ! warning, not a failure: mc: 1 item skipped (prompt longer than the context of 512 tokens;"));
    }

    [Test]
    public void Compare_counts_the_skipped_items_and_writes_them_with_their_reason()
    {
        // Given truncate: skip on both suites
        using var dir = new TempFolder();
        WriteSuites(dir, "skip", "skip");

        // When compare runs with --out
        var run = CliRun.Of("compare", "--base", Model, "--tuned", Model, "--suite", dir.File("mc.yaml"), dir.File("gen.yaml"), "--no-cache", "--out", dir.File("out"));

        // Then it prints the count per suite, comparison.json carries it and the base items.jsonl holds the skipped item's reason
        Assert.That(run.ExitCode, Is.Zero, run.Out + run.Error);
        Assert.That(run.Out, Does.Contain("mc v1 (custom, 4 paired items)\n  1 item skipped (prompt longer than the context of 512 tokens;"));
        Assert.That(File.ReadAllText(dir.File("out/comparison.json")), Does.Contain("\"skipped\": 1"));
        var lines = File.ReadAllLines(dir.File("out/gen/base/items.jsonl"));
        Assert.That(lines, Has.Length.EqualTo(3));
        Assert.That(lines[2], Does.Contain("\"skipped\":\"prompt of "));
    }

    [Test]
    public void Compare_with_truncate_left_counts_the_prompts_cut()
    {
        // Given truncate: left on the generation suite
        using var dir = new TempFolder();
        WriteSuites(dir, "left", "left");

        // When compare runs
        var run = CliRun.Of("compare", "--base", Model, "--tuned", Model, "--suite", dir.File("gen.yaml"), "--no-cache");

        // Then every item is paired and the cut prompt is counted
        Assert.That(run.ExitCode, Is.Zero, run.Out + run.Error);
        Assert.That(run.Out, Does.Contain("gen v1 (custom, 3 paired items)\n  1 prompt truncated left (to the context of 512 tokens)"));
    }

    [Test]
    public void Compare_with_truncate_error_exits_2_naming_the_row()
    {
        // Given truncate: error on the multiple-choice suite
        using var dir = new TempFolder();
        WriteSuites(dir, "error", "skip");

        // When compare runs
        var run = CliRun.Of("compare", "--base", Model, "--tuned", Model, "--suite", dir.File("mc.yaml"), "--no-cache");

        // Then it exits 2 with the suite file and the row, and no stack trace
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Out + run.Error);
        Assert.That(run.Error, Does.Contain($"{dir.File("mc.yaml")}:1:1: the prompt does not fit the model's context of 512 tokens (with its longest choice)"));
        Assert.That(run.Error, Does.Contain($"1 row: {dir.File("mc.yaml")}:items[4]:"));
        Assert.That(run.Error, Does.Not.Contain("   at "));
    }

    [Test]
    public void Eval_writes_a_skipped_item_with_its_reason_and_counts_skips_in_metrics_json()
    {
        // Given the generation suite with truncate: skip
        using var dir = new TempFolder();
        WriteSuites(dir, "skip", "skip");

        // When eval writes its files
        var run = CliRun.Of("eval", "--model", Model, "--suite", dir.File("gen.yaml"), "--out", dir.File("out"));

        // Then items.jsonl has every item (the skipped one with its reason, without metrics) and metrics.json the counts
        Assert.That(run.ExitCode, Is.Zero, run.Out + run.Error);
        var lines = File.ReadAllLines(dir.File("out/items.jsonl"));
        Assert.That(lines, Has.Length.EqualTo(3));
        using var skipped = JsonDocument.Parse(lines[2]);
        Assert.That(skipped.RootElement.GetProperty("skipped").GetString(), Does.Match("^prompt of [0-9]+ tokens with generation.max_new_tokens 4 does not fit the context of 512 tokens \\(truncate: skip\\)$"));
        Assert.That(skipped.RootElement.GetProperty("metrics").EnumerateObject(), Is.Empty);
        using var metrics = JsonDocument.Parse(File.ReadAllText(dir.File("out/metrics.json")));
        Assert.That(metrics.RootElement.GetProperty("items").GetInt32(), Is.EqualTo(2));
        Assert.That(metrics.RootElement.GetProperty("skipped").GetInt32(), Is.EqualTo(1));
        Assert.That(metrics.RootElement.GetProperty("truncated").GetInt32(), Is.Zero);
        Assert.That(metrics.RootElement.GetProperty("context_length").GetInt32(), Is.EqualTo(512));
        Assert.That(metrics.RootElement.GetProperty("metrics").GetProperty("contains").GetProperty("n").GetInt32(), Is.EqualTo(2));
    }

    [GeneratedRegex("\"(generated_utc|duration_seconds)\": [^,\n]+")]
    private static partial Regex Times();
}
