using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace RegressionGuard.Suites.Loading;

/// <summary>
/// Parses YAML written by other people without trusting it: size and nesting limits, no anchors/aliases (no
/// "billion laughs"), no tags (nothing is ever deserialised into arbitrary types), then the plain node tree.
/// Every problem becomes a <see cref="SuiteError"/> with file:line:col.
/// </summary>
public static class SafeYaml
{
    public const int MaxBytes = 1 << 20;
    public const int MaxDepth = 32;

    /// <summary>The root mapping, or null when the text is not usable (errors say why).</summary>
    public static YamlMappingNode? LoadMapping(string text, string file, List<SuiteError> errors)
    {
        if (text.Length > MaxBytes)
        {
            errors.Add(new SuiteError(file, 1, 1, $"file is {text.Length:N0} characters; suite and config files are limited to {MaxBytes:N0}"));
            return null;
        }
        try
        {
            var parser = new Parser(new StringReader(text));
            int depth = 0;
            while (parser.MoveNext())
            {
                var e = parser.Current!;
                switch (e)
                {
                    case AnchorAlias alias:
                        errors.Add(Error(file, alias.Start, $"YAML aliases (*{alias.Value}) are not allowed; write the value out"));
                        return null;
                    case NodeEvent node when !node.Anchor.IsEmpty:
                        errors.Add(Error(file, node.Start, $"YAML anchors (&{node.Anchor}) are not allowed; write the value out"));
                        return null;
                    case NodeEvent node when !node.Tag.IsEmpty && !node.Tag.IsNonSpecific:
                        errors.Add(Error(file, node.Start, $"YAML tags ({node.Tag}) are not allowed: values are plain strings, numbers, lists and mappings"));
                        return null;
                }
                if (e is MappingStart or SequenceStart)
                {
                    if (++depth > MaxDepth)
                    {
                        errors.Add(Error(file, e.Start, $"nesting deeper than {MaxDepth} levels"));
                        return null;
                    }
                }
                else if (e is MappingEnd or SequenceEnd)
                {
                    depth--;
                }
            }
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0)
            {
                errors.Add(new SuiteError(file, 1, 1, "the file is empty; expected a mapping with 'schema: 1', 'id', 'task', ..."));
                return null;
            }
            if (stream.Documents.Count > 1)
            {
                errors.Add(Error(file, stream.Documents[1].RootNode.Start, "only one YAML document per file is allowed"));
            }

            if (stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                errors.Add(Error(file, stream.Documents[0].RootNode.Start, "expected a mapping of keys to values at the top level"));
                return null;
            }
            return root;
        }
        catch (YamlException e)
        {
            errors.Add(Error(file, e.Start, $"invalid YAML: {e.Message.TrimEnd('.')}"));
            return null;
        }
        catch (Exception e) when (IsParserFailure(e))
        {
            errors.Add(new SuiteError(file, 1, 1, UnparsableMessage));
            return null;
        }
    }

    /// <summary>
    /// YamlDotNet fails on some malformed input with InvalidOperationException (scanner) or ArgumentException ("the
    /// current event is of an unsupported type") instead of a YamlException; found by fuzzing, e.g. "  [: 1".
    /// </summary>
    public static bool IsParserFailure(Exception e) => e is InvalidOperationException or ArgumentException;

    /// <summary>The message for <see cref="IsParserFailure"/> (YamlDotNet gives no position).</summary>
    public const string UnparsableMessage = "invalid YAML: the text cannot be parsed (look for an unclosed '[' or '{', or a key that starts with one)";

    public static SuiteError Error(string file, Mark mark, string message) => new(file, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column), message);
}
