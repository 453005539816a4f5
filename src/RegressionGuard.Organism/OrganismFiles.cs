namespace RegressionGuard.Organism;

/// <summary>The layout of an organism folder (suites/organism in the repository).</summary>
public static class OrganismFiles
{
    public const string Manifest = "organism.json";
    public const string DataFolder = "data";
    public const string Pretraining = "pretrain.jsonl";
    public const string Downstream = "downstream.jsonl";
    public const string ForgettingCorpus = "forgetting.jsonl";
    public const string KnowledgeItems = "knowledge.jsonl";
    public const string ReasoningItems = "reasoning.jsonl";
    public const string RefusalItems = "refusal.jsonl";
    public const string KnowledgeSuite = "knowledge.yaml";
    public const string ReasoningSuite = "reasoning.yaml";
    public const string RefusalSuite = "refusal.yaml";
    public const string ModelsFolder = "models";
    public const string Base = "base";
    public const string SweepConfig = "sweep.yaml";
    public const string Ledger = "ledger.csv";
    public const string Law = "law.yaml";

    /// <summary>The gate config for a candidate, e.g. <c>gate-mild.yaml</c>.</summary>
    public static string GateConfig(string candidate) => $"gate-{candidate}.yaml";
}
