using System.Globalization;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Data;

namespace RegressionGuard.Core.Tests.Suites.Data;

public sealed class FieldPathTests
{
    static readonly DataRow Arc = new(new Dictionary<string, object?>
    {
        ["id"] = "Mercury_1",
        ["question"] = new Dictionary<string, object?>
        {
            ["stem"] = "Which is a producer?",
            ["choices"] = new List<object?>
            {
                new Dictionary<string, object?> { ["text"] = "grass", ["label"] = "A" },
                new Dictionary<string, object?> { ["text"] = "cow", ["label"] = "B" },
                new Dictionary<string, object?> { ["text"] = "wolf" },
            },
        },
        ["answerKey"] = "A",
        ["tags"] = new List<object?> { "bio", 3L },
    }, "data/arc.jsonl", 1);

    static void ThrowsData(TestDelegate evaluate, string message) =>
        Assert.That(evaluate, Throws.TypeOf<SuiteDataException>().With.Message.EqualTo(message));

    [Test]
    public void Names_dots_indices_and_stars_pick_values()
    {
        Assert.That(FieldPath.Evaluate(Arc, "answerKey"), Is.EqualTo("A"));
        Assert.That(FieldPath.Evaluate(Arc, "question.stem"), Is.EqualTo("Which is a producer?"));
        Assert.That(FieldPath.Evaluate(Arc, "question.choices[1].text"), Is.EqualTo("cow"));
        Assert.That(FieldPath.Evaluate(Arc, "question.choices[*].text"), Is.EqualTo(new[] { "grass", "cow", "wolf" }));
        Assert.That(FieldPath.Evaluate(Arc, "tags[1]"), Is.EqualTo(3L));
        Assert.That(FieldPath.Evaluate(Arc.Fields, "question.choices"), Has.Count.EqualTo(3));
    }

    [Test]
    public void Stars_nest_into_lists_of_lists()
    {
        var fields = new Dictionary<string, object?>
        {
            ["grid"] = new List<object?> { new List<object?> { 1L, 2L }, new List<object?> { 3L } },
        };

        Assert.That(FieldPath.Evaluate(fields, "grid[*][0]"), Is.EqualTo(new[] { 1L, 3L }));
        Assert.That(FieldPath.Evaluate(fields, "grid[*][*]"), Is.EqualTo(new object[] { new[] { 1L, 2L }, new[] { 3L } }));
    }

    [Test]
    public void A_field_whose_name_contains_a_dot_is_found_by_its_whole_name()
    {
        var fields = new Dictionary<string, object?> { ["a.b"] = "x" };

        Assert.That(FieldPath.Evaluate(fields, "a.b"), Is.EqualTo("x"));
    }

    [Test]
    public void A_missing_field_names_the_row_the_fields_there_and_the_closest()
    {
        ThrowsData(() => FieldPath.Evaluate(Arc, "question.stemm"),
            "field 'question.stemm' not found in data/arc.jsonl:1; fields there: id, question.stem, question.choices, " +
            "question.choices[*].text, question.choices[*].label, answerKey, tags — did you mean 'question.stem'?");
        ThrowsData(() => FieldPath.Evaluate(Arc, "choices[*].lable"),
            "field 'choices[*].lable' not found in data/arc.jsonl:1; fields there: id, question.stem, question.choices, " +
            "question.choices[*].text, question.choices[*].label, answerKey, tags");
        ThrowsData(() => FieldPath.Evaluate(Arc.Fields, "gold"),
            "field 'gold' not found; fields there: id, question.stem, question.choices, question.choices[*].text, " +
            "question.choices[*].label, answerKey, tags");
    }

    [Test]
    public void A_field_missing_from_one_element_of_a_list_names_that_element()
    {
        ThrowsData(() => FieldPath.Evaluate(Arc, "question.choices[*].label"),
            "field 'question.choices[*].label' in data/arc.jsonl:1: 'question.choices[2]' has no field 'label'; fields there: text");
    }

    [Test]
    public void A_value_of_the_wrong_kind_is_named_with_what_the_path_needs()
    {
        ThrowsData(() => FieldPath.Evaluate(Arc, "question.choices.text"),
            "field 'question.choices.text' in data/arc.jsonl:1: 'question.choices' is a list, not an object, so it has no 'text'; " +
            "write 'question.choices[0].text' or 'question.choices[*].text'");
        ThrowsData(() => FieldPath.Evaluate(Arc, "question.stem[0]"),
            "field 'question.stem[0]' in data/arc.jsonl:1: 'question.stem' is a string, not a list, so it has no [0]");
        ThrowsData(() => FieldPath.Evaluate(Arc, "question.choices[3].text"),
            "field 'question.choices[3].text' in data/arc.jsonl:1: index 3 is out of range: 'question.choices' has 3 items");
    }

    [Test]
    public void A_malformed_path_says_where_and_how_to_write_one()
    {
        const string How = "write names joined by '.', with '[0]' for an item of a list or '[*]' for all of them, e.g. question.choices[*].text";
        ThrowsData(() => FieldPath.Evaluate(Arc, "question..stem"), $"field path 'question..stem' is not valid: a name is missing at character 10; {How}");
        ThrowsData(() => FieldPath.Evaluate(Arc, "tags[x]"), $"field path 'tags[x]' is not valid: '[x]' is neither an index (0, 1, …) nor [*] at character 5; {How}");
        Assert.That(FieldPath.SyntaxError("tags[0"), Is.EqualTo($"field path 'tags[0' is not valid: '[' is not closed at character 5; {How}"));
        Assert.That(FieldPath.SyntaxError("question.choices[*].text"), Is.Null);
    }

    [Test]
    public void Field_names_flatten_nested_objects_and_lists_of_objects_to_a_limited_depth()
    {
        var deep = new Dictionary<string, object?>
        {
            ["a"] = new Dictionary<string, object?>
            {
                ["b"] = new Dictionary<string, object?> { ["c"] = new Dictionary<string, object?> { ["d"] = new Dictionary<string, object?> { ["e"] = 1L } } },
            },
            ["empty"] = new Dictionary<string, object?>(),
        };

        Assert.That(FieldPath.FieldNames(deep), Is.EqualTo(new[] { "a.b.c.d", "empty" }));
        Assert.That(FieldPath.FieldNames(Arc), Does.Contain("question.choices[*].label"));
    }

    [Test]
    public void As_text_writes_numbers_in_the_invariant_culture_and_lists_as_json()
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            Assert.That(FieldPath.AsText(0.25), Is.EqualTo("0.25"));
            Assert.That(FieldPath.AsText(1234567L), Is.EqualTo("1234567"));
            Assert.That(FieldPath.AsText(1e21), Is.EqualTo("1E+21"));
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
        Assert.That(FieldPath.AsText(null), Is.EqualTo(""));
        Assert.That(FieldPath.AsText("é"), Is.EqualTo("é"));
        Assert.That(FieldPath.AsText(true), Is.EqualTo("true"));
        Assert.That(FieldPath.AsText(FieldPath.Evaluate(Arc, "tags")), Is.EqualTo("[\"bio\",3]"));
        Assert.That(FieldPath.AsText(new Dictionary<string, object?> { ["k"] = "é", ["n"] = null, ["x"] = 0.5 }), Is.EqualTo("{\"k\":\"é\",\"n\":null,\"x\":0.5}"));
    }
}
