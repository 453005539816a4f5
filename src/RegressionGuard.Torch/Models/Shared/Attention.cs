using static TorchSharp.torch;

namespace RegressionGuard.Torch.Models.Shared;

/// <summary>Shared attention helpers: grouped-query expansion and scaled dot-product attention with or without a mask.</summary>
public static class Attention
{
    /// <summary>(B, KVH, S, hd) → (B, KVH·groups, S, hd) by repeating each key/value head for its query group.</summary>
    public static Tensor RepeatKv(Tensor kv, long groups)
    {
        if (groups == 1)
        {
            return kv.alias();
        }

        var (b, h, s, d) = (kv.shape[0], kv.shape[1], kv.shape[2], kv.shape[3]);
        return kv.unsqueeze(2).expand(b, h, groups, s, d).reshape(b, h * groups, s, d);
    }

    /// <summary>
    /// Grouped-query attention: q (B, H, T, hd) against k, v (B, KVH, S, hd). One decoding step (T = 1) folds each
    /// query group into the key/value head it shares, (B, KVH, H/KVH, hd), so keys and values are never copied.
    /// </summary>
    public static Tensor AttendGrouped(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        long b = q.shape[0], heads = q.shape[1], t = q.shape[2], hd = q.shape[3], kvHeads = k.shape[1];
        long groups = heads / kvHeads;
        if (groups == 1)
        {
            return Attend(q, k, v, mask);
        }

        if (t == 1)
        {
            var folded = q.view(b, kvHeads, groups, hd);                                        // (B, KVH, G, hd)
            var outFolded = mask is null
                ? nn.functional.scaled_dot_product_attention(folded, k, v)
                : nn.functional.scaled_dot_product_attention(folded, k, v, attn_mask: mask);     // (B, KVH, G, hd)
            return outFolded.view(b, heads, 1, hd);
        }
        return Attend(q, RepeatKv(k, groups), RepeatKv(v, groups), mask);
    }

    /// <summary>
    /// softmax(q·kᵀ/√hd, masked) · v. q (B, H, T, hd); k, v (B, H, S, hd); mask (B, 1, T, S) bool, true = may attend.
    /// Without a mask: causal when T == S (a fresh sequence), all keys when T == 1 (one decoding step, no padding).
    /// </summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        if (mask is not null)
        {
            return nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: mask);
        }

        long t = q.shape[2], s = k.shape[2];
        if (t == s)
        {
            return nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        }

        if (t == 1)
        {
            return nn.functional.scaled_dot_product_attention(q, k, v);
        }

        throw new ArgumentException($"attention without a mask needs T == S or T == 1, got T = {t}, S = {s}", nameof(mask));
    }
}
