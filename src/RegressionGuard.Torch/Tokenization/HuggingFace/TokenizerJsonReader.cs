using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace RegressionGuard.Torch.Tokenization;

/// <summary>Reads tokenizer.json into the pipeline of <see cref="HfTokenizerJson"/>; every error names the file and the JSON path.</summary>
internal sealed class TokenizerJsonReader
{
    const string SupportedModels = "'BPE', 'Unigram'";
    const string SupportedNormalizers = "'Sequence', 'NFC', 'NFD', 'NFKC', 'NFKD', 'Lowercase', 'Strip', 'Prepend', 'Replace'";
    const string SupportedPreTokenizers = "'Sequence', 'ByteLevel', 'Split', 'Metaspace', 'Digits', 'Punctuation', 'Whitespace', 'WhitespaceSplit', 'BertPreTokenizer'";
    const string SupportedPostProcessors = "'TemplateProcessing', 'ByteLevel', 'RobertaProcessing', 'BertProcessing', 'Sequence'";
    const string SupportedDecoders = "'Sequence', 'ByteLevel', 'Metaspace', 'ByteFallback', 'Fuse', 'Strip', 'Replace'";
    const string SupportedBehaviors = "'Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'";
    const string EndOfText = "<|endoftext|>";

    /// <summary>Ids above this are refused: the id table is an array, and no published vocabulary comes near it.</summary>
    const int MaxId = 1 << 24;

    readonly string _file;
    readonly Dictionary<string, int> _addedByContent = new(StringComparer.Ordinal);
    Dictionary<string, int> _vocab = new(StringComparer.Ordinal);

    TokenizerJsonReader(string file) => _file = file;

    /// <summary>Reads tokenizer.json bytes (and the tokenizer_config.json beside it, when there is one).</summary>
    public static HfTokenizerJson Read(string file, byte[] bytes, (string Path, byte[] Bytes)? config) => new TokenizerJsonReader(file).Parse(bytes, config);

