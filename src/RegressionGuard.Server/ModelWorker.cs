using System.Threading.Channels;
using RegressionGuard.Modeling;
using RegressionGuard.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Server;

/// <summary>The ids of a queued scoring prompt, the HTTP request it came in and whether its next id is wanted (what prefix grouping looks at).</summary>
public readonly record struct ScoreJobView(int[] Ids, long Request, bool Next = true);

/// <summary>
/// Per scored position of an echoed prompt: the log-prob of the id there, and the top ids with their log-probs; then the
/// greedy next id with the top ids and log-probs of the distribution after the whole prompt.
/// </summary>
public sealed record PositionScores(float[] TargetLogProbs, int[][] TopIds, float[][] TopLogProbs, int NextId, int[] NextTopIds, float[] NextTopLogProbs);

/// <summary>
/// The one thread that touches the model. Requests queue; the worker takes every scoring request waiting and runs
/// them as one batched pass (the model sorts and pads them), then every generation request waiting as one batch; other
/// work (the L_f extension) runs alone. Concurrent HTTP requests are thereby batched without the model ever being
/// used from two threads. For full speed it should be the process's only long-lived thread that runs libtorch: load
/// the model on a thread that ends (<see cref="TorchThreads.OnOwnThread{T}"/>), as <c>regressionguard serve</c> does.
/// </summary>
public sealed class ModelWorker : IDisposable
{
    abstract record Job;

    /// <param name="Request">the HTTP request the prompt came in (prompts of one request may share a prefix pass).</param>
    /// <param name="Next">whether the distribution after the whole prompt is wanted (max_tokens 1: the greedy next id).</param>
    /// <param name="From">the first position scored (1: all but the first); rows before it are not computed.</param>
    sealed record ScoreJob(int[] Ids, int TopK, long Request, bool Next, int From, TaskCompletionSource<PositionScores> Done) : Job;

    sealed record GenerateJob(GenerationRequest Request, TaskCompletionSource<GenerationResult> Done) : Job;

    sealed record WorkJob(Func<object> Work, TaskCompletionSource<object> Done) : Job;

    readonly TorchLanguageModel _model;
    readonly Channel<Job> _queue = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    readonly Thread _thread;

    public ModelWorker(TorchLanguageModel model)
    {
        _model = model;
        Strings = new TokenStrings(model.Model.Tokenizer);
        _thread = new Thread(Loop) { IsBackground = true, Name = "regressionguard-serve-model" };
        _thread.Start();
    }

    public TorchLanguageModel Model => _model;

    /// <summary>The served tokenizer's per-id strings, kept across answers.</summary>
    public TokenStrings Strings { get; }

    /// <summary>Batched passes run so far (for tests and benchmarks: concurrent requests share passes).</summary>
    public int Batches { get; private set; }

    /// <summary>Time the model thread spent running jobs (the model's share of serving; the rest is HTTP, JSON and waiting).</summary>
    public TimeSpan BusyTime => TimeSpan.FromTicks(Interlocked.Read(ref _busyTicks));
    long _busyTicks;

    /// <summary>The share of <see cref="BusyTime"/> spent scoring (echo, prompt_logprobs) and generating.</summary>
    public (TimeSpan Scoring, TimeSpan Generation) BusyTimeByKind => (TimeSpan.FromTicks(Interlocked.Read(ref _scoringTicks)), TimeSpan.FromTicks(Interlocked.Read(ref _generationTicks)));
    long _scoringTicks, _generationTicks;

    /// <summary>Jobs queued so far (one per scoring, generation or extension request).</summary>
    public int Requests => _requests;
    int _requests;

    /// <param name="request">the HTTP request the prompt came in: prompts of one request that share most of their ids
    /// (the choices of a multiple-choice item) run the shared part once (<see cref="SharedPrefixes"/>).</param>
    /// <param name="next">false (max_tokens 0): only the prompt's own positions, no greedy next id — one position less to run.</param>
    /// <param name="from">the first position whose scores are wanted (at least 1); positions before it are left
    /// unscored (their entries in the result are 0 and null) unless a prompt batched with it wants them.</param>
    public Task<PositionScores> Score(int[] ids, int topK, long request, bool next = true, int from = 1)
    {
        var done = new TaskCompletionSource<PositionScores>(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref _requests);
        _queue.Writer.TryWrite(new ScoreJob(ids, topK, request, next, Math.Max(1, from), done));
        return done.Task;
    }

    /// <summary>A number for each HTTP request, so the worker knows which prompts came together.</summary>
    public long NextRequest() => Interlocked.Increment(ref _lastRequest);
    long _lastRequest;

