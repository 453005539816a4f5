#!/usr/bin/env bash
# Scoring throughput at the Qwen3-0.6B shape, batch 8 x 1024 tokens, bf16: RegressionGuard (TorchSharp) and the
# PyTorch eager peer, one after the other in one run, on the same weights and the same ids (issue 14, Performance).
# Usage: bench/peers/run-scoring.sh [model folder] [repetitions]   (from the repository root; needs ../shared)
set -euo pipefail
model="${1:-/tmp/rg-realsize/qwen3-0.6b}"
reps="${2:-2}"
ids="$(dirname "$model")/ids-8x1024.i32"
bench=bench/RegressionGuard.Bench/bin/Release/net10.0/linux-x64/RegressionGuard.Bench.dll
dotnet build bench/RegressionGuard.Bench -c Release -v q -nologo > /dev/null
if [ ! -f "$model/model.safetensors" ]; then
  dotnet "$bench" realsize-write --shape qwen3-0.6b --out "$model"
fi
uptime
dotnet "$bench" realsize-score --model "$model" --batch 8 --tokens 1024 --repetitions "$reps" --ids "$ids" | grep '^regressionguard'
/usr/bin/python3 bench/peers/pytorch/score_qwen3.py --model "$model" --ids "$ids" --batch 8 --tokens 1024 --repetitions "$reps" --threads 2
uptime
