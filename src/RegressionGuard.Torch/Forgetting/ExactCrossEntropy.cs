using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RegressionGuard.Torch.Forgetting;

/// <summary>
/// The exact form's per-position reduction on the CPU, straight from one row of the tuned logits z (fp32) and the
/// base probabilities p of that position, without a tensor for p and without an (n, V) temporary: two passes over
/// the row while it is in L1, the first for m = max z and its index, the second for S = Σ_v e^(z_v − m), Σ_v p_v and
/// Σ_v p_v (z_v − m). Then CE = −Σ_v p_v log q_v = Σ_v p_v (m + log S − z_v) = log S · Σ_v p_v + Σ_v p_v (m − z_v):
/// two non-negative terms, no cancellation (the tensor form lse · Σ p − Σ p z subtracts two numbers of the size of z).
/// The argmax is the first index holding the maximum, a NaN counting as the maximum, as torch.argmax.
/// </summary>
public static class ExactCrossEntropy
{
    /// <summary>−Σ_v p_v log softmax(z)_v for one position, and the index of the tuned model's most likely id.</summary>
    /// <exception cref="ArgumentException">the two rows differ in length or are empty.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // one call per position from the first: no tier-0 pass over a corpus
    public static float Row(ReadOnlySpan<float> logits, ReadOnlySpan<float> probs, out int argmax)
    {
        if (logits.Length != probs.Length || logits.Length == 0)
        {
            throw new ArgumentException($"a row of {logits.Length} logits against {probs.Length} base probabilities; both must hold the whole vocabulary");
        }

        float max = Max(logits);
        argmax = IndexOf(logits, max);
        ref float z = ref MemoryMarshal.GetReference(logits);
        ref float p = ref MemoryMarshal.GetReference(probs);
        int v = logits.Length, i = 0;
        var m = Vector256.Create(max);
        var sumExp = Vector256<float>.Zero;
        var sumP = Vector256<float>.Zero;
        var sumPd = Vector256<float>.Zero;
        for (; i <= v - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var d = Vector256.LoadUnsafe(ref z, (nuint)i) - m;                                  // z − m ≤ 0
            var pv = Vector256.LoadUnsafe(ref p, (nuint)i);
            sumExp += Vector256.Exp(d);
            sumP += pv;
            sumPd = Vector256.FusedMultiplyAdd(pv, d, sumPd);
        }

        double s = Vector256.Sum(sumExp), sp = Vector256.Sum(sumP), spd = Vector256.Sum(sumPd);
        for (; i < v; i++)
        {
            double d = logits[i] - max;
            s += Math.Exp(d);
            sp += probs[i];
            spd += probs[i] * d;
        }

        return (float)(Math.Log(s) * sp - spd);
    }

    /// <summary>The largest value of the row, NaN if it holds one (IEEE 754:2019 maximum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float Max(ReadOnlySpan<float> row)
    {
        ref float z = ref MemoryMarshal.GetReference(row);
        int i = 0;
        float max = float.NegativeInfinity;
        if (row.Length >= Vector256<float>.Count)
        {
            var vm = Vector256.LoadUnsafe(ref z);
            for (i = Vector256<float>.Count; i <= row.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                vm = Vector256.Max(vm, Vector256.LoadUnsafe(ref z, (nuint)i));
            }

            for (int lane = 0; lane < Vector256<float>.Count; lane++)
            {
                max = MathF.Max(max, vm.GetElement(lane));
            }
        }

        for (; i < row.Length; i++)
        {
            max = MathF.Max(max, row[i]);
        }

        return max;
    }

    /// <summary>The first index holding <paramref name="max"/> (the first NaN when it is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static int IndexOf(ReadOnlySpan<float> row, float max)
    {
        if (float.IsNaN(max))
        {
            for (int j = 0; j < row.Length; j++)
            {
                if (float.IsNaN(row[j]))
                {
                    return j;
                }
            }
        }

        ref float z = ref MemoryMarshal.GetReference(row);
        var m = Vector256.Create(max);
        int i = 0;
        for (; i <= row.Length - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            uint hits = Vector256.Equals(Vector256.LoadUnsafe(ref z, (nuint)i), m).ExtractMostSignificantBits();
            if (hits != 0)
            {
                return i + System.Numerics.BitOperations.TrailingZeroCount(hits);
            }
        }

        for (; i < row.Length; i++)
        {
            if (row[i] == max)
            {
                return i;
            }
        }

        return 0;
    }
}
