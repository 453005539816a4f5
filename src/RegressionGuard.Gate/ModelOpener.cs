using RegressionGuard.Caching;
using RegressionGuard.Modeling;
using RegressionGuard.Remote;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Gate;

/// <summary>
/// The one place a model argument becomes an <see cref="ILanguageModel"/>: a local path (HF folder, llama2.c .bin, or a
/// PEFT adapter applied to its base) runs in process; the mapping form <c>{ endpoint, model, tokenizer }</c> is a served
/// model (<see cref="RemoteLanguageModel"/>), and <c>{ endpoint, model, api: chat }</c> a generation-only chat endpoint
/// (<see cref="ServedModel"/>).
/// </summary>
public static class ModelOpener
{
    /// <summary>A base model: local path or served.</summary>
    public static ILanguageModel OpenBase(string argument, string? tokenizer, ComputeOptions compute, ContentCache? requestCache = null, Action<string>? log = null) =>
        RemoteModelSpec.IsMapping(argument)
            ? ServedModel.Open(RemoteModelSpec.Parse(argument, "--base"), log, requestCache)
            : new TorchLanguageModel(ModelLoader.Load(argument, tokenizer, compute));

    /// <summary>A tuned model: local path or adapter (on <paramref name="basePath"/>), or served.</summary>
    public static ILanguageModel OpenTuned(string argument, string? basePath, string? tokenizer, ComputeOptions compute, ContentCache? requestCache = null, Action<string>? log = null) =>
        RemoteModelSpec.IsMapping(argument)
            ? ServedModel.Open(RemoteModelSpec.Parse(argument, "--tuned"), log, requestCache)
            : new TorchLanguageModel(ModelLoader.LoadTuned(argument, basePath is not null && RemoteModelSpec.IsMapping(basePath) ? null : basePath, tokenizer, compute));
}
