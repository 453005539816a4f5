using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Models;

namespace RegressionGuard.Torch.Tests.Models.Families;

/// <summary>Config keys that would change the numbers and that a family does not implement are errors that name them.</summary>
public sealed class UnsupportedConfigTests
{
    static string ErrorOf(string golden, params (string Key, string Json)[] changes)
    {
        var config = FamilyCheckpoints.Config(golden, changes);
        var family = ModelFamilies.ForArchitecture(config.GetProperty("architectures")[0].GetString()!)!;
        return Assert.Throws<CheckpointException>(() => family.Read(config, "config.json"))!.Message;
    }

    [Test]
    public void An_unknown_rope_type_is_named_with_the_supported_ones()
    {
        var message = ErrorOf("llama-rope-linear", ("rope_scaling", """{"rope_type": "mrope", "factor": 2.0}"""));

        Assert.That(message, Is.EqualTo("config.json: invalid config: 'rope_scaling.rope_type' is 'mrope'; supported: default, linear, dynamic, yarn, longrope, llama3"));
    }

    [Test]
    public void A_rope_key_the_variant_does_not_implement_is_named()
    {
        var message = ErrorOf("llama-rope-yarn", ("rope_scaling", """{"rope_type": "yarn", "factor": 4.0, "mscale": 0.707, "truncate": false}"""));

        Assert.That(message, Is.EqualTo("config.json: invalid config: 'rope_scaling' for rope_type 'yarn' has key(s) that would change the numbers and are not supported: mscale, truncate (supported: factor, attention_factor, beta_fast, beta_slow)"));
    }

    [Test]
    public void An_attention_variant_of_another_family_is_named()
    {
        var message = ErrorOf("qwen3", ("attn_logit_softcapping", "50.0"), ("partial_rotary_factor", "0.5"));

        Assert.That(message, Is.EqualTo("config.json: invalid config: 'partial_rotary_factor' (0.5) changes the model's numbers and is not supported by this architecture; "
            + "'attn_logit_softcapping' (50.0) changes the model's numbers and is not supported by this architecture"));
    }

    [Test]
    public void Longrope_factor_lists_must_cover_half_the_rotary_dimension()
    {
        var message = ErrorOf("phi4-mini", ("rope_scaling", """{"type": "longrope", "short_factor": [1.0, 1.0], "long_factor": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}"""));

        Assert.That(message, Is.EqualTo("config.json: invalid config: 'rope_scaling.short_factor' has 2 numbers; expected 6 (half the rotary dimension 12)"));
    }
}
