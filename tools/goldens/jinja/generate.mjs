// Renders the chat templates of the tokenizers in ../shared/tokenizers with Hugging Face's own JavaScript engines
// and writes the goldens the C# tests compare against (tests/RegressionGuard.Jinja.Tests/Goldens/chat-templates.json).
//
//   cd tools/goldens/jinja && npm install && node generate.mjs
//
// Engines: @huggingface/jinja 0.5.13 (github.com/huggingface/huggingface.js, packages/jinja) renders;
// @huggingface/tokenizers 0.2.0 (github.com/huggingface/tokenizers.js) encodes each rendering with
// add_special_tokens: false, as transformers' apply_chat_template(tokenize=True) does.
// Variables as transformers' apply_chat_template passes them (transformers 5e43e2e, tokenization_utils_base.py:
// `template_kwargs = {**self.special_tokens_map, **kwargs}`): messages, add_generation_prompt, tools/documents unset,
// and every special token of tokenizer_config.json (bos_token, eos_token, pad_token, unk_token, additional_special_tokens).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Template } from "@huggingface/jinja";
import { Tokenizer } from "@huggingface/tokenizers";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..", "..");
const shared = process.env.SHARED ?? join(repo, "..", "shared");
const out = join(repo, "tests", "RegressionGuard.Jinja.Tests", "Goldens", "chat-templates.json");

const SPECIAL = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"];

function tokenText(value) {
  if (value === null || value === undefined) return undefined;
  return typeof value === "string" ? value : value.content;
}

function specialTokens(config) {
  const tokens = {};
  for (const name of SPECIAL) {
    const text = tokenText(config[name]);
    if (text !== undefined) tokens[name] = text;
  }
  if (Array.isArray(config.additional_special_tokens) && config.additional_special_tokens.length > 0) {
    tokens.additional_special_tokens = config.additional_special_tokens.map(tokenText);
  }
  return tokens;
}

const sys = (content) => ({ role: "system", content });
const user = (content) => ({ role: "user", content });
const assistant = (content) => ({ role: "assistant", content });

// Tool-free conversations: system prompt or not, one or many turns, assistant turns (with and without reasoning),
// whitespace the templates trim, non-ASCII text, and text that looks like template syntax.
const conversations = [
  { name: "single user turn", messages: [user("What is the capital of France?")] },
  { name: "system and user", messages: [sys("You are a helpful assistant."), user("Name three primary colours.")] },
  { name: "multi-turn", messages: [user("Hi!"), assistant("Hello! How can I help?"), user("Tell me a joke.")] },
  {
    name: "system and multi-turn",
    messages: [sys("Answer briefly."), user("2+2?"), assistant("4"), user("And 3+3?"), assistant("6"), user("Thanks")],
  },
  { name: "ends with an assistant turn", messages: [user("Say yes."), assistant("Yes.")] },
  { name: "whitespace around content", messages: [sys("  padded system  \n"), user("\n  Leading and trailing whitespace.  \n\n")] },
  { name: "unicode and emoji", messages: [user("Übersetze: 你好，世界 👋🏽 — «ça va?»")] },
  { name: "template-like text", messages: [user("Print {{ x }} and {% if %} literally, with <|im_end|> inside.")] },
  { name: "multi-line content", messages: [sys("Rules:\n1. Be kind.\n2. Be brief."), user("Line one\nLine two\n\nLine four")] },
  {
    name: "assistant with reasoning",
    messages: [user("Is 7 prime?"), assistant("<think>\nCheck divisors 2..2.\n</think>\n\nYes, 7 is prime."), user("And 9?")],
  },
  {
    name: "last assistant with reasoning",
    messages: [user("Is 7 prime?"), assistant("<think>\nDivisors: none.\n</think>\n\nYes.")],
  },
  { name: "empty user content", messages: [user("")] },
];

function variants(template) {
  const list = [{ add_generation_prompt: false }, { add_generation_prompt: true }];
  if (template.includes("enable_thinking")) {
    list.push({ add_generation_prompt: true, enable_thinking: false }, { add_generation_prompt: true, enable_thinking: true });
  }
  return list;
}

