using RegressionGuard.Testing;
using RegressionGuard.Training.Methods;

namespace RegressionGuard.Training.Tests.Methods;

public sealed class HalfFineTuningSelectionTests
{
    static readonly int[] LayerCounts = [2, 3, 4, 5, 8];
    static readonly long[] Seeds = [0, 1, 7, 42, 1234, -5];

    static readonly string[] AttentionProjections = ["q_proj", "k_proj", "v_proj", "o_proj"];
    static readonly string[] FeedForwardMatrices = ["gate_proj", "up_proj", "down_proj"];

    /// <summary>HF parameter names in state_dict order, with element counts, from the tiny-model generator.</summary>
    static Dictionary<string, long> Weights(TinyModelSpec spec) =>
        TinyModels.CreateWeights(spec).ToDictionary(w => w.Key, w => (long)w.Value.data.Length);

    static List<string> LlamaNames(int layers, bool qkvBias = false, bool tied = false) =>
        [.. Weights(new LlamaSpec { NumLayers = layers, QkvBias = qkvBias, TieWordEmbeddings = tied }).Keys];

    static List<string> Gpt2Names(int layers) => [.. Weights(new Gpt2Spec { NumLayers = layers }).Keys];

    static IEnumerable<TestCaseData> LlamaCases() =>
        from layers in LayerCounts
        from seed in Seeds
        select new TestCaseData(layers, seed).SetArgDisplayNames($"{layers} layers", $"seed {seed}");

    static IEnumerable<TestCaseData> Gpt2Cases() =>
        from layers in new[] { 1, 2, 3, 4 }
        from seed in Seeds
        select new TestCaseData(layers, seed).SetArgDisplayNames($"{layers} layers", $"seed {seed}");

    /// <summary>Module names (within the layer) among the trainable tensors of layer <paramref name="layer"/> of <paramref name="part"/>.</summary>
    static string[] TrainedModules(HalfFineTuningSelection selection, string layerPrefix, int layer, string part) =>
        selection.Trainable
            .Where(n => n.StartsWith($"{layerPrefix}{layer}.{part}.", StringComparison.Ordinal))
            .Select(n => n.Split('.')[^2])
            .Distinct()
            .ToArray();

    [TestCaseSource(nameof(LlamaCases))]
    public void Each_Llama_layer_trains_exactly_two_of_the_four_attention_projections_with_their_biases(int layers, long seed)
    {
        var names = LlamaNames(layers, qkvBias: true);

        var selection = HalfFineTuningSelection.Choose(names, seed);

        for (var i = 0; i < layers; i++)
        {
            var trained = TrainedModules(selection, "model.layers.", i, "self_attn");
            Assert.That(trained, Has.Length.EqualTo(2).And.SubsetOf(AttentionProjections), $"layer {i}");
            Assert.That(selection.Layers[i].Attention, Is.EquivalentTo(trained));
            foreach (var projection in trained.Where(p => p != "o_proj"))
            {
                Assert.That(selection.IsTrainable($"model.layers.{i}.self_attn.{projection}.bias"), Is.True, $"layer {i} {projection} bias follows its weight");
            }

            foreach (var projection in AttentionProjections.Except(trained).Where(p => p != "o_proj"))
            {
                Assert.That(selection.IsTrainable($"model.layers.{i}.self_attn.{projection}.bias"), Is.False, $"layer {i} {projection} bias follows its weight");
            }
        }
    }

    [TestCaseSource(nameof(LlamaCases))]
    public void Llama_feed_forward_trains_two_of_three_in_half_the_layers_and_one_of_three_in_the_others(int layers, long seed)
    {
        var selection = HalfFineTuningSelection.Choose(LlamaNames(layers), seed);

        var perLayer = Enumerable.Range(0, layers).Select(i => TrainedModules(selection, "model.layers.", i, "mlp")).ToArray();

        Assert.That(perLayer, Is.All.Length.InRange(1, 2));
        Assert.That(perLayer.SelectMany(m => m).Distinct(), Is.SubsetOf(FeedForwardMatrices));
        var twoMatrixLayers = perLayer.Count(m => m.Length == 2);
        // Odd layer counts: the seeded coin gives the extra layer to either side.
        Assert.That(twoMatrixLayers, Is.EqualTo(layers / 2).Or.EqualTo((layers + 1) / 2));
        Assert.That(perLayer.Select(m => m.Order()), Is.EqualTo(selection.Layers.Select(l => l.FeedForward.Order())));
    }

