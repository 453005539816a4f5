using System.Security.Cryptography;
using System.Text;
using RegressionGuard.Caching;

namespace RegressionGuard.Core.Tests.Caching;

public sealed class CacheKeyTests
{
    static CacheKey Sample() =>
        CacheKey.Create("suite-result", ("model", "w1"), ("tokenizer", "t1"), ("suite", "s1"), ("settings", "greedy"));

    [Test]
    public void The_same_kind_and_parts_always_give_the_same_64_hex_digit_key()
    {
        var key = Sample();
        Assert.That(key.Value, Is.EqualTo(Sample().Value).And.Match("^[0-9a-f]{64}$"));
        Assert.That(key, Is.EqualTo(Sample()));
        Assert.That(key == Sample(), Is.True);
        Assert.That(key.GetHashCode(), Is.EqualTo(Sample().GetHashCode()));
    }

    [Test]
    public void The_value_is_the_SHA256_of_the_documented_length_prefixed_encoding()
    {
        static void Add(List<byte> bytes, string text)
        {
            var utf8 = Encoding.UTF8.GetBytes(text);
            bytes.AddRange(BitConverter.GetBytes(utf8.Length)); // little-endian on every platform .NET runs on here
            bytes.AddRange(utf8);
        }
        var expected = new List<byte>();
        Add(expected, "RegressionGuard.CacheKey/1");
        Add(expected, "distribution");
        expected.AddRange(BitConverter.GetBytes(2));
        Add(expected, "model");
        Add(expected, "héllo");
        Add(expected, "positions");
        Add(expected, "");

        var key = CacheKey.Create("distribution", ("model", "héllo"), ("positions", ""));

        Assert.That(BitConverter.IsLittleEndian, Is.True);
        Assert.That(key.Value, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(expected.ToArray()))));
    }

    [Test]
    public void Changing_adding_removing_or_reordering_any_part_changes_the_key()
    {
        var original = Sample().Value;
        var variants = new[]
        {
            CacheKey.Create("suite-results", ("model", "w1"), ("tokenizer", "t1"), ("suite", "s1"), ("settings", "greedy")),
            CacheKey.Create("suite-result", ("model", "w2"), ("tokenizer", "t1"), ("suite", "s1"), ("settings", "greedy")),
            CacheKey.Create("suite-result", ("model", "w1"), ("tokenizer", "t2"), ("suite", "s1"), ("settings", "greedy")),
            CacheKey.Create("suite-result", ("model", "w1"), ("tokenizer", "t1"), ("suite", "s2"), ("settings", "greedy")),
            CacheKey.Create("suite-result", ("model", "w1"), ("tokenizer", "t1"), ("suite", "s1"), ("settings", "greedy ")),
            CacheKey.Create("suite-result", ("weights", "w1"), ("tokenizer", "t1"), ("suite", "s1"), ("settings", "greedy")),
            CacheKey.Create("suite-result", ("tokenizer", "t1"), ("model", "w1"), ("suite", "s1"), ("settings", "greedy")),
            CacheKey.Create("suite-result", ("model", "w1"), ("tokenizer", "t1"), ("suite", "s1")),
            CacheKey.Create("suite-result", ("model", "w1"), ("tokenizer", "t1"), ("suite", "s1"), ("settings", "greedy"), ("seed", "")),
        };
        Assert.That(variants.Select(v => v.Value), Has.None.EqualTo(original));
        Assert.That(variants.Select(v => v.Value).Distinct().Count(), Is.EqualTo(variants.Length));
    }

    [Test]
    public void Moving_text_across_a_part_boundary_changes_the_key()
    {
        Assert.That(CacheKey.Create("k", ("ab", "c")).Value, Is.Not.EqualTo(CacheKey.Create("k", ("a", "bc")).Value));
        Assert.That(CacheKey.Create("k", ("a", "b"), ("c", "")).Value, Is.Not.EqualTo(CacheKey.Create("k", ("a", "b\0c")).Value));
        Assert.That(CacheKey.Create("k").Value, Is.Not.EqualTo(CacheKey.Create("k", ("x", "")).Value));
    }

    [Test]
    public void Describe_lists_the_kind_the_key_and_every_part_in_order()
    {
        var key = CacheKey.Create("distribution", ("model", "abc"), ("note", "two\nlines"));
        Assert.That(key.Describe(), Is.EqualTo($"distribution {key.Value}\n  model = abc\n  note = two\\nlines\n"));
        Assert.That(key.ToString(), Is.EqualTo($"distribution/{key.Value}"));
        Assert.That(key.Parts.Select(p => p.Key), Is.EqualTo(new[] { "model", "note" }));
    }

    [TestCase("")]
    [TestCase("Suite")]
    [TestCase("../up")]
    [TestCase("a/b")]
    [TestCase(".hidden")]
    [TestCase("-dash")]
    public void A_kind_that_is_not_a_plain_folder_name_is_refused(string kind)
    {
        Assert.That(() => CacheKey.Create(kind, ("model", "x")),
            Throws.ArgumentException.With.Message.Contains("is not usable as a folder name"));
    }

    [Test]
    public void An_empty_or_repeated_part_name_is_refused()
    {
        Assert.That(() => CacheKey.Create("k", ("model", "a"), ("model", "b")),
            Throws.ArgumentException.With.Message.StartsWith("cache key 'k': part 'model' is given twice"));
        Assert.That(() => CacheKey.Create("k", ("", "a")),
            Throws.ArgumentException.With.Message.StartsWith("cache key 'k': part 1 has an empty name"));
    }

    [Test]
    public void Text_with_a_lone_surrogate_is_refused_rather_than_silently_replaced()
    {
        Assert.That(() => CacheKey.Create("k", ("model", "a\uD800")),
            Throws.ArgumentException.With.Message.Contains("lone UTF-16 surrogate"));
    }
}
