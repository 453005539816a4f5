// Encode throughput of the shared tokenizers: @huggingface/tokenizers under node and RegressionGuard (C#) on the same
// ~10 MB of mixed text (texts.mjs benchmarkText), one thread each, run back to back. Each line is encoded separately
// (no special tokens) on both sides, twice (the first pass includes JIT warm-up and cold caches); the token totals
// must agree.
// Run:  dotnet build -c Release bench/RegressionGuard.Bench && cd tools/goldens/tokenizers && npm install && node bench.mjs
import { Tokenizer } from "@huggingface/tokenizers";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchmarkText } from "./texts.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
const shared = process.env.RG_SHARED ?? path.resolve(root, "../shared");
const megabytes = Number(process.env.RG_BENCH_MB ?? 10);
const textFile = path.join(os.tmpdir(), `rg-tokenizer-bench-${megabytes}mb.txt`);
fs.writeFileSync(textFile, benchmarkText(megabytes));
const lines = fs.readFileSync(textFile, "utf8").split("\n");
const mb = lines.reduce((n, l) => n + Buffer.byteLength(l, "utf8"), 0) / 1048576;

console.log(`## Tokenizer encode (${mb.toFixed(1)} MB in ${lines.length} lines, one thread, @huggingface/tokenizers ${JSON.parse(fs.readFileSync(path.join(here, "node_modules/@huggingface/tokenizers/package.json"))).version}, node ${process.version})`);
console.log("| tokenizer | load (s) | encode MB/s, first pass | encode MB/s, second pass | tokens |");
console.log("|---|---|---|---|---|");
for (const name of ["mistral-32k", "llama3_1", "qwen3"]) {
  const folder = path.join(shared, "tokenizers", name);
  let start = performance.now();
  const tokenizer = new Tokenizer(JSON.parse(fs.readFileSync(path.join(folder, "tokenizer.json"), "utf8")), JSON.parse(fs.readFileSync(path.join(folder, "tokenizer_config.json"), "utf8")));
  const load = (performance.now() - start) / 1000;
  const [cold] = pass(tokenizer);
  const [seconds, tokens] = pass(tokenizer);
  console.log(`| ${name} | ${load.toFixed(2)} | ${(mb / cold).toFixed(2)} | ${(mb / seconds).toFixed(2)} | ${tokens} |`);
}

/** Encodes every line once (no special tokens): [seconds, tokens]. */
function pass(tokenizer) {
  const start = performance.now();
  let tokens = 0;
  for (const line of lines) {
    tokens += tokenizer.encode(line, { add_special_tokens: false }).ids.length;
  }
  return [(performance.now() - start) / 1000, tokens];
}

const dll = path.join(root, "bench/RegressionGuard.Bench/bin/Release/net10.0/linux-x64/RegressionGuard.Bench.dll");
console.log(execFileSync("dotnet", [dll, "tokenize", "--text", textFile, "--shared", shared], { encoding: "utf8" }));
