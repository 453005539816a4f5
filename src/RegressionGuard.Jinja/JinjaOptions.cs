namespace RegressionGuard.Jinja;

/// <summary>
/// How a template is parsed and rendered. The defaults are those of Hugging Face <c>transformers</c>' chat templates
/// (<c>trim_blocks</c> and <c>lstrip_blocks</c> on) and limits sized for chat prompts; templates come from other
/// people, so every resource a template can consume is bounded.
/// </summary>
public sealed record JinjaOptions
{
    /// <summary>The date <c>strftime_now</c> reports unless a clock is given: fixed, so renderings are reproducible.</summary>
    public static readonly DateTimeOffset FixedDate = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Remove the first newline after a block or comment tag (jinja2 <c>trim_blocks</c>).</summary>
    public bool TrimBlocks { get; init; } = true;

    /// <summary>Remove spaces and tabs before a block or comment tag that starts a line (jinja2 <c>lstrip_blocks</c>).</summary>
    public bool LstripBlocks { get; init; } = true;

    /// <summary>Longest template accepted, in characters.</summary>
    public int MaxTemplateLength { get; init; } = 1_000_000;

    /// <summary>Loop iterations allowed in one rendering, all loops together (also bounds <c>range</c>).</summary>
    public int MaxLoopIterations { get; init; } = 100_000;

    /// <summary>Longest output, and longest string or list a template may build, in characters or items.</summary>
    public int MaxOutputLength { get; init; } = 4_000_000;

    /// <summary>Deepest nesting of macro calls, template syntax and values (printing, JSON, comparison).</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>The time source of <c>strftime_now</c>; null = <see cref="FixedDate"/>.</summary>
    public Func<DateTimeOffset>? Clock { get; init; }
}