const goldens = { generator: "tools/goldens/jinja/generate.mjs", engines: { jinja: "@huggingface/jinja 0.5.13", tokenizers: "@huggingface/tokenizers 0.2.0" }, tokenizers: [] };
for (const name of ["qwen3", "llama3_1"]) {
  const folder = join(shared, "tokenizers", name);
  const config = JSON.parse(readFileSync(join(folder, "tokenizer_config.json"), "utf8"));
  const tokenizerJson = JSON.parse(readFileSync(join(folder, "tokenizer.json"), "utf8"));
  const tokenizer = new Tokenizer(tokenizerJson, config);
  const template = new Template(config.chat_template);
  const special = specialTokens(config);
  const cases = [];
  for (const conversation of conversations) {
    for (const options of variants(config.chat_template)) {
      const text = template.render({ ...special, messages: conversation.messages, ...options });
      const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
      cases.push({ conversation: conversation.name, messages: conversation.messages, options, text, ids });
    }
  }
  goldens.tokenizers.push({ name, special_tokens: special, cases });
  console.log(`${name}: ${cases.length} renderings`);
}

// Templates in the layouts of other published families (written for this test, not copied): Gemma-style turns with
// role checks, Mistral-style [INST] with eos after answers, Phi-3-style tags, and a ChatML template with a default
// system prompt, loop.last, namespace and slicing. Rendered on the conversations each accepts (no ids: no tokenizer).
const alternating = conversations.filter((c) => c.messages.every((m, i) => m.role === (i % 2 === 0 ? "user" : "assistant")));
const extraTemplates = [
  {
    name: "gemma-style",
    special_tokens: { bos_token: "<bos>", eos_token: "<eos>" },
    template:
      "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}" +
      "{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
      "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
      "{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}" +
      "{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}" +
      "{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}",
    conversations: alternating,
  },
  {
    name: "mistral-style",
    special_tokens: { bos_token: "<s>", eos_token: "</s>" },
    template:
      "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
      "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
      "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}" +
      "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}" +
      "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
    conversations: alternating,
  },
  {
    name: "phi3-style",
    special_tokens: { bos_token: "<s>", eos_token: "<|endoftext|>" },
    template:
      "{% for message in messages %}\n" +
      "{% if message['role'] == 'system' %}\n{{'<|system|>\n' + message['content'] + '<|end|>\n'}}\n" +
      "{% elif message['role'] == 'user' %}\n{{'<|user|>\n' + message['content'] + '<|end|>\n'}}\n" +
      "{% elif message['role'] == 'assistant' %}\n{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}\n" +
      "{% endif %}\n{% endfor %}\n" +
      "{% if add_generation_prompt %}\n{{ '<|assistant|>\n' }}\n{% else %}\n{{ eos_token }}\n{% endif %}",
    conversations,
  },
  {
    name: "chatml-default-system",
    special_tokens: { eos_token: "<|im_end|>" },
    template:
      "{%- set ns = namespace(system=none, turns=0) %}\n" +
      "{%- if messages[0].role == 'system' %}\n    {%- set ns.system = messages[0].content | trim %}\n    {%- set rest = messages[1:] %}\n" +
      "{%- else %}\n    {%- set rest = messages %}\n{%- endif %}\n" +
      "<|im_start|>system\n{{ ns.system if ns.system else 'You are a helpful assistant.' }}<|im_end|>\n" +
      "{%- for message in rest %}\n    {%- set ns.turns = ns.turns + 1 %}\n" +
      "<|im_start|>{{ message.role }}\n{{ message.content }}{{ '<|im_end|>' if not (loop.last and message.role == 'assistant' and not add_generation_prompt) }}\n" +
      "{%- endfor %}\n" +
      "{%- if add_generation_prompt %}\n<|im_start|>assistant\n{% endif %}\n" +
      "{#- turns: {{ ns.turns }} #}",
    conversations,
  },
];
goldens.templates = [];
for (const extra of extraTemplates) {
  const template = new Template(extra.template);
  const cases = [];
  for (const conversation of extra.conversations) {
    for (const options of [{ add_generation_prompt: false }, { add_generation_prompt: true }]) {
      const text = template.render({ ...extra.special_tokens, messages: conversation.messages, ...options });
      cases.push({ conversation: conversation.name, messages: conversation.messages, options, text });
    }
  }
  goldens.templates.push({ name: extra.name, template: extra.template, special_tokens: extra.special_tokens, cases });
  console.log(`${extra.name}: ${cases.length} renderings`);
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(goldens, null, 1) + "\n");
console.log(`wrote ${out}`);
