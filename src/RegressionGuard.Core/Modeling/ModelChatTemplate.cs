using System.Text.Json;
using RegressionGuard.Jinja;

namespace RegressionGuard.Modeling;

/// <summary>One turn of a conversation given to a chat template.</summary>
public sealed record ChatMessage(string Role, string Content);

/// <summary>
/// The chat template a model ships, rendered as <c>transformers</c>' <c>apply_chat_template</c> renders it.
/// Where it is read from (transformers <c>tokenization_utils_base.py</c>): <c>chat_template.jinja</c> beside the
/// tokenizer wins over <c>chat_template</c> in <c>tokenizer_config.json</c> (a string, or a list of
/// <c>{name, template}</c> of which <c>default</c> is used). The variables are <c>messages</c>,
/// <c>add_generation_prompt</c> and every special token (<c>bos_token</c>, <c>eos_token</c>, <c>unk_token</c>,
/// <c>sep_token</c>, <c>pad_token</c>, <c>cls_token</c>, <c>mask_token</c>, <c>additional_special_tokens</c>), from
/// <c>special_tokens_map.json</c> overridden by <c>tokenizer_config.json</c>, as strings or AddedToken objects.
/// The files are read here, in Core, without loading the model: prompts are built before any model runs (and the
/// base model of a comparison may never be loaded when its results come from the cache).
/// </summary>
public sealed class ModelChatTemplate
{
    public const string ConfigFile = "tokenizer_config.json";
    public const string TemplateFile = "chat_template.jinja";
    public const string SpecialTokensMapFile = "special_tokens_map.json";

    static readonly string[] SpecialTokenNames = { "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token" };

    readonly bool _inConfig;
    JinjaTemplate? _parsed;

    ModelChatTemplate(string source, string file, bool inConfig, IReadOnlyDictionary<string, object?> specialTokens)
    {
        Source = source;
        File = file;
        _inConfig = inConfig;
        SpecialTokens = specialTokens;
    }

    /// <summary>The Jinja text of the template.</summary>
    public string Source { get; }

    /// <summary>The file it came from (<c>chat_template.jinja</c> or <c>tokenizer_config.json</c>).</summary>
    public string File { get; }

    /// <summary>Special-token variables: strings, and <c>additional_special_tokens</c> as a list of strings.</summary>
    public IReadOnlyDictionary<string, object?> SpecialTokens { get; }

    /// <summary>
    /// The template of a model: looked for in the model's folder (the folder of a model file), then in the folder of
    /// <paramref name="tokenizerPath"/>, then (for a PEFT adapter folder) in its base model's folder
    /// (<c>base_model_name_or_path</c> of <c>adapter_config.json</c>, when it is a folder here); null when none has one.
    /// </summary>
    public static ModelChatTemplate? Find(string modelPath, string? tokenizerPath = null)
    {
        var folders = new List<string>();
        foreach (var path in new[] { modelPath, tokenizerPath })
        {
            if (path is null)
            {
                continue;
            }

            var full = Path.GetFullPath(path);
            var folder = Directory.Exists(full) ? full : Path.GetDirectoryName(full);
            if (folder is not null && !folders.Contains(folder))
            {
                folders.Add(folder);
            }
        }
        if (folders.Count > 0 && AdapterBase(folders[0]) is { } baseFolder && !folders.Contains(baseFolder))
        {
            folders.Add(baseFolder);
        }
        return folders.Select(Load).FirstOrDefault(t => t is not null);
    }

