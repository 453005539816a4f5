using RegressionGuard.Gate;
using RegressionGuard.Suites;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Gate;

public sealed class GateConfigTests
{
    const string File = "/ci/regressionguard.yaml";

    [Test]
    public void A_full_config_is_read_with_paths_relative_to_it()
    {
        var config = GateConfig.Parse("""
            schema: 1
            base: models/base
            tuned: runs/lora/checkpoint-200
            suites:
              - suites/a.yaml
              - {path: "suites/b*.yaml", max_drop: 0.05}
            variables: {data_dir: /data}
            thresholds: {max_drop: 0.02, alpha: 0.01, require_significance: false, min_items: 50}
            forgetting: {corpus: corpus.jsonl, law: law.yaml, budget: 2.5, tolerance: 0.2, P: auto, N: 200}
            output: out
            compute: {dtype: bfloat16, batch_size: 8}
            """, File);
        Assert.Multiple(() =>
        {
            Assert.That(config.Base, Is.EqualTo("/ci/models/base"));
            Assert.That(config.Suites, Is.EqualTo(new[] { new GateSuite("/ci/suites/a.yaml", null, null), new GateSuite("/ci/suites/b*.yaml", 0.05, null) }));
            Assert.That(config.Thresholds, Is.EqualTo(new GateThresholds(0.02, null, 0.01, false, 50)));
            Assert.That(config.Forgetting, Is.EqualTo(new GateForgetting("/ci/corpus.jsonl", true, "/ci/law.yaml", 2.5, 0.2, null, 200)));
            Assert.That(config.Output, Is.EqualTo("/ci/out"));
            Assert.That((config.DType, config.BatchSize), Is.EqualTo(("bfloat16", 8)));
            Assert.That(config.Variables["data_dir"], Is.EqualTo("/data"));
        });
    }

    [Test]
    public void Diagnostics_are_off_unless_asked_for_and_take_the_defaults_or_a_top_k_and_thresholds()
    {
        const string Head = "schema: 1\nbase: b\ntuned: t\nsuites: [a.yaml]\n";
        Assert.Multiple(() =>
        {
            Assert.That(GateConfig.Parse(Head, File).Diagnostics, Is.Null);
            Assert.That(GateConfig.Parse(Head + "diagnostics: false\n", File).Diagnostics, Is.Null);
            Assert.That(GateConfig.Parse(Head + "diagnostics: true\n", File).Diagnostics, Is.EqualTo(new RegressionGuard.Diagnostics.DiagnoseOptions()));
            var custom = GateConfig.Parse(Head + "diagnostics: {top_k: 4, epsilons: [0.5, 0.7]}\n", File).Diagnostics!;
            Assert.That((custom.TopK, custom.Thresholds), Is.EqualTo((4, new[] { 0.5, 0.7 })));
        });
    }

    [Test]
    public void Bad_diagnostics_settings_are_reported_with_their_position()
    {
        var e = Assert.Throws<SuiteValidationException>(() => GateConfig.Parse("""
            schema: 1
            base: b
            tuned: t
            suites: [a.yaml]
            diagnostics: {top_k: 0, epsilons: [1.5, lots], topk: 3}
            """, File))!;
        Assert.That(e.Errors.Select(x => x.ToString()), Is.EqualTo(new[]
        {
            $"{File}:5:14: diagnostics: epsilon must lie strictly between 0 and 1, got 1.5",
            $"{File}:5:22: 'diagnostics.top_k' must be between 1 and 4096, got 0",
            $"{File}:5:35: 'diagnostics.epsilons' must be numbers strictly between 0 and 1, got 'lots'",
            $"{File}:5:48: unknown key 'diagnostics.topk' — did you mean 'top_k'?",
        }));
    }

