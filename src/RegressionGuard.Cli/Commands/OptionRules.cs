using System.CommandLine;

namespace RegressionGuard.Cli.Commands;

/// <summary>Range rules checked while the command line is parsed, so a bad value exits 2 before any work.</summary>
public static class OptionRules
{
    /// <summary>When given, the option's value must be at least <paramref name="min"/>.</summary>
    public static Option<int?> AtLeast(this Option<int?> option, int min)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            // a value that does not parse is reported by the parser itself
            if (result.Tokens is [var token] && int.TryParse(token.Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int value) && value < min)
            {
                result.AddError($"{option.Name} must be {min} or more, got {value}");
            }
        });
        return option;
    }
}
