// The test texts shared by generate.mjs (goldens) and bench.mjs. Deterministic: fixed handwritten texts plus
// combinations drawn with a fixed-seed PRNG, so a rerun produces the same list.

const handwritten = [
  "", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "\t\t\tindented with tabs",
  "Hello world", "Hello world!", " Hello world", "  Hello world", "Hello  world", "Hello   world   ", "hello\nworld",
  "Once upon a time", "Once upon a time, there was a little girl named Lily.",
  "The quick brown fox jumps over the lazy dog.", "THE QUICK BROWN FOX", "tHe QuIcK bRoWn FoX",
  "It's 2024, and we're testing: don't, won't, I'll, you've, he'd, I'm, they're!",
  "IT'S WE'LL THEY'VE I'D YOU'RE", "'s 't 're 've 'm 'll 'd", "''''", "\"quoted\" and 'single'",
  "0", "7", "42", "123", "1234", "12345", "1234567890", "3.14159", "1,000,000", "-17", "+1 (555) 010-0199", "2024-12-06T20:13:47Z",
  "v1.2.3-beta+build.5", "0x1F 0b1010 0o17", "1e-10", "٣٤٥ Arabic-Indic digits", "１２３ fullwidth digits", "Ⅻ roman numeral", "½ ¾ ⅞",
  "东京是日本的首都。", "我爱自然语言处理", "日本語のテキストです。カタカナとひらがな", "한국어 텍스트입니다", "中文 English 混合 text",
  "Москва — столица России.", "Αθήνα είναι η πρωτεύουσα", "العربية لغة جميلة", "עברית מימין לשמאל", "हिन्दी भाषा", "ภาษาไทย", "Tiếng Việt có dấu",
  "naïve café résumé façade", "Zürich São Paulo Kraków Ørsted", "ǅemal ǈubljana", "ﬁnance ﬂow (ligatures)", "e\u0301 (combining acute) vs é",
  "Ångström vs A\u030Angstro\u0308m", "İstanbul ıi", "ß ẞ straße", "ΣΑΣ σας", "Ⓐⓑⓒ ①②③",
  "🙂", "🙂🙃", "👍🏽", "👨‍👩‍👧‍👦 family", "🏳️‍🌈 flag", "🇯🇵🇫🇷 flags", "I ❤️ NLP", "emoji😀in😀middle", "🤖🤖🤖🤖🤖",
  "𝐁𝐨𝐥𝐝 𝑖𝑡𝑎𝑙𝑖𝑐 math letters", "𝟘𝟙𝟚 math digits", "𠀀𠀁 CJK extension B", "😀 surrogates 𝄞 music",
  "\u0000", "a\u0000b", "\u0001\u0002\u0003", "\u0007bell", "\u001b[31mred\u001b[0m", "\u007f delete", "\u0085 next line", "\u00a0non-breaking\u00a0space",
  "zero\u200bwidth\u200bspace", "\u200d joiner", "\ufeffBOM at start", "\u2028line separator\u2029paragraph", "\u3000ideographic space", "soft\u00adhyphen",
  "<s>", "</s>", "<unk>", "<s>Hello</s>", "<s> Hello </s>", "Hello<s>world", "<s><s></s></s>",
  "<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|begin_of_text|>Hello<|eot_id|>",
  "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>", "<|reserved_special_token_0|> reserved",
  "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n",
  "<think>\nreasoning\n</think>\n\nanswer", "<tool_call>{\"name\": \"f\"}</tool_call>", "<|fim_prefix|>def f():<|fim_suffix|><|fim_middle|>",
  "<|im_start |>almost special", "< s >", "<<s>>", "<|endoftext|><|endoftext|>", "text<|im_end|>text",
  "supercalifragilisticexpialidocious", "Pneumonoultramicroscopicsilicovolcanoconiosis",
  "a".repeat(300), "ab".repeat(200), " ".repeat(64), "x ".repeat(100), "0".repeat(100), "🙂".repeat(40), "東".repeat(80),
  "https://huggingface.co/docs/tokenizers?query=1&x=%20#anchor", "user@example.com", "C:\\Users\\name\\file.txt", "/usr/local/bin/python3",
  "def f(x):\n    return x ** 2  # square\n", "if (x != y) { return x->z[0] + 0x1F; } // comment", "for i in range(10):\n\tprint(i)\n",
  "<div class=\"a\">&amp; &lt;tag&gt;</div>", "SELECT * FROM t WHERE id = 1;", "{\"key\": [1, 2, {\"nested\": null}]}", "$x = @array[0] % 3;",
  "a\tb\tc", "a\n\nb\n\n\nc", "line one\r\nline two\r\n", "trailing spaces   ", "   leading spaces", " \t \n mixed whitespace \n \t ",
  "...", "!!!???", "—–-", "«guillemets» „quotes“", "¿Qué? ¡Sí!", "end.", "a.b.c", "#hashtag @mention", "$19.99 €18 £5 ¥100",
  "❯ ➜ → ← ↑ ↓", "∑∫√∞≠≤≥", "♠♣♥♦", "■□▪▫", "™ © ®",
];

const fragments = [
  "the", " the", "  the", "The", "THE", "hello", " world", "!", "?", ".", ",", "'s", "'LL", " 123", "4567", "3.5",
  "\n", "\n\n", "\t", "  ", " ", "東京", "한국", "Москва", "🙂", "👨‍👩‍👧", "é", "e\u0301", "<s>", "</s>", "<|im_end|>",
  "<|eot_id|>", "<|endoftext|>", "\u0000", "\u001b", "😀", "𝐁", "–", "...", "don't", "x", "ZZZ", "ab12cd", "_under_score",
];

function mulberry32(seed) {
  return function () {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function testTexts() {
  const random = mulberry32(13);
  const combined = [];
  for (let i = 0; i < 80; i++) {
    const n = 2 + Math.floor(random() * 10);
    let text = "";
    for (let k = 0; k < n; k++) {
      text += fragments[Math.floor(random() * fragments.length)];
    }
    combined.push(text);
  }
  return [...handwritten, ...combined];
}

/** About `megabytes` MB (UTF-8) of mixed text for the benchmark: prose, code, CJK, emoji, digits, whitespace runs. */
export function benchmarkText(megabytes) {
  const random = mulberry32(2026);
  const texts = testTexts().filter((t) => t.length > 0);
  const parts = [];
  let bytes = 0;
  const target = megabytes * 1024 * 1024;
  while (bytes < target) {
    const t = texts[Math.floor(random() * texts.length)] + (random() < 0.3 ? "\n" : " ");
    parts.push(t);
    bytes += Buffer.byteLength(t, "utf8");
  }
  return parts.join("");
}
