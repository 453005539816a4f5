namespace RegressionGuard.Cli;

public static class CliApp
{
    public static int Run(string[] args)
    {
        Console.WriteLine("regressionguard");
        return args.Length == 0 ? 0 : 2;
    }
}
