using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace RegressionGuard.Torch.Tests.Tokenization;

/// <summary>
/// Writes the Llama-2-layout tokenizer.json (Prepend + Replace normalizer, BPE with byte_fallback, TemplateProcessing
/// adding &lt;s&gt;, Replace/ByteFallback/Fuse/Strip decoder) of a llama2.c vocabulary (tokenizer.bin: pieces and scores),
/// with the merges derived as Hugging Face's SentencePiece converter does: for every piece, each split into two pieces
/// that are both in the vocabulary (ordered by the halves' ids), all sorted by the piece's score, highest first (stable).
/// Written independently of the code under test.
/// </summary>
public static class SentencePieceStyleTokenizerJson
{
    public static string WriteFromLlama2cBin(string tokenizerBin, string folder)
    {
        var bytes = File.ReadAllBytes(tokenizerBin);
        var pieces = new List<(string Piece, float Score)>();
        for (var at = 4; at < bytes.Length;)
        {
            var score = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at));
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + 4));
            var text = Encoding.UTF8.GetString(bytes, at + 8, length);
            at += 8 + length;
            pieces.Add((text switch { "\n<s>\n" => "<s>", "\n</s>\n" => "</s>", _ => text.Replace(' ', '\u2581') }, score));
        }

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var id = 0; id < pieces.Count; id++)
        {
            vocab.TryAdd(pieces[id].Piece, id);
        }

        var merges = new List<(string Left, string Right, float Score)>();
        foreach (var (piece, score) in pieces)
        {
            var local = new List<(string, string, float)>();
            for (var split = 1; split < piece.Length; split++)
            {
                var (left, right) = (piece[..split], piece[split..]);
                if (vocab.ContainsKey(left) && vocab.ContainsKey(right))
                {
                    local.Add((left, right, score));
                }
            }
            merges.AddRange(local.OrderBy(m => vocab[m.Item1]).ThenBy(m => vocab[m.Item2]));
        }
        var ordered = merges.Select((m, i) => (m, i)).OrderByDescending(x => x.m.Score).ThenBy(x => x.i).Select(x => x.m).ToList();

        var vocabJson = new JsonObject();
        foreach (var (piece, id) in vocab)
        {
            vocabJson[piece] = id;
        }

        JsonObject Added(int id, string content) => new() { ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true };
        JsonObject Special(string id, int typeId) => new() { ["SpecialToken"] = new JsonObject { ["id"] = id, ["type_id"] = typeId } };
        JsonObject Sequence(string id, int typeId) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = typeId } };
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(Added(0, "<unk>"), Added(1, "<s>"), Added(2, "</s>")),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["normalizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Prepend", ["prepend"] = "\u2581" },
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "\u2581" }),
            },
            ["pre_tokenizer"] = null,
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(Special("<s>", 0), Sequence("A", 0)),
                ["pair"] = new JsonArray(Special("<s>", 0), Sequence("A", 0), Special("<s>", 1), Sequence("B", 1)),
                ["special_tokens"] = new JsonObject { ["<s>"] = new JsonObject { ["id"] = "<s>", ["ids"] = new JsonArray(1), ["tokens"] = new JsonArray("<s>") } },
            },
            ["decoder"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["decoders"] = new JsonArray(
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "\u2581" }, ["content"] = " " },
                    new JsonObject { ["type"] = "ByteFallback" },
                    new JsonObject { ["type"] = "Fuse" },
                    new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 }),
            },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = "<unk>",
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = true,
                ["byte_fallback"] = true,
                ["vocab"] = vocabJson,
                ["merges"] = new JsonArray(ordered.Select(m => (JsonNode)new JsonArray(m.Left, m.Right)).ToArray()),
            },
        };
        var path = Path.Combine(folder, "tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }
}
