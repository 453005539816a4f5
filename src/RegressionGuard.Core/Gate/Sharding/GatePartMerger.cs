using RegressionGuard.Law;
using RegressionGuard.Reports;
using RegressionGuard.Suites.Evaluation;

namespace RegressionGuard.Gate.Sharding;

/// <summary>
/// <c>regressionguard report merge</c>: parts of one gate (shards 1..N, each exactly once, same N, same identity) →
/// the report the unsharded gate writes. Items go back to their places in their suites and documents to theirs, then
/// <see cref="GateDecision"/> decides exactly as a whole run does (same seeded bootstrap, Holm, L_f from the same sums
/// in the same order), so the result does not depend on how the work was split or on the order the folders are given.
/// </summary>
public static class GatePartMerger
{
    /// <summary>Reads every folder's part and merges them.</summary>
    /// <exception cref="GatePartException">a folder without a readable part, or parts that are not one complete gate.</exception>
    public static GateReport Merge(IReadOnlyList<string> folders)
    {
        ArgumentNullException.ThrowIfNull(folders);
        if (folders.Count == 0)
        {
            throw new GatePartException("no part folders given; give the output folder of every `gate --shard i/N` job");
        }

        return Merge(folders.Select(f => (Path.GetFullPath(f), GatePartFile.Read(f))).ToList());
    }

    /// <summary>Merges parts read from the folders named with them.</summary>
    public static GateReport Merge(IReadOnlyList<(string Folder, GatePart Part)> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var ordered = parts.OrderBy(p => p.Part.Shard).ThenBy(p => p.Folder, StringComparer.Ordinal).ToList();
        Check(ordered);
        var first = ordered[0].Part;
        var law = first.Law is { } text ? LawFile.Parse(text, $"{Path.Combine(ordered[0].Folder, GatePart.FileName)} (law)") : null;

        var baseResults = new List<SuiteResult>();
        var tunedResults = new List<SuiteResult>();
        for (int s = 0; s < first.Suites.Count; s++)
        {
            var shares = ordered.Select(p => (p.Folder, Share: p.Part.Suites[s])).ToList();
            baseResults.Add(Join(shares, share => share.Base));
            // the tuned results stop at the first suite a shard did not finish (as a whole run stops at an error)
            if (tunedResults.Count == s && shares.All(x => x.Share.Tuned is not null))
            {
                tunedResults.Add(Join(shares, share => share.Tuned!));
            }
        }

        ForgettingSums? forgetting = null;
        if (ordered.All(p => p.Part.Forgetting is not null))
        {
            forgetting = new ForgettingSums(first.Forgetting!.Documents, Place(ordered.Select(p => (p.Folder, (IReadOnlyList<int>)p.Part.Forgetting!.PerDocument.Select(d => d.Index).ToList())).ToList(),
                first.Forgetting.Documents, "corpus document").Select(at => ordered[at.Part].Part.Forgetting!.PerDocument[at.Entry]).ToList());
        }
        else if (first.Rules.Forgetting is not null && ordered.All(p => p.Part.Errors.Count == 0))
        {
            throw new GatePartException($"{string.Join(", ", ordered.Where(p => p.Part.Forgetting is null).Select(p => p.Folder))}: the part has no L_f sums although its gate has a forgetting block");
        }

        var errors = ordered.SelectMany(p => p.Part.Errors.Select(e => $"shard {p.Part.Label} ({p.Folder}): {e}")).ToList();
        var tuned = ordered.Select(p => p.Part.Tuned).FirstOrDefault(t => t.ContentHash.Length > 0) ?? first.Tuned;
        var evidence = new GateEvidence(first.Base, tuned, baseResults, tunedResults, forgetting, errors);
        // weight diagnostics and the sweep frontier are measured once, by shard 1
        return GateDecision.Decide(evidence, first.Rules, law, ordered.Sum(p => p.Part.DurationSeconds)) with { Diagnostics = first.Diagnostics, Frontier = first.Frontier };
    }

    /// <summary>Every shard 1..N once, one N, one identity; all problems in one message.</summary>
    static void Check(IReadOnlyList<(string Folder, GatePart Part)> parts)
    {
        var problems = new List<string>();
        var reference = parts[0].Part;
        string Name((string Folder, GatePart Part) p) => $"{p.Folder} (shard {p.Part.Label})";
        var counts = parts.Select(p => p.Part.Shards).Distinct().ToList();
        if (counts.Count > 1)
        {
            problems.Add($"the parts split the gate differently: {string.Join(", ", parts.Select(Name))}; merge the N parts of one `--shard i/N` run");
        }
        else
        {
            int n = counts[0];
            foreach (var twice in parts.GroupBy(p => p.Part.Shard).Where(g => g.Count() > 1))
            {
                problems.Add($"shard {twice.Key}/{n} is given {twice.Count()} times: {string.Join(", ", twice.Select(p => p.Folder))}");
            }

            var missing = Enumerable.Range(1, n).Except(parts.Select(p => p.Part.Shard)).ToList();
            if (missing.Count > 0)
            {
                problems.Add($"shard{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(i => $"{i}/{n}"))} missing: got {string.Join(", ", parts.Select(Name))}");
            }
        }

        foreach (var damaged in parts.Where(p => !p.Part.Suites.Select(s => s.Suite).SequenceEqual(p.Part.Identity.Suites.Select(s => s.Suite))))
        {
            problems.Add($"{Name(damaged)}: the suites in the part are not the suites of its identity; the part is damaged");
        }

        foreach (var bounded in parts.Where(p => p.Part.Forgetting?.Bounds is not null))
        {
            problems.Add($"{Name(bounded)}: its L_f is only bounded (a server without the tuned log-probabilities L_f needs), and bounds of shards do not add up to a bound of the whole; serve the models with `regressionguard serve` for an exact L_f");
        }

        foreach (var other in parts.Skip(1))
        {
            foreach (var (what, mine, theirs) in Differences(reference.Identity, other.Part.Identity))
            {
                problems.Add($"{Name(other)} and {Name(parts[0])} come from different gates: {what} differs ({theirs} vs {mine})");
            }
        }

        if (problems.Count > 0)
        {
            throw new GatePartException($"cannot merge {parts.Count} part(s): {string.Join("; ", problems)}");
        }
    }

