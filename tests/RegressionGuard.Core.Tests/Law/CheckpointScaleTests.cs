using RegressionGuard.Law;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Law;

public sealed class CheckpointScaleTests
{
    const string HowTo = "give P and N in the gate config's forgetting block instead: 'P: <n>' (trainable non-embedding parameters) and 'N: <n>' (optimizer steps)";

    [Test]
    public void A_full_checkpoint_gives_P_N_and_L_ft_from_regressionguard_json()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("regressionguard.json"), """{"method": "full", "P": 1048576, "N": 400, "l_ft": 2.25, "wall_seconds": 12.5}""");

        var scale = CheckpointScale.Read(temp.Path);

        Assert.That(scale, Is.EqualTo(new CheckpointScale(1_048_576, 400, 2.25, temp.File("regressionguard.json"))));
    }

    [Test]
    public void A_PEFT_adapter_gives_P_and_N_from_the_regressionguard_key_of_its_adapter_config()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("adapter_config.json"), """{"peft_type": "LORA", "r": 4, "regressionguard": {"P": 65536, "N": 200, "l_ft": "NaN"}}""");

        var scale = CheckpointScale.Read(temp.Path);

        Assert.That((scale.P, scale.N, scale.LFt), Is.EqualTo((65_536L, 200L, (double?)null)));
    }

    [Test]
    public void A_checkpoint_without_metadata_says_how_to_supply_P_and_N()
    {
        using var temp = new TempFolder();

        var error = Assert.Throws<LawException>(() => CheckpointScale.Read(temp.Path));

        Assert.That(error!.Message, Is.EqualTo($"{temp.Path}: no RegressionGuard scale metadata: neither 'regressionguard.json' (full checkpoint, {{\"P\": <n>, \"N\": <n>}}) nor 'adapter_config.json' with a 'regressionguard' object (PEFT adapter) is there; {HowTo}"));
    }

    [Test]
    public void An_adapter_written_elsewhere_says_how_to_supply_P_and_N()
    {
        using var temp = new TempFolder();
        var config = temp.File("adapter_config.json");
        File.WriteAllText(config, """{"peft_type": "LORA", "r": 8}""");

        var error = Assert.Throws<LawException>(() => CheckpointScale.Read(temp.Path));

        Assert.That(error!.Message, Is.EqualTo($"{config}: no 'regressionguard' object with P and N (the adapter was not written by RegressionGuard's fine-tuner); add \"regressionguard\": {{\"P\": <n>, \"N\": <n>}} to it, or {HowTo}"));
    }

    [Test]
    public void A_missing_or_non_integer_count_is_named()
    {
        using var temp = new TempFolder();
        var meta = temp.File("regressionguard.json");

        File.WriteAllText(meta, """{"P": 65536}""");
        var missing = Assert.Throws<LawException>(() => CheckpointScale.Read(temp.Path));
        File.WriteAllText(meta, """{"P": 2.5, "N": 10}""");
        var fraction = Assert.Throws<LawException>(() => CheckpointScale.Read(temp.Path));
        File.WriteAllText(meta, """{"P": 10,""" + "\n" + """ "N": }""");
        var broken = Assert.Throws<LawException>(() => CheckpointScale.Read(temp.Path));

        Assert.That(missing!.Message, Is.EqualTo($"{meta}: 'N' (optimizer steps) is missing; {HowTo}"));
        Assert.That(fraction!.Message, Is.EqualTo($"{meta}: 'P' (trainable non-embedding parameters) must be a positive integer, got 2.5; {HowTo}"));
        Assert.That(broken!.Message, Does.StartWith($"{meta}:2:7: invalid JSON"));
        Assert.That(broken.Message, Does.EndWith(HowTo));
    }

    [Test]
    public void Large_counts_written_as_whole_floating_point_numbers_are_accepted()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("regressionguard.json"), """{"P": 7e9, "N": 1000}""");

        Assert.That(CheckpointScale.Read(temp.Path).P, Is.EqualTo(7_000_000_000L));
    }
}
