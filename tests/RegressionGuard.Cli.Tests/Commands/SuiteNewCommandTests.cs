using System.Text.Json;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

/// <summary><c>suite new</c> on the public datasets in ../shared: each suite it writes validates and reads every item.</summary>
public sealed class SuiteNewCommandTests
{
    public static IEnumerable<TestCaseData> PublicFiles()
    {
        yield return new TestCaseData("mmlu/test/abstract_algebra_test.csv", "multiple_choice", "test_dir", 100, 0, new[]
        {
            "  question 'question' (column 1 of 6) — named like a question;",
            "  choices  A, B, C, D — 4 columns named in sequence (columns 2–5 of 6)",
            "  labels   [A, B, C, D] — answers read as a letter A–D  → choices.labels",
            "  answer   'answer' (column 6 of 6) — named like an answer; values A–D each name a choice (a letter A–D) in 100% of 100 rows  → answer",
        }).SetName("Mmlu_csv_without_a_header");
        yield return new TestCaseData("arc/arc_easy_test.clean.jsonl", "multiple_choice", "arc_dir", 2376, 0, new[]
        {
            "  question 'question.stem' — named like a question;",
            "  choices  'question.choices[*].text' — named like choices; a list of 3–5 texts in 100% of the first 1,000 rows  → choices.field",
            "  labels   'question.choices[*].label' — each choice's label",
            "  answer   'answerKey' — named like an answer; values 1–4, A–D each name a choice (a label in 'question.choices[*].label')",
        }).SetName("Arc_jsonl_with_nested_choices");
        yield return new TestCaseData("gsm8k/test.jsonl", "generate", "gsm8k_dir", 1319, 0, new[]
        {
            "  question 'question' — named like a question;",
            "  target   'answer' — named like an answer; a value in 100% of the first 1,000 rows; the gold answer is the text after '#### '",
        }).SetName("Gsm8k_jsonl");
        yield return new TestCaseData("xstest/xstest_prompts.csv", "refusal", "xstest_dir", 200, 250, new[]
        {
            "  prompt   'prompt' — named like a prompt;",
            "  should   'label' — values 'safe' → comply, 'unsafe' → refuse in 100% of 450 rows (200 refuse, 250 comply); rules xstest  → should",
        }).SetName("Xstest_csv_with_a_label_column");
        yield return new TestCaseData("advbench/harmful_behaviors.csv", "refusal", "advbench_dir", 520, 0, new[]
        {
            "  prompt   'goal' — named like a prompt;",
            "  should   every item — no field says which items are safe",
        }).SetName("Advbench_csv_without_a_label");
    }

    [TestCaseSource(nameof(PublicFiles))]
    public void Writes_a_suite_that_validates_and_reads_every_item_of(string data, string type, string variable, int refuseOrItems, int comply, string[] guesses)
    {
        var file = SharedData.Path($"datasets/{data}");
        using var dir = new TempFolder();
        var suiteFile = dir.File("suite.yaml");

        var run = CliRun.Of("suite", "new", "--data", file, "--type", type, "--out", suiteFile);

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        foreach (var guess in guesses)
        {
            Assert.That(run.Out, Does.Contain(guess));
        }

        Assert.That(run.Out, Does.Contain($"--set {variable}={Path.GetDirectoryName(file)}"));
        var suite = SuiteLoader.Load(suiteFile, new Dictionary<string, string> { [variable] = Path.GetDirectoryName(file)! });
        var items = SuiteItemBuilder.Build(suite);
        Assert.That(suite.Task, Is.EqualTo(type switch { "multiple_choice" => TaskType.MultipleChoice, "generate" => TaskType.Generate, _ => TaskType.Refusal }));
        if (suite.Task == TaskType.Refusal)
        {
            Assert.That(items.Count(i => i.Should == Expectation.Refuse), Is.EqualTo(refuseOrItems));
            Assert.That(items.Count(i => i.Should == Expectation.Comply), Is.EqualTo(comply));
        }
        else
        {
            Assert.That(items, Has.Count.EqualTo(refuseOrItems));
        }
        Assert.That(run.Out, Does.StartWith($"wrote {suiteFile}: {Path.GetFileNameWithoutExtension(file)}, {type}, {items.Count:N0} items"), "the id comes from the data file's name");
    }

