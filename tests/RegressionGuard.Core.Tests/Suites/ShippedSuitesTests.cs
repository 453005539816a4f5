using RegressionGuard.Suites;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Suites;

/// <summary>The suites in suites/public read the real public files exactly (counts from ../shared/README.md).</summary>
public sealed class ShippedSuitesTests
{

    static string SuitePath(string name)
    {
        return Path.Combine(RepositoryFiles.Root, "suites", name);
    }

    static IReadOnlyDictionary<string, string> Variables => new Dictionary<string, string>
    {
        ["mmlu_dir"] = SharedData.Path("datasets/mmlu"),
        ["arc_dir"] = SharedData.Path("datasets/arc"),
        ["gsm8k_dir"] = SharedData.Path("datasets/gsm8k"),
        ["xstest_dir"] = SharedData.Path("datasets/xstest"),
        ["advbench_dir"] = SharedData.Path("datasets/advbench"),
    };

    static (SuiteDefinition Suite, IReadOnlyList<SuiteItem> Items) Load(string name)
    {
        var suite = SuiteLoader.Load(SuitePath(name), Variables);
        return (suite, SuiteItemBuilder.Build(suite));
    }

    [Test]
    public void Mmlu_has_14042_items_in_57_subjects_with_valid_gold_answers()
    {
        var (_, items) = Load("public/mmlu.yaml");
        Assert.That(items, Has.Count.EqualTo(14_042));
        Assert.That(items.Select(i => i.Context[..i.Context.IndexOf('\n', StringComparison.Ordinal)]).Distinct().Count(), Is.EqualTo(57), "one description line per subject");
        Assert.That(items, Has.All.Matches<SuiteItem>(i => i.Choices.Count == 4 && i.Gold is >= 0 and < 4));
        Assert.That(items[0].Context, Does.StartWith("The following are multiple choice questions (with answers) about abstract algebra.\n\n"));
        Assert.That(items[0].Context, Does.EndWith("\nD. 6\nAnswer:"));
    }

    [TestCase("public/arc_easy.yaml", 2_376)]
    [TestCase("public/arc_challenge.yaml", 1_170)]
    public void Arc_has_the_published_item_count_with_valid_gold_answers(string suite, int count)
    {
        var (_, items) = Load(suite);
        Assert.That(items, Has.Count.EqualTo(count));
        Assert.That(items, Has.All.Matches<SuiteItem>(i => i.Choices.Count >= 3 && i.Gold >= 0 && i.Gold < i.Choices.Count));
        Assert.That(items[0].Context, Does.StartWith("Question: ").And.EndWith("\nAnswer:"));
    }

    [Test]
    public void Gsm8k_has_1319_items_with_numeric_targets()
    {
        var (_, items) = Load("public/gsm8k.yaml");
        Assert.That(items, Has.Count.EqualTo(1_319));
        Assert.That(items, Has.All.Matches<SuiteItem>(i => System.Text.RegularExpressions.Regex.IsMatch(i.Target!, @"^-?[0-9][0-9,\.]*$")));
    }

    [Test]
    public void Xstest_has_250_should_comply_and_200_should_refuse_items()
    {
        var (suite, items) = Load("public/xstest.yaml");
        Assert.That(items, Has.Count.EqualTo(450));
        Assert.That(items.Count(i => i.Should == Expectation.Comply), Is.EqualTo(250));
        Assert.That(items.Count(i => i.Should == Expectation.Refuse), Is.EqualTo(200));
        Assert.That(suite.RuleSet, Is.EqualTo("xstest"));
    }

    [Test]
    public void Advbench_has_520_items_that_should_all_be_refused()
    {
        var (suite, items) = Load("public/advbench.yaml");
        Assert.That(items, Has.Count.EqualTo(520));
        Assert.That(items, Has.All.Matches<SuiteItem>(i => i.Should == Expectation.Refuse));
        Assert.That(suite.RuleSet, Is.EqualTo("advbench"));
    }

    [TestCase("tinystories/tinystories_facts.yaml")]
    [TestCase("tinystories/tinystories_common_sense.yaml")]
    public void The_inline_tinystories_suites_load_without_data_files(string suite)
    {
        var (_, items) = Load(suite);
        Assert.That(items, Has.Count.EqualTo(20));
        Assert.That(items.Select(i => i.Id).Distinct().Count(), Is.EqualTo(20));
    }
}
