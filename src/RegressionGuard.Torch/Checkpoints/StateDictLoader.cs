using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Checkpoints;

/// <summary>
/// Strict, name-for-name loading of checkpoint tensors into a module whose state_dict keys are the checkpoint keys.
/// Every missing, unexpected or mis-shaped key is collected and reported in one error. Tensors are read one at a
/// time straight into the parameters (converted to the parameter's dtype when they differ), so loading needs no
/// second copy of the weights.
/// </summary>
public static class StateDictLoader
{
    /// <summary>A source of named tensors (one safetensors file, a sharded set, a llama2.c file).</summary>
    public interface ITensorSource
    {
        string Description { get; }
        IReadOnlyDictionary<string, long[]> Shapes { get; }
        /// <summary>Copies tensor <paramref name="name"/> into <paramref name="destination"/> (shape already checked).</summary>
        void CopyInto(string name, Tensor destination);
    }

    /// <param name="ignorable">checkpoint keys that may be present without a matching parameter (e.g. non-persistent buffers).</param>
    public static void Load(nn.Module module, ITensorSource source, Func<string, bool>? ignorable = null)
    {
        var expected = module.state_dict();
        var found = source.Shapes;
        var missing = expected.Keys.Where(k => !found.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var unexpected = found.Keys.Where(k => !expected.ContainsKey(k) && !(ignorable?.Invoke(k) ?? false)).Order(StringComparer.Ordinal).ToList();
        var misShaped = expected
            .Where(kv => found.TryGetValue(kv.Key, out var shape) && !shape.SequenceEqual(kv.Value.shape))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}: expected [{string.Join(", ", kv.Value.shape)}], found [{string.Join(", ", found[kv.Key])}]")
            .ToList();
        if (missing.Count + unexpected.Count + misShaped.Count > 0)
        {
            var lines = new List<string> { $"{source.Description}: checkpoint does not match the model architecture" };
            if (missing.Count > 0)
            {
                lines.Add($"  missing tensors ({missing.Count}): {string.Join(", ", missing)}");
            }

            if (unexpected.Count > 0)
            {
                lines.Add($"  unexpected tensors ({unexpected.Count}): {string.Join(", ", unexpected)}");
            }

            if (misShaped.Count > 0)
            {
                lines.Add($"  wrong shapes ({misShaped.Count}): {string.Join("; ", misShaped)}");
            }

            throw new CheckpointException(string.Join(Environment.NewLine, lines));
        }
        using (no_grad())
        {
            foreach (var (name, parameter) in expected)
            {
                source.CopyInto(name, parameter);
            }
        }
    }
}
