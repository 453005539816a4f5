using System.Diagnostics;
using RegressionGuard.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;
namespace RegressionGuard.Bench;
public static class Scratch { public static void Run() {
    using var m = ModelLoader.Load(ModelBenchmarks.RandomLlama20M(), "/work/shared/models/stories260K/tok512.model", new ComputeOptions { DType = "bfloat16" });
    var t = m.Transformer;
    int b = 8, T = 511;
    using var mode = inference_mode();
    using var ids = randint(0, 8000, new long[] { b, T });
    using var pos = arange(T).unsqueeze(0).expand(b, T);
    void Time(string name, Action a) { a(); var sw = Stopwatch.StartNew(); for (int i = 0; i < 5; i++) a(); Console.WriteLine($"{name}: {sw.Elapsed.TotalMilliseconds / 5:F1} ms"); }
    Time("forward", () => { using var s = NewDisposeScope(); t.Forward(ids, pos, null, null); });
    Time("forward+reduce", () => { using var s = NewDisposeScope(); var l = t.Forward(ids, pos, null, null).to_type(ScalarType.Float32); var g = l.gather(-1, ids.unsqueeze(-1)); var lse = l.logsumexp(-1); var am = l.argmax(-1); });
    var layer = ((RegressionGuard.Torch.Models.Llama.LlamaForCausalLM)t).model.layers[0];
    using var x = randn(b, T, 512).to_type(ScalarType.BFloat16);
    Time("mlp", () => { using var s = NewDisposeScope(); layer.mlp.forward(x); });
    Time("norm", () => { using var s = NewDisposeScope(); layer.input_layernorm.forward(x); });
    using var q = randn(b, 8, T, 64).to_type(ScalarType.BFloat16);
    Time("sdpa", () => { using var s = NewDisposeScope(); nn.functional.scaled_dot_product_attention(q, q, q, is_casual: true); });
    using var w = randn(1376, 512).to_type(ScalarType.BFloat16);
    Time("one linear 512->1376", () => { using var s = NewDisposeScope(); nn.functional.linear(x, w); });
    using var head = randn(8192, 512).to_type(ScalarType.BFloat16);
    Time("head", () => { using var s = NewDisposeScope(); nn.functional.linear(x, head); });
}}
