using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace RegressionGuard.Torch.Tokenization;

/// <summary>
/// A byte-level BPE tokenizer read from a Hugging Face <c>tokenizer.json</c> (GPT-2, Llama 3, Qwen2 families), with
/// HF <c>tokenizers</c> semantics: added tokens are matched literally first (leftmost, longest), the rest is normalized
/// (Unicode normal forms), pre-tokenized (<c>Split</c> regex steps and/or <c>ByteLevel</c>), and each piece is BPE-merged
/// by merge rank. Decoding maps the byte-level alphabet back to bytes and reads them as UTF-8 (invalid sequences
/// become U+FFFD); special tokens are dropped.
/// </summary>
/// <remarks>
/// Known differences from HF: added tokens marked <c>normalized: true</c> are matched on the text before normalization,
/// and .NET regular expressions see characters outside the Basic Multilingual Plane as surrogate pairs (so <c>\p{L}</c>
/// does not match e.g. U+20000), which can split text around such letters differently.
/// </remarks>
public sealed class HfTokenizerJson : ITokenizer
{
    const string EndOfText = "<|endoftext|>";

    readonly BytePairMerger _merger;
    readonly HfPreTokenizer _preTokenizer;
    readonly Dictionary<char, AddedToken[]> _addedByFirstChar;
    readonly Dictionary<int, AddedToken> _addedById;
    readonly byte[]?[] _idToBytes;

    HfTokenizerJson(string path, BytePairMerger merger, HfPreTokenizer preTokenizer, IReadOnlyList<AddedToken> added,
        byte[]?[] idToBytes, int vocabSize, int? bosId, int? eosId, string contentHash)
    {
        FilePath = path;
        _merger = merger;
        _preTokenizer = preTokenizer;
        _idToBytes = idToBytes;
        _addedById = [];
        foreach (var token in added)
        {
            _addedById[token.Id] = token;
        }

        _addedByFirstChar = added
            .Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
        VocabSize = vocabSize;
        BosId = bosId;
        EosId = eosId;
        ContentHash = contentHash;
    }

    public string Name => "byte-level BPE (tokenizer.json)";

    /// <summary>The full path of the tokenizer.json this was read from.</summary>
    public string FilePath { get; }

    public int VocabSize { get; }

    public int? BosId { get; }

    public int? EosId { get; }

    public string ContentHash { get; }

