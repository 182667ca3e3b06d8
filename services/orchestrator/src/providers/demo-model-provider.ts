import { imageSize } from "image-size";
import { abortableSleep } from "../abortable-sleep.ts";
import type { ModelEntry } from "../model-entry.ts";
import type {
  GenerateRequest,
  ModelImage,
  ModelMessage,
  ModelProvider,
  StreamPart,
} from "../model-provider.ts";

/** The demo model as the model list shows it: free, always there. */
export const demoModel: ModelEntry = {
  id: "demo",
  provider: "demo",
  upstreamModel: "demo",
  displayName: "Demo (offline)",
  contextWindow: 32_000,
  maxOutputTokens: 4_000,
  inputPricePerMillion: 0,
  outputPricePerMillion: 0,
  // It describes the images it gets (type, size, dimensions) without guessing their content.
  vision: true,
  fallbacks: [],
};

type Sample = { language: string; code: string; topic: string };

const samples: Sample[] = [
  {
    topic: "a TypeScript function",
    language: "ts",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the sample is TypeScript source with a template literal
    code: 'export function greet(name: string): string {\n  return `Hello, ${name}!`;\n}\n\nconsole.log(greet("world"));',
  },
  {
    topic: "a Python script",
    language: "python",
    code: "def fibonacci(n: int) -> list[int]:\n    numbers = [0, 1]\n    while len(numbers) < n:\n        numbers.append(numbers[-1] + numbers[-2])\n    return numbers[:n]\n\nprint(fibonacci(10))",
  },
  {
    topic: "a shell command",
    language: "bash",
    code: "# count the lines of every TypeScript file\nfind . -name '*.ts' -not -path './node_modules/*' | xargs wc -l | sort -n | tail -5",
  },
];

/** A stable 32-bit hash, so the same question always gets the same answer. */
function hashOf(text: string): number {
  let hash = 2166136261;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 16777619);
  }
  return hash >>> 0;
}

function quoteOf(question: string): string {
  const oneLine = question.replace(/\s+/g, " ").trim();
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}

const documentBlocks = /<document name="([^"]*)" type="[^"]*">\n([\s\S]*?)\n<\/document>/g;

function sizeOf(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KB`;
}

/** What the demo honestly sees of an image: its type, dimensions and size, never its content. */
export function describeImage(image: ModelImage): string {
  const bytes = Buffer.from(image.data, "base64");
  const label = image.name ? `\`${image.name}\`` : "an image";
  const format = image.mediaType.slice("image/".length).toUpperCase();
  try {
    const { width, height } = imageSize(bytes);
    return `${label}: ${format}, ${width} × ${height} pixels, ${sizeOf(bytes.length)}`;
  } catch {
    return `${label}: ${format}, ${sizeOf(bytes.length)}, dimensions unreadable`;
  }
}

/** The lines that say which images and documents came with the question; none when none did. */
function attachmentLines(question: ModelMessage): string[] {
  const images = (question.images ?? []).map((image) => `- ${describeImage(image)}`);
  const documents = [...question.content.matchAll(documentBlocks)].map(
    ([, name, text = ""]) => `- \`${name}\`: ${text.length} characters of text`,
  );
  if (images.length === 0 && documents.length === 0) return [];
  return [
    "You sent me these files. I can tell what they are, though not what they show or say:",
    "",
    ...images,
    ...documents,
    "",
  ];
}

/**
 * The demo model's whole answer to a conversation: deterministic markdown with a code block, and
 * an honest description of the images (type, dimensions, size) and documents that came with it.
 */
export function demoAnswer(messages: ModelMessage[]): string {
  const latest = [...messages].reverse().find((message) => message.role === "user");
  const question = latest?.content.replace(documentBlocks, "").trim() ?? "";
  const sample = samples[hashOf(question) % samples.length] as Sample;
  const turn = messages.filter((message) => message.role === "user").length;
  return [
    `You asked: *"${quoteOf(question)}"*.`,
    "",
    ...(latest ? attachmentLines(latest) : []),
    `I am the **offline demo model**, so I cannot really answer, but I can show how answers stream. This is message ${turn} of our chat. Here is ${sample.topic}:`,
    "",
    `\`\`\`${sample.language}`,
    sample.code,
    "```",
    "",
    "No real model is configured on this server, so this answer is a demonstration.",
  ].join("\n");
}

/** Splits text into the pieces the demo streams: words with their trailing whitespace. */
export function demoTokens(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? [];
}

/**
 * The offline demo model, labelled "Demo (offline)": answers every question in markdown with a
 * fenced code block, streaming `tokensPerSecond` tokens a second (0 = as fast as possible).
 */
export class DemoModelProvider implements ModelProvider {
  readonly id = "demo";

  constructor(private readonly options: { tokensPerSecond: number }) {}

  async *stream(request: GenerateRequest): AsyncIterable<StreamPart> {
    const tokens = demoTokens(demoAnswer(request.messages)).slice(0, request.maxOutputTokens);
    const interval = this.options.tokensPerSecond > 0 ? 1000 / this.options.tokensPerSecond : 0;
    const started = performance.now();
    for (const [index, token] of tokens.entries()) {
      const due = started + index * interval - performance.now();
      if (due > 0) await abortableSleep(due, request.signal);
      else if (index % 64 === 0) await abortableSleep(0, request.signal);
      yield { type: "text-delta", text: token };
    }
    const inputCharacters = request.messages.reduce((sum, message) => sum + message.content.length, 0);
    yield {
      type: "finish",
      finishReason: "stop",
      usage: { inputTokens: Math.ceil(inputCharacters / 4), outputTokens: tokens.length },
    };
  }
}