    HfTokenizerJson Parse(byte[] bytes, (string Path, byte[] Bytes)? config)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            var valid = System.Text.Unicode.Utf8.ToUtf16(bytes, new char[bytes.Length], out var read, out _, replaceInvalidSequences: false);
            throw new TokenizerFormatException($"tokenizer.json '{_file}' is not valid UTF-8 ({valid} at byte {read}); expected a Hugging Face tokenizer.json");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException($"tokenizer.json '{_file}' is not valid JSON ({e.Message}); expected a Hugging Face tokenizer.json", e);
        }
        catch (ArgumentException e)
        {
            throw new TokenizerFormatException($"tokenizer.json '{_file}' is not valid JSON ({e.Message}); expected a Hugging Face tokenizer.json", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Fail("$", $"is a JSON {root.ValueKind}, not an object; expected a Hugging Face tokenizer.json");
            }

            var added = ReadAddedTokens(root);
            var model = Get(root, "model") ?? throw Fail("$.model", "is missing; expected the tokenizer model object");
            var (tokenizerModel, kind) = ReadModel(model);
            var normalizer = Get(root, "normalizer") is { } n ? ReadNormalizer(n, "$.normalizer") : null;
            var preTokenizer = Get(root, "pre_tokenizer") is { } p ? ReadPreTokenizer(p, "$.pre_tokenizer") : null;
            var decoder = Get(root, "decoder") is { } d ? ReadDecoder(d, "$.decoder") : null;
            var prefix = new List<int>();
            var suffix = new List<int>();
            if (Get(root, "post_processor") is { } post)
            {
                ReadPostProcessor(post, "$.post_processor", prefix, suffix);
            }

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(bytes);
            int? bosId = null, eosId = null;
            var bosKnown = false;
            var eosKnown = false;
            if (config is { } c)
            {
                hash.AppendData(c.Bytes);
                var settings = ReadConfig(c.Path, c.Bytes);
                (bosKnown, bosId) = settings.Bos;
                (eosKnown, eosId) = settings.Eos;
                if (settings.AddBos is not null || settings.AddEos is not null)
                {
                    // transformers rebuilds the template from these flags (LlamaTokenizerFast.update_post_processor).
                    prefix.Clear();
                    suffix.Clear();
                    if (settings.AddBos == true)
                    {
                        prefix.Add(bosId ?? throw ConfigFail(c.Path, "$.add_bos_token", "is true, but there is no bos_token"));
                    }

                    if (settings.AddEos == true)
                    {
                        suffix.Add(eosId ?? throw ConfigFail(c.Path, "$.add_eos_token", "is true, but there is no eos_token"));
                    }
                }
            }
            int? endOfText = Lookup(EndOfText, out var eot) ? eot : null;
            if (!bosKnown)
            {
                bosId = prefix.Count > 0 ? prefix[0] : endOfText;
            }

            if (!eosKnown)
            {
                eosId = suffix.Count > 0 ? suffix[^1] : endOfText;
            }

            return new HfTokenizerJson(_file, tokenizerModel, normalizer, preTokenizer, decoder, added, [.. prefix], [.. suffix], bosId, eosId,
                Convert.ToHexStringLower(hash.GetHashAndReset()), kind);
        }
    }

    // ---------------------------------------------------------------- model

    (TokenizerModel Model, string Kind) ReadModel(JsonElement model)
    {
        if (model.ValueKind != JsonValueKind.Object)
        {
            throw Fail("$.model", $"is a JSON {model.ValueKind}; expected an object with 'type' and 'vocab'");
        }

        var type = OptionalString(model, "type", "$.model.type");
        if (type is null)
        {
            type = Get(model, "merges") is not null ? "BPE" : throw Fail("$.model.type", $"is missing; supported: {SupportedModels}");
        }

        return type switch
        {
            "BPE" => ReadBpe(model),
            "Unigram" => (ReadUnigram(model), "Unigram"),
            _ => throw Fail("$.model.type", $"unknown model '{type}'; supported: {SupportedModels}"),
        };
    }

    (TokenizerModel, string) ReadBpe(JsonElement model)
    {
        if (Get(model, "dropout") is { } dropout && !(dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() == 0))
        {
            throw Fail("$.model.dropout", $"is {dropout.GetRawText()}, which is not supported; supported: null or 0 (BPE dropout is a training-time option)");
        }

        var prefix = OptionalString(model, "continuing_subword_prefix", "$.model.continuing_subword_prefix");
        var suffix = OptionalString(model, "end_of_word_suffix", "$.model.end_of_word_suffix");
        var unk = OptionalString(model, "unk_token", "$.model.unk_token");
        var fuseUnk = OptionalBool(model, "fuse_unk", "$.model.fuse_unk") ?? false;
        var byteFallback = OptionalBool(model, "byte_fallback", "$.model.byte_fallback") ?? false;
        var ignoreMerges = OptionalBool(model, "ignore_merges", "$.model.ignore_merges") ?? false;

        var vocabElement = Get(model, "vocab") ?? throw Fail("$.model.vocab", "is missing; expected an object mapping each token to its id");
        if (vocabElement.ValueKind != JsonValueKind.Object)
        {
            throw Fail("$.model.vocab", $"is a JSON {vocabElement.ValueKind}; expected an object mapping each token to its id");
        }

        _vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var tokenId) || tokenId is < 0 or > MaxId)
            {
                throw Fail($"$.model.vocab['{entry.Name}']", $"is {Short(entry.Value)}; expected an integer id from 0 to {MaxId}");
            }

            _vocab[entry.Name] = tokenId;
        }
        int? unkId = null;
        if (unk is not null)
        {
            unkId = _vocab.TryGetValue(unk, out var u) ? u : throw Fail("$.model.unk_token", $"is '{unk}', which is not in $.model.vocab");
        }

        var mergesElement = Get(model, "merges") ?? throw Fail("$.model.merges", "is missing; expected a list of merges (\"left right\" or [\"left\", \"right\"])");
        if (mergesElement.ValueKind != JsonValueKind.Array)
        {
            throw Fail("$.model.merges", $"is a JSON {mergesElement.ValueKind}; expected a list of merges (\"left right\" or [\"left\", \"right\"])");
        }

        var lookup = _vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        var merges = new Dictionary<long, (int Rank, int NewId)>(mergesElement.GetArrayLength(), BpeModel.PairComparer.Instance);
        var prefixLength = string.IsNullOrEmpty(prefix) ? 0 : prefix.Length;
        var rank = 0;
        Span<char> buffer = stackalloc char[256];
        foreach (var merge in mergesElement.EnumerateArray())
        {
            var path = $"$.model.merges[{rank}]";
            var (left, right) = ReadMerge(merge, path);
            if (!lookup.TryGetValue(left, out var leftId))
            {
                throw Fail(path, $"merges '{left}' and '{right}', but '{left}' is not in $.model.vocab");
            }

            if (!lookup.TryGetValue(right, out var rightId))
            {
                throw Fail(path, $"merges '{left}' and '{right}', but '{right}' is not in $.model.vocab");
            }

            if (right.Length < prefixLength)
            {
                throw Fail(path, $"merges '{left}' and '{right}', but '{right}' is shorter than the continuing_subword_prefix '{prefix}'");
            }

            var rest = right.AsSpan(prefixLength);
            var length = left.Length + rest.Length;
            var merged = length <= buffer.Length ? buffer[..length] : new char[length];
            left.AsSpan().CopyTo(merged);
            rest.CopyTo(merged[left.Length..]);
            if (!lookup.TryGetValue(merged, out var mergedId))
            {
                throw Fail(path, $"merges '{left}' and '{right}', but the result '{merged.ToString()}' is not in $.model.vocab");
            }
            // A repeated pair takes its later rank, as in HF.
            merges[BpeModel.PairKey(leftId, rightId)] = (rank, mergedId);
            rank++;
        }

        var byteLevel = _vocab.ContainsKey("\u0120") && !byteFallback;
        return (new BpeModel(_vocab, merges, unkId, prefix, suffix, fuseUnk, byteFallback, ignoreMerges),
            byteFallback ? "BPE with byte fallback" : byteLevel ? "byte-level BPE" : "BPE");
    }

    (string Left, string Right) ReadMerge(JsonElement merge, string path)
    {
        if (merge.ValueKind == JsonValueKind.String)
        {
            var text = merge.GetString()!;
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && space < text.Length - 1 && text.IndexOf(' ', space + 1) < 0)
            {
                return (text[..space], text[(space + 1)..]);
            }
        }
        else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
            && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
        {
            return (merge[0].GetString()!, merge[1].GetString()!);
        }
        throw Fail(path, $"is {Short(merge)}; expected \"left right\" or [\"left\", \"right\"]");
    }

    UnigramModel ReadUnigram(JsonElement model)
    {
        var vocabElement = Get(model, "vocab");
        if (vocabElement is not { ValueKind: JsonValueKind.Array } array)
        {
            throw Fail("$.model.vocab", $"is {(vocabElement is null ? "missing" : Short(vocabElement.Value))}; expected a list of [piece, score] pairs");
        }

        _vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var scores = new double[array.GetArrayLength()];
        var index = 0;
        foreach (var entry in array.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() != 2 || entry[0].ValueKind != JsonValueKind.String
                || entry[1].ValueKind != JsonValueKind.Number)
            {
                throw Fail($"$.model.vocab[{index}]", $"is {Short(entry)}; expected [piece, score]");
            }

            _vocab.TryAdd(entry[0].GetString()!, index);
            scores[index] = entry[1].GetDouble();
            index++;
        }
        int? unkId = null;
        if (Get(model, "unk_id") is { } unk)
        {
            unkId = unk.ValueKind == JsonValueKind.Number && unk.TryGetInt32(out var u) && u >= 0 && u < scores.Length
                ? u
                : throw Fail("$.model.unk_id", $"is {Short(unk)}; expected null or an index into $.model.vocab (0..{scores.Length - 1})");
        }

        return new UnigramModel(_vocab, scores, unkId, OptionalBool(model, "byte_fallback", "$.model.byte_fallback") ?? false);
    }

    List<AddedToken> ReadAddedTokens(JsonElement root)
    {
        var list = new List<AddedToken>();
        if (Get(root, "added_tokens") is not { } element)
        {
            return list;
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            throw Fail("$.added_tokens", $"is a JSON {element.ValueKind}; expected a list of tokens");
        }

        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var path = $"$.added_tokens[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw Fail(path, $"is {Short(item)}; expected an object with 'id' and 'content'");
            }

            var idElement = Get(item, "id");
            if (idElement is not { ValueKind: JsonValueKind.Number } || !idElement.Value.TryGetInt32(out var id) || id is < 0 or > MaxId)
            {
                throw Fail($"{path}.id", $"is {(idElement is null ? "missing" : Short(idElement.Value))}; expected an integer id from 0 to {MaxId}");
            }

            var content = OptionalString(item, "content", $"{path}.content") ?? throw Fail($"{path}.content", "is missing; expected the token text");
            var special = OptionalBool(item, "special", $"{path}.special") ?? false;
            list.Add(new AddedToken(id, content, special,
                OptionalBool(item, "lstrip", $"{path}.lstrip") ?? false,
                OptionalBool(item, "rstrip", $"{path}.rstrip") ?? false,
                OptionalBool(item, "single_word", $"{path}.single_word") ?? false,
                OptionalBool(item, "normalized", $"{path}.normalized") ?? !special));
            _addedByContent[content] = id;
        }
        return list;
    }

    // ---------------------------------------------------------------- normalizers

    Normalizer ReadNormalizer(JsonElement element, string path)
    {
        var type = RequiredType(element, path, "normalizer", SupportedNormalizers);
        switch (type)
        {
            case "NFC": return new NormalFormNormalizer(NormalizationForm.FormC);
            case "NFD": return new NormalFormNormalizer(NormalizationForm.FormD);
            case "NFKC": return new NormalFormNormalizer(NormalizationForm.FormKC);
            case "NFKD": return new NormalFormNormalizer(NormalizationForm.FormKD);
            case "Lowercase": return new LowercaseNormalizer();
            case "Strip":
                return new StripNormalizer(OptionalBool(element, "strip_left", $"{path}.strip_left") ?? true,
                    OptionalBool(element, "strip_right", $"{path}.strip_right") ?? true);
            case "Prepend":
                return new PrependNormalizer(OptionalString(element, "prepend", $"{path}.prepend") ?? throw Fail($"{path}.prepend", "is missing; expected the text to prepend"));
            case "Replace":
                return ReadReplace(element, path);
            case "Sequence":
                var list = new List<Normalizer>();
                var index = 0;
                foreach (var inner in RequiredArray(element, "normalizers", path))
                {
                    if (inner.ValueKind != JsonValueKind.Null)
                    {
                        list.Add(ReadNormalizer(inner, $"{path}.normalizers[{index}]"));
                    }

                    index++;
                }
                return new SequenceNormalizer(list);
            default:
                throw Fail($"{path}.type", $"unknown normalizer '{type}'; supported: {SupportedNormalizers}");
        }
    }

    ReplaceNormalizer ReadReplace(JsonElement element, string path)
    {
        var content = OptionalString(element, "content", $"{path}.content") ?? throw Fail($"{path}.content", "is missing; expected the replacement text");
        var (literal, regex) = ReadPattern(element, path);
        return new ReplaceNormalizer(literal, regex, content);
    }

    (string? Literal, CodePointRegex? Regex) ReadPattern(JsonElement element, string path)
    {
        if (Get(element, "pattern") is { ValueKind: JsonValueKind.Object } p)
        {
            if (OptionalString(p, "String", $"{path}.pattern.String") is { } literal)
            {
                return (literal, null);
            }

            if (OptionalString(p, "Regex", $"{path}.pattern.Regex") is { } pattern)
            {
                return (null, Compile(pattern, $"{path}.pattern.Regex"));
            }
        }
        throw Fail($"{path}.pattern", $"is {(Get(element, "pattern") is { } v ? Short(v) : "missing")}; expected {{\"String\": \"...\"}} or {{\"Regex\": \"...\"}}");
    }

    CodePointRegex Compile(string pattern, string path) =>
        CodePointRegex.TryCreate(pattern, out var error)
        ?? throw Fail(path, $"is the pattern '{pattern}', which .NET regular expressions cannot compile ({error}); supported: the Perl/Oniguruma subset that published tokenizers use (GPT-2, Llama 3, Qwen2 patterns)");

    // ---------------------------------------------------------------- pre-tokenizers

    PreTokenizer ReadPreTokenizer(JsonElement element, string path)
    {
        var type = RequiredType(element, path, "pre-tokenizer", SupportedPreTokenizers);
        switch (type)
        {
            case "Sequence":
                var steps = new List<PreTokenizer>();
                var index = 0;
                foreach (var inner in RequiredArray(element, "pretokenizers", path))
                {
                    steps.Add(ReadPreTokenizer(inner, $"{path}.pretokenizers[{index++}]"));
                }

                return new SequencePreTokenizer(steps);
            case "ByteLevel":
                var addPrefixSpace = OptionalBool(element, "add_prefix_space", $"{path}.add_prefix_space") ?? true;
                var useRegex = OptionalBool(element, "use_regex", $"{path}.use_regex") ?? true;
                OptionalBool(element, "trim_offsets", $"{path}.trim_offsets");
                return new ByteLevelPreTokenizer(addPrefixSpace, useRegex ? Compile(ByteLevelPreTokenizer.Gpt2Pattern, $"{path}.use_regex") : null);
            case "Split":
                var (literal, regex) = ReadPattern(element, path);
                var behavior = ReadBehavior(element, path, required: true);
                var invert = OptionalBool(element, "invert", $"{path}.invert") ?? false;
                return new SplitPreTokenizer(regex ?? CodePointRegex.Literal(literal!), behavior, invert);
            case "Metaspace":
                var (replacement, prepend) = ReadMetaspace(element, path);
                return new MetaspacePreTokenizer(replacement, prepend, OptionalBool(element, "split", $"{path}.split") ?? true);
            case "Digits":
                return new DigitsPreTokenizer(OptionalBool(element, "individual_digits", $"{path}.individual_digits") ?? false);
            case "Punctuation":
                return new PunctuationPreTokenizer(ReadBehavior(element, path, required: false));
            case "Whitespace":
                return new WhitespacePreTokenizer();
            case "WhitespaceSplit":
                return new WhitespaceSplitPreTokenizer();
            case "BertPreTokenizer":
                return new BertPreTokenizer();
            default:
                throw Fail($"{path}.type", $"unknown pre-tokenizer '{type}'; supported: {SupportedPreTokenizers}");
        }
    }

    SplitBehavior ReadBehavior(JsonElement element, string path, bool required)
    {
        var behavior = OptionalString(element, "behavior", $"{path}.behavior");
        if (behavior is null)
        {
            return required ? throw Fail($"{path}.behavior", $"is missing; supported: {SupportedBehaviors}") : SplitBehavior.Isolated;
        }

        return behavior switch
        {
            "Removed" => SplitBehavior.Removed,
            "Isolated" => SplitBehavior.Isolated,
            "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
            "MergedWithNext" => SplitBehavior.MergedWithNext,
            "Contiguous" => SplitBehavior.Contiguous,
            _ => throw Fail($"{path}.behavior", $"unknown behavior '{behavior}'; supported: {SupportedBehaviors}"),
        };
    }

    (char Replacement, MetaspacePrepend Prepend) ReadMetaspace(JsonElement element, string path)
    {
        var replacement = OptionalString(element, "replacement", $"{path}.replacement") ?? "\u2581";
        if (replacement.Length != 1)
        {
            throw Fail($"{path}.replacement", $"is '{replacement}'; expected one character such as '\u2581'");
        }

        var scheme = OptionalString(element, "prepend_scheme", $"{path}.prepend_scheme");
        var prepend = scheme switch
        {
            null => OptionalBool(element, "add_prefix_space", $"{path}.add_prefix_space") == false ? MetaspacePrepend.Never : MetaspacePrepend.Always,
            "always" => MetaspacePrepend.Always,
            "first" => MetaspacePrepend.First,
            "never" => MetaspacePrepend.Never,
            _ => throw Fail($"{path}.prepend_scheme", $"unknown prepend_scheme '{scheme}'; supported: 'always', 'first', 'never'"),
        };
        return (replacement[0], prepend);
    }

    // ---------------------------------------------------------------- post-processors

    /// <summary>Flattens the post-processor into the ids added before and after a single text.</summary>
    void ReadPostProcessor(JsonElement element, string path, List<int> prefix, List<int> suffix)
    {
        var type = RequiredType(element, path, "post-processor", SupportedPostProcessors);
        switch (type)
        {
            case "ByteLevel":
                return;
            case "Sequence":
                var index = 0;
                foreach (var inner in RequiredArray(element, "processors", path))
                {
                    ReadPostProcessor(inner, $"{path}.processors[{index++}]", prefix, suffix);
                }

                return;
            case "RobertaProcessing":
            case "BertProcessing":
                prefix.Clear();
                suffix.Clear();
                prefix.Add(ReadPair(element, "cls", path));
                suffix.Add(ReadPair(element, "sep", path));
                return;
            case "TemplateProcessing":
                prefix.Clear();
                suffix.Clear();
                var seenText = false;
                var itemIndex = 0;
                foreach (var item in RequiredArray(element, "single", path))
                {
                    var itemPath = $"{path}.single[{itemIndex++}]";
                    if (Get(item, "Sequence") is { } sequence)
                    {
                        if (seenText || OptionalString(sequence, "id", $"{itemPath}.Sequence.id") is not ("A" or null))
                        {
                            throw Fail(itemPath, $"is {Short(item)}; supported: a single template with one {{\"Sequence\": {{\"id\": \"A\"}}}}");
                        }

                        seenText = true;
                    }
                    else if (Get(item, "SpecialToken") is { } special)
                    {
                        var name = OptionalString(special, "id", $"{itemPath}.SpecialToken.id")
                            ?? throw Fail($"{itemPath}.SpecialToken.id", "is missing; expected the special token's name");
                        (seenText ? suffix : prefix).AddRange(TemplateTokenIds(element, name, path));
                    }
                    else
                    {
                        throw Fail(itemPath, $"is {Short(item)}; expected {{\"SpecialToken\": ...}} or {{\"Sequence\": ...}}");
                    }
                }
                if (!seenText)
                {
                    throw Fail($"{path}.single", "has no {\"Sequence\": {\"id\": \"A\"}}; expected the text's place in the template");
                }

                return;
            default:
                throw Fail($"{path}.type", $"unknown post-processor '{type}'; supported: {SupportedPostProcessors}");
        }
    }

    int ReadPair(JsonElement element, string name, string path)
    {
        if (Get(element, name) is { ValueKind: JsonValueKind.Array } pair && pair.GetArrayLength() == 2 && pair[1].ValueKind == JsonValueKind.Number
            && pair[1].TryGetInt32(out var id) && id >= 0)
        {
            return id;
        }

        throw Fail($"{path}.{name}", "is missing or malformed; expected [\"token\", id]");
    }

    IEnumerable<int> TemplateTokenIds(JsonElement template, string name, string path)
    {
        if (Get(template, "special_tokens") is { ValueKind: JsonValueKind.Object } specials && Get(specials, name) is { } entry)
        {
            if (Get(entry, "ids") is { ValueKind: JsonValueKind.Array } ids)
            {
                var result = new List<int>();
                foreach (var id in ids.EnumerateArray())
                {
                    result.Add(id.ValueKind == JsonValueKind.Number && id.TryGetInt32(out var value) && value >= 0
                        ? value
                        : throw Fail($"{path}.special_tokens['{name}'].ids", $"is {Short(ids)}; expected a list of non-negative ids"));
                }
                return result;
            }
            throw Fail($"{path}.special_tokens['{name}'].ids", "is missing; expected a list of ids");
        }
        if (Lookup(name, out var found))
        {
            return [found];
        }

        throw Fail($"{path}.special_tokens['{name}']", "is missing, and the name is neither in $.added_tokens nor in $.model.vocab; expected {\"id\", \"ids\": [id], \"tokens\"}");
    }

    // ---------------------------------------------------------------- decoders

    Decoder ReadDecoder(JsonElement element, string path)
    {
        var type = RequiredType(element, path, "decoder", SupportedDecoders);
        switch (type)
        {
            case "ByteLevel": return new ByteLevelDecoder();
            case "ByteFallback": return new ByteFallbackDecoder();
            case "Fuse": return new FuseDecoder();
            case "Metaspace":
                var (replacement, prepend) = ReadMetaspace(element, path);
                return new MetaspaceDecoder(replacement, prepend);
            case "Strip":
                var content = OptionalString(element, "content", $"{path}.content") ?? " ";
                return new StripDecoder(content, OptionalCount(element, "start", path), OptionalCount(element, "stop", path));
            case "Replace":
                return new ReplaceDecoder(ReadReplace(element, path));
            case "Sequence":
                var list = new List<Decoder>();
                var index = 0;
                foreach (var inner in RequiredArray(element, "decoders", path))
                {
                    list.Add(ReadDecoder(inner, $"{path}.decoders[{index++}]"));
                }

                return new SequenceDecoder(list);
            default:
                throw Fail($"{path}.type", $"unknown decoder '{type}'; supported: {SupportedDecoders}");
        }
    }

    int OptionalCount(JsonElement element, string name, string path)
    {
        if (Get(element, name) is not { } value)
        {
            return 0;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var count) && count >= 0
            ? count
            : throw Fail($"{path}.{name}", $"is {Short(value)}; expected a non-negative integer");
    }

    // ---------------------------------------------------------------- tokenizer_config.json

    sealed record ConfigSettings((bool Known, int? Id) Bos, (bool Known, int? Id) Eos, bool? AddBos, bool? AddEos);

    ConfigSettings ReadConfig(string config, byte[] bytes)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw new TokenizerFormatException($"tokenizer_config.json '{config}' is not valid UTF-8; expected the Hugging Face tokenizer config beside '{_file}'");
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException($"tokenizer_config.json '{config}' is not valid JSON ({e.Message}); expected the Hugging Face tokenizer config beside '{_file}'", e);
        }
        catch (ArgumentException e)
        {
            throw new TokenizerFormatException($"tokenizer_config.json '{config}' is not valid JSON ({e.Message}); expected the Hugging Face tokenizer config beside '{_file}'", e);
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ConfigFail(config, "$", $"is a JSON {root.ValueKind}; expected an object");
        }

        return new ConfigSettings(ConfigToken(config, root, "bos_token"), ConfigToken(config, root, "eos_token"),
            ConfigBool(config, root, "add_bos_token"), ConfigBool(config, root, "add_eos_token"));
    }

    static bool? ConfigBool(string config, JsonElement root, string key) =>
        !root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.True ? true
        : value.ValueKind == JsonValueKind.False ? false
        : throw ConfigFail(config, $"$.{key}", $"is {Short(value)}; expected true or false");

    (bool Known, int? Id) ConfigToken(string config, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value))
        {
            return (false, null);
        }

        string? content = value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object when value.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
            _ => throw ConfigFail(config, $"$.{key}", $"is {Short(value)}; expected null, a token string, or an object with a 'content' string"),
        };
        if (content is null)
        {
            return (true, null);
        }

        return Lookup(content, out var id)
            ? (true, id)
            : throw ConfigFail(config, $"$.{key}", $"is '{content}', which is neither in $.added_tokens nor in $.model.vocab of '{_file}'");
    }

    static TokenizerFormatException ConfigFail(string config, string path, string problem) => new($"tokenizer_config.json '{config}': {path} {problem}");

    // ---------------------------------------------------------------- JSON helpers

    bool Lookup(string content, out int id) => _addedByContent.TryGetValue(content, out id) || _vocab.TryGetValue(content, out id);

    string RequiredType(JsonElement element, string path, string what, string supported)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Fail(path, $"is {Short(element)}; expected a {what} object with a 'type' ({supported})");
        }

        return OptionalString(element, "type", $"{path}.type") ?? throw Fail($"{path}.type", $"is missing; supported: {supported}");
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

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Fail(path, $"is {Short(value)}; expected a string");
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
            _ => throw Fail(path, $"is {Short(value)}; expected true or false"),
        };
    }

    /// <summary>The property, or null when it is absent or JSON null.</summary>
    static JsonElement? Get(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>A value's JSON text, cut to 80 characters for messages.</summary>
    static string Short(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");
    }

    TokenizerFormatException Fail(string path, string problem) =>
        new($"tokenizer.json '{_file}': {path}{(problem.StartsWith("unknown", StringComparison.Ordinal) ? ":" : "")} {problem}");
}
