#!/usr/bin/python3
"""Independent fp32 reference for the Gemma 2 and Gemma 3 text models; writes the goldens the C# tests compare to.

Written for this repository (not copied) on Debian's python3-torch (PyTorch 1.13, CPU), following the eager code
paths of Hugging Face transformers:
  - huggingface/transformers  src/transformers/models/gemma2/modeling_gemma2.py
        commit 006e86931247d7bacf94ad00ada1fb6baf11e94b  (Gemma2RMSNorm, Gemma2MLP, eager_attention_forward with
        attn_logit_softcapping, Gemma2DecoderLayer sliding mask on even layers, normalizer cast to the hidden dtype,
        final_logit_softcapping in Gemma2ForCausalLM)
  - huggingface/transformers  src/transformers/models/gemma3/modeling_gemma3.py
        commit 0018aa647bb13801f061e2d1027c326f531b59fb  (Gemma3RMSNorm, Gemma3TextScaledWordEmbedding,
        q_norm / k_norm before RoPE, sliding_attention / full_attention layer types with their own RoPE)
  - huggingface/transformers  src/transformers/models/gemma3/configuration_gemma3.py
        commit 008f5c8c29be84d4721dc6d1e0fcd72300580be4  (rope_local_base_freq for local layers, rope_theta and
        rope_scaling for global layers, sliding_window_pattern: layer i is global when (i + 1) % pattern == 0)

The published config.json files are read from tests/fixtures/configs (their sources are listed in README.md
there) and shrunk in width and depth only: hidden size, intermediate size, head dim, vocabulary,
number of layers, sliding window and context length. Every other key keeps its published value, so the layer-type
pattern, the RoPE bases, query_pre_attn_scalar and the soft-capping values are the real ones.

Outputs, per golden under tests/goldens/gemma/<name>/:
  config.json         the shrunk config (all published keys kept)
  model.safetensors   random fp32 weights with the Hugging Face key names (safetensors written by hand below)
  expected.json       the token ids and the fp32 logits (T, V) of this reference, with the sensitivity of each feature

Run from the repository root:  /usr/bin/python3 tools/references/gemma/gemma_reference.py
"""

import json
import math
import os
import struct
import sys

import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PUBLISHED = os.path.join(ROOT, "tests", "fixtures", "configs")
GOLDENS = os.path.join(ROOT, "tests", "goldens", "gemma")

# 20 ids: longer than the shrunk sliding window (4), so local layers really drop keys.
TOKENS = [2, 17, 301, 5, 88, 3, 60, 60, 12, 95, 0, 33, 480, 7, 7, 250, 11, 499, 64, 1]


# ---------------------------------------------------------------- configs

def shrink(published, overrides):
    config = dict(published)
    config.update(overrides)
    return config


def layer_is_sliding(config):
    """Per layer: True for sliding-window (local) attention, False for global attention."""
    n = config["num_hidden_layers"]
    if config["model_type"] == "gemma2":
        return [i % 2 == 0 for i in range(n)]  # Gemma2DecoderLayer: is_sliding = not bool(layer_idx % 2)
    if config.get("layer_types") is not None:
        return [t == "sliding_attention" for t in config["layer_types"]]
    pattern = config.get("sliding_window_pattern", 6)
    return [(i + 1) % pattern != 0 for i in range(n)]


# ---------------------------------------------------------------- weights

def uniform(gen, scale, *shape):
    return (torch.rand(*shape, generator=gen, dtype=torch.float64) * 2 - 1).mul(scale).to(torch.float32)


def random_weights(config, seed, projection_scale):
    """HF state-dict keys of Gemma2ForCausalLM / Gemma3ForCausalLM (tied lm_head is not stored)."""
    gen = torch.Generator().manual_seed(seed)
    d, inner, hd = config["hidden_size"], config["intermediate_size"], config["head_dim"]
    heads, kv = config["num_attention_heads"], config["num_key_value_heads"]
    gemma3 = config["model_type"] != "gemma2"
    w = {"model.embed_tokens.weight": uniform(gen, 1.0, config["vocab_size"], d)}
    for i in range(config["num_hidden_layers"]):
        p = "model.layers.%d." % i
        w[p + "self_attn.q_proj.weight"] = uniform(gen, projection_scale, heads * hd, d)
        w[p + "self_attn.k_proj.weight"] = uniform(gen, projection_scale, kv * hd, d)
        w[p + "self_attn.v_proj.weight"] = uniform(gen, 0.3, kv * hd, d)
        w[p + "self_attn.o_proj.weight"] = uniform(gen, 0.3, d, heads * hd)
        if gemma3:
            w[p + "self_attn.q_norm.weight"] = uniform(gen, 0.5, hd)  # stored w; the scale is 1 + w
            w[p + "self_attn.k_norm.weight"] = uniform(gen, 0.5, hd)
        w[p + "mlp.gate_proj.weight"] = uniform(gen, 0.3, inner, d)
        w[p + "mlp.up_proj.weight"] = uniform(gen, 0.3, inner, d)
        w[p + "mlp.down_proj.weight"] = uniform(gen, 0.3, d, inner)
        for norm in ("input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm"):
            w[p + norm + ".weight"] = uniform(gen, 0.5, d)
    w["model.norm.weight"] = uniform(gen, 0.5, d)
    return w