    [TestCase(3)]
    [TestCase(5)]
    public void With_an_odd_layer_count_the_seed_decides_which_side_gets_the_extra_layer(int layers)
    {
        var names = LlamaNames(layers);

        var twoMatrixLayerCounts = Enumerable.Range(0, 40)
            .Select(seed => HalfFineTuningSelection.Choose(names, seed).Layers.Count(l => l.FeedForward.Count == 2))
            .ToHashSet();

        Assert.That(twoMatrixLayerCounts, Is.EquivalentTo(new[] { layers / 2, layers / 2 + 1 }));
    }

    [TestCaseSource(nameof(LlamaCases))]
    public void Exactly_half_of_the_norms_rounded_down_are_trained(int layers, long seed)
    {
        var names = LlamaNames(layers);

        var selection = HalfFineTuningSelection.Choose(names, seed);

        var norms = names.Where(n => n.EndsWith("layernorm.weight", StringComparison.Ordinal) || n == "model.norm.weight").ToList();
        Assert.That(norms, Has.Count.EqualTo(2 * layers + 1));
        Assert.That(norms.Count(selection.IsTrainable), Is.EqualTo(layers));
        Assert.That(selection.Layers.Sum(l => l.Norms.Count) + (selection.FinalNormTrained ? 1 : 0), Is.EqualTo(layers));
        Assert.That(selection.IsTrainable("model.norm.weight"), Is.EqualTo(selection.FinalNormTrained));
    }