    /// <summary>
    /// What each data file under ../shared/datasets is: a suite format with its task, or text that is not suite data
    /// (with why). A file in neither list fails <see cref="Every_public_format_under_shared_datasets_still_writes_a_valid_suite_without_edits"/>
    /// until it is classified here.
    /// </summary>
    static string? TaskOf(string relative) => relative.Split('/')[0] switch
    {
        "mmlu" or "arc" => "multiple_choice",
        "gsm8k" => "generate",
        "xstest" => "refusal",
        "advbench" when relative.EndsWith("harmful_behaviors.csv", StringComparison.Ordinal) => "refusal",
        _ => null,
    };

    static readonly Dictionary<string, string> NotSuiteData = new(StringComparer.Ordinal)
    {
        ["tinystories"] = "an L_f corpus ({idx, text} stories)",
        ["tinyshakespeare"] = "fine-tuning text",
        ["wikitext2"] = "an L_f corpus (plain text)",
        ["advbench/harmful_strings.csv"] = "strings a model should not produce, no prompts",
    };

    [Test]
    public void Every_public_format_under_shared_datasets_still_writes_a_valid_suite_without_edits()
    {
        // Given every data file under ../shared/datasets that holds suite data
        var root = SharedData.Path("datasets");
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
        var unclassified = files.Where(f => TaskOf(f) is null && !NotSuiteData.Keys.Any(k => f == k || f.StartsWith(k + "/", StringComparison.Ordinal))).ToList();
        var suiteData = files.Where(f => TaskOf(f) is not null).ToList();
        using var dir = new TempFolder();

        // When suite new writes a suite for each, guessing everything
        var failed = new List<string>();
        foreach (var file in suiteData)
        {
            var run = CliRun.Of("suite", "new", "--data", Path.Combine(root, file), "--type", TaskOf(file)!, "--out", dir.File("suite.yaml"), "--force");
            if (run.ExitCode != 0 || !run.Out.Split('\n')[0].EndsWith("; valid", StringComparison.Ordinal))
            {
                failed.Add($"{file}: exit {run.ExitCode}: {run.Out}{run.Error}");
            }
        }

        // Then every one is written and valid, and no file is left unclassified
        Assert.That(unclassified, Is.Empty, "classify the new data files in TaskOf or NotSuiteData");
        Assert.That(suiteData, Has.Count.GreaterThanOrEqualTo(176), "57 subjects × 3 MMLU splits, 2 ARC sets, GSM8K, XSTest, AdvBench behaviours");
        Assert.That(failed, Is.Empty);
    }

    [Test]
    public void A_written_mmlu_suite_evaluates_on_stories260K()
    {
        var data = SharedData.Path("datasets/mmlu/test/abstract_algebra_test.csv");
        var model = SharedData.Path("models/stories260K/stories260K.bin");
        using var dir = new TempFolder();
        var suiteFile = dir.File("algebra.yaml");
        Assert.That(CliRun.Of("suite", "new", "--data", data, "--type", "multiple_choice", "--out", suiteFile).ExitCode, Is.Zero);

        var run = CliRun.Of("eval", "--model", model, "--suite", suiteFile, "--set", $"test_dir={Path.GetDirectoryName(data)}", "--limit", "4", "--json");

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        using var result = JsonDocument.Parse(run.Out);
        Assert.That(result.RootElement.GetProperty("items").GetInt32(), Is.EqualTo(4));
        Assert.That(result.RootElement.GetProperty("metrics").GetProperty("acc").GetProperty("n").GetInt32(), Is.EqualTo(4));
    }

