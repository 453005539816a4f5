using System.Diagnostics;
using System.Text;
using CsCheck;
using NUnit.Framework;

namespace RegressionGuard.Testing.Fuzzing;

/// <summary>
/// Fuzzing for the loaders of user files: inputs generated from the shipped valid files by byte, line and YAML-node
/// mutations (or generated from their keys), each fed to a loader that may only throw the project's typed input
/// errors, on a worker thread with a per-case time limit and a per-case allocation limit. The number of cases run is
/// printed to the test output so CI logs show it.
/// </summary>
public static class LoaderFuzz
{
    /// <summary>Cases per loader per run (issue 15: at least 10,000): mutated plus generated inputs.</summary>
    public const int Cases = MutatedCases + GeneratedCases;

    /// <summary>Mutations of the shipped files: most cases, since they get past the first checks and reach deep code.</summary>
    public const int MutatedCases = 7_000;

    /// <summary>Documents generated from the shipped files' keys.</summary>
    public const int GeneratedCases = 3_000;

    /// <summary>A case running longer than this is a hang (a generous bound: cases take microseconds to milliseconds).</summary>
    public static readonly TimeSpan CaseTimeLimit = TimeSpan.FromSeconds(10);

    /// <summary>A case allocating more than this (the inputs are a few KB) has unbounded memory.</summary>
    public const long CaseAllocationLimit = 256L << 20;

    /// <summary>Values that break parsers: numbers out of range, YAML specials, control characters, long text.</summary>
    static readonly string[] Nasty =
    [
        "", "~", "null", "-1", "0", "1e309", "-1e309", ".nan", ".inf", "-.inf", "NaN", "99999999999999999999", "2147483648", "-2147483649",
        "0x1F", "1_000", "true", "yes", "[]", "{}", "[1, [2, [3]]]", "{a: {b: {c: 1}}}", "\"\"", "''", "'unterminated", "\"unterminated",
        "&anchor x", "*alias", "!!python/object:os.system", "!tag x", "|", ">", "- - -", ": :", "? x", "%YAML 1.2", "---", "...",
        "\t", "\0", "\u0007", "\uFEFF", "\uFFFF", "\ud800", "é", "中文", "🙂", "${missing}", "${", "}", "{{ x }}", "{% for %}", "(a+)+$", "[", "(",
        "=HYPERLINK(\"x\")", "\"a,b\"", "a\"b", "a,b", ",,,,", "\r\n", "/etc/passwd", "../../../etc/passwd", "C:\\x", "//server/share", new string('x', 5000),
    ];

    static readonly char[] NastyChars = ['\0', '\t', '\n', '\r', ' ', ':', '-', '#', '[', ']', '{', '}', ',', '"', '\'', '&', '*', '!', '|', '>', '%', '@', '`', '\\', '$', '\uFEFF', '\ud800', 'é', '9', '.'];

    /// <summary>The seed files' text, read from the repository.</summary>
    public static IReadOnlyList<string> Seeds(params string[] repositoryPaths) =>
        repositoryPaths.Select(p => File.ReadAllText(RepositoryFiles.Path(p))).ToList();

