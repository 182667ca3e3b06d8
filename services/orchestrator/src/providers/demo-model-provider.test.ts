import { expect, test } from "bun:test";
import { extractCodeBlocks } from "../code-block-extractor.ts";
import type { StreamPart } from "../model-provider.ts";
import { pixelPng } from "./__fixtures__/pixel-image.ts";
import { DemoModelProvider, demoAnswer, demoModel } from "./demo-model-provider.ts";
import { modelProviderContract } from "./model-provider.contract.ts";

const question = [{ role: "user" as const, content: "How do I read a file?" }];

modelProviderContract("DemoModelProvider", {
  provider: new DemoModelProvider({ tokensPerSecond: 0 }),
  model: "demo",
  // A token each 200 ms: the abort after the first always lands in a wait, however loaded the machine.
  slowAnswer: () => new DemoModelProvider({ tokensPerSecond: 5 }),
});

async function collect(
  provider: DemoModelProvider,
  signal = new AbortController().signal,
): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of provider.stream({
    model: "demo",
    messages: question,
    maxOutputTokens: 4_000,
    signal,
  })) {
    parts.push(part);
  }
  return parts;
}

test("the demo model is labelled and answers deterministically in markdown with a code block", async () => {
  expect(demoModel.displayName).toBe("Demo (offline)");
  expect(demoAnswer(question)).toBe(demoAnswer(question));
  expect(extractCodeBlocks(demoAnswer(question)).length).toBeGreaterThanOrEqual(1);
  const parts = await collect(new DemoModelProvider({ tokensPerSecond: 0 }));
  const text = parts.flatMap((part) => (part.type === "text-delta" ? [part.text] : [])).join("");
  expect(text).toBe(demoAnswer(question));
  const finish = parts.at(-1);
  expect(finish?.type).toBe("finish");
  if (finish?.type === "finish") expect(finish.usage?.outputTokens).toBe(parts.length - 1);
});

test("the demo model says honestly what it was sent: an image's type, dimensions and size, a document's length", () => {
  const answer = demoAnswer([
    {
      role: "user",
      content:
        'Look at these\n\n<document name="report.pdf" type="application/pdf">\nRevenue grew\n</document>',
      images: [
        { ...pixelPng, name: "pixel.png" },
        { mediaType: "image/webp", data: "AAAA" },
      ],
    },
  ]);
  expect(answer).toStartWith('You asked: *"Look at these"*.');
  expect(answer).toContain("- `pixel.png`: PNG, 1 × 1 pixels, 70 bytes");
  expect(answer).toContain("- an image: WEBP, 3 bytes, dimensions unreadable");
  expect(answer).toContain("- `report.pdf`: 12 characters of text");
  expect(demoModel.vision).toBe(true);
});
