using RegressionGuard.Corpora;
using RegressionGuard.Forgetting;
using RegressionGuard.Modeling;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Forgetting;
using RegressionGuard.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Forgetting;

public sealed class ForgettingMeterTests
{
    static string[] Stories => CorpusReader.Read(Stories260K.First46Path).Select(d => d.Text).ToArray();

    /// <summary>
    /// The documented perturbation: stories260K converted to an HF folder, then every weight w becomes
    /// w + 0.02 · N(0, 1) with torch.manual_seed(1234), drawn in state_dict order.
    /// </summary>
    static TorchLanguageModel Perturbed(TempFolder dir)
    {
        CheckpointConverter.Llama2cToHf(Stories260K.BinPath, null, dir.Path);
        using (var model = TorchLanguageModel.Load(dir.Path))
        {
            manual_seed(1234);
            using (no_grad())
            {
                foreach (var (_, p) in model.Model.Transformer.Module.named_parameters())
                {
                    p.add_(randn(p.shape) * 0.02);
                }
            }

            SafetensorsFile.Write(dir.File("model.safetensors"), model.Model.Transformer.Module.state_dict());
        }
        return TorchLanguageModel.Load(dir.Path);
    }

    [Test]
    public void Cross_entropy_and_entropy_match_hand_computed_distributions()
    {
        using var p = tensor(new[] { 0.5f, 0.25f, 0.25f }).log().unsqueeze(0);
        using var q = tensor(new[] { 0.25f, 0.5f, 0.25f }).log().unsqueeze(0);
        using var ce = ForgettingMeter.CrossEntropy(p.exp(), q);
        using var h = ForgettingMeter.Entropy(p.exp(), p);
        // CE = −(½ ln ¼ + ¼ ln ½ + ¼ ln ¼) = 1.2130076; H = ½ ln 2 + ½ ln 4 = 1.0397208
        Assert.That(ce.item<float>(), Is.EqualTo(1.2130076).Within(1e-6));
        Assert.That(h.item<float>(), Is.EqualTo(1.0397208).Within(1e-6));
        using var self = ForgettingMeter.CrossEntropy(p.exp(), p);
        Assert.That(self.item<float>(), Is.EqualTo(h.item<float>()).Within(1e-7));
    }

    [Test]
    public void The_base_against_itself_gives_its_entropy_and_zero_divergence()
    {
        var model = Stories260K.Model;
        var reference = ForgettingMeter.ComputeBase(model, Stories, new RollingOptions(Truncate: true));
        var result = ForgettingMeter.Compare(reference, model);
        Assert.Multiple(() =>
        {
            Assert.That(reference.Exact, Is.True, "a 512-id vocabulary is stored exactly");
            Assert.That(result.Lf, Is.EqualTo(result.BaseEntropy).Within(1e-6));
            Assert.That(result.Kl, Is.EqualTo(0).Within(1e-6));
            Assert.That(result.TopOneAgreement, Is.EqualTo(1));
            Assert.That(result.PredictedTokens, Is.EqualTo(14_721));
            Assert.That(result.Documents, Is.EqualTo(46));
        });
    }

    [Test]
    public void A_perturbed_copy_satisfies_lf_equals_h_plus_kl_and_matches_an_explicit_reference()
    {
        using var dir = new TempFolder();
        using var tuned = Perturbed(dir);
        var model = Stories260K.Model;
        var reference = ForgettingMeter.ComputeBase(model, Stories, new RollingOptions(Truncate: true));
        var result = ForgettingMeter.Compare(reference, tuned);
        TestContext.Out.WriteLine($"L_f {result.Lf:F6}, H {result.BaseEntropy:F6}, KL {result.Kl:F6}, top-1 {result.TopOneAgreement:F4}");
        Assert.That(result.Kl, Is.GreaterThan(0.01), "the perturbation moves the model");
        Assert.That(result.Lf, Is.EqualTo(result.BaseEntropy + result.Kl).Within(1e-5));

        // Independent second implementation: full logits per document, softmax and sums in explicit double loops.
        double ce = 0, h = 0;
        long positions = 0;
        int agree = 0;
        foreach (var text in Stories)
        {
            var ids = model.EncodeDocument(text).Take(512).ToArray();
            using var scope = NewDisposeScope();
            using var mode = inference_mode();
            var input = tensor(ids.Select(i => (long)i).ToArray(), new long[] { 1, ids.Length });
            var pos = arange(ids.Length).unsqueeze(0);
            var a = model.Model.Transformer.Forward(input, pos, null, null).squeeze(0).data<float>().ToArray();
            var b = tuned.Model.Transformer.Forward(input, pos, null, null).squeeze(0).data<float>().ToArray();
            int v = model.Model.Transformer.VocabSize;
            for (int t = 0; t < ids.Length - 1; t++)
            {
                var lp = LogSoftmax(a, t * v, v);
                var lq = LogSoftmax(b, t * v, v);
                int argP = 0, argQ = 0;
                for (int k = 0; k < v; k++)
                {
                    double p = Math.Exp(lp[k]);
                    ce -= p * lq[k];
                    h -= p * lp[k];
                    if (lp[k] > lp[argP])
                    {
                        argP = k;
                    }

                    if (lq[k] > lq[argQ])
                    {
                        argQ = k;
                    }
                }
                if (argP == argQ)
                {
                    agree++;
                }

                positions++;
            }
        }
        Assert.That(positions, Is.EqualTo(result.PredictedTokens));
        Assert.That(result.Lf, Is.EqualTo(ce / positions).Within(1e-4));
        Assert.That(result.BaseEntropy, Is.EqualTo(h / positions).Within(1e-4));
        Assert.That(result.TopOneAgreement, Is.EqualTo((double)agree / positions).Within(2.0 / positions));
    }

