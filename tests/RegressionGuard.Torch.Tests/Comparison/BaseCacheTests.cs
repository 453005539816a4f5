using RegressionGuard.Caching;
using RegressionGuard.Comparison;
using RegressionGuard.Corpora;
using RegressionGuard.Forgetting;
using RegressionGuard.Modeling;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Forgetting;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Torch.Tests.Comparison;

/// <summary>The base-model cache: a warm second run never runs the base model; any changed input is a miss; damage is rebuilt.</summary>
public sealed class BaseCacheTests
{
    const string Suite = """
        schema: 1
        id: cached
        task: multiple_choice
        templates:
          prompt: "{{ context }}"
        choices:
          field: choices
        answer: answer
        items:
          - {context: "Once upon a", choices: ["time", "table"], answer: 0}
          - {context: "The dog wagged its", choices: ["spoon", "tail"], answer: 1}
        """;

    static TorchLanguageModel Fresh(string path) => TorchLanguageModel.Load(path);

    [Test]
    public void A_second_evaluation_against_the_same_base_runs_the_base_model_zero_times()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.File("cache"));
        var suite = SuiteLoader.Parse(Suite, dir.File("cached.yaml"));
        var items = SuiteItemBuilder.Build(suite);

        using var first = Fresh(Stories260K.BinPath);
        var a = CachedEvaluation.Evaluate(suite, items, first, cache, out var hitA);
        using var second = Fresh(Stories260K.BinPath);
        var b = CachedEvaluation.Evaluate(suite, items, second, cache, out var hitB);

        Assert.Multiple(() =>
        {
            Assert.That(hitA, Is.False);
            Assert.That(first.ForwardCalls, Is.GreaterThan(0));
            Assert.That(hitB, Is.True);
            Assert.That(second.ForwardCalls, Is.Zero, "the base model ran zero times");
            Assert.That(b.Items.Select(i => i.LogLikelihoods), Is.EqualTo(a.Items.Select(i => i.LogLikelihoods)));
            Assert.That(b.Metrics["acc"], Is.EqualTo(a.Metrics["acc"]));
        });
    }

    [Test]
    public void Editing_one_byte_of_the_suite_forces_a_miss()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.File("cache"));
        using var model = Fresh(Stories260K.BinPath);
        var suite = SuiteLoader.Parse(Suite, dir.File("cached.yaml"));
        CachedEvaluation.Evaluate(suite, SuiteItemBuilder.Build(suite), model, cache, out _);
        var edited = SuiteLoader.Parse(Suite.Replace("wagged", "wagges", StringComparison.Ordinal), dir.File("cached.yaml"));
        CachedEvaluation.Evaluate(edited, SuiteItemBuilder.Build(edited), model, cache, out var hit);
        Assert.That(hit, Is.False);
        var commentOnly = SuiteLoader.Parse(Suite + "# a comment\n", dir.File("cached.yaml"));
        CachedEvaluation.Evaluate(commentOnly, SuiteItemBuilder.Build(commentOnly), model, cache, out var hitComment);
        Assert.That(hitComment, Is.False, "any byte of the suite file is part of the key");
    }

    [Test]
    public void Editing_one_byte_of_the_base_weights_forces_a_miss()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.File("cache"));
        var copy = dir.File("stories260K.bin");
        File.Copy(Stories260K.BinPath, copy);
        File.Copy(Stories260K.TokenizerPath, dir.File("tok512.model"));
        var suite = SuiteLoader.Parse(Suite, dir.File("cached.yaml"));
        var items = SuiteItemBuilder.Build(suite);
        using (var model = Fresh(copy))
        {
            CachedEvaluation.Evaluate(suite, items, model, cache, out _);
        }

        var bytes = File.ReadAllBytes(copy);
        bytes[^5] ^= 1; // a bit of the last weight
        File.WriteAllBytes(copy, bytes);
        using var changed = Fresh(copy);
        CachedEvaluation.Evaluate(suite, items, changed, cache, out var hit);
        Assert.That(hit, Is.False);
        Assert.That(changed.ForwardCalls, Is.GreaterThan(0));
    }

    [Test]
    public void Base_distributions_are_reused_and_a_changed_corpus_is_a_miss()
    {
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.File("cache"));
        var docs = CorpusReader.Read(Stories260K.First46Path).Take(8).Select(d => d.Text).ToArray();
        var options = new RollingOptions(Truncate: true);
        using var first = Fresh(Stories260K.BinPath);
        var a = BaseDistributionsCache.Compute(first, docs, options, null, cache, out var hitA);
        using var second = Fresh(Stories260K.BinPath);
        var b = BaseDistributionsCache.Compute(second, docs, options, null, cache, out var hitB);
        Assert.That(hitA, Is.False);
        Assert.That(hitB, Is.True);
        Assert.That(second.ForwardCalls, Is.Zero);
        Assert.That(ForgettingMeter.Compare(b, Stories260K.Model).Lf, Is.EqualTo(ForgettingMeter.Compare(a, Stories260K.Model).Lf));

        var edited = docs.ToArray();
        edited[3] += "!";
        BaseDistributionsCache.Compute(second, edited, options, null, cache, out var hitEdited);
        Assert.That(hitEdited, Is.False);
        BaseDistributionsCache.Compute(second, docs, new RollingOptions(Truncate: false), null, cache, out var hitOptions);
        Assert.That(hitOptions, Is.False, "windowing options are part of the key");
    }

    /// <summary>The byte offset in the entry file of window 0's first stored probability.</summary>
    static long FirstProbabilityByte(BaseDistributions stored) => ContentCache.HeaderSize + 16 + 4 + 4L * stored.Windows[0].Ids.Length + 8;

    [Test]
    public void A_corrupt_probability_byte_is_found_alongside_the_tuned_pass_and_its_L_f_is_never_returned()
    {
        // Given base distributions in the cache, one probability byte of the entry then flipped
        using var dir = new TempFolder();
        var problems = new List<string>();
        var cache = new ContentCache(dir.File("cache"), problems.Add);
        var docs = CorpusReader.Read(Stories260K.First46Path).Take(8).Select(d => d.Text).ToArray();
        var options = new RollingOptions(Truncate: true);
        using var model = Fresh(Stories260K.BinPath);
        var original = BaseDistributionsCache.Compute(model, docs, options, null, cache, out _);
        var path = cache.PathFor(BaseDistributionsCache.KeyFor(model, docs, options, null));
        var bytes = File.ReadAllBytes(path);
        bytes[FirstProbabilityByte(original) + 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);

        // When they are read again (a view of the mapped entry, its checksum computed alongside) and L_f measured against them
        var mapped = BaseDistributionsCache.Compute(model, docs, options, null, cache, out var hit);
        var ex = Assert.Throws<InvalidDataException>(() => ForgettingMeter.Compare(mapped, Stories260K.Model));

        // Then the tuned pass's result is refused with the reason, the entry is reported once and deleted, and the next
        // read recomputes the same distributions
        Assert.That(hit, Is.True, "the header is intact: the entry opens");
        Assert.That(ex!.Message, Does.StartWith($"cache entry {path} is corrupt: checksum mismatch")
            .And.EndWith("; it was deleted and nothing computed from it is used: run again to recompute the base distributions"));
        Assert.That(problems.Single(), Does.StartWith($"cache entry {path} is corrupt: checksum mismatch").And.EndWith("; discarding it"));
        Assert.That(File.Exists(path), Is.False);
        Assert.That((cache.Hits, cache.Discarded), Is.EqualTo((0L, 1L)));
        Assert.Throws<InvalidDataException>(() => _ = mapped.Probs, "a copy of the corrupt rows is refused too");
        Assert.Throws<InvalidDataException>(() => BaseDistributionsCache.Write(mapped, Stream.Null), "and so is sending them");
        int calls = model.ForwardCalls;
        var again = BaseDistributionsCache.Compute(model, docs, options, null, cache, out var hitAgain);
        Assert.That(hitAgain, Is.False);
        Assert.That(model.ForwardCalls, Is.GreaterThan(calls));
        Assert.That(again.Probs, Is.EqualTo(original.Probs));
        Assert.That(problems, Has.Count.EqualTo(1));
    }

    [Test]
    public void An_intact_mapped_entry_gives_the_computed_L_f_bit_for_bit()
    {
        // Given base distributions computed (in memory) and the same read back as a view of the mapped cache entry
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.File("cache"));
        var docs = CorpusReader.Read(Stories260K.First46Path).Take(8).Select(d => d.Text).ToArray();
        var options = new RollingOptions(Truncate: true);
        using var model = Fresh(Stories260K.BinPath);
        var computed = BaseDistributionsCache.Compute(model, docs, options, null, cache, out _);
        var mapped = BaseDistributionsCache.Compute(model, docs, options, null, cache, out var hit);

        // When L_f is measured against both
        var fromMemory = ForgettingMeter.Compare(computed, Stories260K.Model);
        var fromMapping = ForgettingMeter.Compare(mapped, Stories260K.Model);

        // Then the numbers are the same bits and the entry counts as one verified hit
        Assert.That(hit, Is.True);
        Assert.That((fromMapping.Lf, fromMapping.BaseEntropy, fromMapping.TopOneAgreement), Is.EqualTo((fromMemory.Lf, fromMemory.BaseEntropy, fromMemory.TopOneAgreement)));
        Assert.That(fromMapping.PerDocument.Select(d => d.CrossEntropy), Is.EqualTo(fromMemory.PerDocument.Select(d => d.CrossEntropy)));
        Assert.That((cache.Hits, cache.Discarded), Is.EqualTo((1L, 0L)));
    }

    [Test]
    public void A_window_id_outside_the_vocabulary_is_found_on_reading_and_recomputed()
    {
        // Given cached base distributions whose first window's first id is changed to one past the vocabulary
        using var dir = new TempFolder();
        var problems = new List<string>();
        var cache = new ContentCache(dir.File("cache"), problems.Add);
        var docs = CorpusReader.Read(Stories260K.First46Path).Take(4).Select(d => d.Text).ToArray();
        var options = new RollingOptions(Truncate: true);
        using var model = Fresh(Stories260K.BinPath);
        BaseDistributionsCache.Compute(model, docs, options, null, cache, out _);
        var path = cache.PathFor(BaseDistributionsCache.KeyFor(model, docs, options, null));
        var bytes = File.ReadAllBytes(path);
        BitConverter.TryWriteBytes(bytes.AsSpan(ContentCache.HeaderSize + 20), 512);
        File.WriteAllBytes(path, bytes);

        // When they are read again
        BaseDistributionsCache.Compute(model, docs, options, null, cache, out var hit);

        // Then the entry is refused before any use (the checksum names it), deleted and recomputed
        Assert.That(hit, Is.False);
        Assert.That(problems.Single(), Does.StartWith($"cache entry {path} is corrupt: checksum mismatch"));
        Assert.That(cache.Discarded, Is.EqualTo(1));
    }

    [Test]
    public void Reduced_base_distributions_come_back_from_the_mapped_cache_unchanged()
    {
        // Given top-16 base distributions stored in the cache
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.File("cache"));
        var docs = CorpusReader.Read(Stories260K.First46Path).Take(6).Select(d => d.Text).ToArray();
        var options = new RollingOptions();
        using var model = Fresh(Stories260K.BinPath);
        var stored = BaseDistributionsCache.Compute(model, docs, options, 16, cache, out _);

        // When they are read back
        var read = BaseDistributionsCache.Compute(model, docs, options, 16, cache, out var hit);

        // Then every array is the same
        Assert.That(hit, Is.True);
        Assert.That((read.VocabSize, read.TopK, read.Documents), Is.EqualTo((stored.VocabSize, stored.TopK, stored.Documents)));
        Assert.That(read.Windows.Select(w => (w.Ids, w.FirstTarget)), Is.EqualTo(stored.Windows.Select(w => (w.Ids, w.FirstTarget))));
        Assert.That(read.WindowDocument, Is.EqualTo(stored.WindowDocument));
        Assert.That(read.Probs, Is.EqualTo(stored.Probs));
        Assert.That(read.Indices, Is.EqualTo(stored.Indices));
        Assert.That(read.Entropy, Is.EqualTo(stored.Entropy));
        Assert.That(read.Argmax, Is.EqualTo(stored.Argmax));
    }

    [Test]
    public void A_truncated_cache_entry_is_reported_discarded_and_rebuilt()
    {
        using var dir = new TempFolder();
        var problems = new List<string>();
        var cache = new ContentCache(dir.File("cache"), problems.Add);
        var suite = SuiteLoader.Parse(Suite, dir.File("cached.yaml"));
        var items = SuiteItemBuilder.Build(suite);
        using var model = Fresh(Stories260K.BinPath);
        var original = CachedEvaluation.Evaluate(suite, items, model, cache, out _);
        var file = cache.PathFor(CachedEvaluation.KeyFor(suite, items, model.Description));
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);

        var rebuilt = CachedEvaluation.Evaluate(suite, items, model, cache, out var hit);
        Assert.That(hit, Is.False);
        Assert.That(cache.Discarded, Is.EqualTo(1));
        Assert.That(problems, Has.Count.EqualTo(1).And.Some.Contains("truncated"));
        Assert.That(rebuilt.Metrics["acc"], Is.EqualTo(original.Metrics["acc"]));
        CachedEvaluation.Evaluate(suite, items, model, cache, out var hitAgain);
        Assert.That(hitAgain, Is.True, "the rebuilt entry is used next time");
    }

    [Test]
    public void Bytes_that_claim_more_windows_or_ids_than_they_hold_are_refused_before_anything_is_allocated()
    {
        // Given a payload whose header claims int.MaxValue windows, and one whose first window claims int.MaxValue ids
        static byte[] Ints(params int[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();
        var manyWindows = Ints(512, 512, 1, int.MaxValue);
        var manyIds = Ints(512, 512, 1, 1, int.MaxValue, 7);

        // When they are read as base distributions (a server's answer or a request body)
        // Then each is refused as not base distributions, naming what it claimed
        Assert.Multiple(() =>
        {
            Assert.That(() => BaseDistributionsCache.Read(manyWindows), Throws.TypeOf<InvalidDataException>().With.Message.Contains("2147483647 windows"));
            Assert.That(() => BaseDistributionsCache.Read(manyIds), Throws.TypeOf<InvalidDataException>().With.Message.Contains("claims 2147483647 ids"));
        });
    }
}
