#!/usr/bin/env bash
# Runs the benchmark peers side by side with RegressionGuard on this machine, in one go:
#   - llama2.c run.c (one thread, -O3) against RegressionGuard's single-stream and batched greedy decoding on
#     stories260K (RegressionGuard with one intra-op thread for the single-stream row);
#   - bench/peers/pytorch/run.sh (PyTorch eager scoring peer) when that folder exists.
# Usage: bench/peers/run.sh [path/to/shared]   (default: ../shared beside the repository)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="$(cd "${1:-$repo/../shared}" && pwd)"
model="$shared/models/stories260K/stories260K.bin"
tokenizer="$shared/models/stories260K/tok512.bin"
steps=256
repeats=5

echo "# Peers, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
run="$("$repo/bench/peers/llama2c/build.sh")"
echo
echo "## llama2.c run.c (gcc -O3, one thread): greedy from BOS, $steps steps, $repeats runs"
rates=()
ticks() { awk '{print $16 + $17}' "/proc/$$/stat"; } # this shell's reaped children's user + system clock ticks
cpu_before="$(ticks)"
for i in $(seq "$repeats"); do
  rate="$("$run" "$model" -z "$tokenizer" -t 0 -n "$steps" 2>&1 >/dev/null | grep -o 'achieved tok/s: [0-9.]*' | cut -d' ' -f3)"
  echo "run $i: $rate tok/s"
  rates+=("$rate")
done
cpu_ticks=$(( $(ticks) - cpu_before ))
echo "process CPU s per 1k tokens: $(awk -v t="$cpu_ticks" -v hz="$(getconf CLK_TCK)" -v n="$(( repeats * steps ))" 'BEGIN { printf "%.3f", 1000 * t / hz / n }')"
median="$(printf '%s\n' "${rates[@]}" | sort -g | sed -n "$(( (repeats + 1) / 2 ))p")"
echo "median: $median tok/s"

dotnet build -c Release "$repo/bench/RegressionGuard.Bench" -v quiet -nologo | grep -E 'error|Warn' || true
dotnet "$repo/bench/RegressionGuard.Bench/bin/Release/net10.0/linux-x64/RegressionGuard.Bench.dll" decode --shared "$shared" --steps "$steps" --repeats "$repeats" --peer "$median"

if [ -x "$repo/bench/peers/pytorch/run.sh" ]; then
  "$repo/bench/peers/pytorch/run.sh" "$shared"
fi