    /// <summary>Reads a Hugging Face tokenizer.json (and tokenizer_config.json beside it, when needed for BOS/EOS).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="TokenizerFormatException">The file is malformed or uses a feature this reader does not support.</exception>
    public static HfTokenizerJson Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"tokenizer file '{full}' does not exist; expected a Hugging Face tokenizer.json", full);
        }

        return new Parser(full).Parse(File.ReadAllBytes(full));
    }

    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        var segmentStart = 0;
        var i = 0;
        while (i < text.Length)
        {
            if (_addedByFirstChar.TryGetValue(text[i], out var candidates) && MatchAdded(text, i, candidates) is { } token)
            {
                var start = i;
                var end = i + token.Content.Length;
                if (token.LStrip)
                {
                    while (start > segmentStart && char.IsWhiteSpace(text[start - 1]))
                    {
                        start--;
                    }
                }

                if (token.RStrip)
                {
                    while (end < text.Length && char.IsWhiteSpace(text[end]))
                    {
                        end++;
                    }
                }

                EncodeSegment(text, segmentStart, start, ids);
                ids.Add(token.Id);
                i = segmentStart = end;
                continue;
            }
            i++;
        }
        EncodeSegment(text, segmentStart, text.Length, ids);
        return ids;
    }

    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (id == BosId || id == EosId)
            {
                continue;
            }

            if (_addedById.TryGetValue(id, out var added))
            {
                if (!added.Special)
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(added.Content));
                }

                continue;
            }
            // Ids without a token (e.g. padding rows of a model's embedding) are skipped, as HF does.
            if ((uint)id < (uint)_idToBytes.Length && _idToBytes[id] is { } tokenBytes)
            {
                bytes.AddRange(tokenBytes);
            }
        }
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    static AddedToken? MatchAdded(string text, int at, AddedToken[] candidates)
    {
        foreach (var token in candidates)
        {
            if (token.Content.Length > text.Length - at || string.CompareOrdinal(text, at, token.Content, 0, token.Content.Length) != 0)
            {
                continue;
            }

            if (token.SingleWord)
            {
                var end = at + token.Content.Length;
                if ((at > 0 && IsWordChar(text[at - 1])) || (end < text.Length && IsWordChar(text[end])))
                {
                    continue;
                }
            }
            return token;
        }
        return null;
    }

    static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    void EncodeSegment(string text, int start, int end, List<int> ids)
    {
        if (end <= start)
        {
            return;
        }

        foreach (var piece in _preTokenizer.Split(text[start..end]))
        {
            _merger.Encode(piece, ids);
        }
    }

    internal sealed record AddedToken(int Id, string Content, bool Special, bool LStrip, bool RStrip, bool SingleWord);

    /// <summary>Reads tokenizer.json; every error names the file and the JSON path.</summary>
    sealed class Parser(string file)
    {
        const string SupportedModels = "'BPE' (byte-level BPE as used by GPT-2, Llama 3 and Qwen2)";
        const string SupportedPreTokenizers = "'ByteLevel', 'Split' (with behavior 'Isolated'), or a 'Sequence' of these ending in 'ByteLevel'";
        const string SupportedNormalizers = "null, 'NFC', 'NFD', 'NFKC', 'NFKD', or a 'Sequence' of these";
        const string SupportedDecoders = "null, 'ByteLevel', or a 'Sequence' of 'ByteLevel'";

        Dictionary<string, int> _vocab = [];
        readonly Dictionary<string, int> _addedByContent = new(StringComparer.Ordinal);

        public HfTokenizerJson Parse(byte[] bytes)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 256 });
            }
            catch (JsonException e)
            {
                throw new TokenizerFormatException($"tokenizer.json '{file}' is not valid JSON ({e.Message}); expected a Hugging Face tokenizer.json", e);
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw Fail("$", $"is a JSON {root.ValueKind}, not an object; expected a Hugging Face tokenizer.json");
                }

                var model = Get(root, "model") ?? throw Fail("$.model", "is missing; expected the tokenizer model object");
                var (merger, idToBytes) = ReadModel(model);
                var added = ReadAddedTokens(root);
                var preTokenizer = new HfPreTokenizer(ReadNormalizer(root), ReadPreTokenizer(root));
                CheckDecoder(Get(root, "decoder"), "$.decoder");

                var maxId = Math.Max(_vocab.Count == 0 ? -1 : _vocab.Values.Max(), added.Count == 0 ? -1 : added.Max(t => t.Id));

                Special bos = default, eos = default;
                if (Get(root, "post_processor") is { } post)
                {
                    ReadPostProcessor(post, "$.post_processor", ref bos, ref eos);
                }

                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                hash.AppendData(bytes);
                if (!bos.Known || !eos.Known)
                {
                    var config = Path.Combine(Path.GetDirectoryName(file)!, "tokenizer_config.json");
                    if (File.Exists(config))
                    {
                        var configBytes = File.ReadAllBytes(config);
                        hash.AppendData(configBytes);
                        ReadConfig(config, configBytes, ref bos, ref eos);
                    }
                }
                int? endOfText = Lookup(EndOfText, out var id) ? id : null;
                if (!bos.Known)
                {
                    bos = new Special(true, endOfText);
                }

                if (!eos.Known)
                {
                    eos = new Special(true, endOfText);
                }

                return new HfTokenizerJson(file, merger, preTokenizer, added, idToBytes, maxId + 1, bos.Id, eos.Id,
                    Convert.ToHexStringLower(hash.GetHashAndReset()));
            }
        }

        (BytePairMerger, byte[]?[]) ReadModel(JsonElement model)
        {
            if (model.ValueKind != JsonValueKind.Object)
            {
                throw Fail("$.model", $"is a JSON {model.ValueKind}; expected an object with 'type', 'vocab' and 'merges'");
            }

            var type = OptionalString(model, "type", "$.model.type");
            if (type is null && (Get(model, "merges") is null || Get(model, "vocab") is null))
            {
                throw Unsupported("$.model.type", "missing", SupportedModels);
            }

            if (type is not null && type != "BPE")
            {
                throw Unsupported("$.model.type", $"'{type}'", SupportedModels);
            }

            if (Get(model, "dropout") is { } dropout && !(dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() == 0))
            {
                throw Unsupported("$.model.dropout", dropout.GetRawText(), "null (BPE dropout is a training-time option)");
            }

            foreach (var name in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            {
                var value = OptionalString(model, name, $"$.model.{name}");
                if (!string.IsNullOrEmpty(value))
                {
                    throw Unsupported($"$.model.{name}", $"'{value}'", "null or \"\" (byte-level BPE has no word-piece affixes)");
                }
            }
            var ignoreMerges = OptionalBool(model, "ignore_merges", "$.model.ignore_merges") ?? false;

            var vocabElement = Get(model, "vocab") ?? throw Fail("$.model.vocab", "is missing; expected an object mapping each token to its id");
            if (vocabElement.ValueKind != JsonValueKind.Object)
            {
                throw Fail("$.model.vocab", $"is a JSON {vocabElement.ValueKind}; expected an object mapping each token to its id");
            }

            _vocab = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in vocabElement.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var tokenId) || tokenId < 0)
                {
                    throw Fail($"$.model.vocab['{entry.Name}']", $"is {entry.Value.GetRawText()}; expected a non-negative integer id");
                }

                _vocab[entry.Name] = tokenId;
            }

            var byteIds = new int[256];
            for (var b = 0; b < 256; b++)
            {
                var symbol = ByteLevelAlphabet.ByteToChar((byte)b).ToString();
                if (!_vocab.TryGetValue(symbol, out byteIds[b]))
                {
                    throw Fail("$.model.vocab", $"has no entry for '{symbol}' (byte 0x{b:X2}); a byte-level BPE vocabulary has all 256 symbols of the GPT-2 byte alphabet");
                }
            }

            var mergesElement = Get(model, "merges") ?? throw Fail("$.model.merges", "is missing; expected a list of merges (\"left right\" or [\"left\", \"right\"])");
            if (mergesElement.ValueKind != JsonValueKind.Array)
            {
                throw Fail("$.model.merges", $"is a JSON {mergesElement.ValueKind}; expected a list of merges (\"left right\" or [\"left\", \"right\"])");
            }

            var merges = new Dictionary<long, (int Rank, int MergedId)>(mergesElement.GetArrayLength());
            var rank = 0;
            foreach (var merge in mergesElement.EnumerateArray())
            {
                var path = $"$.model.merges[{rank}]";
                var (left, right) = ReadMerge(merge, path);
                if (!_vocab.TryGetValue(left, out var leftId))
                {
                    throw Fail(path, $"merges '{left}' and '{right}', but '{left}' is not in $.model.vocab");
                }

                if (!_vocab.TryGetValue(right, out var rightId))
                {
                    throw Fail(path, $"merges '{left}' and '{right}', but '{right}' is not in $.model.vocab");
                }

                if (!_vocab.TryGetValue(left + right, out var mergedId))
                {
                    throw Fail(path, $"merges '{left}' and '{right}', but the result '{left + right}' is not in $.model.vocab");
                }
                // A repeated pair takes its later rank, as in HF.
                merges[BytePairMerger.PairKey(leftId, rightId)] = (rank, mergedId);
                rank++;
            }

            var idToBytes = new byte[]?[_vocab.Count == 0 ? 0 : _vocab.Values.Max() + 1];
            foreach (var (token, tokenId) in _vocab)
            {
                idToBytes[tokenId] = TokenBytes(token);
            }

            return (new BytePairMerger(merges, byteIds, ignoreMerges ? _vocab : null), idToBytes);
        }

        /// <summary>The bytes a vocabulary token stands for; a token with characters outside the byte alphabet stands for its own UTF-8 (as in HF's ByteLevel decoder).</summary>
        static byte[] TokenBytes(string token)
        {
            var bytes = new byte[token.Length];
            for (var i = 0; i < token.Length; i++)
            {
                if (!ByteLevelAlphabet.TryCharToByte(token[i], out bytes[i]))
                {
                    return Encoding.UTF8.GetBytes(token);
                }
            }

            return bytes;
        }

        (string, string) ReadMerge(JsonElement merge, string path)
        {
            const string expected = "expected \"left right\" or [\"left\", \"right\"]";
            if (merge.ValueKind == JsonValueKind.String)
            {
                var text = merge.GetString()!;
                var space = text.IndexOf(' ');
                if (space <= 0 || space == text.Length - 1 || text.IndexOf(' ', space + 1) >= 0)
                {
                    throw Fail(path, $"is '{text}'; {expected}");
                }

                return (text[..space], text[(space + 1)..]);
            }
            if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
                && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
            {
                return (merge[0].GetString()!, merge[1].GetString()!);
            }

            throw Fail(path, $"is {merge.GetRawText()}; {expected}");
        }

        List<AddedToken> ReadAddedTokens(JsonElement root)
        {
            var list = new List<AddedToken>();
            if (Get(root, "added_tokens") is not { } array)
            {
                return list;
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                throw Fail("$.added_tokens", $"is a JSON {array.ValueKind}; expected a list of {{\"id\", \"content\", \"special\", ...}} objects");
            }

            var index = 0;
            foreach (var item in array.EnumerateArray())
            {
                var path = $"$.added_tokens[{index++}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    throw Fail(path, $"is a JSON {item.ValueKind}; expected an object with 'id' and 'content'");
                }

                var idElement = Get(item, "id");
                if (idElement is not { ValueKind: JsonValueKind.Number } || !idElement.Value.TryGetInt32(out var id) || id < 0)
                {
                    throw Fail($"{path}.id", $"is {idElement?.GetRawText() ?? "missing"}; expected a non-negative integer id");
                }

                var content = OptionalString(item, "content", $"{path}.content") ?? throw Fail($"{path}.content", "is missing; expected the token text");
                var token = new AddedToken(id, content,
                    OptionalBool(item, "special", $"{path}.special") ?? false,
                    OptionalBool(item, "lstrip", $"{path}.lstrip") ?? false,
                    OptionalBool(item, "rstrip", $"{path}.rstrip") ?? false,
                    OptionalBool(item, "single_word", $"{path}.single_word") ?? false);
                list.Add(token);
                _addedByContent[content] = id;
            }
            return list;
        }

        List<NormalizationForm> ReadNormalizer(JsonElement root)
        {
            var forms = new List<NormalizationForm>();
            if (Get(root, "normalizer") is { } normalizer)
            {
                AddNormalizer(normalizer, "$.normalizer", forms);
            }

            return forms;
        }

        void AddNormalizer(JsonElement element, string path, List<NormalizationForm> forms)
        {
            var type = RequiredType(element, path, SupportedNormalizers);
            switch (type)
            {
                case "NFC": forms.Add(NormalizationForm.FormC); break;
                case "NFD": forms.Add(NormalizationForm.FormD); break;
                case "NFKC": forms.Add(NormalizationForm.FormKC); break;
                case "NFKD": forms.Add(NormalizationForm.FormKD); break;
                case "Sequence":
                    var index = 0;
                    foreach (var inner in RequiredArray(element, "normalizers", path))
                    {
                        AddNormalizer(inner, $"{path}.normalizers[{index++}]", forms);
                    }

                    break;
                default:
                    throw Unsupported($"{path}.type", $"'{type}'", SupportedNormalizers);
            }
        }

        List<HfPreTokenizer.Step> ReadPreTokenizer(JsonElement root)
        {
            var steps = new List<HfPreTokenizer.Step>();
            var element = Get(root, "pre_tokenizer") ?? throw Unsupported("$.pre_tokenizer", "null", SupportedPreTokenizers);
            var sawByteLevel = false;
            AddPreTokenizer(element, "$.pre_tokenizer", steps, ref sawByteLevel);
            if (!sawByteLevel)
            {
                throw Fail("$.pre_tokenizer", $"has no 'ByteLevel' step, which byte-level BPE needs; supported: {SupportedPreTokenizers}");
            }

            return steps;
        }

        void AddPreTokenizer(JsonElement element, string path, List<HfPreTokenizer.Step> steps, ref bool sawByteLevel)
        {
            var type = RequiredType(element, path, SupportedPreTokenizers);
            if (sawByteLevel && type != "Sequence")
            {
                throw Fail(path, $"('{type}') comes after 'ByteLevel'; supported: {SupportedPreTokenizers}");
            }

            switch (type)
            {
                case "Sequence":
                    var index = 0;
                    foreach (var inner in RequiredArray(element, "pretokenizers", path))
                    {
                        AddPreTokenizer(inner, $"{path}.pretokenizers[{index++}]", steps, ref sawByteLevel);
                    }

                    break;
                case "Split":
                    var behavior = OptionalString(element, "behavior", $"{path}.behavior");
                    if (behavior != "Isolated")
                    {
                        throw Unsupported($"{path}.behavior", behavior is null ? "missing" : $"'{behavior}'", "'Isolated'");
                    }

                    if (OptionalBool(element, "invert", $"{path}.invert") == true)
                    {
                        throw Unsupported($"{path}.invert", "true", "false");
                    }

                    steps.Add(new HfPreTokenizer.SplitStep(ReadSplitPattern(element, path)));
                    break;
                case "ByteLevel":
                    var addPrefixSpace = OptionalBool(element, "add_prefix_space", $"{path}.add_prefix_space")
                        ?? throw Fail($"{path}.add_prefix_space", "is missing; expected true or false");
                    var useRegex = OptionalBool(element, "use_regex", $"{path}.use_regex") ?? true;
                    steps.Add(new HfPreTokenizer.ByteLevelStep(addPrefixSpace,
                        useRegex ? HfPreTokenizer.CompilePattern(HfPreTokenizer.Gpt2Pattern, file, $"{path} (use_regex: the GPT-2 pattern)") : null));
                    sawByteLevel = true;
                    break;
                default:
                    throw Unsupported($"{path}.type", $"'{type}'", SupportedPreTokenizers);
            }
        }

        Regex ReadSplitPattern(JsonElement element, string path)
        {
            var pattern = Get(element, "pattern");
            if (pattern is { ValueKind: JsonValueKind.Object } p)
            {
                if (OptionalString(p, "Regex", $"{path}.pattern.Regex") is { } regex)
                {
                    return HfPreTokenizer.CompilePattern(regex, file, $"{path}.pattern.Regex");
                }

                if (OptionalString(p, "String", $"{path}.pattern.String") is { } literal && literal.Length > 0)
                {
                    return HfPreTokenizer.CompilePattern(Regex.Escape(literal), file, $"{path}.pattern.String");
                }
            }
            throw Fail($"{path}.pattern", $"is {pattern?.GetRawText() ?? "missing"}; expected {{\"Regex\": \"...\"}} or {{\"String\": \"...\"}}");
        }

        void CheckDecoder(JsonElement? decoder, string path)
        {
            if (decoder is not { } element)
            {
                return;
            }

            var type = RequiredType(element, path, SupportedDecoders);
            if (type == "ByteLevel")
            {
                return;
            }

            if (type != "Sequence")
            {
                throw Unsupported($"{path}.type", $"'{type}'", SupportedDecoders);
            }

            var index = 0;
            foreach (var inner in RequiredArray(element, "decoders", path))
            {
                CheckDecoder(inner, $"{path}.decoders[{index++}]");
            }
        }

        /// <summary>BOS is the first special token before the text ("A") in a TemplateProcessing single template, EOS the first after it.</summary>
        void ReadPostProcessor(JsonElement element, string path, ref Special bos, ref Special eos)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            switch (OptionalString(element, "type", $"{path}.type"))
            {
                case "Sequence":
                    var index = 0;
                    foreach (var inner in RequiredArray(element, "processors", path))
                    {
                        ReadPostProcessor(inner, $"{path}.processors[{index++}]", ref bos, ref eos);
                    }

                    break;
                case "TemplateProcessing":
                    var seenText = false;
                    var itemIndex = 0;
                    foreach (var item in RequiredArray(element, "single", path))
                    {
                        var itemPath = $"{path}.single[{itemIndex++}]";
                        if (Get(item, "Sequence") is not null)
                        {
                            seenText = true;
                        }
                        else if (Get(item, "SpecialToken") is { } special)
                        {
                            var name = OptionalString(special, "id", $"{itemPath}.SpecialToken.id")
                                ?? throw Fail($"{itemPath}.SpecialToken.id", "is missing; expected the special token's name");
                            ref var target = ref seenText ? ref eos : ref bos;
                            if (!target.Known)
                            {
                                target = new Special(true, TemplateTokenId(element, name, path));
                            }
                        }
                    }
                    break;
                case "RobertaProcessing":
                case "BertProcessing":
                    if (!bos.Known && Get(element, "cls") is { ValueKind: JsonValueKind.Array } cls && cls.GetArrayLength() == 2 && cls[1].TryGetInt32(out var clsId))
                    {
                        bos = new Special(true, clsId);
                    }

                    if (!eos.Known && Get(element, "sep") is { ValueKind: JsonValueKind.Array } sep && sep.GetArrayLength() == 2 && sep[1].TryGetInt32(out var sepId))
                    {
                        eos = new Special(true, sepId);
                    }

                    break;
            }
        }

        int TemplateTokenId(JsonElement template, string name, string path)
        {
            if (Get(template, "special_tokens") is { ValueKind: JsonValueKind.Object } specials
                && Get(specials, name) is { ValueKind: JsonValueKind.Object } entry
                && Get(entry, "ids") is { ValueKind: JsonValueKind.Array } ids)
            {
                if (ids.GetArrayLength() != 1 || !ids[0].TryGetInt32(out var id))
                {
                    throw Unsupported($"{path}.special_tokens['{name}'].ids", ids.GetRawText(), "a list of exactly one id");
                }

                return id;
            }
            if (Lookup(name, out var found))
            {
                return found;
            }

            throw Fail($"{path}.special_tokens['{name}']", "is missing, and the name is neither in $.added_tokens nor in $.model.vocab; expected {\"id\", \"ids\": [id], \"tokens\"}");
        }

        void ReadConfig(string config, byte[] bytes, ref Special bos, ref Special eos)
        {
            JsonElement root;
            try
            {
                using var document = JsonDocument.Parse(bytes);
                root = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new TokenizerFormatException($"tokenizer_config.json '{config}' is not valid JSON ({e.Message}); expected the Hugging Face tokenizer config beside '{file}'", e);
            }
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new TokenizerFormatException($"tokenizer_config.json '{config}': $ is a JSON {root.ValueKind}; expected an object");
            }

            if (!bos.Known)
            {
                bos = ConfigToken(config, root, "bos_token");
            }

            if (!eos.Known)
            {
                eos = ConfigToken(config, root, "eos_token");
            }
        }

        Special ConfigToken(string config, JsonElement root, string key)
        {
            if (!root.TryGetProperty(key, out var value))
            {
                return default;
            }

            string? content = value.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Object when value.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
                _ => throw new TokenizerFormatException(
                    $"tokenizer_config.json '{config}': $.{key} is {value.GetRawText()}; expected null, a token string, or an object with a 'content' string"),
            };
            if (content is null)
            {
                return new Special(true, null);
            }

            if (!Lookup(content, out var id))
            {
                throw new TokenizerFormatException(
                    $"tokenizer_config.json '{config}': $.{key} is '{content}', which is neither in $.added_tokens nor in $.model.vocab of '{file}'");
            }

            return new Special(true, id);
        }

        bool Lookup(string content, out int id) => _addedByContent.TryGetValue(content, out id) || _vocab.TryGetValue(content, out id);

        string RequiredType(JsonElement element, string path, string supported)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Fail(path, $"is a JSON {element.ValueKind}; expected an object with a 'type' ({supported})");
            }

            return OptionalString(element, "type", $"{path}.type") ?? throw Unsupported($"{path}.type", "missing", supported);
        }

        JsonElement.ArrayEnumerator RequiredArray(JsonElement element, string name, string path)
        {
            if (Get(element, name) is { ValueKind: JsonValueKind.Array } array)
            {
                return array.EnumerateArray();
            }

            throw Fail($"{path}.{name}", "is missing or not a list; expected a list");
        }

        string? OptionalString(JsonElement element, string name, string path)
        {
            if (Get(element, name) is not { } value)
            {
                return null;
            }

            return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Fail(path, $"is {value.GetRawText()}; expected a string");
        }

        bool? OptionalBool(JsonElement element, string name, string path)
        {
            if (Get(element, name) is not { } value)
            {
                return null;
            }

            return value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Fail(path, $"is {value.GetRawText()}; expected true or false"),
            };
        }

        /// <summary>The property, or null when it is absent or JSON null.</summary>
        static JsonElement? Get(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

        TokenizerFormatException Fail(string path, string problem) => new($"tokenizer.json '{file}': {path} {problem}");

        TokenizerFormatException Unsupported(string path, string actual, string supported) =>
            Fail(path, $"is {actual}, which is not supported; supported: {supported}");
    }

    /// <summary>A BOS or EOS lookup result: <see cref="Known"/> once some source decided it (possibly as "none").</summary>
    readonly record struct Special(bool Known, int? Id);
}
