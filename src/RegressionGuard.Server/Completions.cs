using System.Text.Json;
using Microsoft.AspNetCore.Http;
using RegressionGuard.Modeling;
using RegressionGuard.Remote.Protocol;

namespace RegressionGuard.Server;

/// <summary>/v1/completions and /v1/chat/completions on the model worker.</summary>
internal static class Completions
{
    public static async Task<IResult> Handle(ModelWorker worker, string name, byte[] body, CancellationToken cancel)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new BadRequest("the body must be a JSON object");
        }

        ServeApp.CheckModel(name, root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null);
        double temperature = root.TryGetProperty("temperature", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetDouble() : 1.0;
        if (temperature != 0)
        {
            throw new BadRequest("only greedy decoding is served: send temperature 0");
        }

        int maxTokens = root.TryGetProperty("max_tokens", out var mt) && mt.ValueKind == JsonValueKind.Number ? mt.GetInt32() : 16;
        bool echo = root.TryGetProperty("echo", out var e) && e.ValueKind == JsonValueKind.True;
        int? logprobs = root.TryGetProperty("logprobs", out var lp) && lp.ValueKind == JsonValueKind.Number ? lp.GetInt32() : null;
        int? promptLogprobs = root.TryGetProperty("prompt_logprobs", out var plp) && plp.ValueKind == JsonValueKind.Number ? plp.GetInt32() : null;
        bool addSpecial = !root.TryGetProperty("add_special_tokens", out var ast) || ast.ValueKind != JsonValueKind.False;
        var stop = root.TryGetProperty("stop", out var s) ? s.ValueKind switch
        {
            JsonValueKind.String => new[] { s.GetString()! },
            JsonValueKind.Array => s.EnumerateArray().Select(x => x.GetString() ?? "").ToArray(),
            _ => null,
        } : null;
        if (!root.TryGetProperty("prompt", out var prompt))
        {
            throw new BadRequest("missing 'prompt'");
        }

        var prompts = Prompts(prompt);
        var options = new Options(maxTokens, echo, logprobs, promptLogprobs, addSpecial, stop);
        var from = ScoreFrom(root, prompts);
        for (int i = 0; i < prompts.Count; i++)
        {
            Check(worker, prompts[i], options, i, prompts.Count);
        }

        // every prompt's job is queued before any is awaited, so the model worker runs them as one batch
        long request = worker.NextRequest();
        var choices = await Task.WhenAll(prompts.Select((p, i) => One(worker, p, options, request, from[i]))).ConfigureAwait(false);
        return Results.Json(new CompletionResponse { Id = $"cmpl-{Guid.NewGuid():N}", Model = name, Choices = [.. choices.Select((c, i) => c with { Index = i })] }, ProtocolJson.Options);
    }

    /// <summary>Prompts one request may carry (each is a job on the model thread; the client sends at most 1,024).</summary>
    public const int MaxPrompts = 4096;

    /// <summary>
    /// The extension <c>regressionguard_score_from</c> (advertised as <c>score_from</c> in the model card): per prompt,
    /// the first position whose log-prob the client reads (a number for every prompt, or a list with one per prompt).
    /// Echoed positions before it come back with null log-probs and are not computed: the context of a multiple-choice
    /// item is run, but its rows are not scored. Absent: 1, every position but the first (as vLLM).
    /// </summary>
    static int[] ScoreFrom(JsonElement root, List<object> prompts)
    {
        const string Name = "regressionguard_score_from";
        if (!root.TryGetProperty(Name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [.. prompts.Select(_ => 1)];
        }

        int[] values = value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt32(out int one) => [.. prompts.Select(_ => one)],
            JsonValueKind.Array when value.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out _)) => [.. value.EnumerateArray().Select(x => x.GetInt32())],
            _ => throw new BadRequest($"'{Name}' must be a position (an integer) or a list of one per prompt, got {value.ValueKind.ToString().ToLowerInvariant()}"),
        };
        if (values.Length != prompts.Count)
        {
            throw new BadRequest($"'{Name}' has {values.Length} entries for {prompts.Count} prompts (expected one per prompt)");
        }

        for (int i = 0; i < values.Length; i++)
        {
            // a text prompt (generation) has no positions to read, but a negative value is still malformed
            string? valid = prompts[i] is int[] ids
                ? values[i] >= 0 && values[i] <= ids.Length ? null : $"in 0..{ids.Length} (its token count)"
                : values[i] >= 0 ? null : "at least 0";
            if (valid is not null)
            {
                string where = prompts.Count == 1 ? "the prompt" : $"prompt[{i}]";
                throw new BadRequest($"'{Name}' for {where} must be {valid}, got {values[i]}");
            }
        }

        return [.. values.Select(v => Math.Max(1, v))];
    }

    sealed record Options(int MaxTokens, bool Echo, int? Logprobs, int? PromptLogprobs, bool AddSpecialTokens, string[]? Stop);

    /// <summary>
    /// The prompts of a request, as vLLM takes them: a string, a list of token ids, or a non-empty list of either (one
    /// choice per prompt, in order). Each is a string or an id array.
    /// </summary>
    static List<object> Prompts(JsonElement prompt)
    {
        static bool Ids(JsonElement e) => e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0 && e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number);
        const string Valid = "'prompt' must be a string, a list of token ids, or a non-empty list of strings or of token-id lists";
        if (prompt.ValueKind == JsonValueKind.String)
        {
            return [prompt.GetString()!];
        }

        if (Ids(prompt))
        {
            return [IdsOf(prompt)];
        }

        if (prompt.ValueKind != JsonValueKind.Array || prompt.GetArrayLength() == 0)
        {
            throw new BadRequest($"{Valid}, got {(prompt.ValueKind == JsonValueKind.Array ? "an empty list" : prompt.ValueKind.ToString().ToLowerInvariant())}");
        }

        if (prompt.GetArrayLength() > MaxPrompts)
        {
            throw new BadRequest($"at most {MaxPrompts} prompts per request, got {prompt.GetArrayLength()}; send them in several requests");
        }

        var list = new List<object>();
        int i = 0;
        foreach (var item in prompt.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()!
                : Ids(item) ? IdsOf(item)
                : throw new BadRequest($"{Valid}; prompt[{i}] is {(item.ValueKind == JsonValueKind.Array ? "a list that is empty or not all numbers" : item.ValueKind.ToString().ToLowerInvariant())}"));
            i++;
        }

        return list;
    }

    static int[] IdsOf(JsonElement ids)
    {
        try
        {
            return ids.EnumerateArray().Select(x => x.GetInt32()).ToArray();
        }
        catch (FormatException)
        {
            throw new BadRequest("token ids must be 32-bit integers");
        }
    }

    /// <summary>Rejects a prompt the model cannot run with these options (every prompt is checked before any is queued).</summary>
    static void Check(ModelWorker worker, object prompt, Options o, int index, int count)
    {
        string where = count == 1 ? "the prompt" : $"prompt[{index}]";
        if (prompt is int[] ids)
        {
            if (ids.Any(i => i < 0 || i >= worker.Model.Description.VocabSize))
            {
                throw new BadRequest($"{where}: token ids must be in [0, {worker.Model.Description.VocabSize})");
            }

            if (ids.Length > worker.Model.Description.ContextLength + 1)
            {
                throw new BadRequest($"{where} has {ids.Length} tokens; this model's context is {worker.Model.Description.ContextLength}");
            }

            if ((o.Echo || o.PromptLogprobs is not null) && o.MaxTokens > 1)
            {
                throw new BadRequest("with echo or prompt_logprobs, max_tokens must be 0 or 1 (scoring, as lm-evaluation-harness sends it)");
            }
        }
        else if (o.Echo || o.PromptLogprobs is not null)
        {
            throw new BadRequest($"{where}: echo and prompt_logprobs need a token-id prompt on this server");
        }
    }

    static async Task<CompletionChoice> One(ModelWorker worker, object prompt, Options o, long request, int from)
    {
        var tokenizer = worker.Model.Model.Tokenizer;
        if (prompt is int[] ids)
        {
            if (!o.Echo && o.PromptLogprobs is null && o.MaxTokens > 1)
            {
                return Generated(await worker.Generate(new GenerationRequest(tokenizer.Decode(ids), o.MaxTokens, o.Stop, AddSpecialTokens: false)).ConfigureAwait(false));
            }

            // scoring: one pass over the prompt; max_tokens 0 or 1 (the greedy next id comes with the pass)
            int k = Math.Max(o.Logprobs ?? 0, o.PromptLogprobs ?? 0);
            var scores = await worker.Score(ids, Math.Max(1, k), request, next: o.MaxTokens == 1, from: from).ConfigureAwait(false);
            return Scored(tokenizer, worker.Strings, ids, scores, o.Echo, o.Logprobs, o.PromptLogprobs, o.MaxTokens, from);
        }

        return Generated(await worker.Generate(new GenerationRequest((string)prompt, o.MaxTokens, o.Stop, o.AddSpecialTokens)).ConfigureAwait(false));
    }

    static CompletionChoice Generated(GenerationResult generated) => new()
    {
        Index = 0,
        Text = generated.Text,
        FinishReason = generated.FinishReason is FinishReason.Length or FinishReason.ContextFull ? "length" : "stop",
        TokenIds = [.. generated.TokenIds],
        RegressionguardFinish = generated.FinishReason switch
        {
            FinishReason.Length => "length",
            FinishReason.Stop => "stop",
            FinishReason.EndOfSequence => "end_of_sequence",
            _ => "context_full",
        },
    };

    /// <param name="from">the first position with log-probs (<see cref="ScoreFrom"/>); those before it are null.</param>
    static CompletionChoice Scored(Torch.Tokenization.ITokenizer tokenizer, TokenStrings strings, int[] ids, PositionScores scores, bool echo, int? logprobs, int? promptLogprobs, int maxTokens, int from)
    {
        string Piece(int id) => strings.Piece(id);
        var tokens = new List<string>();
        var tokenLps = new List<double?>();
        var tops = new List<Dictionary<string, double>?>();
        int k = logprobs ?? 0;
        var outputIds = echo ? new List<int>(ids) : [];
        if (echo)
        {
            for (int p = 0; p < ids.Length; p++)
            {
                tokens.Add(Piece(ids[p]));
                tokenLps.Add(p < from ? null : scores.TargetLogProbs[p]);
                tops.Add(p < from || logprobs is null ? null : Top(scores.TopIds[p], scores.TopLogProbs[p], k, ids[p], scores.TargetLogProbs[p], Piece));
            }
        }

        string text = echo ? tokenizer.Decode(ids) : "";
        if (maxTokens == 1)
        {
            tokens.Add(Piece(scores.NextId));
            tokenLps.Add(scores.NextTopLogProbs[0]);
            tops.Add(logprobs is null ? null : Top(scores.NextTopIds, scores.NextTopLogProbs, k, scores.NextId, scores.NextTopLogProbs[0], Piece));
            outputIds.Add(scores.NextId);
            text += strings.Text(scores.NextId);
        }

        List<Dictionary<string, PromptLogprob>?>? prompt = null;
        if (promptLogprobs is int pk)
        {
            prompt = [null];
            for (int p = 1; p < ids.Length; p++)
            {
                if (p < from)
                {
                    prompt.Add(null);
                    continue;
                }

                var entry = new Dictionary<string, PromptLogprob>();
                for (int r = 0; r < Math.Min(pk, scores.TopIds[p].Length); r++)
                {
                    entry[scores.TopIds[p][r].ToString(System.Globalization.CultureInfo.InvariantCulture)] = new PromptLogprob { Logprob = scores.TopLogProbs[p][r], Rank = r + 1, DecodedToken = Piece(scores.TopIds[p][r]) };
                }

                entry.TryAdd(ids[p].ToString(System.Globalization.CultureInfo.InvariantCulture), new PromptLogprob { Logprob = scores.TargetLogProbs[p], DecodedToken = Piece(ids[p]) });
                prompt.Add(entry);
            }
        }

        return new CompletionChoice
        {
            Index = 0,
            Text = text,
            Logprobs = logprobs is null ? null : new CompletionLogProbs { Tokens = tokens, TokenLogprobs = tokenLps, TopLogprobs = tops, TextOffset = TextOffsets(strings, outputIds) },
            FinishReason = "length",
            PromptLogprobs = prompt,
            TokenIds = maxTokens == 1 ? [scores.NextId] : [],
        };
    }

    /// <summary>
    /// vLLM's text_offset: where each returned token starts in the returned text, the sum of the decoded lengths of the
    /// tokens before it (from 0, echoed or not).
    /// </summary>
    static List<int> TextOffsets(TokenStrings strings, List<int> ids)
    {
        var offsets = new List<int>(ids.Count);
        int offset = 0;
        foreach (int id in ids)
        {
            offsets.Add(offset);
            offset += strings.Text(id).Length;
        }

        return offsets;
    }

    static Dictionary<string, double> Top(int[] ids, float[] lps, int k, int actual, float actualLp, Func<int, string> piece)
    {
        var top = new Dictionary<string, double>();
        for (int r = 0; r < Math.Min(k, ids.Length); r++)
        {
            top.TryAdd(piece(ids[r]), lps[r]);
        }

        top.TryAdd(piece(actual), actualLp);
        return top;
    }

    public static async Task<IResult> Chat(ModelWorker worker, string name, ModelChatTemplate? template, byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        ServeApp.CheckModel(name, root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null);
        if (template is null)
        {
            throw new BadRequest("this model has no chat template (tokenizer_config.json chat_template or chat_template.jinja beside it); use /v1/completions");
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            throw new BadRequest("missing 'messages' (a list of {role, content})");
        }

        var chat = messages.EnumerateArray().Select(x => new ChatMessage(x.GetProperty("role").GetString() ?? "user", x.GetProperty("content").GetString() ?? "")).ToList();
        int maxTokens = root.TryGetProperty("max_completion_tokens", out var mct) && mct.ValueKind == JsonValueKind.Number ? mct.GetInt32()
            : root.TryGetProperty("max_tokens", out var mt) && mt.ValueKind == JsonValueKind.Number ? mt.GetInt32() : 256;
        var stop = root.TryGetProperty("stop", out var s) && s.ValueKind == JsonValueKind.Array ? s.EnumerateArray().Select(x => x.GetString() ?? "").ToArray() : null;
        var generated = await worker.Generate(new GenerationRequest(template.Render(chat, addGenerationPrompt: true), maxTokens, stop, AddSpecialTokens: false)).ConfigureAwait(false);
        return Results.Json(new
        {
            id = $"chatcmpl-{Guid.NewGuid():N}",
            @object = "chat.completion",
            model = name,
            choices = new[] { new { index = 0, message = new { role = "assistant", content = generated.Text }, finish_reason = generated.FinishReason is FinishReason.Length or FinishReason.ContextFull ? "length" : "stop" } },
        });
    }
}