    static string? AdapterBase(string folder)
    {
        var adapterConfig = Path.Combine(folder, "adapter_config.json");
        if (!System.IO.File.Exists(adapterConfig))
        {
            return null;
        }

        var config = ReadJson(adapterConfig);
        if (!config.TryGetProperty("base_model_name_or_path", out var named) || named.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var candidate = Path.GetFullPath(named.GetString()!, folder);
        return Directory.Exists(candidate) ? candidate : null;
    }

    /// <summary>The template in <paramref name="folder"/>, or null when it has none.</summary>
    public static ModelChatTemplate? Load(string folder)
    {
        var configPath = Path.Combine(folder, ConfigFile);
        var templatePath = Path.Combine(folder, TemplateFile);
        JsonElement? config = System.IO.File.Exists(configPath) ? ReadJson(configPath) : null;
        var special = SpecialTokensOf(folder, config);
        if (System.IO.File.Exists(templatePath))
        {
            return new ModelChatTemplate(System.IO.File.ReadAllText(templatePath), templatePath, false, special);
        }
        if (config is not { } c || !c.TryGetProperty("chat_template", out var template) || template.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return template.ValueKind switch
        {
            JsonValueKind.String => new ModelChatTemplate(template.GetString()!, configPath, true, special),
            JsonValueKind.Array => new ModelChatTemplate(Named(template, configPath), configPath, true, special),
            _ => throw new ChatTemplateException($"{configPath}: 'chat_template' is a {template.ValueKind}; expected a string or a list of {{\"name\", \"template\"}}"),
        };
    }

    static string Named(JsonElement list, string configPath)
    {
        var names = new List<string>();
        foreach (var entry in list.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                || !entry.TryGetProperty("template", out var text) || text.ValueKind != JsonValueKind.String)
            {
                throw new ChatTemplateException($"{configPath}: 'chat_template[{names.Count}]' must be {{\"name\": string, \"template\": string}}");
            }
            if (name.GetString() == "default")
            {
                return text.GetString()!;
            }
            names.Add(name.GetString()!);
        }
        throw new ChatTemplateException($"{configPath}: 'chat_template' names {(names.Count == 0 ? "no templates" : string.Join(", ", names))} but none is 'default'");
    }

    static JsonElement ReadJson(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(System.IO.File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            return doc.RootElement.ValueKind == JsonValueKind.Object
                ? doc.RootElement.Clone()
                : throw new ChatTemplateException($"{path}: expected a JSON object, got {doc.RootElement.ValueKind}");
        }
        catch (JsonException e)
        {
            throw new ChatTemplateException($"{path}:{e.LineNumber + 1}:{e.BytePositionInLine + 1}: invalid JSON: {e.Message}");
        }
    }

    static Dictionary<string, object?> SpecialTokensOf(string folder, JsonElement? config)
    {
        var tokens = new Dictionary<string, object?>(StringComparer.Ordinal);
        var mapPath = Path.Combine(folder, SpecialTokensMapFile);
        foreach (var source in new[] { System.IO.File.Exists(mapPath) ? ReadJson(mapPath) : (JsonElement?)null, config })
        {
            if (source is not { } s)
            {
                continue;
            }
            foreach (var name in SpecialTokenNames)
            {
                if (s.TryGetProperty(name, out var value) && TokenText(value) is { } text)
                {
                    tokens[name] = text;
                }
            }
            if (s.TryGetProperty("additional_special_tokens", out var additional) && additional.ValueKind == JsonValueKind.Array && additional.GetArrayLength() > 0)
            {
                tokens["additional_special_tokens"] = additional.EnumerateArray().Select(TokenText).Where(t => t is not null).Cast<object?>().ToList();
            }
        }
        return tokens;
    }

    /// <summary>A special token as a string or an AddedToken object (<c>{"content": ...}</c>).</summary>
    static string? TokenText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Object when value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String => content.GetString(),
        _ => null,
    };

    /// <summary>Parses the template (once); a syntax error is a <see cref="ChatTemplateException"/> with the template's line:col.</summary>
    public void Validate() => Parsed();

    JinjaTemplate Parsed()
    {
        if (_parsed is null)
        {
            try
            {
                _parsed = JinjaTemplate.Parse(Source);
            }
            catch (JinjaException e)
            {
                throw Error(e);
            }
        }
        return _parsed;
    }

    /// <summary>
    /// Renders a conversation. <paramref name="variables"/> are passed too (e.g. <c>enable_thinking</c>) and win over
    /// the special tokens, as keyword arguments do in transformers.
    /// </summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? variables = null)
    {
        var template = Parsed();
        var all = new Dictionary<string, object?>(SpecialTokens, StringComparer.Ordinal)
        {
            ["messages"] = messages.Select(m => (object?)new Dictionary<string, object?> { ["role"] = m.Role, ["content"] = m.Content }).ToList(),
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        foreach (var (name, value) in variables ?? new Dictionary<string, object?>())
        {
            all[name] = value;
        }

        try
        {
            return template.Render(all);
        }
        catch (JinjaException e)
        {
            throw Error(e);
        }
    }

    ChatTemplateException Error(JinjaException e) => _inConfig
        ? new ChatTemplateException($"{File}: chat_template, line {e.Line}:{e.Column}: {Strip(e)}", e)
        : new ChatTemplateException($"{File}:{e.Line}:{e.Column}: {Strip(e)}", e);

    static string Strip(JinjaException e) => e.Message[(e.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..];
}

/// <summary>A model's chat template that cannot be read, parsed or rendered; the message names the file and line:col.</summary>
public sealed class ChatTemplateException : Exception
{
    public ChatTemplateException(string message) : base(message) { }

    public ChatTemplateException(string message, Exception inner) : base(message, inner) { }
}
