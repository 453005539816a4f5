using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using RegressionGuard.Randomness;
using RegressionGuard.Torch.Models.Shared;

namespace RegressionGuard.Training.Methods;

/// <summary>Settings of <see cref="HalfFineTuningSelection.Choose"/>.</summary>
public sealed record HalfFineTuningOptions
{
    /// <summary>
    /// When true the token embedding, the LM head (when untied) and GPT-2's position embedding are trainable;
    /// when false (the default) they are frozen. Secondary descriptions of HFT update them, but the paper's rule is
    /// about the transformer layers, a tied head shares its tensor with the embedding, and the scaling law's P counts
    /// non-embedding parameters only, so RegressionGuard leaves them out unless asked.
    /// </summary>
    public bool TrainEmbeddings { get; init; }
}

/// <summary>What Half Fine-Tuning trains in one transformer layer: module names within the layer.</summary>
/// <param name="Index">The layer (0-based).</param>
/// <param name="Attention">Trained attention projections (Llama: 2 of q_proj, k_proj, v_proj, o_proj; GPT-2: 1 of c_attn, c_proj).</param>
/// <param name="FeedForward">Trained feed-forward matrices (Llama: 2 or 1 of gate_proj, up_proj, down_proj; GPT-2: 1 of c_fc, c_proj).</param>
/// <param name="Norms">Trained norms of this layer (input_layernorm / post_attention_layernorm, or ln_1 / ln_2): 0, 1 or 2.</param>
public sealed record HalfFineTuningLayer(int Index, IReadOnlyList<string> Attention, IReadOnlyList<string> FeedForward, IReadOnlyList<string> Norms);

/// <summary>
/// The parameters Half Fine-Tuning (HFT, Hui et al. 2024, arXiv 2404.18466) trains in one training stage; the rest
/// stay frozen at their pre-trained values. Draw a new selection (a new seed) for every stage.
/// </summary>
/// <remarks>
/// <para>The choice is made per category within each transformer layer; a module's bias always follows its weight.</para>
/// <list type="number">
/// <item><b>Attention</b>, per layer: Llama trains exactly 2 of its 4 projections (q, k, v, o), chosen uniformly.
/// GPT-2 fuses q, k and v into one <c>c_attn</c> tensor that cannot be split without masking, so its attention is
/// read as the 2 categories {c_attn, c_proj} and exactly 1 is trained per layer (half of the categories; by
/// parameter count c_attn holds 3/4 of the attention weights, so the trained share is half only in expectation).</item>
/// <item><b>Feed-forward</b>: Llama trains 2 of {gate, up, down} in a uniformly chosen set of layers and 1 of 3 in the
/// others. With L layers that set has L/2 layers when L is even; when L is odd a seeded coin decides whether it has
/// ⌊L/2⌋ or ⌈L/2⌉ layers (so the trained count is 3L/2 ± 1/2 and exactly half on average over seeds). The matrices
/// within a layer are chosen uniformly. GPT-2 trains exactly 1 of its 2 MLP matrices {c_fc, c_proj} per layer.</item>
/// <item><b>Norms</b>: the norm modules are every layer's two norms plus the final norm (Llama input_layernorm,
/// post_attention_layernorm, model.norm; GPT-2 ln_1, ln_2, ln_f, each with its bias), 2L + 1 in all; exactly
/// ⌊(2L + 1) / 2⌋ = L of them, chosen uniformly, are trained (rounded down: the extra one stays frozen).</item>
/// <item><b>Embeddings and LM head</b> (embed_tokens, lm_head, wte, wpe): trained only with
/// <see cref="HalfFineTuningOptions.TrainEmbeddings"/>.</item>
/// </list>
/// <para>Randomness: one <see cref="SplitMix64"/> seeded with the seed, drawn in this order: the attention choice of
/// layers 0..L−1; for Llama with odd L the coin; the set of two-matrix feed-forward layers; the feed-forward choice
/// of layers 0..L−1; the norm set. Every choice of k out of n is <see cref="SplitMix64.ChooseIndices"/> over the
/// category lists in the order above. The result depends only on the seed and the model's structure (not on the
/// order of the names given), and is the same on every .NET version.</para>
/// <para>Input names must all be recognised parameters of one family, with layers 0..L−1 each holding every
/// category's weight, and the final norm; anything else is rejected, all problems reported together.</para>
/// </remarks>
public sealed record HalfFineTuningSelection
{
    /// <summary>The version of the JSON written by <see cref="Save"/>; <see cref="Load"/> accepts only this one.</summary>
    public const int CurrentVersion = 1;

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Version of the selection rules and file format (see <see cref="CurrentVersion"/>).</summary>
    [JsonPropertyOrder(-2)]
    public int Version { get; init; } = CurrentVersion;