    [Test]
    public void Every_norm_is_sometimes_trained_and_sometimes_frozen()
    {
        var names = LlamaNames(2);
        var norms = names.Where(n => n.Contains("norm", StringComparison.Ordinal)).ToList();

        var selections = Enumerable.Range(0, 40).Select(seed => HalfFineTuningSelection.Choose(names, seed)).ToList();

        foreach (var norm in norms)
        {
            Assert.That(selections.Select(s => s.IsTrainable(norm)).Distinct().Count(), Is.EqualTo(2), norm);
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Embeddings_and_head_are_frozen_unless_TrainEmbeddings_is_set(bool tied)
    {
        var names = LlamaNames(4, tied: tied);
        var heads = names.Where(n => n is "model.embed_tokens.weight" or "lm_head.weight").ToList();

        var byDefault = HalfFineTuningSelection.Choose(names, 1);
        var withEmbeddings = HalfFineTuningSelection.Choose(names, 1, new HalfFineTuningOptions { TrainEmbeddings = true });

        Assert.That(heads, Has.Count.EqualTo(tied ? 1 : 2));
        Assert.That(heads, Is.SubsetOf(byDefault.Frozen));
        Assert.That(heads, Is.SubsetOf(withEmbeddings.Trainable));
        Assert.That(withEmbeddings.Trainable.Except(heads), Is.EqualTo(byDefault.Trainable), "the option changes nothing else");
    }

    [Test]
    public void Trainable_and_frozen_split_the_names_keeping_their_order()
    {
        var names = LlamaNames(3, qkvBias: true);

        var selection = HalfFineTuningSelection.Choose(names, 5);

        Assert.That(selection.Trainable.Concat(selection.Frozen), Is.EquivalentTo(names));
        Assert.That(selection.Trainable, Is.EqualTo(names.Where(selection.Trainable.Contains)));
        Assert.That(selection.Frozen, Is.EqualTo(names.Where(selection.Frozen.Contains)));
    }

    [Test]
    public void The_same_seed_gives_the_same_selection_whatever_the_order_of_the_names()
    {
        var names = LlamaNames(5);
        var reversed = Enumerable.Reverse(names).ToList();

        var first = HalfFineTuningSelection.Choose(names, 99);
        var again = HalfFineTuningSelection.Choose(names, 99);
        var fromReversed = HalfFineTuningSelection.Choose(reversed, 99);

        Assert.That(again.Trainable, Is.EqualTo(first.Trainable));
        Assert.That(again.Describe(), Is.EqualTo(first.Describe()));
        Assert.That(fromReversed.Trainable, Is.EquivalentTo(first.Trainable));
    }

    [Test]
    public void Different_seeds_give_different_selections()
    {
        var names = LlamaNames(4);

        var selections = Enumerable.Range(0, 20)
            .Select(seed => string.Join(",", HalfFineTuningSelection.Choose(names, seed).Trainable))
            .ToList();

        Assert.That(selections, Is.Unique);
    }

    [Test]
    public void A_selection_survives_a_save_and_load_round_trip()
    {
        using var folder = new TempFolder();
        var path = folder.File("checkpoint/hft-selection.json");
        var selection = HalfFineTuningSelection.Choose(LlamaNames(3, qkvBias: true), 17, new HalfFineTuningOptions { TrainEmbeddings = true });

        selection.Save(path);
        var loaded = HalfFineTuningSelection.Load(path);

        Assert.Multiple(() =>
        {
            Assert.That(loaded.Version, Is.EqualTo(HalfFineTuningSelection.CurrentVersion));
            Assert.That(loaded.Architecture, Is.EqualTo(HalfFineTuningArchitecture.Llama));
            Assert.That(loaded.Seed, Is.EqualTo(17));
            Assert.That(loaded.TrainEmbeddings, Is.True);
            Assert.That(loaded.Trainable, Is.EqualTo(selection.Trainable));
            Assert.That(loaded.Frozen, Is.EqualTo(selection.Frozen));
            Assert.That(loaded.FinalNormTrained, Is.EqualTo(selection.FinalNormTrained));
            Assert.That(loaded.Describe(), Is.EqualTo(selection.Describe()));
            Assert.That(File.ReadAllText(path), Does.Contain("\"train_embeddings\": true").And.Contain("\"architecture\": \"llama\""));
        });
    }

    [Test]
    public void Loading_rejects_another_version_and_overlapping_lists()
    {
        using var folder = new TempFolder();
        var path = folder.File("selection.json");
        File.WriteAllText(path, """
            { "version": 2, "architecture": "gpt2", "seed": 1, "train_embeddings": false,
              "trainable": ["transformer.ln_f.weight"], "frozen": ["transformer.ln_f.weight"], "layers": [], "final_norm_trained": true }
            """);

        var error = Assert.Throws<InvalidDataException>(() => HalfFineTuningSelection.Load(path));

        Assert.That(error!.Message, Is.EqualTo($"{path}: invalid HFT selection: version 2 is not supported (expected 1); "
            + "listed more than once (or both trainable and frozen): transformer.ln_f.weight"));
    }

    [TestCaseSource(nameof(Gpt2Cases))]
    public void Each_GPT2_layer_trains_one_of_c_attn_and_c_proj_and_one_of_c_fc_and_c_proj(int layers, long seed)
    {
        var names = Gpt2Names(layers);

        var selection = HalfFineTuningSelection.Choose(names, seed);

        Assert.That(selection.Architecture, Is.EqualTo(HalfFineTuningArchitecture.Gpt2));
        for (var i = 0; i < layers; i++)
        {
            var attention = TrainedModules(selection, "transformer.h.", i, "attn");
            var mlp = TrainedModules(selection, "transformer.h.", i, "mlp");
            Assert.That(attention, Has.Length.EqualTo(1).And.SubsetOf(new[] { "c_attn", "c_proj" }), $"layer {i}");
            Assert.That(mlp, Has.Length.EqualTo(1).And.SubsetOf(new[] { "c_fc", "c_proj" }), $"layer {i}");
            Assert.That(selection.Layers[i].Attention, Is.EqualTo(attention));
            Assert.That(selection.Layers[i].FeedForward, Is.EqualTo(mlp));
            // biases follow weights
            Assert.That(selection.IsTrainable($"transformer.h.{i}.attn.{attention[0]}.bias"), Is.True);
            Assert.That(selection.IsTrainable($"transformer.h.{i}.mlp.{mlp[0]}.bias"), Is.True);
        }
        var norms = names.Where(n => n.Contains(".ln_", StringComparison.Ordinal)).ToList();
        Assert.That(norms.Count(selection.IsTrainable), Is.EqualTo(2 * layers), "half of 2L + 1 norm modules, rounded down, with weight and bias each");
        foreach (var weight in norms.Where(n => n.EndsWith(".weight", StringComparison.Ordinal)))
        {
            Assert.That(selection.IsTrainable(weight[..^"weight".Length] + "bias"), Is.EqualTo(selection.IsTrainable(weight)), weight);
        }

        Assert.That(new[] { "transformer.wte.weight", "transformer.wpe.weight" }, Is.SubsetOf(selection.Frozen));
    }

    [Test]
    public void Names_that_are_unknown_or_incomplete_are_rejected_with_every_problem_listed()
    {
        var names = LlamaNames(3).Where(n => n != "model.layers.1.mlp.up_proj.weight").Append("model.layers.2.self_attn.rotary_emb.inv_freq").ToList();

        var error = Assert.Throws<ArgumentException>(() => HalfFineTuningSelection.Choose(names, 1));

        Assert.That(error!.Message, Does.StartWith("cannot choose HFT parameters: not a Llama-family or GPT-2 parameter name: model.layers.2.self_attn.rotary_emb.inv_freq; missing: layer 1 FeedForward up_proj.weight"));
    }

    [Test]
    public void Llama_and_GPT2_names_cannot_be_mixed()
    {
        var names = LlamaNames(2).Concat(Gpt2Names(2)).ToList();

        var error = Assert.Throws<ArgumentException>(() => HalfFineTuningSelection.Choose(names, 1));

        Assert.That(error!.Message, Does.Contain("the names mix Llama-family and GPT-2 parameters"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void P_counts_the_trainable_elements_outside_embeddings_and_head(bool trainEmbeddings)
    {
        var spec = new LlamaSpec { NumLayers = 4 };
        var counts = Weights(spec);
        long d = spec.HiddenSize, q = spec.NumHeads * spec.HeadDim, kv = spec.NumKeyValueHeads * spec.HeadDim, inner = spec.IntermediateSize;
        var size = new Dictionary<string, long>
        {
            ["q_proj"] = q * d,
            ["k_proj"] = kv * d,
            ["v_proj"] = kv * d,
            ["o_proj"] = d * q,
            ["gate_proj"] = inner * d,
            ["up_proj"] = inner * d,
            ["down_proj"] = d * inner,
            ["input_layernorm"] = d,
            ["post_attention_layernorm"] = d,
        };

        var selection = HalfFineTuningSelection.Choose([.. counts.Keys], 3, new HalfFineTuningOptions { TrainEmbeddings = trainEmbeddings });

        var expected = selection.Layers.Sum(l => l.Attention.Concat(l.FeedForward).Concat(l.Norms).Sum(m => size[m])) + (selection.FinalNormTrained ? d : 0);
        Assert.That(selection.CountTrainableNonEmbeddingParameters(counts), Is.EqualTo(expected));
    }

    [Test]
    public void Counting_P_needs_the_size_of_every_trainable_tensor()
    {
        var selection = HalfFineTuningSelection.Choose(LlamaNames(2), 3);
        var first = selection.Trainable[0];

        var error = Assert.Throws<ArgumentException>(() => selection.CountTrainableNonEmbeddingParameters(new Dictionary<string, long>()));

        Assert.That(error!.Message, Does.StartWith($"no element count for {selection.Trainable.Count} trainable parameter(s): {first}, "));
    }

    [Test]
    public void Describe_has_a_line_per_layer_and_one_for_the_final_norm()
    {
        var selection = HalfFineTuningSelection.Choose(LlamaNames(2), 3);

        var lines = selection.Describe().TrimEnd('\n').Split('\n');

        Assert.That(lines, Has.Length.EqualTo(4));
        Assert.That(lines[0], Does.StartWith($"HFT selection (Llama, seed 3, embeddings frozen): {selection.Trainable.Count} of "));
        Assert.That(lines[1], Does.StartWith("layer 0: attention "));
        Assert.That(lines[3], Does.StartWith("final norm: "));
    }
}
