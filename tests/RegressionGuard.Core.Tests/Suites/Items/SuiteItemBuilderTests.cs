using RegressionGuard.Suites;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Suites.Items;

public sealed class SuiteItemBuilderTests
{
    const string Suite = """
        schema: 1
        id: demo
        task: multiple_choice
        description_prefix: "About {{ topic }}.\n\n"
        templates:
          prompt: "Q: {{ q }}\nA:"
        choices:
          templates: ["{{ a }}", "{{ b }}"]
          labels: [A, B]
        answer: gold
        items:
          - {topic: cats, q: "Do cats purr?", a: "yes", b: "no", gold: A}
          - {topic: dogs, q: "Do dogs fly?", a: "yes", b: "no", gold: B}
        """;

    static IReadOnlyList<SuiteItem> Build(string yaml) => SuiteItemBuilder.Build(SuiteLoader.Parse(yaml, "/suites/demo.yaml"));

    [Test]
    public void Items_are_rendered_with_description_choices_and_gold_label()
    {
        var items = Build(Suite);
        Assert.Multiple(() =>
        {
            Assert.That(items[0].Context, Is.EqualTo("About cats.\n\nQ: Do cats purr?\nA:"));
            Assert.That(items[0].Choices, Is.EqualTo(new[] { "yes", "no" }));
            Assert.That(items[0].Gold, Is.EqualTo(0));
            Assert.That(items[1].Gold, Is.EqualTo(1));
            Assert.That(items[1].Source, Is.EqualTo("/suites/demo.yaml:items[1]:2"));
        });
    }

    [Test]
    public void Item_ids_are_stable_and_change_when_the_prompt_changes()
    {
        var a = Build(Suite);
        var b = Build(Suite);
        var changed = Build(Suite.Replace("Q: {{ q }}", "Question: {{ q }}", StringComparison.Ordinal));
        Assert.That(a.Select(i => i.Id), Is.EqualTo(b.Select(i => i.Id)));
        Assert.That(a[0].Id, Is.Not.EqualTo(changed[0].Id));
        Assert.That(a[0].Id, Has.Length.EqualTo(16));
        Assert.That(a[0].Id, Is.Not.EqualTo(a[1].Id));
    }