    static double[] LogSoftmax(float[] logits, int offset, int count)
    {
        double max = double.NegativeInfinity;
        for (int k = 0; k < count; k++)
        {
            max = Math.Max(max, logits[offset + k]);
        }

        double sum = 0;
        for (int k = 0; k < count; k++)
        {
            sum += Math.Exp(logits[offset + k] - max);
        }

        double lse = max + Math.Log(sum);
        var result = new double[count];
        for (int k = 0; k < count; k++)
        {
            result[k] = logits[offset + k] - lse;
        }

        return result;
    }

    [Test]
    public void Documents_of_whole_scoring_groups_give_the_whole_corpus_sums_bit_for_bit()
    {
        // Given the 46 stories (three scoring groups at the default batch size 16: the 16 longest, the next 16, the
        // 14 shortest), the first and last groups' stories in corpus order, and a perturbed tuned model
        using var dir = new TempFolder();
        using var tuned = Perturbed(dir);
        var model = Stories260K.Model;
        var options = new RollingOptions(Truncate: true);
        var (windows, owner) = ForgettingMeter.Plan(model, Stories, options);
        var groups = ForgettingGroups.Of(ForgettingGroups.DocumentPositions(windows.Select(w => new ScoredWindow(w.Ids, w.FirstTarget)).ToList(), owner, Stories.Length), model.Model.Compute.BatchSize);
        Assert.That(groups.Select(g => g.Length), Is.EqualTo(new[] { 16, 16, 14 }));
        var shard = groups[0].Concat(groups[2]).Order().ToArray();

        // When L_f is measured on the whole corpus and on the first and last groups alone
        var whole = ForgettingMeter.Compare(ForgettingMeter.ComputeBase(model, Stories, options), tuned);
        var part = ForgettingMeter.Compare(ForgettingMeter.ComputeBase(model, shard.Select(d => Stories[d]).ToArray(), options), tuned);

        // Then every document's sums are the same bits
        var expected = shard.Select(d => whole.PerDocument[d] with { Index = 0 }).ToList();
        Assert.That(part.PerDocument.Select(d => d with { Index = 0 }), Is.EqualTo(expected));
        Assert.That(part.PerDocument.Sum(d => d.Positions), Is.GreaterThan(1000));
    }

    [Test]
    public void The_top_k_reduced_form_keeps_entropy_exact_and_lf_close()
    {
        using var dir = new TempFolder();
        using var tuned = Perturbed(dir);
        var model = Stories260K.Model;
        var exact = ForgettingMeter.Compare(ForgettingMeter.ComputeBase(model, Stories, new RollingOptions(Truncate: true)), tuned);
        var reduced = ForgettingMeter.Compare(ForgettingMeter.ComputeBase(model, Stories, new RollingOptions(Truncate: true), topK: 64), tuned);
        TestContext.Out.WriteLine($"exact L_f {exact.Lf:F6}; top-64 L_f {reduced.Lf:F6}; error {reduced.Lf - exact.Lf:E2}");
        Assert.That(reduced.BaseEntropy, Is.EqualTo(exact.BaseEntropy).Within(1e-4));
        Assert.That(reduced.Lf, Is.EqualTo(exact.Lf).Within(0.002));
    }

    [Test]
    public void Models_with_different_tokenizers_are_refused_with_both_named()
    {
        using var dir = new TempFolder();
        var spec = new LlamaSpec { VocabSize = 512 };
        TinyModels.WriteHfFolder(dir.Path, spec);
        TinyTokenizers.WriteByteLevel(dir.Path, spec.VocabSize);
        var stories = Stories260K.Model; // outside Assert.Throws, so a missing ../shared skips instead of failing
        using var other = TorchLanguageModel.Load(dir.Path);
        var e = Assert.Throws<CheckpointException>(() => ForgettingMeter.CheckCompatible(stories, other))!;
        Assert.That(e.Message, Does.StartWith($"base and tuned models use different vocabularies or tokenizers: base '{Stories260K.BinPath}' (sentencepiece"));
        Assert.That(e.Message, Does.Contain($"vs tuned '{dir.Path}' (byte-level BPE"));
        Assert.That(e.Message, Does.EndWith("L_f is undefined across vocabularies"));
    }
}