    /// <summary>1–4 mutations of one of the seeds (bytes, lines, YAML nodes), driven by CsCheck-generated choices.</summary>
    public static Gen<string> Mutated(IReadOnlyList<string> seeds) =>
        Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.Int[1, 4], Gen.Int.Array[4], (seed, count, salts) =>
        {
            var text = seeds[seed];
            for (int i = 0; i < count; i++)
            {
                text = Mutate(text, new Random(salts[i % salts.Length] + i), seeds);
            }
            return text;
        });

    /// <summary>YAML documents made of the seeds' keys with nasty or seed-taken values, nested up to three deep.</summary>
    public static Gen<string> Generated(IReadOnlyList<string> seeds)
    {
        var keys = seeds.SelectMany(s => s.Split('\n')).Select(KeyOf).Where(k => k is not null).Select(k => k!).Distinct().ToArray();
        return Gen.Select(Gen.Int, Gen.Int[1, 12], (salt, entries) =>
        {
            var random = new Random(salt);
            var text = new StringBuilder();
            void Map(int depth, string indent, int count)
            {
                for (int i = 0; i < count; i++)
                {
                    var key = random.Next(10) == 0 ? Pick(random, Nasty) : Pick(random, keys);
                    switch (random.Next(depth < 3 ? 4 : 2))
                    {
                        case 0:
                        case 1:
                            text.Append(indent).Append(key).Append(": ").Append(Pick(random, Nasty).Replace("\n", " ", StringComparison.Ordinal)).Append('\n');
                            break;
                        case 2:
                            text.Append(indent).Append(key).Append(":\n");
                            Map(depth + 1, indent + "  ", random.Next(1, 5));
                            break;
                        default:
                            text.Append(indent).Append(key).Append(":\n");
                            for (int j = random.Next(1, 4); j > 0; j--)
                            {
                                text.Append(indent).Append("  - ").Append(Pick(random, Nasty).Replace("\n", " ", StringComparison.Ordinal)).Append('\n');
                            }
                            break;
                    }
                }
            }
            Map(0, "", entries);
            return text.ToString();
        });
    }

    static string? KeyOf(string line)
    {
        var trimmed = line.TrimStart(' ', '-');
        int colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && trimmed[..colon].All(c => char.IsLetterOrDigit(c) || c == '_') ? trimmed[..colon] : null;
    }

    static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    static string Mutate(string text, Random random, IReadOnlyList<string> seeds)
    {
        if (text.Length == 0)
        {
            return Pick(random, Nasty);
        }

        int at = random.Next(text.Length);
        int span = Math.Min(text.Length - at, random.Next(1, 64));
        var lines = text.Split('\n').ToList();
        int line = random.Next(lines.Count);
        switch (random.Next(12))
        {
            case 0: // replace one character
                return string.Concat(text.AsSpan(0, at), Pick(random, NastyChars).ToString(), text.AsSpan(at + 1));
            case 1: // insert a character
                return text.Insert(at, Pick(random, NastyChars).ToString());
            case 2: // delete a span
                return text.Remove(at, span);
            case 3: // duplicate a span
                return text.Insert(at, text.Substring(at, span));
            case 4: // truncate
                return text[..at];
            case 5: // delete a line
                lines.RemoveAt(line);
                return string.Join('\n', lines);
            case 6: // duplicate a line
                lines.Insert(line, lines[line]);
                return string.Join('\n', lines);
            case 7: // swap two lines
                int other = random.Next(lines.Count);
                (lines[line], lines[other]) = (lines[other], lines[line]);
                return string.Join('\n', lines);
            case 8: // re-indent a line
                lines[line] = new string(' ', random.Next(0, 7)) + lines[line].TrimStart();
                return string.Join('\n', lines);
            case 9: // a line of another seed
                var donor = Pick(random, seeds).Split('\n');
                lines.Insert(line, Pick(random, donor));
                return string.Join('\n', lines);
            case 10: // replace a YAML node's value (or a CSV cell)
                int colon = lines[line].IndexOf(": ", StringComparison.Ordinal);
                int comma = lines[line].IndexOf(',', StringComparison.Ordinal);
                lines[line] = colon >= 0 ? lines[line][..(colon + 2)] + Pick(random, Nasty)
                    : comma >= 0 ? lines[line][..(comma + 1)] + Pick(random, Nasty) + lines[line][(comma + 1)..]
                    : lines[line] + Pick(random, Nasty);
                return string.Join('\n', lines);
            default: // rename a key
                int keyEnd = lines[line].IndexOf(':', StringComparison.Ordinal);
                if (keyEnd <= 0)
                {
                    return text.Insert(at, Pick(random, Nasty));
                }

                int keyStart = lines[line].Length - lines[line].TrimStart(' ', '-').Length;
                var key = lines[line][keyStart..keyEnd];
                lines[line] = lines[line][..keyStart] + (random.Next(2) == 0 ? key + "x" : Pick(random, Nasty)) + lines[line][keyEnd..];
                return string.Join('\n', lines);
        }
    }

    /// <summary>
    /// Runs <paramref name="load"/> on <paramref name="cases"/> inputs of <paramref name="inputs"/>; fails on any exception
    /// <paramref name="isInputError"/> rejects, a case over <see cref="CaseTimeLimit"/> or over <see cref="CaseAllocationLimit"/>.
    /// Prints "fuzz NAME: N cases (A accepted, R rejected) in S s".
    /// </summary>
    public static void Run(string name, Gen<string> inputs, Action<string> load, Func<Exception, bool> isInputError, int cases)
    {
        int accepted = 0, rejected = 0;
        var clock = Stopwatch.StartNew();
        inputs.Sample(text =>
        {
            switch (Check(text, load, isInputError))
            {
                case null:
                    Interlocked.Increment(ref accepted);
                    break;
                case "":
                    Interlocked.Increment(ref rejected);
                    break;
                case var failure:
                    throw new AssertionException($"fuzz {name}: {failure}");
            }
        }, iter: cases, threads: 1, print: Escape);
        clock.Stop();
        TestContext.Progress.WriteLine($"fuzz {name}: {accepted + rejected:N0} cases ({accepted:N0} accepted, {rejected:N0} rejected with input errors) in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.That(accepted + rejected, Is.GreaterThanOrEqualTo(cases), "every case ran");
    }

    /// <summary>
    /// Loads one input on a worker thread: null when it loaded, "" when it failed with an input error, else what went
    /// wrong (an unexpected exception with its stack trace, a hang, or unbounded allocation).
    /// </summary>
    public static string? Check(string text, Action<string> load, Func<Exception, bool> isInputError)
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(isInputError);
        Exception? thrown = null;
        long allocated = 0;
        var worker = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                load(text);
            }
            catch (Exception e)
            {
                thrown = e;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, maxStackSize: 16 << 20)
        { IsBackground = true };
        worker.Start();
        if (!worker.Join(CaseTimeLimit))
        {
            return $"no result after {CaseTimeLimit.TotalSeconds} s (a hang)";
        }

        if (allocated > CaseAllocationLimit)
        {
            return $"allocated {allocated / (1 << 20)} MB for one input";
        }

        return thrown is null ? null
            : isInputError(thrown) ? ""
            : $"unhandled {thrown.GetType().FullName}: {thrown.Message}\n{thrown.StackTrace}";
    }

    /// <summary>The text as a C# string literal body (control characters escaped), for messages and the corpus.</summary>
    public static string Escape(string text)
    {
        var builder = new StringBuilder();
        foreach (var c in text.Length > 4000 ? text[..4000] + "…" : text)
        {
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\\' => "\\\\",
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return builder.ToString();
    }

    /// <summary>The saved inputs that once found a bug, for replay: FuzzCorpus/&lt;loader&gt;/*.txt in the test project.</summary>
    public static IEnumerable<TestCaseData> Corpus(string testProject, string loader)
    {
        var folder = RepositoryFiles.Path(Path.Combine("tests", testProject, "FuzzCorpus", loader));
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
        {
            yield return new TestCaseData(File.ReadAllText(file)).SetArgDisplayNames(Path.GetFileName(file));
        }
    }
}
