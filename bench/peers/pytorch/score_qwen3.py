#!/usr/bin/python3
"""PyTorch eager peer of RegressionGuard's scoring benchmark at the Qwen3-0.6B shape (issue 14, Performance).

Reads the SAME folder the C# benchmark scores (config.json + bf16 model.safetensors, written by
`RegressionGuard.Bench realsize-write --shape qwen3-0.6b`) and the SAME input ids (int32 little-endian, rows of
tokens + 1 ids, written by `realsize-score`), runs a bf16 Qwen3 forward in eager PyTorch and reports predicted
tokens/s, CPU time and the sum of log-probabilities (which must agree with the C# run to bf16 accuracy).

Run with Debian's python3-torch (PyTorch 1.13 CPU); needs neither transformers nor the safetensors package:

    /usr/bin/python3 bench/peers/pytorch/score_qwen3.py --model /tmp/rg-realsize/qwen3-0.6b \
        --ids /tmp/rg-realsize/ids-8x1024.i32 --batch 8 --tokens 1024

The forward is written from transformers' modeling file (read with the code-search tool), not copied:
  - src/transformers/models/qwen3/modeling_qwen3.py @ 000c33fdfde12e1ffafbfcdb3c926df5727a00b6
    Qwen3RMSNorm (fp32 statistics, cast back, then × weight), q_norm/k_norm per head before RoPE, rotary cos/sin
    computed in fp32 and cast to the activations' dtype, eager_attention_forward (repeat_kv, q·kᵀ·scaling + causal
    mask, softmax in fp32 cast back, · v), MLP down(silu(gate(x)) · up(x)), tied lm_head.
  - RoPE inverse frequencies: rope_parameters() of tools/references/families.py (modeling_rope_utils.py).
As a user of eager PyTorch would, the logits are computed per sequence (1024 × 151,936 fp32 at a time), not for the
whole batch at once (5 GB in fp32).
"""
import argparse
import json
import os
import struct
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools", "references"))
from families import rope_parameters  # noqa: E402  (the repository's own RoPE reference)

DTYPES = {"BF16": torch.bfloat16, "F32": torch.float32, "F16": torch.float16}


def read_safetensors(path):
    """name -> tensor, each read once into its own buffer (bf16 stays bf16: no fp32 copy)."""
    tensors = {}
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        start = 8 + length
        for name, entry in header.items():
            if name == "__metadata__":
                continue
            begin, end = entry["data_offsets"]
            f.seek(start + begin)
            buffer = bytearray(f.read(end - begin))
            tensors[name] = torch.frombuffer(buffer, dtype=DTYPES[entry["dtype"]]).view(entry["shape"])
    return tensors


def rms_norm(x, w, eps):
    x32 = x.float()
    return w * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def trunk(c, w, ids):
    """Final hidden states (B, T, D) of a Qwen3 decoder, eager attention, in the weights' dtype."""
    b, t = ids.shape
    hd, nh, nkv, eps = c["head_dim"], c["num_attention_heads"], c["num_key_value_heads"], c["rms_norm_eps"]
    inv, scale = rope_parameters(c, t)
    freqs = torch.arange(t, dtype=torch.float32)[:, None] * inv[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    dtype = w["model.embed_tokens.weight"].dtype
    cos, sin = (emb.cos() * scale).to(dtype)[None, None], (emb.sin() * scale).to(dtype)[None, None]  # (1, 1, T, hd)
    mask = torch.full((t, t), float("-inf")).triu(1)[None, None]  # (1, 1, T, T) fp32, added before the fp32 softmax
    x = torch.nn.functional.embedding(ids, w["model.embed_tokens.weight"])  # (B, T, D)
    for i in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % i
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = torch.nn.functional.linear(h, w[p + "self_attn.q_proj.weight"]).view(b, t, nh, hd)
        k = torch.nn.functional.linear(h, w[p + "self_attn.k_proj.weight"]).view(b, t, nkv, hd)
        v = torch.nn.functional.linear(h, w[p + "self_attn.v_proj.weight"]).view(b, t, nkv, hd)
        q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps).transpose(1, 2)  # (B, H, T, hd)
        k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps).transpose(1, 2)  # (B, KVH, T, hd)
        v = v.transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nh // nkv, dim=1)
        v = v.repeat_interleave(nh // nkv, dim=1)
        scores = torch.matmul(q, k.transpose(2, 3)) * hd ** -0.5 + mask  # (B, H, T, T) fp32 (mask promotes)
        attended = torch.matmul(torch.softmax(scores, dim=-1, dtype=torch.float32).to(dtype), v)  # (B, H, T, hd)
        x = x + torch.nn.functional.linear(attended.transpose(1, 2).reshape(b, t, nh * hd), w[p + "self_attn.o_proj.weight"])
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = torch.nn.functional.linear(h, w[p + "mlp.gate_proj.weight"])
        up = torch.nn.functional.linear(h, w[p + "mlp.up_proj.weight"])
        x = x + torch.nn.functional.linear(torch.nn.functional.silu(gate) * up, w[p + "mlp.down_proj.weight"])
    return rms_norm(x, w["model.norm.weight"], eps)


def score(c, w, rows):
    """Sum of log p(ids[j] | ids[:j]) over every row and j >= 1."""
    inputs, targets = rows[:, :-1], rows[:, 1:]
    hidden = trunk(c, w, inputs)
    head = w["model.embed_tokens.weight"] if c.get("tie_word_embeddings") else w["lm_head.weight"]
    total = 0.0
    for r in range(hidden.shape[0]):  # one sequence's logits at a time
        logits = torch.nn.functional.linear(hidden[r], head).float()  # (T, V) fp32
        total += torch.log_softmax(logits, dim=-1).gather(1, targets[r][:, None]).sum().item()
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--ids", required=True)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=1024)
    parser.add_argument("--repetitions", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    a = parser.parse_args()
    torch.set_num_threads(a.threads)
    with open(os.path.join(a.model, "config.json")) as f:
        c = json.load(f)
    c.setdefault("head_dim", c["hidden_size"] // c["num_attention_heads"])
    w = read_safetensors(os.path.join(a.model, "model.safetensors"))
    with open(a.ids, "rb") as f:
        data = f.read()
    ids = struct.unpack("<%di" % (len(data) // 4), data)[: a.batch * (a.tokens + 1)]  # the first rows (the file may hold more)
    rows = torch.tensor(ids, dtype=torch.int64).view(a.batch, a.tokens + 1)
    with torch.inference_mode():
        score(c, w, rows)  # warm-up
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(a.repetitions):
            total = score(c, w, rows)
        wall, cpu = (time.perf_counter() - wall) / a.repetitions, (time.process_time() - cpu) / a.repetitions
    predicted = a.batch * a.tokens
    print("pytorch %s eager | %s | bf16 | %d x %d | %.2f s wall, %.2f s CPU | %.0f tokens/s | %.0f tokens per CPU-second | sum log p = %.1f"
          % (torch.__version__, os.path.basename(a.model.rstrip("/")), a.batch, a.tokens, wall, cpu, predicted / wall, predicted / cpu, total))


if __name__ == "__main__":
    main()
