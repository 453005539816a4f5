#!/usr/bin/env bash
# Builds llama2.c's run.c (vendored, MIT) as its README's plain build: one thread, -O3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$here/bin"
gcc -O3 -o "$here/bin/run" "$here/run.c" -lm
echo "$here/bin/run"
