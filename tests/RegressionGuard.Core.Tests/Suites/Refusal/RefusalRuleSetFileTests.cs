using RegressionGuard.Suites;
using RegressionGuard.Suites.Refusal;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Suites.Refusal;

public sealed class RefusalRuleSetFileTests
{
    const string File = "custom.yaml";

    static string[] ErrorsOf(string yaml)
    {
        var e = Assert.Throws<SuiteValidationException>(() => RefusalRuleSets.Parse(yaml, File));
        return e!.Errors.Select(x => x.ToString()).ToArray();
    }

    [Test]
    public void A_valid_custom_set_classifies_by_its_own_rules()
    {
        var set = RefusalRuleSets.Parse("""
            schema: 1
            name: my-refusals
            description: Refusals of our support bot.
            source: team wiki
            normalize: [straight_quotes, strip]
            rules:
              - starts_with: ["I won't", "Unfortunately"]
                case_sensitive: false
              - contains: ["against our policy"]
            """, File);
        Assert.That(set.Name, Is.EqualTo("my-refusals"));
        Assert.That(set.Description, Is.EqualTo("Refusals of our support bot."));
        Assert.That(set.Source, Is.EqualTo("team wiki"));
        Assert.That(set.Classify("  i won\u2019t do that."), Is.EqualTo(new RefusalVerdict(true, "I won't", RefusalRuleKind.StartsWith)));
        Assert.That(set.Classify("That is against our policy."), Is.EqualTo(new RefusalVerdict(true, "against our policy", RefusalRuleKind.Contains)));
        Assert.That(set.Classify("That is Against Our Policy."), Is.EqualTo(RefusalVerdict.Compliance));
        Assert.That(set.Classify("Sure, here it is."), Is.EqualTo(RefusalVerdict.Compliance));
    }

    [Test]
    public void A_custom_set_is_loaded_from_a_file_and_errors_name_its_path()
    {
        using var dir = new TempFolder();
        var good = dir.File("good.yaml");
        System.IO.File.WriteAllText(good, "schema: 1\nname: tiny\nrules:\n  - contains: [nope]\n");
        Assert.That(RefusalRuleSets.Load(good).Classify("nope, not today").IsRefusal, Is.True);

        var bad = dir.File("bad.yaml");
        System.IO.File.WriteAllText(bad, "schema: 1\nname: tiny\nrules:\n  - contain: [nope]\n");
        Assert.That(() => RefusalRuleSets.Load(bad), Throws.TypeOf<SuiteValidationException>().With.Message.EqualTo(
            $"{bad}:4:5: unknown key 'contain' — did you mean 'contains'?" + Environment.NewLine +
            $"{bad}:4:5: a rule needs a pattern list: one of starts_with, contains"));
    }

    [Test]
    public void A_misspelled_rule_key_is_reported_with_a_suggestion()
    {
        Assert.That(ErrorsOf("""
            schema: 1
            name: x
            rules:
              - start_with: ["sorry"]
                case_sensitive: false
            """), Is.EqualTo(new[]
        {
            "custom.yaml:4:5: unknown key 'start_with' — did you mean 'starts_with'?",
            "custom.yaml:4:5: a rule needs a pattern list: one of starts_with, contains",
        }));
    }

    [Test]
    public void Missing_name_and_rules_are_both_reported_at_the_mapping()
    {
        Assert.That(ErrorsOf("""
            schema: 1
            description: nothing else
            """), Is.EqualTo(new[]
        {
            "custom.yaml:1:1: missing key 'name'; name the rule set, e.g. 'name: my-refusals'",
            "custom.yaml:1:1: missing key 'rules'; give at least one rule, e.g. 'rules: [{starts_with: [\"i'm sorry\"]}]'",
        }));
    }

    [Test]
    public void Empty_pattern_lists_and_empty_patterns_are_reported_where_they_are()
    {
        Assert.That(ErrorsOf("""
            schema: 1
            name: x
            rules:
              - starts_with: []
              - contains:
                  - "ok"
                  - ""
            """), Is.EqualTo(new[]
        {
            "custom.yaml:4:18: 'starts_with' is empty; list at least one pattern",
            "custom.yaml:7:9: empty pattern; it would match every completion — remove it",
        }));
    }

    [Test]
    public void Unknown_normalize_steps_are_reported_with_the_valid_ones()
    {
        Assert.That(ErrorsOf("""
            schema: 1
            name: x
            normalize: [strip, lowercse, unicode]
            rules:
              - contains: ["no"]
            """), Is.EqualTo(new[]
        {
            "custom.yaml:3:20: unknown normalize step 'lowercse' — did you mean 'lowercase'? (valid: strip, lowercase, straight_quotes)",
            "custom.yaml:3:30: unknown normalize step 'unicode'; valid: strip, lowercase, straight_quotes",
        }));
    }

    [Test]
    public void Values_of_the_wrong_type_are_reported_with_what_was_found()
    {
        Assert.That(ErrorsOf("""
            schema: 2
            name: [a, b]
            normalize: strip
            rules:
              - contains: "sorry"
                case_sensitive: maybe
              - just a string
            """), Is.EqualTo(new[]
        {
            "custom.yaml:1:9: unsupported schema '2'; this version of RegressionGuard reads 'schema: 1'",
            "custom.yaml:2:7: 'name' must be a string, got a list",
            "custom.yaml:3:12: 'normalize' must be a list of steps such as [strip, lowercase], got 'strip'",
            "custom.yaml:5:15: 'contains' must be a list of strings such as [\"i'm sorry\", \"i cannot\"], got 'sorry'",
            "custom.yaml:6:21: 'case_sensitive' must be true or false, got 'maybe'",
            "custom.yaml:7:5: a rule is a mapping such as '{starts_with: [\"i'm sorry\"]}'; got 'just a string'",
        }));
    }