    static IEnumerable<(string What, string Mine, string Theirs)> Differences(GatePartIdentity a, GatePartIdentity b)
    {
        static string Short(string? hash) => hash is null ? "none" : hash.Length > 12 ? $"sha256 {hash[..12]}…" : hash;
        if (a.ToolVersion != b.ToolVersion)
        {
            yield return ("the RegressionGuard version", a.ToolVersion, b.ToolVersion);
        }

        if (a.Config != b.Config)
        {
            yield return ("the gate config (thresholds, correction, seed, forgetting block, law, dtype or batch size)", Short(a.Config), Short(b.Config));
        }

        if (a.BaseModel != b.BaseModel)
        {
            yield return ("the base model", Short(a.BaseModel), Short(b.BaseModel));
        }

        // a shard that could not load the tuned model (its error is in its part and goes to the report) names none
        if (a.TunedModel != b.TunedModel && a.TunedModel.Length > 0 && b.TunedModel.Length > 0)
        {
            yield return ("the tuned model", Short(a.TunedModel), Short(b.TunedModel));
        }

        var (sa, sb) = (string.Join(", ", a.Suites.Select(s => s.Suite)), string.Join(", ", b.Suites.Select(s => s.Suite)));
        if (sa != sb)
        {
            yield return ("the list of suites", sa, sb);
        }
        else
        {
            foreach (var (x, y) in a.Suites.Zip(b.Suites).Where(p => p.First != p.Second))
            {
                yield return ($"suite '{x.Suite}' (its definition or items)", $"{x.Items} items, {Short(x.Sha256)}", $"{y.Items} items, {Short(y.Sha256)}");
            }
        }

        if (a.Corpus != b.Corpus)
        {
            yield return ("the L_f corpus", Short(a.Corpus), Short(b.Corpus));
        }
    }

    /// <summary>One suite's results from every shard, items back in their places, metrics recounted over all of them.</summary>
    static SuiteResult Join(IReadOnlyList<(string Folder, SuitePart Share)> shares, Func<SuitePart, SuiteResult> pick)
    {
        var first = pick(shares[0].Share);
        foreach (var (folder, share) in shares)
        {
            if (pick(share).Items.Count != share.Positions.Count)
            {
                throw new GatePartException($"{folder}: suite '{share.Suite}' lists {share.Positions.Count} positions for {pick(share).Items.Count} items");
            }
        }

        var places = Place(shares.Select(s => (s.Folder, s.Share.Positions)).ToList(), shares[0].Share.TotalItems, $"item of suite '{first.Suite}'");
        var items = places.Select(at => pick(shares[at.Part].Share).Items[at.Entry]).ToList();
        var metrics = first.Metrics.ToDictionary(kv => kv.Key, kv => Recount(kv.Value, items.Where(i => i.Metrics.ContainsKey(kv.Key)).Select(i => i.Metrics[kv.Key]).ToArray()));
        // group_by: every group's metrics recounted over its items in all shards (a shard may lack a group)
        var groups = shares.Select(s => pick(s.Share).Groups).Where(g => g is not null).SelectMany(g => g!)
            .GroupBy(kv => kv.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, MetricValue>)g.First().Value.ToDictionary(kv => kv.Key, kv => Recount(kv.Value,
                items.Where(i => (i.Group ?? "") == g.Key && i.Metrics.ContainsKey(kv.Key)).Select(i => i.Metrics[kv.Key]).ToArray())), StringComparer.Ordinal);
        return first with { Items = items, Metrics = metrics, Groups = shares.Any(s => pick(s.Share).Groups is not null) ? groups : null };
    }

    /// <summary>
    /// For each place 0..<paramref name="total"/>−1, which part holds it and where in its list: every place exactly once.
    /// </summary>
    static (int Part, int Entry)[] Place(IReadOnlyList<(string Folder, IReadOnlyList<int> Positions)> parts, int total, string what)
    {
        var at = new (int Part, int Entry)[total];
        var seen = new bool[total];
        for (int p = 0; p < parts.Count; p++)
        {
            var positions = parts[p].Positions;
            for (int e = 0; e < positions.Count; e++)
            {
                int i = positions[e];
                if (i < 0 || i >= total || seen[i])
                {
                    throw new GatePartException($"{parts[p].Folder}: {what} #{i} is {(i < 0 || i >= total ? $"outside 0..{total - 1}" : "in two parts")}; the parts are damaged");
                }

                seen[i] = true;
                at[i] = (p, e);
            }
        }
        int hole = Array.IndexOf(seen, false);
        if (hole >= 0)
        {
            throw new GatePartException($"{what} #{hole} is in no part; the parts are damaged");
        }

        return at;
    }

    /// <summary>A metric's mean and standard error over all its items, as the evaluator computes them.</summary>
    static MetricValue Recount(MetricValue spec, double[] values)
    {
        var (mean, stderr) = SuiteEvaluator.MeanAndStderr(values);
        return spec with { Value = mean, Stderr = stderr, Count = values.Length };
    }
}