    [Test]
    public void A_chat_format_wraps_the_whole_prompt_as_one_user_turn()
    {
        var items = Build(Suite.Replace("task: multiple_choice", "task: multiple_choice\nchat_format: chatml\nsystem: Be brief.", StringComparison.Ordinal));
        Assert.That(items[0].Context, Is.EqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nAbout cats.\n\nQ: Do cats purr?\nA:<|im_end|>\n<|im_start|>assistant\n"));
    }

    [Test]
    public void An_unknown_template_variable_is_reported_with_the_row()
    {
        var e = Assert.Throws<SuiteValidationException>(() => Build(Suite.Replace("{{ q }}", "{{ question }}", StringComparison.Ordinal)))!;
        Assert.That(e.Errors[0].ToString(), Does.StartWith("/suites/demo.yaml:6:11: template failed: Undefined variable 'question'"), "the template's place, once");
        Assert.That(e.Errors[0].Row, Is.EqualTo("/suites/demo.yaml:items[0]:1"), "and the row");
    }

    [Test]
    public void Few_shot_examples_are_drawn_deterministically_from_their_own_file()
    {
        using var dir = new TempFolder();
        File.WriteAllLines(dir.File("train.jsonl"), Enumerable.Range(0, 20).Select(i => $"{{\"topic\": \"t\", \"q\": \"train {i}\", \"a\": \"x{i}\", \"b\": \"y{i}\", \"gold\": \"A\"}}"));
        var yaml = Suite.Replace("description_prefix: \"About {{ topic }}.\\n\\n\"\n", "fewshot:\n  num: 3\n  data:\n    path: train.jsonl\n  seed: 7\n", StringComparison.Ordinal);
        var suite = SuiteLoader.Parse(yaml, dir.File("demo.yaml"));
        var first = SuiteItemBuilder.Build(suite);
        var again = SuiteItemBuilder.Build(suite);
        Assert.That(first[0].Context, Is.EqualTo(again[0].Context));
        var shots = first[0].Context.Split("\n\n");
        Assert.That(shots, Has.Length.EqualTo(4));
        Assert.That(shots[..3], Has.All.Match(@"^Q: train \d+\nA: x\d+$"), "examples end with the gold choice after the delimiter");
        Assert.That(shots[3], Is.EqualTo("Q: Do cats purr?\nA:"));
        var otherSeed = SuiteItemBuilder.Build(SuiteLoader.Parse(yaml.Replace("seed: 7", "seed: 8", StringComparison.Ordinal), dir.File("demo.yaml")));
        Assert.That(otherSeed[0].Context, Is.Not.EqualTo(first[0].Context));
    }

    [Test]
    public void A_data_path_escaping_the_suite_folder_is_refused()
    {
        using var dir = new TempFolder();
        var yaml = Suite[..Suite.IndexOf("items:", StringComparison.Ordinal)] + "data:\n  path: ../../etc/passwd\n";
        var suite = SuiteLoader.Parse(yaml, dir.File("demo.yaml"));
        var e = Assert.Throws<SuiteValidationException>(() => SuiteItemBuilder.Build(suite))!;
        Assert.That(e.Errors[0].Message, Does.Contain("../../etc/passwd"));
        Assert.That(e.Errors[0].Message, Does.Contain("outside"));
    }

    [Test]
    public void A_missing_data_file_is_reported_at_the_suite_line_that_names_it()
    {
        using var dir = new TempFolder();
        var head = Suite[..Suite.IndexOf("items:", StringComparison.Ordinal)];
        var yaml = head + "data:\n  path: missing.jsonl\n";
        var suite = SuiteLoader.Parse(yaml, dir.File("demo.yaml"));

        var e = Assert.Throws<SuiteValidationException>(() => SuiteItemBuilder.Build(suite))!;

        int line = head.Count(c => c == '\n') + 2;
        Assert.That(e.Errors, Has.Count.EqualTo(1));
        Assert.That((e.Errors[0].File, e.Errors[0].Line, e.Errors[0].Column), Is.EqualTo((dir.File("demo.yaml"), line, 9)));
        Assert.That(e.Errors[0].Message, Does.Contain("missing.jsonl"));
    }

    [Test]
    public void A_bad_data_row_is_reported_once_at_the_row()
    {
        // Given a suite whose second data row has too few choices
        using var dir = new RegressionGuard.Testing.TempFolder();
        System.IO.File.WriteAllText(dir.File("items.jsonl"), "{\"q\": \"a\", \"c\": [\"x\", \"y\"], \"g\": 0}\n{\"q\": \"b\", \"c\": [\"x\"], \"g\": 0}\n");
        System.IO.File.WriteAllText(dir.File("suite.yaml"), "schema: 1\nid: mc\ntask: multiple_choice\ndata: {path: items.jsonl}\ntemplates: {prompt: \"{{ q }}\"}\nchoices: {field: c}\nanswer: g\n");
        var suite = RegressionGuard.Suites.Loading.SuiteLoader.Load(dir.File("suite.yaml"));

        // When its items are built
        var error = Assert.Throws<RegressionGuard.Suites.SuiteValidationException>(() => SuiteItemBuilder.Build(suite))!;

        // Then the one error is at items.jsonl:2, without nested prefixes
        var only = error.Errors.Single();
        Assert.That((only.File, only.Line), Is.EqualTo((dir.File("items.jsonl"), 2)));
        Assert.That(only.ToString(), Is.EqualTo($"{dir.File("items.jsonl")}:2:1: needs at least 2 choices, got 1"));
    }
}