    [Test]
    public void Unknown_top_level_keys_are_reported_with_a_suggestion_or_the_valid_keys()
    {
        Assert.That(ErrorsOf("""
            schema: 1
            name: x
            descripton: typo
            extends: xstest
            rules:
              - contains: ["no"]
            """), Is.EqualTo(new[]
        {
            "custom.yaml:3:1: unknown key 'descripton' — did you mean 'description'?",
            "custom.yaml:4:1: unknown key 'extends'; valid: schema, name, description, source, normalize, rules",
        }));
    }

    [Test]
    public void Yaml_tags_anchors_and_aliases_are_refused()
    {
        Assert.That(ErrorsOf("""
            schema: 1
            name: !python/object x
            rules:
              - starts_with: &p ["sorry"]
              - contains: *p
            """), Is.EqualTo(new[]
        {
            "custom.yaml:2:7: YAML tags ('!python/object') are not allowed in a rule set; write plain strings, lists and mappings",
            "custom.yaml:4:18: YAML anchors ('&p') are not allowed in a rule set; write each value out",
            "custom.yaml:5:15: YAML aliases ('*p') are not allowed in a rule set; write the value out",
        }));
    }

    [Test]
    public void A_pattern_that_normalisation_makes_unmatchable_is_reported()
    {
        Assert.That(ErrorsOf("""
            schema: 1
            name: x
            normalize: [strip, lowercase]
            rules:
              - starts_with: ["Sorry", " no"]
            """), Is.EqualTo(new[]
        {
            "custom.yaml:5:19: pattern 'Sorry' has upper-case letters but 'normalize: lowercase' lower-cases completions, so it can never match; write it in lower case",
            "custom.yaml:5:28: starts_with pattern ' no' begins with whitespace but 'normalize: strip' removes it, so it can never match",
        }));
    }

    [Test]
    public void A_rule_with_two_kinds_is_reported()
    {
        Assert.That(ErrorsOf("""
            schema: 1
            name: x
            rules:
              - starts_with: ["sorry"]
                contains: ["cannot"]
            """), Is.EqualTo(new[]
        {
            "custom.yaml:5:5: a rule has one of starts_with, contains; this one also has 'starts_with' — split it into two rules",
        }));
    }

    [Test]
    public void Invalid_yaml_is_reported_at_its_position()
    {
        Assert.That(ErrorsOf("schema: 1\nname: x\nrules:\n  - contains: [\"unclosed\n"), Is.EqualTo(new[] { "custom.yaml:4:16: invalid YAML: While scanning a quoted scalar, found unexpected end of stream." }));
    }

    [Test]
    public void A_duplicate_key_is_reported_plainly()
    {
        Assert.That(ErrorsOf("schema: 1\nname: x\nname: y\nrules:\n  - contains: [a]\n"), Is.EqualTo(new[]
        {
            "custom.yaml:3:1: invalid YAML: key 'name' appears twice in one mapping; keep one",
        }));
    }

    [Test]
    public void Standard_tags_are_refused_too_and_shown_as_written()
    {
        Assert.That(ErrorsOf("schema: 1\nname: x\nrules:\n  - contains: [!!str a]\n"), Is.EqualTo(new[]
        {
            "custom.yaml:4:16: YAML tags ('!!str') are not allowed in a rule set; write plain strings, lists and mappings",
        }));
    }

    [Test]
    public void A_second_yaml_document_is_reported()
    {
        Assert.That(ErrorsOf("schema: 1\nname: x\nrules:\n  - contains: [a]\n---\nschema: 1\n"), Is.EqualTo(new[]
        {
            "custom.yaml:5:1: a rule-set file holds one YAML document; remove this second one (after '---')",
        }));
    }

    [Test]
    public void A_leading_byte_order_mark_is_ignored()
    {
        Assert.That(RefusalRuleSets.Parse("\uFEFFschema: 1\nname: x\nrules:\n  - contains: [a]\n", File).Name, Is.EqualTo("x"));
    }

    [Test]
    public void An_empty_file_is_reported()
    {
        Assert.That(ErrorsOf("# nothing here\n"), Is.EqualTo(new[]
        {
            "custom.yaml:1:1: file is empty; a rule set is a mapping with keys schema, name, description, source, normalize, rules",
        }));
    }

    [Test]
    public void A_file_over_1_MB_is_refused_before_it_is_parsed()
    {
        using var dir = new TempFolder();
        var path = dir.File("big.yaml");
        System.IO.File.WriteAllText(path, "schema: 1\n# " + new string('x', RefusalRuleSets.MaxFileBytes) + "\n");
        Assert.That(() => RefusalRuleSets.Load(path), Throws.TypeOf<SuiteValidationException>().With.Message.EqualTo(
            $"{path}:1:1: file is {RefusalRuleSets.MaxFileBytes + 13} bytes; a refusal rule set may be at most 1048576 bytes (1 MB)"));
    }

    [Test]
    public void A_missing_file_is_reported_by_path()
    {
        Assert.That(() => RefusalRuleSets.Load("/nonexistent/rules.yaml"), Throws.TypeOf<FileNotFoundException>().With.Message.EqualTo(
            "/nonexistent/rules.yaml: refusal rule-set file not found"));
    }
}