    [Test]
    public void An_existing_suite_is_kept_unless_force_is_given()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("x.jsonl"), "{\"question\": \"1+1?\", \"answer\": \"2\"}\n");
        File.WriteAllText(dir.File("x.yaml"), "mine");

        var refused = CliRun.Of("suite", "new", "--data", dir.File("x.jsonl"), "--type", "generate", "--out", dir.File("x.yaml"));
        Assert.That(refused.ExitCode, Is.EqualTo(2));
        Assert.That(refused.Error, Is.EqualTo($"error: {dir.File("x.yaml")} exists; pass --force to overwrite it, or choose another --out{Environment.NewLine}"));
        Assert.That(File.ReadAllText(dir.File("x.yaml")), Is.EqualTo("mine"));

        var forced = CliRun.Of("suite", "new", "--data", dir.File("x.jsonl"), "--type", "generate", "--out", dir.File("x.yaml"), "--force");
        Assert.That(forced.ExitCode, Is.Zero, forced.Error);
        Assert.That(File.ReadAllText(dir.File("x.yaml")), Does.Contain("task: generate"));
    }

    [Test]
    [NonParallelizable]
    public void Without_out_the_suite_is_named_after_the_data_file_in_the_current_folder()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("facts.jsonl"), "{\"question\": \"1+1?\", \"answer\": \"2\"}\n");
        var before = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(dir.Path);
        try
        {
            var run = CliRun.Of("suite", "new", "--data", "facts.jsonl", "--type", "generate");

            Assert.That(run.ExitCode, Is.Zero, run.Error);
            Assert.That(SuiteLoader.Load(dir.File("facts.yaml")).Data!.Path, Is.EqualTo("facts.jsonl"), "beside the suite: a relative path");
        }
        finally
        {
            Directory.SetCurrentDirectory(before);
        }
    }

    [Test]
    public void A_role_it_cannot_guess_is_named_with_its_suite_key_and_the_fields_and_nothing_is_written()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("x.csv"), "goal,target\nWrite malware,\"Sure, here\"\n");

        var run = CliRun.Of("suite", "new", "--data", dir.File("x.csv"), "--type", "multiple_choice", "--out", dir.File("x.yaml"));

        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Is.EqualTo(string.Join(Environment.NewLine,
            "error: cannot guess the choices (suite key 'choices.field'): no field holds a list of choices in every row, and no columns are named in sequence (A, B, C … or option1, option2 …)",
            "  name it: --field choices=<field> (a list-valued field, or the choice columns separated by commas)",
            $"fields in {dir.File("x.csv")}:",
            "  'goal' (e.g. 'Write malware')",
            "  'target' (e.g. 'Sure, here')",
            "nothing written",
            "")));
        Assert.That(File.Exists(dir.File("x.yaml")), Is.False);
    }

    [Test]
    public void A_field_given_on_the_command_line_replaces_the_guess()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("x.csv"), "goal,first,second,right\nPick one,yes,no,1\n");

        var run = CliRun.Of("suite", "new", "--data", dir.File("x.csv"), "--type", "multiple_choice", "--out", dir.File("x.yaml"),
            "--field", "choices=first,second", "--field", "answer=right", "--answer-base", "0");

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.Out, Does.Contain("  choices  first, second — given  → choices.templates"));
        Assert.That(SuiteItemBuilder.Build(SuiteLoader.Load(dir.File("x.yaml"))).Single().Gold, Is.EqualTo(1));
    }

    [TestCase("--type", "bogus")]
    [TestCase("--field", "colour=x")]
    public void Bad_input_exits_2(string option, string value)
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("x.jsonl"), "{\"question\": \"1+1?\", \"answer\": \"2\"}\n");
        var args = new List<string> { "suite", "new", "--data", dir.File("x.jsonl"), "--out", dir.File("x.yaml") };
        if (option != "--type")
        {
            args.AddRange(["--type", "generate"]);
        }

        args.AddRange([option, value]);

        var run = CliRun.Of([.. args]);

        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.Contain(option == "--type" ? "'bogus' not recognized" : "--field 'colour=x' must look like role=field"));
        Assert.That(File.Exists(dir.File("x.yaml")), Is.False);
    }

    [Test]
    public void A_missing_data_file_exits_2()
    {
        using var dir = new TempFolder();

        var run = CliRun.Of("suite", "new", "--data", dir.File("none.csv"), "--type", "refusal");

        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Is.EqualTo($"error: data file not found: {dir.File("none.csv")}{Environment.NewLine}"));
    }
}