    /// <summary>Which family's naming the selection was made for.</summary>
    public required HalfFineTuningArchitecture Architecture { get; init; }

    /// <summary>The seed of the <see cref="SplitMix64"/> that made the choices.</summary>
    public required long Seed { get; init; }

    /// <summary>Whether embeddings and the LM head were made trainable (<see cref="HalfFineTuningOptions.TrainEmbeddings"/>).</summary>
    public required bool TrainEmbeddings { get; init; }

    /// <summary>Names of the trainable parameter tensors, in the order they were given.</summary>
    public required IReadOnlyList<string> Trainable { get; init; }

    /// <summary>Names of the frozen parameter tensors, in the order they were given.</summary>
    public required IReadOnlyList<string> Frozen { get; init; }

    /// <summary>What each transformer layer trains.</summary>
    public required IReadOnlyList<HalfFineTuningLayer> Layers { get; init; }

    /// <summary>Whether the final norm (model.norm / transformer.ln_f) is trained.</summary>
    public required bool FinalNormTrained { get; init; }

    /// <summary>
    /// Chooses the trainable half of <paramref name="parameterNames"/> (a model's parameter names, e.g. in state_dict
    /// order) by the rules in the remarks of <see cref="HalfFineTuningSelection"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A name is not understood, or the layers are incomplete (all problems listed).</exception>
    /// <param name="groups">The model family's groups (<see cref="Torch.Models.Shared.ModelFamily.HalfFineTuning"/>); null infers Llama-family or GPT-2 naming from the names.</param>
    public static HalfFineTuningSelection Choose(IReadOnlyList<string> parameterNames, long seed, HalfFineTuningOptions? options = null, HalfFineTuningGroups? groups = null)
    {
        ArgumentNullException.ThrowIfNull(parameterNames);
        options ??= new HalfFineTuningOptions();
        var (resolved, slots, layerCount) = Analyse(parameterNames, groups);
        var rng = new SplitMix64(seed);

        var attentionUnits = HalfFineTuningNames.AttentionUnits(resolved);
        var attention = new string[layerCount][];
        for (var layer = 0; layer < layerCount; layer++)
        {
            attention[layer] = Pick(rng, attentionUnits, attentionUnits.Count / 2);
        }

        var ffnUnits = HalfFineTuningNames.FeedForwardUnits(resolved);
        var ffn = new string[layerCount][];
        if (ffnUnits.Count % 2 == 1) // Llama's 3 matrices: 2 in a seeded half of the layers, 1 in the others
        {
            var twoLayerCount = layerCount / 2 + (layerCount % 2 == 1 && rng.NextBool() ? 1 : 0);
            var twoLayers = rng.ChooseIndices(layerCount, twoLayerCount).ToHashSet();
            for (var layer = 0; layer < layerCount; layer++)
            {
                ffn[layer] = Pick(rng, ffnUnits, twoLayers.Contains(layer) ? 2 : 1);
            }
        }
        else
        {
            for (var layer = 0; layer < layerCount; layer++)
            {
                ffn[layer] = Pick(rng, ffnUnits, 1);
            }
        }

        var layerNormUnits = HalfFineTuningNames.LayerNormUnits(resolved);
        var perLayerNorms = layerNormUnits.Count;
        var normCount = perLayerNorms * layerCount + 1; // index n·i + j: layer i's j-th norm; the last one is the final norm
        var trainedNorms = rng.ChooseIndices(normCount, normCount / 2).ToHashSet();
        var norms = new string[layerCount][];
        for (var layer = 0; layer < layerCount; layer++)
        {
            norms[layer] = layerNormUnits.Where((_, j) => trainedNorms.Contains(perLayerNorms * layer + j)).ToArray();
        }

        var finalNormTrained = trainedNorms.Contains(normCount - 1);

        var trainable = new List<string>();
        var frozen = new List<string>();
        for (var n = 0; n < parameterNames.Count; n++)
        {
            var slot = slots[n];
            var train = slot.Group switch
            {
                ParameterGroup.Attention => attention[slot.Layer].Contains(slot.Unit),
                ParameterGroup.FeedForward => ffn[slot.Layer].Contains(slot.Unit),
                ParameterGroup.Norm => slot.Layer < 0 ? finalNormTrained : norms[slot.Layer].Contains(slot.Unit),
                _ => options.TrainEmbeddings,
            };
            (train ? trainable : frozen).Add(parameterNames[n]);
        }

        return new HalfFineTuningSelection
        {
            Architecture = new HalfFineTuningArchitecture(resolved.Scheme),
            Seed = seed,
            TrainEmbeddings = options.TrainEmbeddings,
            Trainable = trainable,
            Frozen = frozen,
            Layers = Enumerable.Range(0, layerCount).Select(i => new HalfFineTuningLayer(i, attention[i], ffn[i], norms[i])).ToArray(),
            FinalNormTrained = finalNormTrained,
        };
    }