# ---------------------------------------------------------------- forward (eager, as transformers)

def rms_norm(x, weight, eps):
    x32 = x.float()
    out = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)
    return (out * (1.0 + weight.float())).type_as(x)


def rope_tables(inv_freq, positions):
    freqs = positions.float()[:, None] * inv_freq[None, :]  # (T, hd/2)
    emb = torch.cat((freqs, freqs), dim=-1)                # (T, hd)
    return emb.cos(), emb.sin()


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def inv_frequencies(base, dim, linear_factor=None):
    inv = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    return inv / linear_factor if linear_factor is not None else inv


def forward(config, w, tokens, disable=()):
    """Logits (T, V) for one sequence. `disable` switches single features off, only to measure the goldens' sensitivity."""
    d, hd = config["hidden_size"], config["head_dim"]
    heads, kv = config["num_attention_heads"], config["num_key_value_heads"]
    eps = config["rms_norm_eps"]
    gemma3 = config["model_type"] != "gemma2"
    sliding = layer_is_sliding(config)
    if "sliding" in disable:
        sliding = [False] * len(sliding)
    window = config["sliding_window"]
    t = len(tokens)
    positions = torch.arange(t)

    rope_scaling = config.get("rope_scaling")
    linear = rope_scaling["factor"] if rope_scaling and rope_scaling.get("rope_type", rope_scaling.get("type")) == "linear" else None
    global_inv = inv_frequencies(float(config["rope_theta"]), hd, linear)
    local_inv = inv_frequencies(float(config.get("rope_local_base_freq", 10000.0)), hd) if gemma3 else global_inv
    if "local_rope" in disable:
        local_inv = global_inv
    cos_g, sin_g = rope_tables(global_inv, positions)
    cos_l, sin_l = rope_tables(local_inv, positions)

    q_idx = positions[:, None]
    k_idx = positions[None, :]
    causal = k_idx <= q_idx
    windowed = causal & (q_idx - k_idx < window)
    min_value = torch.finfo(torch.float32).min

    scaling = config["query_pre_attn_scalar"] ** -0.5
    if "query_pre_attn_scalar" in disable:
        scaling = hd ** -0.5
    attn_cap = None if "attn_softcap" in disable else config.get("attn_logit_softcapping")
    final_cap = None if "final_softcap" in disable else config.get("final_logit_softcapping")

    x = w["model.embed_tokens.weight"][torch.tensor(tokens)]                     # (T, D)
    normalizer = torch.tensor(d ** 0.5, dtype=x.dtype)                            # cast to the hidden dtype as HF does
    if "normalizer" not in disable:
        x = x * normalizer

    for i, is_sliding in enumerate(sliding):
        p = "model.layers.%d." % i
        residual = x
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).view(t, heads, hd).transpose(0, 1)  # (H, T, hd)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).view(t, kv, hd).transpose(0, 1)     # (KVH, T, hd)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).view(t, kv, hd).transpose(0, 1)     # (KVH, T, hd)
        if gemma3 and "qk_norm" not in disable:
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        cos, sin = (cos_l, sin_l) if is_sliding else (cos_g, sin_g)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(heads // kv, dim=0)                                       # (H, T, hd)
        v = v.repeat_interleave(heads // kv, dim=0)
        scores = (q @ k.transpose(1, 2)) * scaling                                        # (H, T, T)
        if attn_cap is not None:
            scores = torch.tanh(scores / attn_cap) * attn_cap
        allowed = windowed if is_sliding else causal
        scores = scores + torch.where(allowed, torch.tensor(0.0), torch.tensor(min_value))
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32)
        attended = (probs @ v).transpose(0, 1).reshape(t, heads * hd)                     # (T, H·hd)
        h = attended @ w[p + "self_attn.o_proj.weight"].T
        if "post_norms" not in disable:
            h = rms_norm(h, w[p + "post_attention_layernorm.weight"], eps)
        x = residual + h

        residual = x
        h = rms_norm(x, w[p + "pre_feedforward_layernorm.weight"], eps)
        gate = h @ w[p + "mlp.gate_proj.weight"].T
        up = h @ w[p + "mlp.up_proj.weight"].T
        act = torch.nn.functional.gelu(gate, approximate="none" if "tanh_gelu" in disable else "tanh")
        h = (act * up) @ w[p + "mlp.down_proj.weight"].T
        if "post_norms" not in disable:
            h = rms_norm(h, w[p + "post_feedforward_layernorm.weight"], eps)
        x = residual + h

    x = rms_norm(x, w["model.norm.weight"], eps)
    logits = x @ w["model.embed_tokens.weight"].T                                         # (T, V), tied head
    if final_cap is not None:
        logits = torch.tanh(logits / final_cap) * final_cap
    return logits


# ---------------------------------------------------------------- files

def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, tensor in tensors.items():
        data = tensor.contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def write_golden(name, config, weights, note):
    folder = os.path.join(GOLDENS, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(folder, "model.safetensors"), weights)
    with torch.no_grad():
        logits = forward(config, weights, TOKENS)
        features = ["sliding", "query_pre_attn_scalar", "normalizer", "post_norms", "tanh_gelu"]
        if config.get("attn_logit_softcapping") is not None:
            features.append("attn_softcap")
        if config.get("final_logit_softcapping") is not None:
            features.append("final_softcap")
        if config["model_type"] != "gemma2":
            features += ["qk_norm", "local_rope"]
        sensitivity = {f: float((forward(config, weights, TOKENS, disable=(f,)) - logits).abs().max()) for f in features}
    expected = {
        "note": note,
        "reference": "tools/references/gemma/gemma_reference.py",
        "tokens": TOKENS,
        "shape": list(logits.shape),
        "max_abs_logit": float(logits.abs().max()),
        "sensitivity_max_abs_change_when_feature_removed": sensitivity,
        "logits": [float("%.9g" % v) for v in logits.flatten().tolist()],
    }
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
        f.write("\n")
    size = os.path.getsize(os.path.join(folder, "model.safetensors"))
    print("%-26s layers %s  weights %d bytes  max|logit| %.3f" % (name, "".join("S" if s else "G" for s in layer_is_sliding(config)), size, expected["max_abs_logit"]))
    for f_name, change in sensitivity.items():
        print("    without %-22s max |Δlogit| %.4f" % (f_name, change))


def main():
    torch.set_num_threads(1)
    with open(os.path.join(PUBLISHED, "gemma-2-2b-it.config.json")) as f:
        gemma2 = json.load(f)
    with open(os.path.join(PUBLISHED, "gemma-3-1b-it.config.json")) as f:
        gemma3 = json.load(f)

    tiny2 = shrink(gemma2, {"hidden_size": 32, "intermediate_size": 64, "head_dim": 8, "num_hidden_layers": 3,
                            "vocab_size": 512, "sliding_window": 4, "max_position_embeddings": 64, "torch_dtype": "float32"})
    write_golden("gemma2-tiny", tiny2, random_weights(tiny2, 2002, 2.0),
                 "google/gemma-2-2b-it config.json shrunk in width and depth: layers S G S (even layers slide), window 4")

    tiny3 = shrink(gemma3, {"hidden_size": 32, "intermediate_size": 64, "head_dim": 8, "num_hidden_layers": 7,
                            "vocab_size": 512, "sliding_window": 4, "max_position_embeddings": 64, "torch_dtype": "float32"})
    write_golden("gemma3-tiny", tiny3, random_weights(tiny3, 3003, 0.5),
                 "google/gemma-3-1b-it config.json shrunk in width and depth: sliding_window_pattern 6 gives S S S S S G S, window 4")

    tiny3_linear = shrink(tiny3, {"rope_scaling": {"factor": 8.0, "rope_type": "linear"}})
    write_golden("gemma3-tiny-linear-rope", tiny3_linear, random_weights(tiny3_linear, 3004, 0.5),
                 "gemma3-tiny with the rope_scaling of the published Gemma 3 4B/12B/27B text configs (linear, factor 8, global layers only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
