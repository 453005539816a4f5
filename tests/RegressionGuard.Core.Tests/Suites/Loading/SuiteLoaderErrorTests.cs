using RegressionGuard.Suites;
using RegressionGuard.Suites.Loading;

namespace RegressionGuard.Core.Tests.Suites.Loading;

/// <summary>Every kind of invalid suite gets its own message at file:line:col, and all problems come at once.</summary>
public sealed class SuiteLoaderErrorTests
{
    const string File = "/suites/bad.yaml";

    const string ValidHead = """
        schema: 1
        id: demo
        version: 1
        kind: knowledge
        task: multiple_choice
        """;

    const string ValidBody = """
        templates:
          prompt: "Q: {{ question }}\nA:"
        choices:
          field: choices
        answer: answer
        items:
          - question: "2+2?"
            choices: ["4", "5"]
            answer: 0
        """;

    static string[] Errors(string yaml, IReadOnlyDictionary<string, string>? variables = null)
    {
        var e = Assert.Throws<SuiteValidationException>(() => SuiteLoader.Parse(yaml, File, variables))!;
        return e.Errors.Select(x => x.ToString()).ToArray();
    }

    [Test]
    public void A_valid_inline_suite_loads()
    {
        var suite = SuiteLoader.Parse(ValidHead + "\n" + ValidBody, File);
        Assert.Multiple(() =>
        {
            Assert.That(suite.Id, Is.EqualTo("demo"));
            Assert.That(suite.Task, Is.EqualTo(TaskType.MultipleChoice));
            Assert.That(suite.Metrics.Select(m => m.Name), Is.EqualTo(new[] { "acc", "acc_norm" }));
            Assert.That(suite.InlineItems, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public void A_misspelled_key_suggests_the_right_one()
    {
        var yaml = ValidHead + "\n" + ValidBody.Replace("  prompt:", "  promt:", StringComparison.Ordinal);
        Assert.That(Errors(yaml), Is.EqualTo(new[]
        {
            $"{File}:7:3: unknown key 'templates.promt' — did you mean 'prompt'?",
            $"{File}:7:3: missing key 'templates.prompt' (the text the model sees, e.g. \"Question: {{{{ question }}}}\\nAnswer:\")",
        }));
    }

    [Test]
    public void An_unknown_top_level_key_lists_what_is_valid_when_nothing_is_close()
    {
        var yaml = ValidHead + "\nzzz: 1\n" + ValidBody;
        Assert.That(Errors(yaml), Has.Some.StartsWith($"{File}:6:1: unknown key 'zzz'; valid: schema, id, version"));
    }

    [Test]
    public void An_unknown_metric_lists_the_known_ones_for_the_task()
    {
        var yaml = ValidHead + "\n" + ValidBody + "\nmetrics: [acc, exact_match]\n";
        Assert.That(Errors(yaml), Is.EqualTo(new[] { $"{File}:15:16: unknown metric 'exact_match' for task multiple_choice; valid: acc, acc_norm, acc_bytes, mc2" }));
    }

    [Test]
    public void A_threshold_in_the_wrong_direction_is_refused()
    {
        var yaml = ValidHead + "\n" + ValidBody + "\nmetrics:\n  - name: acc\n    max_rise: 0.1\n";
        Assert.That(Errors(yaml), Is.EqualTo(new[] { $"{File}:17:15: 'acc' is higher-is-better: use 'max_drop', not 'max_rise'" }));
    }

    [Test]
    public void A_regex_that_does_not_compile_is_reported_where_it_is()
    {
        var yaml = """
            schema: 1
            id: g
            task: generate
            templates:
              prompt: "{{ q }}"
              target: "{{ a }}"
            extract:
              regex: '#### ([0-9'
            items:
              - q: x
                a: y
            """;
        Assert.That(Errors(yaml), Has.Length.EqualTo(1).And.Some.StartsWith($"{File}:8:10: 'extract.regex' does not compile: Invalid pattern '#### ([0-9'"));
    }

    [Test]
    public void A_template_syntax_error_names_its_position_in_the_template()
    {
        var yaml = ValidHead + "\n" + ValidBody.Replace("{{ question }}", "{{ question ", StringComparison.Ordinal);
        Assert.That(Errors(yaml), Has.Length.EqualTo(1).And.Some.StartsWith($"{File}:7:11: template 'templates.prompt' has a syntax error:"));
    }

    [Test]
    public void An_unknown_task_suggests_the_closest()
    {
        var yaml = ValidHead.Replace("multiple_choice", "multiple_choise", StringComparison.Ordinal) + "\n" + ValidBody;
        Assert.That(Errors(yaml), Has.Some.EqualTo($"{File}:5:7: unknown task 'multiple_choise' — did you mean 'multiple_choice'?"));
    }

    [Test]
    public void A_missing_schema_and_id_are_both_reported()
    {
        var yaml = "task: multiple_choice\n" + ValidBody;
        Assert.That(Errors(yaml), Is.EqualTo(new[]
        {
            $"{File}:1:1: missing key 'schema' (write 'schema: 1')",
            $"{File}:1:1: missing key 'id' (a short name such as 'mmlu')",
        }));
    }

    [Test]
    public void A_wrong_schema_version_is_reported()
    {
        var yaml = ValidHead.Replace("schema: 1", "schema: 2", StringComparison.Ordinal) + "\n" + ValidBody;
        Assert.That(Errors(yaml), Is.EqualTo(new[] { $"{File}:1:9: 'schema' must be between 1 and 1, got 2" }));
    }

    [Test]
    public void An_unset_variable_names_itself_and_how_to_set_it()
    {
        var yaml = ValidHead + "\n" + ValidBody[..ValidBody.IndexOf("items:", StringComparison.Ordinal)] + "data:\n  path: ${nowhere_dir}/x.jsonl\n";
        Assert.That(Errors(yaml), Is.EqualTo(new[] { $"{File}:12:9: variable 'nowhere_dir' is not set; pass --set nowhere_dir=<value> or set REGRESSIONGUARD_NOWHERE_DIR" }));
    }

    [Test]
    public void Options_of_another_task_type_are_refused()
    {
        var yaml = ValidHead + "\n" + ValidBody + "\nshould: refuse\n";
        Assert.That(Errors(yaml), Is.EqualTo(new[] { $"{File}:15:9: 'should' applies to refusal suites only (this suite's task is multiple_choice)" }));
    }

    [Test]
    public void A_refusal_suite_without_should_is_refused()
    {
        var yaml = """
            schema: 1
            id: r
            task: refusal
            templates:
              prompt: "{{ p }}"
            items:
              - p: hello
            """;
        Assert.That(Errors(yaml), Is.EqualTo(new[] { $"{File}:1:1: missing key 'should' ('refuse', 'comply', or a mapping {{field, refuse: [values], comply: [values]}})" }));
    }

    [Test]
    public void A_wrong_type_says_what_was_expected()
    {
        var yaml = ValidHead + "\n" + ValidBody + "\ngeneration: 5\n";
        Assert.That(Errors(yaml), Has.Some.EqualTo($"{File}:15:13: 'generation' must be a mapping of keys to values, got a string"));
    }

    [Test]
    public void Yaml_tags_are_refused_so_nothing_is_deserialised_into_arbitrary_types()
    {
        var yaml = ValidHead + "\n" + ValidBody + "\ndescription: !!python/object:os.system 'rm -rf /'\n";
        Assert.That(Errors(yaml), Is.EqualTo(new[] { $"{File}:15:14: YAML tags (tag:yaml.org,2002:python/object:os.system) are not allowed: values are plain strings, numbers, lists and mappings" }));
    }

    [Test]
    public void Aliases_are_refused_to_prevent_exponential_expansion()
    {
        var yaml = "a: &x [1, 2]\nb: *x\n";
        Assert.That(Errors(yaml), Is.EqualTo(new[] { $"{File}:1:4: YAML anchors (&x) are not allowed; write the value out" }));
    }

    [Test]
    public void Deeply_nested_documents_are_refused()
    {
        var yaml = "a: " + new string('[', 40) + new string(']', 40) + "\n";
        Assert.That(Errors(yaml), Is.EqualTo(new[] { $"{File}:1:35: nesting deeper than 32 levels" }));
    }

    [Test]
    public void Invalid_yaml_reports_the_parser_position()
    {
        Assert.That(Errors("id: [unclosed\n"), Has.Length.EqualTo(1).And.Some.StartsWith($"{File}:2:1: invalid YAML"));
    }

    [Test]
    public void Several_problems_are_reported_together_in_file_order()
    {
        var yaml = ValidHead.Replace("task: multiple_choice", "task: multiple_choice\ncolour: red", StringComparison.Ordinal) + "\n"
                   + ValidBody + "\nmetrics: [acc, accuracy]\n";
        var errors = Errors(yaml);
        Assert.That(errors, Has.Length.EqualTo(2));
        Assert.That(errors[0], Does.StartWith($"{File}:6:1: unknown key 'colour'"));
        Assert.That(errors[1], Does.StartWith($"{File}:16:16: unknown metric 'accuracy'"));
    }
}
