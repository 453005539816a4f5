using RegressionGuard.Law;
using RegressionGuard.Suites;
using RegressionGuard.Testing;
using static RegressionGuard.Core.Tests.Law.SyntheticLedgers;

namespace RegressionGuard.Core.Tests.Law;

public sealed class LawFileTests
{
    static readonly LawProvenance Provenance = new("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", new DateTimeOffset(2025, 3, 14, 15, 9, 26, TimeSpan.Zero), "0.1.0");

    static readonly Lazy<LawFit> AutoFit = new(() => LawFitter.Fit(Synthetic(LawForm.Saturating, 4, sigma: 0.01), "auto", new FitOptions { Resamples = 40 }));
    static readonly Lazy<LawFit> LinearFit = new(() => LawFitter.Fit(Synthetic(LawForm.Linear, 4, sigma: 0.01), "linear", new FitOptions { Resamples = 40 }));

    static string Text => LawFile.Format(AutoFit.Value, Provenance);

    [Test]
    public void A_saved_law_loads_with_the_same_numbers_and_predicts_identically()
    {
        using var temp = new TempFolder();
        var path = temp.File("laws/law.yaml");
        var fit = AutoFit.Value;

        LawFile.Save(fit, path, Provenance);
        var loaded = LawFile.Load(path);
        var original = fit.ToLaw();

        Assert.That(loaded.Form, Is.EqualTo(fit.Form));
        Assert.That(loaded.Parameters, Is.EqualTo(fit.Parameters));
        Assert.That(loaded.Uncertainty with { Covariance = new double[0, 0] }, Is.EqualTo(fit.Uncertainty with { Covariance = new double[0, 0] }).Using(UncertaintyComparer.Instance));
        Assert.That(loaded.Uncertainty.Covariance, Is.EqualTo(fit.Uncertainty.Covariance));
        Assert.That(loaded.Diagnostics, Is.EqualTo(fit.Diagnostics));
        Assert.That(loaded.Candidates, Is.EqualTo(fit.Candidates));
        Assert.That((loaded.Selection, loaded.CorpusHash, loaded.ModelHash), Is.EqualTo(("auto", "c0ffee", "base1234")));
        Assert.That(loaded.Provenance, Is.EqualTo(Provenance));
        foreach (double p in new[] { 1e3, 5e3, 1e5, 1e7 })
        {
            foreach (double n in new[] { 20.0, 77, 320, 5000 })
            {
                Assert.That(loaded.Predict(p, n), Is.EqualTo(original.Predict(p, n)), $"P = {p}, N = {n}");
                Assert.That(loaded.StepsToBudget(p, 1.5), Is.EqualTo(original.StepsToBudget(p, 1.5)));
            }
        }
    }

    [Test]
    public void A_saved_linear_law_predicts_from_L_ft_identically()
    {
        using var temp = new TempFolder();
        var path = temp.File("law.yaml");

        LawFile.Save(LinearFit.Value, path, Provenance);
        var loaded = LawFile.Load(path);

        Assert.That(loaded.Uncertainty.ReferenceLft, Is.EqualTo(LinearFit.Value.Uncertainty.ReferenceLft));
        foreach (double lft in new[] { 1.2, 2.0, 3.7 })
        {
            Assert.That(loaded.PredictFromLft(lft), Is.EqualTo(LinearFit.Value.ToLaw().PredictFromLft(lft)));
        }
    }

    [Test]
    public void The_file_has_a_fixed_key_order_units_and_provenance()
    {
        var lines = Text.Split('\n');

        Assert.That(LawFile.Format(AutoFit.Value, Provenance), Is.EqualTo(Text));
        Assert.That(lines.Where(l => l.Length > 0 && char.IsLetter(l[0])).Select(l => l.Split(':')[0]), Is.EqualTo(new[]
        {
            "schema", "form", "equation", "units", "fit_space", "selection", "parameters", "uncertainty", "diagnostics", "provenance", "candidates",
        }));
        Assert.That(lines, Does.Contain("form: saturating"));
        Assert.That(lines, Does.Contain("units: nats per token"));
        Assert.That(lines, Does.Contain("fit_space: log"));
        Assert.That(lines.Where(l => l.StartsWith("  ", StringComparison.Ordinal) && !l.StartsWith("   ", StringComparison.Ordinal) && l.EndsWith(':')).Take(6),
            Is.EqualTo(new[] { "  E_f:", "  A_f:", "  E_ft:", "  A_ft:", "  a:", "  b:" }));
        Assert.That(lines, Does.Contain($"    value: {AutoFit.Value["a"].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}"));
        Assert.That(lines.SkipWhile(l => l != "provenance:").Skip(1).Take(6), Is.EqualTo(new[]
        {
            "  corpus: \"c0ffee\"",
            "  model: \"base1234\"",
            "  ledger: \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"",
            "  rows: 25",
            "  fitted_utc: \"2025-03-14T15:09:26Z\"",
            "  tool_version: \"0.1.0\"",
        }));
        Assert.That(lines.SkipWhile(l => l != "candidates:").Skip(1).Where(l => l.StartsWith("  - form:", StringComparison.Ordinal)),
            Is.EqualTo(new[] { "  - form: saturating", "  - form: power", "  - form: linear" }));
    }

