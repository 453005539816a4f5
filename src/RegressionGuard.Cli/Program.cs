namespace RegressionGuard.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = CliApp.BuildRoot();
        JitProfile.Start(root, args, System.Console.Error);
        return QuickExit.End(CliApp.Run(root, args, System.Console.Out, System.Console.Error, logFolder: null));
    }
}