    public Task<GenerationResult> Generate(GenerationRequest request)
    {
        var done = new TaskCompletionSource<GenerationResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref _requests);
        _queue.Writer.TryWrite(new GenerateJob(request, done));
        return done.Task;
    }

    public async Task<T> Run<T>(Func<T> work) where T : class
    {
        var done = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref _requests);
        _queue.Writer.TryWrite(new WorkJob(() => work(), done));
        return (T)await done.Task.ConfigureAwait(false);
    }

    void Loop()
    {
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            var jobs = new List<Job>();
            while (reader.TryRead(out var job))
            {
                jobs.Add(job);
            }

            Gather(reader, jobs);

            long start = System.Diagnostics.Stopwatch.GetTimestamp();

            var scores = jobs.OfType<ScoreJob>().ToList();
            if (scores.Count > 0)
            {
                Complete(scores, () => RunScores(scores));
                Interlocked.Add(ref _scoringTicks, System.Diagnostics.Stopwatch.GetElapsedTime(start).Ticks);
            }

            var generations = jobs.OfType<GenerateJob>().ToList();
            if (generations.Count > 0)
            {
                long generating = System.Diagnostics.Stopwatch.GetTimestamp();
                RunGenerations(generations);
                Interlocked.Add(ref _generationTicks, System.Diagnostics.Stopwatch.GetElapsedTime(generating).Ticks);
            }

            foreach (var work in jobs.OfType<WorkJob>())
            {
                try
                {
                    work.Done.SetResult(work.Work());
                }
                catch (Exception e)
                {
                    work.Done.SetException(e);
                }
            }

            Interlocked.Add(ref _busyTicks, System.Diagnostics.Stopwatch.GetElapsedTime(start).Ticks);
        }
    }

    /// <summary>How long the worker waits for the rest of a batch (see <see cref="Gather"/>).</summary>
    public static readonly TimeSpan GatherWindow = TimeSpan.FromMilliseconds(3);

    readonly Queue<int> _recentSizes = new();

    /// <summary>
    /// Concurrent clients send their next request right after storing an answer, so the requests of one batch come back
    /// a little apart; taken as they come, c requests in flight split into batches of 1 and c − 1. When fewer jobs are
    /// waiting than the largest of the last 16 batches held, the worker waits up to <see cref="GatherWindow"/> for
    /// the rest. A single client (batches of 1) never waits. Only timing changes: every job's result is the same.
    /// </summary>
    void Gather(ChannelReader<Job> reader, List<Job> jobs)
    {
        int expected = _recentSizes.Count == 0 ? 1 : _recentSizes.Max();
        if (jobs.Count < expected)
        {
            using var window = new CancellationTokenSource(GatherWindow);
            try
            {
                while (jobs.Count < expected && reader.WaitToReadAsync(window.Token).AsTask().GetAwaiter().GetResult())
                {
                    while (jobs.Count < expected && reader.TryRead(out var job))
                    {
                        jobs.Add(job);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // the window closed: run what came
            }
        }

        _recentSizes.Enqueue(jobs.Count);
        if (_recentSizes.Count > 16)
        {
            _recentSizes.Dequeue();
        }
    }

    static void Complete(List<ScoreJob> jobs, Action run)
    {
        try
        {
            run();
        }
        catch (Exception e)
        {
            foreach (var job in jobs)
            {
                job.Done.TrySetException(e);
            }
        }
    }

    void RunScores(List<ScoreJob> jobs)
    {
        Batches++;
        var target = jobs.Select(j => new float[j.Ids.Length]).ToArray();
        var topIds = jobs.Select(j => new int[j.Ids.Length][]).ToArray();
        var topLps = jobs.Select(j => new float[j.Ids.Length][]).ToArray();
        var next = new int[jobs.Count];
        var nextTopIds = new int[jobs.Count][];
        var nextTopLps = new float[jobs.Count][];
        int k = Math.Max(1, jobs.Max(j => j.TopK));

        // Writes row r of a chunk's log-softmax (its target's log-prob and top k) into job j at position p (p = the
        // prompt's length: the distribution after the whole prompt, the greedy next id).
        void Reduce(Tensor logits, Tensor targets, Action<int, Action<int, int>> eachRow)
        {
            int n = (int)logits.shape[0];
            var lp = logits.log_softmax(-1, ScalarType.Float32);                                      // (n, V) fp32
            var picked = lp.gather(1, targets.view(n, 1).to_type(ScalarType.Int64)).cpu().data<float>().ToArray(); // (n)
            var (values, indices) = lp.topk(Math.Min(k, (int)lp.shape[1]), dim: -1);                 // (n, K)
            var top = values.cpu().data<float>().ToArray();
            var ids = indices.to_type(ScalarType.Int32).cpu().data<int>().ToArray();
            int width = (int)values.shape[1];
            for (int r = 0; r < n; r++)
            {
                eachRow(r, (j, p) =>
                {
                    if (p == jobs[j].Ids.Length)
                    {
                        next[j] = ids[r * width];
                        nextTopIds[j] = ids[(r * width)..(r * width + width)];
                        nextTopLps[j] = top[(r * width)..(r * width + width)];
                        return;
                    }

                    target[j][p] = picked[r];
                    topIds[j][p] = ids[(r * width)..(r * width + width)];
                    topLps[j][p] = top[(r * width)..(r * width + width)];
                });
            }
        }

        // with the next id wanted, one extra id per prompt, so the last row is the distribution after the whole prompt
        int[] Sequence(int j) => jobs[j].Next ? [.. jobs[j].Ids, 0] : jobs[j].Ids;
        var (shared, alone) = SharedPrefixes(jobs);
        if (shared.Count > 0)
        {
            var sequences = shared.Select(g => new TorchLanguageModel.PrefixedSequences(
                jobs[g.Members[0]].Ids[..g.Prefix], g.Members.Select(j => Sequence(j)[g.Prefix..]).ToArray())).ToArray();
            // a prefix's own rows are scored only when some member reads them (its first scored position is inside it)
            bool prefixRows = shared.Any(g => g.Members.Any(j => jobs[j].From < g.Prefix));
            _model.ForEachPrefixScoredChunk(sequences, prefixRows, chunk => Reduce(chunk.Logits, chunk.Targets, (r, write) =>
            {
                var members = shared[chunk.Groups[r]].Members;
                if (chunk.Members[r] < 0)
                {
                    foreach (int j in members)
                    {
                        write(j, chunk.Positions[r]);
                    }
                }
                else
                {
                    write(members[chunk.Members[r]], chunk.Positions[r]);
                }
            }));
        }

        if (alone.Count > 0)
        {
            var requests = alone.Select(j => new TorchLanguageModel.ScoreRequest(Sequence(j), Math.Min(jobs[j].From, Sequence(j).Length - 1))).ToArray();
            _model.ForEachScoredChunk(requests, chunk => Reduce(chunk.Logits, chunk.Targets, (r, write) => write(alone[chunk.Requests[r]], chunk.Positions[r])));
        }

        for (int j = 0; j < jobs.Count; j++)
        {
            jobs[j].Done.SetResult(new PositionScores(target[j], topIds[j], topLps[j], next[j], nextTopIds[j], nextTopLps[j]));
        }
    }

    /// <summary>
    /// Splits scoring jobs into groups that share a prefix pass and jobs scored alone. Only prompts of one HTTP request
    /// are grouped (so grouping never depends on what else happened to be waiting): sorted by their ids, neighbours
    /// stay together while they share at least half of the shorter one's ids — the choices of one multiple-choice
    /// item, not two questions that merely start alike. A group's prefix is the ids all its members share (one fewer
    /// where no next id is appended, so each member keeps an id of its own).
    /// </summary>
    internal static (List<(int Prefix, int[] Members)> Shared, List<int> Alone) SharedPrefixes(IReadOnlyList<ScoreJobView> jobs)
    {
        var shared = new List<(int, int[])>();
        var alone = new List<int>();
        foreach (var request in Enumerable.Range(0, jobs.Count).GroupBy(j => jobs[j].Request))
        {
            var sorted = request.OrderBy(j => jobs[j].Ids, IdsOrder.Instance).ThenBy(j => j).ToList();
            for (int start = 0; start < sorted.Count;)
            {
                int end = start + 1, prefix = jobs[sorted[start]].Ids.Length;
                while (end < sorted.Count)
                {
                    var (a, b) = (jobs[sorted[end - 1]].Ids, jobs[sorted[end]].Ids);
                    int common = Common(a, b);
                    if (common < 1 || 2 * common < Math.Min(a.Length, b.Length))
                    {
                        break;
                    }

                    prefix = Math.Min(prefix, common);
                    end++;
                }

                // without the appended next id every member needs an id of its own after the prefix
                var members = sorted.GetRange(start, end - start);
                if (members.Any(j => !jobs[j].Next))
                {
                    prefix = Math.Min(prefix, members.Min(j => jobs[j].Ids.Length) - 1);
                }

                if (members.Count >= 2 && prefix >= 1)
                {
                    shared.Add((prefix, [.. members.Order()]));
                }
                else
                {
                    alone.AddRange(members);
                }

                start = end;
            }
        }

        alone.Sort();
        return (shared, alone);
    }

    static (List<(int Prefix, int[] Members)> Shared, List<int> Alone) SharedPrefixes(List<ScoreJob> jobs) =>
        SharedPrefixes(jobs.Select(j => new ScoreJobView(j.Ids, j.Request, j.Next)).ToArray());

    static int Common(int[] a, int[] b)
    {
        int n = Math.Min(a.Length, b.Length), i = 0;
        while (i < n && a[i] == b[i])
        {
            i++;
        }

        return i;
    }

    sealed class IdsOrder : IComparer<int[]>
    {
        public static readonly IdsOrder Instance = new();

        public int Compare(int[]? x, int[]? y) => x!.AsSpan().SequenceCompareTo(y);
    }

    void RunGenerations(List<GenerateJob> jobs)
    {
        Batches++;
        try
        {
            var results = _model.Generate(jobs.Select(j => j.Request).ToArray());
            for (int i = 0; i < jobs.Count; i++)
            {
                jobs[i].Done.SetResult(results[i]);
            }
        }
        catch (Exception e)
        {
            foreach (var job in jobs)
            {
                job.Done.TrySetException(e);
            }
        }
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _thread.Join();
    }
}
