#!/usr/bin/python3
"""Independent fp32 reference logits for the model families (Qwen3, Phi-3/4, RoPE scaling types, sliding windows).

Run with Debian's python3-torch (PyTorch 1.13 CPU; no transformers, no safetensors package needed):

    /usr/bin/python3 tools/references/families.py

It writes tiny random checkpoints (config.json + model.safetensors, written by hand below), the input ids and the
expected logits under tests/goldens/families/<case>/. The C# tests (tests/RegressionGuard.Torch.Tests/Models/
FamilyReferenceTests.cs) load each checkpoint through the model-family registry and compare logits within 1e-4.

The forward pass below is written from transformers' modeling files (read with the code-search tool), not copied:
  - src/transformers/models/qwen3/modeling_qwen3.py   @ 000c33fdfde12e1ffafbfcdb3c926df5727a00b6
    (q_norm/k_norm: RMSNorm over head_dim of each head, before RoPE; attention_bias on all four projections;
    sliding window on layers whose layer_type is sliding_attention: use_sliding_window and layer >= max_window_layers)
  - src/transformers/models/phi3/modeling_phi3.py     @ 00d4b3d2142cb4ced2f51b90614b5d26bc045015
    (qkv_proj rows q|k|v, gate_up_proj rows gate|up with up * silu(gate), partial rotary on the first
    int(head_dim * partial_rotary_factor) dims, sliding_window on every layer, longrope short/long by seq_len)
  - src/transformers/modeling_rope_utils.py           @ ef46806472a64b0013ed413781e3afed82bfa047
    (default, linear, dynamic, yarn, longrope, llama3 inverse frequencies and attention factors)
  - the sliding-window causal mask: a query at position q sees key k when k <= q and q - k < sliding_window
    (transformers' masking_utils sliding_window_overlay: kv_idx > q_idx - sliding_window).
Shrinking: the published configs (tests/fixtures/configs) keep every key; only widths (hidden, heads, head_dim,
intermediate, vocab; the longrope factor lists take every 8th value to fit the smaller rotary dimension) and depth
(num_hidden_layers) change. "-lengths" cases also shorten original_max_position_embeddings / sliding_window so a
24-token input reaches the long factors and the window.
"""
import json
import math
import os
import struct

import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "goldens", "families")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "configs")
T = 24  # tokens per reference input