    /// <summary>Whether <paramref name="parameterName"/> is in <see cref="Trainable"/>.</summary>
    public bool IsTrainable(string parameterName) => Trainable.Contains(parameterName, StringComparer.Ordinal);

    /// <summary>
    /// P for the forgetting scaling law: the number of trainable elements outside the embeddings and the LM head
    /// (those are excluded even when <see cref="TrainEmbeddings"/> is set), summed from
    /// <paramref name="elementCounts"/> (parameter name → number of elements).
    /// </summary>
    /// <exception cref="ArgumentException">Some trainable names are missing from <paramref name="elementCounts"/> (all listed).</exception>
    public long CountTrainableNonEmbeddingParameters(IReadOnlyDictionary<string, long> elementCounts)
    {
        ArgumentNullException.ThrowIfNull(elementCounts);
        var groups = Architecture.Groups;
        var counted = Trainable.Where(n => HalfFineTuningNames.Classify(n, groups)?.Group != ParameterGroup.Embedding).ToList();
        var missing = counted.Where(n => !elementCounts.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"no element count for {missing.Count} trainable parameter(s): {string.Join(", ", missing)}", nameof(elementCounts));
        }

        return counted.Sum(n => elementCounts[n]);
    }

    /// <summary>A human-readable summary: one line per layer with the trained categories, then the final norm.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(System.Globalization.CultureInfo.InvariantCulture,
            $"HFT selection ({Architecture}, seed {Seed}, embeddings {(TrainEmbeddings ? "trained" : "frozen")}): {Trainable.Count} of {Trainable.Count + Frozen.Count} tensors trainable\n");
        foreach (var layer in Layers)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"layer {layer.Index}: attention {string.Join(' ', layer.Attention)} | mlp {string.Join(' ', layer.FeedForward)} | norms {(layer.Norms.Count == 0 ? "-" : string.Join(' ', layer.Norms))}\n");
        }
        text.Append($"final norm: {(FinalNormTrained ? "trained" : "frozen")}\n");
        return text.ToString();
    }

    /// <summary>Writes the selection as indented JSON (snake_case keys), atomically (temp file, then rename).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var temp = $"{path}.tmp-{Environment.ProcessId}";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Json) + "\n", new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads a selection written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid selection of version <see cref="CurrentVersion"/> (all problems listed).</exception>
    public static HalfFineTuningSelection Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        HalfFineTuningSelection? selection;
        try
        {
            selection = JsonSerializer.Deserialize<HalfFineTuningSelection>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not an HFT selection: {e.Message}", e);
        }
        if (selection is null)
        {
            throw new InvalidDataException($"{path}: not an HFT selection: the file holds null");
        }

        var problems = new List<string>();
        if (selection.Version != CurrentVersion)
        {
            problems.Add($"version {selection.Version} is not supported (expected {CurrentVersion})");
        }

        if (selection.Trainable is null || selection.Frozen is null || selection.Layers is null)
        {
            problems.Add("trainable, frozen and layers must not be null");
        }
        else
        {
            var all = selection.Trainable.Concat(selection.Frozen).ToList();
            var duplicates = all.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            if (duplicates.Count > 0)
            {
                problems.Add($"listed more than once (or both trainable and frozen): {string.Join(", ", duplicates)}");
            }

            if (selection.Layers.Select(l => l.Index).Where((index, i) => index != i).Any())
            {
                problems.Add("layers must be listed in order 0, 1, 2, …");
            }
        }
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{path}: invalid HFT selection: {string.Join("; ", problems)}");
        }

        return selection;
    }

    /// <summary>Classifies every name and checks the structure; throws with every problem at once.</summary>
    static (HalfFineTuningGroups Groups, ParameterSlot[] Slots, int LayerCount) Analyse(IReadOnlyList<string> names, HalfFineTuningGroups? given)
    {
        var problems = new List<string>();
        var candidates = given is null ? HalfFineTuningNames.Inferable : [given];
        var unknown = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = new List<string>();
        var schemes = new HashSet<string>(StringComparer.Ordinal); // from names only one candidate knows (lm_head is shared)
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i] ?? throw new ArgumentException($"parameter name {i} is null", nameof(names));
            if (!seen.Add(name))
            {
                duplicates.Add(name);
            }

            var knownBy = candidates.Where(c => HalfFineTuningNames.Classify(name, c) is not null).ToList();
            if (knownBy.Count == 0)
            {
                unknown.Add(name);
            }
            else if (knownBy.Count == 1)
            {
                schemes.Add(knownBy[0].Scheme);
            }
        }
        if (unknown.Count > 0)
        {
            problems.Add($"not a {string.Join(" or ", candidates.Select(c => c.DisplayName))} parameter name: {string.Join(", ", unknown)}");
        }

        if (duplicates.Count > 0)
        {
            problems.Add($"listed more than once: {string.Join(", ", duplicates.Distinct())}");
        }

        if (schemes.Count != 1)
        {
            problems.Add(schemes.Count == 0
                ? $"no transformer layers found (expected {string.Join(" or ", candidates.Select(c => c.LayerPrefix + "{i}.…"))})"
                : $"the names mix {string.Join(" and ", candidates.Where(c => schemes.Contains(c.Scheme)).Select(c => c.DisplayName))} parameters");
            throw new ArgumentException($"cannot choose HFT parameters: {string.Join("; ", problems)}", nameof(names));
        }
        var groups = candidates.First(c => schemes.Contains(c.Scheme));
        var slots = new ParameterSlot[names.Count];
        var known = new List<ParameterSlot>();
        for (var i = 0; i < names.Count; i++)
        {
            if (HalfFineTuningNames.Classify(names[i], groups) is { } slot)
            {
                known.Add(slots[i] = slot);
            }
        }

        var layers = known.Where(s => s.Layer >= 0).Select(s => s.Layer).Distinct().Order().ToList();
        var layerCount = layers.Count == 0 ? 0 : layers[^1] + 1;
        if (layerCount == 0)
        {
            problems.Add("no transformer layers found");
        }
        else if (layers.Count != layerCount)
        {
            problems.Add($"layers must be numbered 0..{layerCount - 1} without gaps; missing {string.Join(", ", Enumerable.Range(0, layerCount).Except(layers))}");
        }

        // Every layer must hold every category's weight (GPT-2 has a c_proj in attn and in mlp, hence the group in the key).
        var weights = known.Where(s => s.IsWeight).Select(s => (s.Layer, s.Group, s.Unit)).ToHashSet();
        var perLayer = HalfFineTuningNames.AttentionUnits(groups).Select(u => (Group: ParameterGroup.Attention, Unit: u))
            .Concat(HalfFineTuningNames.FeedForwardUnits(groups).Select(u => (Group: ParameterGroup.FeedForward, Unit: u)))
            .Concat(HalfFineTuningNames.LayerNormUnits(groups).Select(u => (Group: ParameterGroup.Norm, Unit: u)))
            .ToList();
        var missing = new List<string>();
        foreach (var layer in layers)
        {
            missing.AddRange(perLayer.Where(c => !weights.Contains((layer, c.Group, c.Unit))).Select(c => $"layer {layer} {c.Group} {c.Unit}.weight"));
        }

        var finalNorm = HalfFineTuningNames.FinalNormUnit(groups);
        if (!weights.Contains((-1, ParameterGroup.Norm, finalNorm)))
        {
            missing.Add($"final norm {finalNorm}.weight");
        }

        if (missing.Count > 0)
        {
            problems.Add($"missing: {string.Join(", ", missing)}");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"cannot choose HFT parameters: {string.Join("; ", problems)}", nameof(names));
        }

        return (groups, slots, layerCount);
    }

    static string[] Pick(SplitMix64 rng, IReadOnlyList<string> units, int count) =>
        rng.ChooseIndices(units.Count, count).Select(i => units[i]).ToArray();
}
