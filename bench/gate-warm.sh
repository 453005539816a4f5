#!/bin/bash
# The organism gate (suites/organism/gate-mild.yaml), cold once then warm ROUNDS times per build, builds alternating
# within each round, each build with its own fresh cache folder (so each keeps its own JIT profile too). Prints every
# run, then per build the median warm wall and CPU seconds (CPU = user + sys of /usr/bin/time) and the ratio to the
# first build's medians.
#
# usage: bench/gate-warm.sh [--default-threads] ROUNDS NAME=CHECKOUT:BINARY...
#   CHECKOUT  a checkout of the build's commit (git archive + dotnet build -c Release), where the gate config lives
#   BINARY    its CLI, relative to CHECKOUT or absolute; may start with `env VAR=value ...`
#   OMP_NUM_THREADS=1 unless --default-threads (then libtorch uses every core, as a user's run does)
# e.g.
#   BIN=src/RegressionGuard.Cli/bin/Release/net10.0/linux-x64/regressionguard
#   dotnet publish src/RegressionGuard.Cli -c Release -o /tmp/rg-tool      # the packed tool's content (ReadyToRun)
#   bench/gate-warm.sh 9 base=/tmp/gatewarm-base:$BIN now=$PWD:$BIN tool=$PWD:/tmp/rg-tool/regressionguard
set -eu
if [ "${1:-}" = "--default-threads" ]; then shift; unset OMP_NUM_THREADS; else export OMP_NUM_THREADS=1; fi
rounds=$1; shift
declare -A tree bin cache
names=()
for spec in "$@"; do n=${spec%%=*}; rest=${spec#*=}; tree[$n]=${rest%%:*}; bin[$n]=${rest#*:}; names+=("$n"); done
log=$(mktemp /tmp/gate-warm.XXXX)
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)  $(date -u +%H:%M:%S) UTC  OMP_NUM_THREADS=${OMP_NUM_THREADS:-default}"
run() { # name kind
  (cd "${tree[$1]}" && REGRESSIONGUARD_CACHE=${cache[$1]} /usr/bin/time -f "$1 $2 %e %U %S" ${bin[$1]} gate --config suites/organism/gate-mild.yaml 2>&1 >/dev/null | tail -1) | tee -a "$log"
}
for n in "${names[@]}"; do cache[$n]=$(mktemp -d /tmp/gate-warm-cache.XXXX); run "$n" cold; done
for r in $(seq "$rounds"); do for n in "${names[@]}"; do run "$n" warm; done; done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)  $(date -u +%H:%M:%S) UTC"
median() { sort -g | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
first=${names[0]}
fw=$(awk -v n="$first" '$1==n && $2=="warm" {print $3}' "$log" | median)
fc=$(awk -v n="$first" '$1==n && $2=="warm" {print $4+$5}' "$log" | median)
echo "| build | warm wall s (median of $rounds) | warm CPU s | ÷ $first (wall, CPU) |"
echo "|---|---|---|---|"
for n in "${names[@]}"; do
  w=$(awk -v n="$n" '$1==n && $2=="warm" {print $3}' "$log" | median)
  c=$(awk -v n="$n" '$1==n && $2=="warm" {print $4+$5}' "$log" | median)
  echo "| $n | $w | $c | $(awk -v a="$w" -v b="$fw" -v c="$c" -v d="$fc" 'BEGIN{printf "%.2f, %.2f", a/b, c/d}') |"
done
for n in "${names[@]}"; do rm -rf "${cache[$n]}"; done
rm -f "$log"
