using System.CommandLine;
using System.Text.Json;
using RegressionGuard.Cli.Failures;
using RegressionGuard.Ledger;
using RegressionGuard.Suites;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Failures;

/// <summary>The top-level exit-code policy: input problems exit 2, bugs exit 3 with a log file, never a stack trace.</summary>
public sealed class ErrorPolicyTests
{
    static CliRun RunThrowing(Exception exception, string logFolder)
    {
        var command = new Command("explode", "throws");
        command.SetAction(new Func<ParseResult, int>(_ => throw exception));
        var root = new RootCommand("test") { command };
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(root, ["explode"], stdout, stderr, logFolder);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    [Test]
    public void A_programming_error_exits_3_says_it_is_a_bug_and_writes_the_stack_trace_only_to_the_log()
    {
        // Given a command that fails with an exception no input explains
        using var logs = new TempFolder();

        // When it runs
        var run = RunThrowing(new InvalidOperationException("the queue was empty"), logs.Path);

        // Then: exit 3, the type and message, the log's path; the trace is in the log and not on the console
        Assert.That(run.ExitCode, Is.EqualTo(CliApp.ExitBug));
        var lines = run.Error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("error: this is a bug in RegressionGuard: System.InvalidOperationException: the queue was empty"));
        var log = Directory.GetFiles(logs.Path).Single();
        Assert.That(lines[1], Is.EqualTo($"  the full stack trace is in {log}"));
        Assert.That(run.Error + run.Out, Does.Not.Contain("   at "));
        var text = File.ReadAllText(log);
        Assert.That(text, Does.Contain("command line: regressionguard explode"));
        Assert.That(text, Does.Contain("System.InvalidOperationException: the queue was empty").And.Contain("   at "));
    }

    [Test]
    public void A_bug_inside_an_aggregate_is_reported_by_its_own_type()
    {
        using var logs = new TempFolder();
        var run = RunThrowing(new AggregateException(new NullReferenceException("x was null")), logs.Path);
        Assert.That(run.ExitCode, Is.EqualTo(CliApp.ExitBug));
        Assert.That(run.Error, Does.StartWith("error: this is a bug in RegressionGuard: System.NullReferenceException: x was null"));
    }

    static IEnumerable<TestCaseData> InputProblems()
    {
        yield return new TestCaseData(new FileNotFoundException("Could not find file '/data/x.jsonl'.")).SetName("A_missing_file_exits_2");
        yield return new TestCaseData(new UnauthorizedAccessException("Access to the path '/root/x' is denied.")).SetName("A_permission_problem_exits_2");
        yield return new TestCaseData(new IOException("The file '/tmp/out' already exists.")).SetName("An_IO_problem_exits_2");
        yield return new TestCaseData(new InvalidDataException("x.safetensors: header length 9e18 exceeds the file")).SetName("A_format_error_exits_2");
        yield return new TestCaseData(new JsonException("'}' is invalid after a value. LineNumber: 3")).SetName("Invalid_JSON_exits_2");
        yield return new TestCaseData(new LedgerException("ledger.csv:4: column 'P' is not a number")).SetName("A_typed_input_error_exits_2");
        yield return new TestCaseData(new SuiteDataException("data.jsonl:3: not JSON")).SetName("A_suite_data_error_exits_2");
        yield return new TestCaseData(new System.Text.RegularExpressions.RegexMatchTimeoutException("aaaa", "(a+)+$", TimeSpan.FromSeconds(1))).SetName("A_regex_timeout_exits_2");
    }

    [TestCaseSource(nameof(InputProblems))]
    public void Input_problems_exit_2_with_their_message_and_no_log(Exception problem)
    {
        using var logs = new TempFolder();
        var run = RunThrowing(problem, logs.Path);
        Assert.That(run.ExitCode, Is.EqualTo(CliApp.ExitUsage), run.Error);
        Assert.That(run.Error, Does.StartWith("error: "));
        Assert.That(run.Error, Does.Not.Contain("bug").And.Not.Contain("   at "));
        Assert.That(Directory.GetFiles(logs.Path), Is.Empty);
    }

    [Test]
    public void Every_problem_of_a_suite_is_listed()
    {
        using var logs = new TempFolder();
        var run = RunThrowing(new SuiteValidationException([new SuiteError("s.yaml", 2, 3, "unknown key 'tsk'"), new SuiteError("s.yaml", 5, 1, "missing key 'metrics'")]), logs.Path);
        Assert.That(run.ExitCode, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(run.Error, Is.EqualTo(string.Join(Environment.NewLine, "error: 2 problem(s):", "  s.yaml:2:3: unknown key 'tsk'", "  s.yaml:5:1: missing key 'metrics'") + Environment.NewLine));
    }

    [Test]
    public void A_null_argument_or_an_index_out_of_range_is_a_bug_and_an_option_out_of_range_is_input()
    {
        Assert.That(ErrorPolicy.IsInputProblem(new ArgumentNullException("model")), Is.False);
        Assert.That(ErrorPolicy.IsInputProblem(new ArgumentOutOfRangeException("index")), Is.False);
        Assert.That(ErrorPolicy.IsInputProblem(new ArgumentOutOfRangeException("stride", 0, "stride must be between 1 and 63")), Is.True);
        Assert.That(ErrorPolicy.IsInputProblem(new KeyNotFoundException("k")), Is.False);
    }
}
