using System.CommandLine;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Cli.Commands;

/// <summary>Options every model-running command shares: which model, which tokenizer, and how to compute.</summary>
public sealed class ModelOptions
{
    public Option<string> Model { get; } = new("--model", "-m") { Description = "Hugging Face model folder, llama2.c .bin checkpoint, or PEFT LoRA adapter folder (on the base its base_model_name_or_path names)", Required = true };
    public Option<string?> Tokenizer { get; } = new("--tokenizer") { Description = "tokenizer file (tokenizer.json or SentencePiece .model); default: found beside the model" };
    public Option<string> DType { get; } = new("--dtype") { Description = "compute dtype: float32 or bfloat16", DefaultValueFactory = _ => "float32" };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "sequences per forward pass", DefaultValueFactory = _ => 16 };
    public Option<int?> Threads { get; } = new("--threads") { Description = "intra-op CPU threads (default: libtorch's)" };
    public Option<string> Device { get; } = new("--device") { Description = "cpu, or cuda[:N] in a CUDA build", DefaultValueFactory = _ => "cpu" };

    public void AddTo(Command command)
    {
        command.Add(Model);
        command.Add(Tokenizer);
        command.Add(DType);
        command.Add(BatchSize);
        command.Add(Threads);
        command.Add(Device);
    }

    public ComputeOptions Compute(ParseResult parse) => new()
    {
        DType = parse.GetValue(DType)!,
        BatchSize = parse.GetValue(BatchSize),
        Threads = parse.GetValue(Threads),
        Device = parse.GetValue(Device)!,
    };

    public TorchLanguageModel Load(ParseResult parse) =>
        new(ModelLoader.LoadTuned(parse.GetValue(Model)!, null, parse.GetValue(Tokenizer), Compute(parse)));
}