    [Test]
    public void Every_problem_is_reported_at_once_with_its_position()
    {
        var e = Assert.Throws<SuiteValidationException>(() => GateConfig.Parse("""
            schema: 1
            base: m
            suites: [a.yaml]
            thresholds: {max_dorp: 0.02}
            forgetting: {corpus: c.jsonl, budget: 2.5, P: lots}
            compute: {dtype: float16}
            """, File))!;
        Assert.That(e.Errors.Select(x => x.ToString()), Is.EqualTo(new[]
        {
            $"{File}:1:1: missing key 'tuned' (the fine-tuned model: HF folder or PEFT adapter folder)",
            $"{File}:4:14: unknown key 'thresholds.max_dorp' — did you mean 'max_drop'?",
            $"{File}:5:47: 'forgetting.P' must be 'auto' (read from the tuned checkpoint) or a positive integer, got 'lots'",
            $"{File}:6:18: 'compute.dtype' must be float32 or bfloat16, got 'float16'",
        }));
    }

    [Test]
    public void Every_problem_of_a_config_and_its_files_is_reported_at_once_at_the_line_that_names_it()
    {
        // Given a config with a bad budget, a missing law, a missing suite, a glob matching nothing, an unknown chat
        // format, and a suite that exists but is broken
        using var dir = new TempFolder();
        System.IO.File.WriteAllText(dir.File("base.bin"), "x");
        Directory.CreateDirectory(dir.File("tuned"));
        System.IO.File.WriteAllText(dir.File("corpus.jsonl"), "{\"text\": \"a\"}\n");
        System.IO.File.WriteAllText(dir.File("broken.yaml"), "schema: 1\nid: broken\ntask: nonsense\n");
        System.IO.File.WriteAllText(dir.File("regressionguard.yaml"), """
            schema: 1
            base: base.bin
            tuned: tuned
            suites:
              - missing.yaml
              - nothing/*.yaml
              - broken.yaml
            chat_format: chatlm
            forgetting:
              corpus: corpus.jsonl
              law: missing-law.yaml
              budget: lots
            """);

        // When it is loaded
        var error = Assert.Throws<SuiteValidationException>(() => GateConfig.Load(dir.File("regressionguard.yaml")))!;

        // Then every problem is listed, each at its own line
        var config = dir.File("regressionguard.yaml");
        Assert.That(error.Errors.Select(e => e.ToString()), Is.SupersetOf(new[]
        {
            $"{config}:5:5: suite file not found: {dir.File("missing.yaml")}",
            $"{config}:6:5: suite pattern '{dir.File("nothing/*.yaml")}' matches no file",
            $"{config}:8:14: unknown chat format 'chatlm' — did you mean 'chatml'?",
            $"{config}:11:8: law file not found: {dir.File("missing-law.yaml")}",
        }));
        Assert.That(error.Errors.Where(e => e.File == config && e.Line == 12), Is.Not.Empty, "the bad budget");
        Assert.That(error.Errors.Where(e => e.File == dir.File("broken.yaml")), Is.Not.Empty, "the broken suite's own error");
        Assert.That(error.Errors.Where(e => e.File == dir.File("missing.yaml") || e.File == dir.File("missing-law.yaml")), Is.Empty, "a missing file is reported where the config names it, not at missing.yaml:1:1");
    }

    [Test]
    public void Chat_format_accepts_model_and_rejects_unknown_formats_with_a_suggestion()
    {
        var model = GateConfig.Parse("""
            schema: 1
            base: m
            tuned: t
            suites: [a.yaml]
            chat_format: model
            """, File);
        var e = Assert.Throws<SuiteValidationException>(() => GateConfig.Parse("""
            schema: 1
            base: m
            tuned: t
            suites: [a.yaml]
            chat_format: modell
            """, File))!;

        Assert.Multiple(() =>
        {
            Assert.That(model.ChatFormat, Is.EqualTo("model"));
            Assert.That(e.Errors.Single().ToString(), Is.EqualTo($"{File}:5:14: unknown chat format 'modell' — did you mean 'model'?"));
        });
    }
}
