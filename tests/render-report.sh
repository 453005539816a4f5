#!/usr/bin/env bash
# Renders a RegressionGuard report.html to a PNG with headless Chromium and fails when the page logs console errors.
# Usage: tests/render-report.sh <report.html> <output.png>
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <report.html> <output.png>" >&2
  exit 2
fi
html=$(realpath "$1")
png=$(realpath -m "$2")
[[ -f "$html" ]] || { echo "no such file: $html" >&2; exit 2; }

if [[ ! -x /usr/bin/chromium ]]; then
  echo "installing chromium (Debian package)" >&2
  apt-get update && apt-get install -y chromium
fi

profile=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$profile" "$log"' EXIT
rm -f "$png"

status=0
timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --enable-logging=stderr --v=0 \
  --screenshot="$png" --window-size=1280,2000 "file://$html" >"$log" 2>&1 || status=$?

if grep -E "Uncaught|ERROR:CONSOLE" "$log" >&2; then
  echo "the page logged console errors (above)" >&2
  exit 1
fi
if [[ $status -ne 0 ]]; then
  cat "$log" >&2
  echo "chromium exited with status $status" >&2
  exit 1
fi
if [[ ! -s "$png" ]]; then
  cat "$log" >&2
  echo "chromium wrote no screenshot to $png" >&2
  exit 1
fi
echo "$png"
