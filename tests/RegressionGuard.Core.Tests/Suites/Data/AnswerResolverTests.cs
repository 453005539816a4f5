using RegressionGuard.Suites;
using RegressionGuard.Suites.Data;

namespace RegressionGuard.Core.Tests.Suites.Data;

public sealed class AnswerResolverTests
{
    static void ThrowsData(TestDelegate resolve, string message) =>
        Assert.That(resolve, Throws.TypeOf<SuiteDataException>().With.Message.EqualTo(message));

    [TestCase("A", 0)]
    [TestCase("d", 3)]
    [TestCase(" C ", 2)]
    [TestCase("0", 0)]
    [TestCase("3", 3)]
    [TestCase(2L, 2)]
    [TestCase(1, 1)]
    [TestCase(3.0, 3)]
    public void Without_labels_letters_digit_strings_and_numbers_name_a_choice(object answer, int index)
    {
        Assert.That(AnswerResolver.ResolveIndex(answer, null, 4, "d.csv:1"), Is.EqualTo(index));
    }

    [Test]
    public void With_labels_a_string_is_matched_against_them_letters_or_digits_alike()
    {
        string[] digits = ["1", "2", "3", "4"];
        string[] letters = ["A", "B", "C", "D", "E"];

        Assert.That(AnswerResolver.ResolveIndex("1", digits, 4, "arc:1"), Is.EqualTo(0));
        Assert.That(AnswerResolver.ResolveIndex("4", digits, 4, "arc:1"), Is.EqualTo(3));
        Assert.That(AnswerResolver.ResolveIndex("E", letters, 5, "arc:2"), Is.EqualTo(4));
        Assert.That(AnswerResolver.ResolveIndex("b", letters, 5, "arc:2"), Is.EqualTo(1));
        Assert.That(AnswerResolver.ResolveIndex(1L, digits, 4, "arc:1"), Is.EqualTo(0), "labels apply to integer answers too");
    }

    [Test]
    public void An_answer_that_is_not_a_label_names_the_place_the_value_and_the_labels()
    {
        ThrowsData(() => AnswerResolver.ResolveIndex("F", ["A", "B", "C", "D"], 4, "data/arc.jsonl:7"),
            "data/arc.jsonl:7: answer 'F' is not one of the labels A, B, C, D");
        ThrowsData(() => AnswerResolver.ResolveIndex("5", ["1", "2", "3", "4"], 4, "data/arc.jsonl:8"),
            "data/arc.jsonl:8: answer '5' is not one of the labels 1, 2, 3, 4; to read integer answers as positions instead, set answer_base: 0 or 1");
    }

    [Test]
    public void An_answer_outside_the_choices_names_the_valid_range()
    {
        ThrowsData(() => AnswerResolver.ResolveIndex("E", null, 4, "mmlu.csv:3"),
            "mmlu.csv:3: answer 'E' is not a choice among 4; expected a letter A to D or a 0-based index 0 to 3");
        ThrowsData(() => AnswerResolver.ResolveIndex("4", null, 4, "mmlu.csv:3"),
            "mmlu.csv:3: answer '4' is out of range for 4 choices; an integer is a 0-based index 0 to 3; if the answers are 1-based (1 to 4), set answer_base: 1");
        ThrowsData(() => AnswerResolver.ResolveIndex(-1L, null, 4, "mmlu.csv:3"),
            "mmlu.csv:3: answer -1 is out of range for 4 choices; an integer is a 0-based index 0 to 3");
        ThrowsData(() => AnswerResolver.ResolveIndex("(B)", null, 4, "mmlu.csv:3"),
            "mmlu.csv:3: answer '(B)' is not a letter A to D or a 0-based index 0 to 3");
    }

    [Test]
    public void A_missing_or_odd_answer_and_labels_that_do_not_fit_the_choices_are_errors()
    {
        ThrowsData(() => AnswerResolver.ResolveIndex(null, null, 2, "x:1"), "x:1: the answer is missing (null); expected a letter A to B or a 0-based index 0 to 1");
        ThrowsData(() => AnswerResolver.ResolveIndex(true, ["A", "B"], 2, "x:1"), "x:1: answer true is not one of the labels A, B");
        ThrowsData(() => AnswerResolver.ResolveIndex(0.5, null, 2, "x:1"), "x:1: answer 0.5 is not a letter A to B or a 0-based index 0 to 1");
        ThrowsData(() => AnswerResolver.ResolveIndex("A", ["A", "B", "C"], 2, "x:1"), "x:1: 3 labels (A, B, C) for 2 choices; each choice needs one label");
        ThrowsData(() => AnswerResolver.ResolveIndex("A", null, 0, "x:1"), "x:1: there are no choices to pick an answer from");
    }

    [TestCase(1L, 0)]
    [TestCase(2L, 1)]
    [TestCase("2", 1)]
    [TestCase(2.0, 1)]
    public void With_answer_base_1_an_integer_answer_counts_from_one(object answer, int index)
    {
        Assert.That(AnswerResolver.ResolveIndex(answer, null, 2, "piqa:1", answerBase: 1), Is.EqualTo(index));
        Assert.That(AnswerResolver.Resolve(answer, null, 2, "piqa:1", answerBase: 1).ImplicitZeroBased, Is.Null, "the suite said where integers start");
    }

    [Test]
    public void Without_answer_base_an_integer_answer_is_flagged_as_read_0_based_and_the_top_value_names_answer_base()
    {
        Assert.That(AnswerResolver.Resolve(1L, null, 2, "piqa:1").ImplicitZeroBased, Is.EqualTo(1L));
        ThrowsData(() => AnswerResolver.ResolveIndex(0L, null, 2, "piqa:4", answerBase: 1),
            "piqa:4: answer 0 is out of range for 2 choices; an integer is an index counted from answer_base 1: 1 to 2");
        ThrowsData(() => AnswerResolver.ResolveIndex(2L, null, 2, "piqa:5"),
            "piqa:5: answer 2 is out of range for 2 choices; an integer is a 0-based index 0 to 1; if the answers are 1-based (1 to 2), set answer_base: 1");
    }

    [Test]
    public void With_letter_labels_a_number_is_a_position_only_when_answer_base_says_so()
    {
        Assert.That(AnswerResolver.ResolveIndex(1L, ["A", "B"], 2, "x:1", answerBase: 1), Is.EqualTo(0));
        ThrowsData(() => AnswerResolver.ResolveIndex(1L, ["A", "B"], 2, "x:1"),
            "x:1: answer 1 is not one of the labels A, B; to read integer answers as positions instead, set answer_base: 0 or 1");
    }
}
