// Goldens for the tokenizer.json pipeline (tests/RegressionGuard.Torch.Tests/Tokenization/Goldens): ids with and
// without special tokens and decode(encode(x)) from @huggingface/tokenizers (Hugging Face's own JS implementation,
// https://github.com/huggingface/tokenizers.js, version pinned in package.json) for the tokenizers in
// ../shared/tokenizers. Rerun:  cd tools/goldens/tokenizers && npm install && node generate.mjs
import { Tokenizer } from "@huggingface/tokenizers";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { testTexts } from "./texts.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
const shared = process.env.RG_SHARED ?? path.resolve(root, "../shared");
const out = path.join(root, "tests/RegressionGuard.Torch.Tests/Tokenization/Goldens/tokenizers.json.gz");
const names = ["mistral-32k", "llama3_1", "qwen3"];

const texts = testTexts();
const result = { generator: "tools/goldens/tokenizers/generate.mjs", library: "@huggingface/tokenizers@0.2.0", texts, tokenizers: {} };
for (const name of names) {
  const folder = path.join(shared, "tokenizers", name);
  const json = JSON.parse(fs.readFileSync(path.join(folder, "tokenizer.json"), "utf8"));
  const config = JSON.parse(fs.readFileSync(path.join(folder, "tokenizer_config.json"), "utf8"));
  const tokenizer = new Tokenizer(json, config);
  const cases = texts.map((text) => {
    const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
    const withSpecial = tokenizer.encode(text, { add_special_tokens: true }).ids;
    const decoded = ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
    return { ids, withSpecial, decoded };
  });
  result.tokenizers[name] = cases;
}
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, zlib.gzipSync(JSON.stringify(result), { level: 9 }));
console.log(`${texts.length} texts x ${names.length} tokenizers -> ${path.relative(root, out)} (${fs.statSync(out).size} bytes)`);
