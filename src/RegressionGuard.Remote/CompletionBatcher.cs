using System.Text.Json;
using RegressionGuard.Modeling;
using RegressionGuard.Remote.Protocol;

namespace RegressionGuard.Remote;

/// <summary>
/// Sends <c>/completions</c> several prompts per request — <c>prompt</c> as a list, as vLLM takes it and
/// lm-evaluation-harness's <c>local-completions</c> sends with <c>batch_size</c> (choices read back in <c>index</c>
/// order, as its <c>parse_logprobs</c> does) — while each prompt stays its own unit: its answer is cached under the
/// body it would have been sent with alone, and a prompt found in the cache is not sent. Results, the cache and reruns
/// therefore do not depend on <see cref="RemoteModelSpec.BatchSize"/>. Only prompts whose other fields are equal share a
/// request (generation settings differ between suites), and prompts of one group (the choices of one multiple-choice
/// item) are kept in one request where they fit, so a server can run their shared context once.
/// </summary>
internal sealed class CompletionBatcher(RemoteClient client, RemoteModelSpec spec)
{
    const string Path = "completions";

    /// <summary>
    /// The choice answering each single-prompt request, in order. <paramref name="groups"/> (optional, one per request):
    /// requests with the same value are kept in one request when they fit.
    /// </summary>
    public CompletionChoice[] Complete(IReadOnlyList<CompletionRequest> singles, IReadOnlyList<int>? groups, IProgress<int>? progress)
    {
        ArgumentNullException.ThrowIfNull(singles);
        var choices = new CompletionChoice[singles.Count];
        var payloads = new byte[singles.Count][];
        var keys = new Caching.CacheKey?[singles.Count];
        var missing = new List<int>();
        for (int i = 0; i < singles.Count; i++)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            payloads[i] = JsonSerializer.SerializeToUtf8Bytes(singles[i], ProtocolJson.Options);
            RemoteMetrics.Client("serialize", start);
            if (client.TryGetCached(Path, payloads[i], out var cached, out keys[i]))
            {
                choices[i] = OnlyChoice(client, Parse(cached));
                progress?.Report(1);
            }
            else
            {
                missing.Add(i);
            }
        }

        var requests = Pack(singles, groups, missing, Math.Max(1, spec.BatchSize));
        var gate = new object();
        Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = spec.Concurrency }, async (members, cancel) =>
        {
            var answered = await Send(singles, payloads, members, cancel).ConfigureAwait(false);
            for (int m = 0; m < members.Count; m++)
            {
                choices[members[m]] = answered[m];
                if (keys[members[m]] is { } key)
                {
                    // stored as the single-prompt answer it stands for, so a rerun at any batch size reads it
                    var single = new CompletionResponse { Choices = [answered[m] with { Index = 0 }] };
                    client.Store(key, JsonSerializer.SerializeToUtf8Bytes(single, ProtocolJson.Options));
                }
            }

            lock (gate)
            {
                progress?.Report(members.Count);
            }
        }).GetAwaiter().GetResult();
        return choices;
    }

    /// <summary>
    /// Splits the missing requests into HTTP requests of at most <paramref name="batchSize"/> prompts: by their other
    /// fields (in first-seen order), then in request order, a group never split unless it alone is larger.
    /// </summary>
    internal static List<List<int>> Pack(IReadOnlyList<CompletionRequest> singles, IReadOnlyList<int>? groups, IReadOnlyList<int> missing, int batchSize)
    {
        var byShape = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var shapes = new List<List<int>>();
        foreach (int i in missing)
        {
            var shape = JsonSerializer.Serialize(singles[i] with { Prompt = "", RegressionguardScoreFrom = null }, ProtocolJson.Options);
            if (!byShape.TryGetValue(shape, out var members))
            {
                byShape[shape] = members = [];
                shapes.Add(members);
            }

            members.Add(i);
        }

        var requests = new List<List<int>>();
        foreach (var members in shapes)
        {
            var current = new List<int>();
            for (int start = 0; start < members.Count;)
            {
                int end = start + 1;
                while (groups is not null && end < members.Count && groups[members[end]] == groups[members[start]])
                {
                    end++;
                }

                for (int from = start; from < end; from += batchSize)
                {
                    int count = Math.Min(batchSize, end - from);
                    if (current.Count > 0 && current.Count + count > batchSize)
                    {
                        requests.Add(current);
                        current = [];
                    }

                    current.AddRange(members.GetRange(from, count));
                }

                start = end;
            }

            if (current.Count > 0)
            {
                requests.Add(current);
            }
        }

        return requests;
    }

    async Task<CompletionChoice[]> Send(IReadOnlyList<CompletionRequest> singles, byte[][] payloads, List<int> members, CancellationToken cancel)
    {
        if (members.Count == 1)
        {
            // one prompt: the single body itself, so batch_size 1 sends exactly what a one-prompt server expects
            return [OnlyChoice(client, await client.PostUncachedAsync(Path, payloads[members[0]], Parse, cancel).ConfigureAwait(false))];
        }

        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var body = singles[members[0]] with
        {
            Prompt = members.Select(m => singles[m].Prompt).ToArray(),
            // a per-prompt field goes as a list, one per prompt, in the prompts' order
            RegressionguardScoreFrom = members.Any(m => singles[m].RegressionguardScoreFrom is not null) ? members.Select(m => singles[m].RegressionguardScoreFrom ?? 1).ToArray() : null,
        };
        var payload = JsonSerializer.SerializeToUtf8Bytes(body, ProtocolJson.Options);
        RemoteMetrics.Client("serialize", start);
        CompletionResponse response;
        try
        {
            response = await client.PostUncachedAsync(Path, payload, Parse, cancel).ConfigureAwait(false);
        }
        catch (RemoteModelException e) when (e.StatusCode is 400 or 422)
        {
            throw new RemoteModelException($"{e.Message} (the request carried {members.Count} prompts as a list; for a server that takes one prompt per request, set batch_size: 1 on {spec.Display})", e) { StatusCode = e.StatusCode };
        }

        if (response.Choices is not { } got || got.Count != members.Count)
        {
            throw client.Malformed(Path, $"a request of {members.Count} prompts got {response.Choices?.Count ?? 0} choices (expected one per prompt)");
        }

        var ordered = new CompletionChoice[members.Count];
        foreach (var choice in got)
        {
            if (choice.Index < 0 || choice.Index >= members.Count || ordered[choice.Index] is not null)
            {
                throw client.Malformed(Path, $"choice index {choice.Index} is out of range or repeated in an answer to {members.Count} prompts (expected each of 0…{members.Count - 1} once)");
            }

            ordered[choice.Index] = choice;
        }

        return ordered;
    }

    /// <summary>The one choice of a one-prompt answer; any other count is a malformed-answer error.</summary>
    internal static CompletionChoice OnlyChoice(RemoteClient client, CompletionResponse response) =>
        response.Choices is [var only] ? only : throw client.Malformed(Path, $"expected one choice, got {response.Choices?.Count ?? 0}");

    CompletionResponse Parse(byte[] bytes) => client.Parse<CompletionResponse>(Path, bytes);
}