    [Test]
    public void A_misspelt_key_and_a_value_of_the_wrong_type_are_reported_together_with_file_line_and_column()
    {
        var text = Text.Replace("\nselection:", "\nselektion:", StringComparison.Ordinal).Replace("\n  r2: ", "\n  r2: high #", StringComparison.Ordinal);

        var error = Assert.Throws<SuiteValidationException>(() => LawFile.Parse(text, "law.yaml"));

        Assert.That(error!.Errors.Select(e => e.ToString()), Is.EqualTo(new[]
        {
            $"law.yaml:{LineOf(text, "selektion:")}:1: unknown key 'selektion' — did you mean 'selection'?",
            $"law.yaml:{LineOf(text, "  r2: high")}:7: 'diagnostics.r2' must be a number, got 'high'",
        }));
    }

    [Test]
    public void An_unknown_form_a_missing_parameter_and_a_short_covariance_row_are_reported()
    {
        var bad = Text.Replace("\nform: saturating", "\nform: saturatin", StringComparison.Ordinal);
        var lines = Text.Split('\n').ToList();
        int b = lines.IndexOf("  b:");
        lines.RemoveRange(b, 3);
        int row = lines.FindIndex(l => l.StartsWith("    a: [", StringComparison.Ordinal));
        lines[row] = "    a: [1, 2]";
        var missing = string.Join('\n', lines);

        var form = Assert.Throws<SuiteValidationException>(() => LawFile.Parse(bad, "law.yaml"));
        var parameter = Assert.Throws<SuiteValidationException>(() => LawFile.Parse(missing, "law.yaml"));

        Assert.That(form!.Errors.Select(e => e.ToString()), Is.EqualTo(new[]
        {
            $"law.yaml:{LineOf(bad, "form:")}:7: unknown law form 'saturatin' in 'form' — did you mean 'saturating'?",
        }));
        Assert.That(parameter!.Errors.Select(e => e.ToString()), Is.EqualTo(new[]
        {
            $"law.yaml:{LineOf(missing, "  E_f:")}:3: missing parameter 'parameters.b' (the saturating form has E_f, A_f, E_ft, A_ft, a, b)",
            $"law.yaml:{row + 1}:8: 'uncertainty.covariance.a' must be a list of 6 numbers, one per centred parameter (E_f, A_f_ref, E_ft, A_ft_ref, a, b), got a list of 2",
        }));
    }

    [Test]
    public void Broken_YAML_an_empty_file_and_a_newer_schema_are_reported_with_a_position()
    {
        var broken = Assert.Throws<SuiteValidationException>(() => LawFile.Parse("schema: 1\nform: [power\n", "law.yaml"));
        var empty = Assert.Throws<SuiteValidationException>(() => LawFile.Parse("\n", "law.yaml"));
        var alias = Assert.Throws<SuiteValidationException>(() => LawFile.Parse("schema: &s 1\nform: *s\n", "law.yaml"));

        var schema = Assert.Throws<SuiteValidationException>(() => LawFile.Parse(Text.Replace("schema: 1", "schema: 2", StringComparison.Ordinal), "law.yaml"));

        Assert.That(schema!.Errors.Single().ToString(), Is.EqualTo("law.yaml:2:9: 'schema' is 2, but this RegressionGuard reads law files of schema 1; refit the law or upgrade RegressionGuard"));
        Assert.That(broken!.Errors.Single().ToString(), Does.StartWith("law.yaml:3:1: invalid YAML"));
        Assert.That(empty!.Errors.Single().ToString(), Does.StartWith("law.yaml:1:1: the law file is empty"));
        Assert.That(alias!.Errors.Single().ToString(), Does.StartWith("law.yaml:1:9: YAML anchors (&s) are not allowed"));
    }

    [Test]
    public void A_law_file_that_is_not_there_is_not_found()
    {
        using var temp = new TempFolder();

        Assert.Throws<FileNotFoundException>(() => LawFile.Load(temp.File("law.yaml")));
    }

    static int LineOf(string text, string start) => text.Split('\n').ToList().FindIndex(l => l.StartsWith(start, StringComparison.Ordinal)) + 1;

    /// <summary>Compares the uncertainty records field by field with the covariance left out (arrays compare by reference).</summary>
    sealed class UncertaintyComparer : IEqualityComparer<LawUncertainty>
    {
        public static readonly UncertaintyComparer Instance = new();

        public bool Equals(LawUncertainty? x, LawUncertainty? y) =>
            x is not null && y is not null
            && (x.Level, x.Resamples, x.Redrawn, x.Seed, x.Widening, x.ReferenceP, x.ReferenceN, x.ReferenceLft, x.ResidualSdLog)
               == (y.Level, y.Resamples, y.Redrawn, y.Seed, y.Widening, y.ReferenceP, y.ReferenceN, y.ReferenceLft, y.ResidualSdLog)
            && x.CentredNames.SequenceEqual(y.CentredNames);

        public int GetHashCode(LawUncertainty obj) => obj.Level.GetHashCode();
    }

    [TestCase(".nan")]
    [TestCase(".inf")]
    [TestCase("-.inf")]
    [TestCase("NaN")]
    public void A_parameter_that_is_not_a_finite_number_is_refused(string value)
    {
        // Given a saved law whose first parameter value is replaced
        var text = System.Text.RegularExpressions.Regex.Replace(Text, @"(\n    value: )[^\n]+", m => m.Groups[1].Value + value, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
        var first = text.IndexOf("\n    value: " + value, StringComparison.Ordinal);
        Assert.That(first, Is.GreaterThan(0));

        // When it is read, then it is refused with the parameter named
        var error = Assert.Throws<SuiteValidationException>(() => LawFile.Parse(text, "law.yaml"))!;
        Assert.That(error.Message, Does.Contain(".value' must be a finite number"));
    }
}
