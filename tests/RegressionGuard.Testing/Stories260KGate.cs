namespace RegressionGuard.Testing;

/// <summary>
/// A gate over stories260K (../shared) and the TinyStories suites, shared by the CLI and NUnit gate tests: the base,
/// the text the candidates are fine-tuned on, and a config for one candidate.
/// </summary>
public static class Stories260KGate
{
    public static string Model => SharedData.Path("models/stories260K/stories260K.bin");

    /// <summary>Out-of-domain fine-tuning text (Shakespeare).</summary>
    public static string TrainingText => SharedData.Path("datasets/tinyshakespeare/input.txt");

    /// <summary>Writes <c>&lt;name&gt;.yaml</c> in <paramref name="dir"/>: both TinyStories suites with max_drop 0.10, L_f on the
    /// 46 held-out stories with budget 1.6, reports in <c>&lt;name&gt;-report</c>, a cache of its own. Returns its path.</summary>
    public static string WriteConfig(TempFolder dir, string tuned, string name)
    {
        var path = dir.File($"{name}.yaml");
        File.WriteAllText(path, $"""
            schema: 1
            base: {Model}
            tuned: {tuned}
            suites:
              - {RepositoryFiles.Path("suites/tinystories/tinystories_facts.yaml")}
              - {RepositoryFiles.Path("suites/tinystories/tinystories_common_sense.yaml")}
            thresholds: {"{"}max_drop: 0.10, alpha: 0.05, require_significance: true{"}"}
            forgetting:
              corpus: {SharedData.Path("datasets/tinystories/TinyStories-valid.first46.jsonl")}
              budget: 1.6
              tolerance: 0.1
            output: {dir.File(name + "-report")}
            cache: {dir.File("cache")}
            """);
        return path;
    }
}