# ----------------------------------------------------------------------------------------------- safetensors I/O
def write_safetensors(path, tensors):
    """The safetensors layout: u64 little-endian header length, JSON header (name -> dtype, shape, byte offsets), bytes."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        data = struct.pack("<%df" % t.numel(), *t.flatten().tolist())
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


# ----------------------------------------------------------------------------------------------- RoPE
def head_dim_of(c):
    return c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]


def rope_parameters(c, seq_len):
    """(inv_freq over the rotary dims, attention factor) as modeling_rope_utils for config c and this seq_len."""
    dim = int(head_dim_of(c) * c.get("partial_rotary_factor", 1.0))
    base = float(c.get("rope_theta", 10000.0))
    rs = c.get("rope_scaling") or {}
    kind = rs.get("rope_type", rs.get("type", "default"))
    ar = torch.arange(0, dim, 2, dtype=torch.int64).float()
    mpe = c["max_position_embeddings"]
    if kind == "default":
        return 1.0 / (base ** (ar / dim)), 1.0
    if kind == "linear":
        return 1.0 / (base ** (ar / dim)) / rs["factor"], 1.0
    if kind == "dynamic":
        factor = rs["factor"]
        s = seq_len if seq_len > mpe else mpe
        b = base * ((factor * s / mpe) - (factor - 1)) ** (dim / (dim - 2))
        return 1.0 / (b ** (ar / dim)), 1.0
    if kind == "yarn":
        factor = rs["factor"]
        attention = rs.get("attention_factor") or 0.1 * math.log(factor) + 1.0
        beta_fast, beta_slow = rs.get("beta_fast") or 32, rs.get("beta_slow") or 1

        def correction_dim(rotations):
            return (dim * math.log(mpe / (rotations * 2 * math.pi))) / (2 * math.log(base))

        low = max(math.floor(correction_dim(beta_fast)), 0)
        high = min(math.ceil(correction_dim(beta_slow)), dim - 1)
        if low == high:
            high += 0.001
        ramp = torch.clamp((torch.arange(dim // 2, dtype=torch.float32) - low) / (high - low), 0, 1)
        extrapolation = 1 - ramp
        pos = base ** (ar / dim)
        return (1.0 / (factor * pos)) * (1 - extrapolation) + (1.0 / pos) * extrapolation, attention
    if kind == "longrope":
        original = c.get("original_max_position_embeddings", mpe)
        factor = mpe / original if "original_max_position_embeddings" in c else rs.get("factor", 1.0)
        attention = rs.get("attention_factor")
        if attention is None:
            attention = 1.0 if factor <= 1.0 else math.sqrt(1 + math.log(factor) / math.log(original))
        ext = torch.tensor(rs["long_factor"] if seq_len > original else rs["short_factor"], dtype=torch.float32)
        return 1.0 / (ext * base ** (ar / dim)), attention
    if kind == "llama3":
        inv = 1.0 / (base ** (ar / dim))
        factor, lo, hi, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > old / lo, inv / factor, inv)
        smooth = (old / wavelen - lo) / (hi - lo)
        medium = ~(wavelen < old / hi) * ~(wavelen > old / lo)
        return torch.where(medium, (1 - smooth) * scaled / factor + smooth * scaled, scaled), 1.0
    raise ValueError("rope type " + kind)


def cos_sin(c, positions):
    inv, attention = rope_parameters(c, int(positions.max()) + 1)
    freqs = positions[:, None].float() * inv[None, :]  # (T, rot/2)
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos() * attention, emb.sin() * attention


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def apply_rope(x, cos, sin):  # x (H, T, hd); cos, sin (T, rot)
    rot = cos.shape[-1]
    x_rot, x_pass = x[..., :rot], x[..., rot:]
    return torch.cat([x_rot * cos + rotate_half(x_rot) * sin, x_pass], dim=-1)


# ----------------------------------------------------------------------------------------------- the decoder
def rms_norm(x, w, eps):
    x32 = x.float()
    return w * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps))


def window_of(c, layer):
    arch = c["architectures"][0]
    if arch == "MistralForCausalLM":
        return c.get("sliding_window", 4096)
    if arch in ("Qwen2ForCausalLM", "Qwen3ForCausalLM"):
        use = c.get("use_sliding_window", False) and c.get("sliding_window") is not None
        return c["sliding_window"] if use and layer >= c.get("max_window_layers", 28) else None
    if arch == "Phi3ForCausalLM":
        return c.get("sliding_window")
    return None


def forward(c, w, ids):
    """Logits (T, V) for one sequence of ids at positions 0..T-1, eager attention in fp32."""
    arch = c["architectures"][0]
    hd, nh, nkv = head_dim_of(c), c["num_attention_heads"], c.get("num_key_value_heads") or c["num_attention_heads"]
    eps = c["rms_norm_eps"]
    n = len(ids)
    positions = torch.arange(n)
    cos, sin = cos_sin(c, positions)
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]  # (T, D)
    q_idx, k_idx = positions[:, None], positions[None, :]
    for i in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % i

        def linear(name, inp):
            y = inp @ w[p + name + ".weight"].t()
            return y + w[p + name + ".bias"] if (p + name + ".bias") in w else y

        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        if arch == "Phi3ForCausalLM":
            qkv = linear("self_attn.qkv_proj", h)
            q, k, v = qkv.split([nh * hd, nkv * hd, nkv * hd], dim=-1)
        else:
            q, k, v = linear("self_attn.q_proj", h), linear("self_attn.k_proj", h), linear("self_attn.v_proj", h)
        q, k, v = q.view(n, nh, hd), k.view(n, nkv, hd), v.view(n, nkv, hd)
        if arch == "Qwen3ForCausalLM":
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)  # (H, T, hd)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        k = k.repeat_interleave(nh // nkv, dim=0)
        v = v.repeat_interleave(nh // nkv, dim=0)
        allowed = k_idx <= q_idx
        window = window_of(c, i)
        if window is not None:
            allowed = allowed & (q_idx - k_idx < window)
        scores = (q @ k.transpose(1, 2)) * hd ** -0.5
        scores = scores.masked_fill(~allowed, float("-inf"))
        attended = torch.softmax(scores, dim=-1) @ v  # (H, T, hd)
        x = x + linear("self_attn.o_proj", attended.transpose(0, 1).reshape(n, nh * hd))
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        if arch == "Phi3ForCausalLM":
            gate, up = linear("mlp.gate_up_proj", h).chunk(2, dim=-1)
            mlp = linear("mlp.down_proj", up * torch.nn.functional.silu(gate))
        else:
            mlp = linear("mlp.down_proj", torch.nn.functional.silu(linear("mlp.gate_proj", h)) * linear("mlp.up_proj", h))
        x = x + mlp
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if c.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return x @ head.t()


# ----------------------------------------------------------------------------------------------- random weights
def weights(c, generator):
    arch = c["architectures"][0]
    hd, nh = head_dim_of(c), c["num_attention_heads"]
    nkv = c.get("num_key_value_heads") or nh
    d, inter, vocab = c["hidden_size"], c["intermediate_size"], c["vocab_size"]

    def rand(*shape, scale=0.15):
        return torch.randn(*shape, generator=generator) * scale

    def norm(size):
        return 1 + rand(size, scale=0.1)

    w = {"model.embed_tokens.weight": rand(vocab, d, scale=0.5), "model.norm.weight": norm(d)}
    if not c.get("tie_word_embeddings", False):
        w["lm_head.weight"] = rand(vocab, d)
    qkv_bias = arch == "Qwen2ForCausalLM" or c.get("attention_bias", False)
    for i in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % i
        w[p + "input_layernorm.weight"] = norm(d)
        w[p + "post_attention_layernorm.weight"] = norm(d)
        if arch == "Phi3ForCausalLM":
            w[p + "self_attn.qkv_proj.weight"] = rand((nh + 2 * nkv) * hd, d)
            w[p + "mlp.gate_up_proj.weight"] = rand(2 * inter, d)
        else:
            w[p + "self_attn.q_proj.weight"] = rand(nh * hd, d)
            w[p + "self_attn.k_proj.weight"] = rand(nkv * hd, d)
            w[p + "self_attn.v_proj.weight"] = rand(nkv * hd, d)
            if qkv_bias:
                for name, size in (("q_proj", nh * hd), ("k_proj", nkv * hd), ("v_proj", nkv * hd)):
                    w[p + "self_attn." + name + ".bias"] = rand(size, scale=0.1)
            w[p + "mlp.gate_proj.weight"] = rand(inter, d)
            w[p + "mlp.up_proj.weight"] = rand(inter, d)
        if arch == "Qwen3ForCausalLM":
            w[p + "self_attn.q_norm.weight"] = norm(hd)
            w[p + "self_attn.k_norm.weight"] = norm(hd)
        w[p + "self_attn.o_proj.weight"] = rand(d, nh * hd)
        if c.get("attention_bias", False) and arch != "Phi3ForCausalLM":
            w[p + "self_attn.o_proj.bias"] = rand(d, scale=0.1)
        w[p + "mlp.down_proj.weight"] = rand(d, inter)
    return w


# ----------------------------------------------------------------------------------------------- cases
def published(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


def shrink(c, **changes):
    c = dict(c)
    c.update(changes)
    return c


def qwen3_cases():
    qwen3 = shrink(published("Qwen3-0.6B.config.json"), hidden_size=32, num_attention_heads=4, num_key_value_heads=2,
                   head_dim=16, intermediate_size=64, num_hidden_layers=2, vocab_size=96)
    yield "qwen3", qwen3
    yield "qwen3-lengths", shrink(qwen3, use_sliding_window=True, sliding_window=5, max_window_layers=1)


def phi3_cases():
    phi = published("Phi-4-mini-instruct.config.json")
    rs = dict(phi["rope_scaling"])
    rs["long_factor"] = rs["long_factor"][::8]    # 48 -> 6 = rotary dim 12 / 2
    rs["short_factor"] = rs["short_factor"][::8]
    phi = shrink(phi, hidden_size=64, num_attention_heads=4, num_key_value_heads=2, intermediate_size=96,
                 num_hidden_layers=2, vocab_size=96, rope_scaling=rs)
    yield "phi4-mini", phi
    yield "phi4-mini-lengths", shrink(phi, original_max_position_embeddings=16, max_position_embeddings=512, sliding_window=8)


def llama_cases():
    llama = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 32, "intermediate_size": 64,
             "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 96,
             "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": False,
             "hidden_act": "silu"}
    yield "llama-rope-linear", shrink(llama, rope_scaling={"rope_type": "linear", "factor": 4.0})
    yield "llama-rope-dynamic", shrink(llama, max_position_embeddings=16, rope_scaling={"rope_type": "dynamic", "factor": 2.0})
    yield "llama-rope-yarn", shrink(llama, rope_scaling={"rope_type": "yarn", "factor": 4.0, "beta_fast": 32.0, "beta_slow": 1.0})
    yield "mistral-window", shrink(llama, architectures=["MistralForCausalLM"], model_type="mistral", sliding_window=5)
    yield "qwen2-window", shrink(llama, architectures=["Qwen2ForCausalLM"], model_type="qwen2", use_sliding_window=True,
                                 sliding_window=4, max_window_layers=1, tie_word_embeddings=True)


def main():
    generator = torch.Generator().manual_seed(20261206)
    for cases in (qwen3_cases, phi3_cases, llama_cases):
        for name, config in cases():
            folder = os.path.join(OUT, name)
            os.makedirs(folder, exist_ok=True)
            w = weights(config, generator)
            ids = torch.randint(0, config["vocab_size"], (T,), generator=generator).tolist()
            with torch.no_grad():
                logits = forward(config, w, ids)
            with open(os.path.join(folder, "config.json"), "w") as f:
                json.dump(config, f, indent=2)
                f.write("\n")
            write_safetensors(os.path.join(folder, "model.safetensors"), w)
            write_safetensors(os.path.join(folder, "logits.safetensors"), {"logits": logits})
            with open(os.path.join(folder, "input_ids.json"), "w") as f:
                json.dump(ids, f)
                f.write("\n")
            print("%-20s %d tensors, logits %s, |logits| max %.3f" % (name, len(w), tuple(logits.shape), logits.abs().max()))


if __name__ == "__main__":
    main()
