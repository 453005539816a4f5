using RegressionGuard.Forgetting;
using RegressionGuard.Modeling;
using RegressionGuard.Torch.Forgetting;

namespace RegressionGuard.Torch.Runtime;

/// <summary>The L_f operations of the model interface, in process: exact (all V ids, or top-K with the tuned model's full tail).</summary>
public sealed partial class TorchLanguageModel
{
    public ModelCapabilities Capabilities => ModelCapabilities.InProcess;

    public BaseDistributions NextTokenDistributions(IReadOnlyList<string> documents, RollingOptions options, int? topK, IProgress<int>? progress = null) =>
        ForgettingMeter.ComputeBase(this, documents, options, topK, progress);

    public ForgettingResult CrossEntropyAgainst(BaseDistributions reference, IProgress<int>? progress = null) =>
        ForgettingMeter.Compare(reference, this, progress);
}
