import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { textPdf } from "../../services/orchestrator/src/attachments/__fixtures__/text-pdf.ts";
import {
  type OpenAIWireServer,
  startOpenAIWireServer,
} from "../../services/orchestrator/src/providers/__fixtures__/openai-wire-server.ts";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { WebSocketReader } from "../support/websocket-reader.ts";

/**
 * Images and documents into the models, through the whole embedded system: uploads read from the
 * storage by the orchestrator and sent in each provider's format to a local server that checks
 * it (OpenAI's Chat Completions here; Anthropic's and OpenRouter's formats are checked at their
 * servers in the provider tests), PDFs as text, the refusal of a text-only model before any
 * provider call over HTTP and the WebSocket, the demo model's description, and `/v1` image parts.
 */

type Message = { role: string; content: unknown };

async function upload(client: ChatApiClient, name: string, bytes: Uint8Array | string) {
  const form = new FormData();
  form.append("file", new Blob([typeof bytes === "string" ? bytes : new Uint8Array(bytes)]), name);
  const response = await fetch(`${client.baseUrl}/api/uploads`, {
    method: "POST",
    headers: { authorization: `Bearer ${client.token}` },
    body: form,
  });
  const body = await response.json();
  expect(response.status).toBe(201);
  return body as { id: string; name: string; size: number; mediaType: string };
}

function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: "#2266aa" } })
    .png()
    .toBuffer();
}

describe("images and documents into the models", () => {
  let wire: OpenAIWireServer;
  let server: EmbeddedServer;
  let alice: ChatApiClient;
  let bob: ChatApiClient;
  let apiKey: string;

  beforeAll(async () => {
    wire = startOpenAIWireServer();
    server = await startEmbeddedServer(
      {
        OPENAI_BASE_URL: wire.url,
        OPENAI_API_KEY: "sk-test-vision-0123456789",
        // The same local server as a text-only OpenAI-compatible one.
        OPENAI_COMPATIBLE_BASE_URL: wire.url,
        OPENAI_COMPATIBLE_MODELS: "textonly,llava",
        OPENAI_COMPATIBLE_VISION_MODELS: "llava",
        DEMO_TOKENS_PER_SECOND: "0",
        CHUNK_FLUSH_MS: "5",
      },
      { settings: "plain" },
    );
    alice = await ChatApiClient.signUp(server.baseUrl, "Alice");
    bob = await ChatApiClient.signUp(server.baseUrl, "Bob");
    apiKey = (await alice.request("POST", "/api/keys", { name: "vision" })).body.key;
  });
  afterAll(async () => {
    await server?.stop();
    await wire?.stop();
  });

  async function chatOn(model: string): Promise<string> {
    const created = await alice.request("POST", "/api/chats", { model, title: `On ${model}` });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  /** Sends a message and waits for its answer to complete. */
  async function ask(chatId: string, content: string, attachmentIds: string[]) {
    const events = await alice.events(`/api/chats/${chatId}/events`);
    try {
      const sent = await alice.request("POST", `/api/chats/${chatId}/messages`, { content, attachmentIds });
      expect(sent.status).toBe(202);
      const complete = await events.waitFor(
        (event) =>
          event.event === "message_complete" &&
          (event.data as { messageId: string }).messageId === sent.body.assistantMessageId,
      );
      return complete.data as { fullContent: string; finishReason: string };
    } finally {
      events.close();
    }
  }

  function completion(body: Record<string, unknown>, key = apiKey) {
    return fetch(`${server.baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  const wireMessages = () =>
    (wire.requests.at(-1)?.body as { messages?: Message[] } | undefined)?.messages ?? [];
  const lastWireMessage = () => wireMessages().at(-1);

  test("GET /api/models says which models see images", async () => {
    const { models } = (await alice.request("GET", "/api/models")).body;
    const vision = Object.fromEntries(
      models.map((model: { id: string; vision: boolean }) => [model.id, model.vision]),
    );
    expect(vision).toEqual({
      "gpt-4.1": true,
      "gpt-4.1-mini": true,
      "local/textonly": false,
      "local/llava": true,
      demo: true,
    });
  });

  test("an image and a PDF reach a vision model: the image as an image_url data URL, the PDF as text", async () => {
    const chatId = await chatOn("gpt-4.1");
    const image = await upload(alice, "chart.png", await png(4, 3));
    const pdf = await upload(alice, "report.pdf", textPdf(["Revenue grew 12% in Q3", "Costs fell"]));
    const stored = Buffer.from(
      await (
        await fetch(`${server.baseUrl}/api/attachments/${image.id}/content`, {
          headers: { authorization: `Bearer ${alice.token}` },
        })
      ).arrayBuffer(),
    );
    wire.enqueue({ kind: "stream", text: "A blue chart; revenue grew." });
    const answer = await ask(chatId, "What do these show?", [image.id, pdf.id]);
    expect(answer).toMatchObject({ fullContent: "A blue chart; revenue grew.", finishReason: "stop" });
    expect(lastWireMessage()).toEqual({
      role: "user",
      content: [
        {
          type: "text",
          text:
            "What do these show?\n\n" +
            '<document name="report.pdf" type="application/pdf">\nRevenue grew 12% in Q3\n\nCosts fell\n</document>',
        },
        { type: "image_url", image_url: { url: `data:image/png;base64,${stored.toString("base64")}` } },
      ],
    });

    // The next turn carries the PDF's text again, read from the cache, and the image.
    wire.enqueue({ kind: "stream", text: "Yes." });
    await ask(chatId, "Sure?", []);
    const messages = wireMessages();
    expect(JSON.stringify(messages)).toContain("Revenue grew 12% in Q3");
    expect(JSON.stringify(messages)).toContain("data:image/png;base64,");
  });

  test("a text-only model refuses images before any provider call, over HTTP and the WebSocket", async () => {
    const chatId = await chatOn("local/textonly");
    const image = await upload(alice, "photo.png", await png(2, 2));
    const requestsBefore = wire.requests.length;
    const refused = await alice.request("POST", `/api/chats/${chatId}/messages`, {
      content: "What is this?",
      attachmentIds: [image.id],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toEqual({
      code: "MODEL_CANNOT_SEE_IMAGES",
      message:
        'Model "local/textonly" cannot see images; choose a model with vision: true in GET /api/models',
    });
    // The message's own model counts: the chat's is a vision model, this one is not.
    const visionChat = await chatOn("local/llava");
    const overridden = await alice.request("POST", `/api/chats/${visionChat}/messages`, {
      content: "And now?",
      model: "local/textonly",
      attachmentIds: [image.id],
    });
    expect(overridden.body.error?.code).toBe("MODEL_CANNOT_SEE_IMAGES");

    const socket = await WebSocketReader.open(`${server.baseUrl.replace("http", "ws")}/ws`, {
      authorization: `Bearer ${alice.token}`,
      origin: server.baseUrl,
    });
    try {
      socket.send({
        type: "chat_message",
        chatId,
        content: "What is this?",
        attachmentIds: [image.id],
        requestId: "r-1",
      });
      const frame = await socket.waitFor((each) => each.requestId === "r-1");
      expect(frame).toMatchObject({ type: "error", code: "MODEL_CANNOT_SEE_IMAGES", retryable: false });
    } finally {
      socket.close();
    }
    expect(wire.requests.length).toBe(requestsBefore);
    // Documents are text: the text-only model reads a PDF.
    const pdf = await upload(alice, "notes.pdf", textPdf(["Meeting at noon"]));
    wire.enqueue({ kind: "stream", text: "Noon." });
    expect((await ask(chatId, "When?", [pdf.id])).fullContent).toBe("Noon.");
    expect(lastWireMessage()?.content).toContain("Meeting at noon");
  });

  test("the demo model says what it sees: the image's type, dimensions and size", async () => {
    const chatId = await chatOn("demo");
    const image = await upload(alice, "wide.png", await png(64, 16));
    const answer = await ask(chatId, "Describe this", [image.id]);
    expect(answer.fullContent).toContain(`- \`wide.png\`: PNG, 64 × 16 pixels, ${image.size} bytes`);
  });

  test("a document's cached text goes with it: deleting the attachment, or its chat, deletes both objects", async () => {
    const files = (id: string) =>
      readdirSync(join(server.dataDirectory, "uploads"), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.startsWith(id))
        .map((entry) => entry.name)
        .sort();
    for (const removal of ["attachment", "chat"] as const) {
      const chatId = await chatOn("demo");
      const pdf = await upload(alice, "minutes.pdf", textPdf(["Minutes of the meeting"]));
      expect((await ask(chatId, "Summarise", [pdf.id])).fullContent).toContain(
        "`minutes.pdf`: 22 characters of text",
      );
      expect(files(pdf.id)).toEqual([pdf.id, `${pdf.id}-text`]);
      const path = removal === "attachment" ? `/api/attachments/${pdf.id}` : `/api/chats/${chatId}`;
      expect((await alice.request("DELETE", path)).status).toBe(204);
      expect(files(pdf.id)).toEqual([]);
    }
  });

  describe("/v1/chat/completions image_url parts", () => {
    const question = (url: string, model = "gpt-4.1") => ({
      model,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in the picture?" },
            { type: "image_url", image_url: { url, detail: "low" } },
          ],
        },
      ],
    });

    test("a data URL is checked, re-encoded and sent on", async () => {
      const bytes = await png(3, 3);
      wire.enqueue({ kind: "stream", text: "A square." });
      const response = await completion(question(`data:image/png;base64,${bytes.toString("base64")}`));
      expect(response.status).toBe(200);
      expect((await response.json()).choices[0].message.content).toBe("A square.");
      const sent = lastWireMessage()?.content as Array<{
        type: string;
        text?: string;
        image_url?: { url: string };
      }>;
      expect(sent[0]).toEqual({ type: "text", text: "What is in the picture?" });
      const url = sent[1]?.image_url?.url ?? "";
      expect(url).toStartWith("data:image/png;base64,");
      const { width, height } = await sharp(Buffer.from(url.split(",")[1] ?? "", "base64")).metadata();
      expect({ width, height }).toEqual({ width: 3, height: 3 });
    });

    test("a photo larger than MAX_BODY_BYTES fits the route's own COMPLETION_MAX_BODY_BYTES", async () => {
      const noisy = await sharp({
        create: {
          width: 400,
          height: 400,
          channels: 3,
          background: "#000000",
          noise: { type: "gaussian", mean: 128, sigma: 40 },
        },
      })
        .png()
        .toBuffer();
      const dataUrl = `data:image/png;base64,${noisy.toString("base64")}`;
      expect(dataUrl.length).toBeGreaterThan(256 * 1024);
      wire.enqueue({ kind: "stream", text: "Noise." });
      const response = await completion(question(dataUrl));
      expect(response.status).toBe(200);
      // Other routes keep MAX_BODY_BYTES.
      const chatId = await chatOn("demo");
      const refused = await alice.request("POST", `/api/chats/${chatId}/messages`, { content: dataUrl });
      expect(refused.status).toBe(413);
    });

    test("an attachment URL of this server, relative or absolute, sends the caller's upload", async () => {
      const image = await upload(alice, "api.png", await png(5, 5));
      for (const url of [
        `/api/attachments/${image.id}/content`,
        `${server.baseUrl}/api/attachments/${image.id}`,
      ]) {
        wire.enqueue({ kind: "stream", text: "Five by five." });
        const response = await completion(question(url));
        expect(response.status).toBe(200);
        const sent = lastWireMessage()?.content as Array<{
          type: string;
          text?: string;
          image_url?: { url: string };
        }>;
        expect(sent[1]?.image_url?.url).toStartWith("data:image/png;base64,");
      }
    });

    test("refused: a remote URL (never fetched), another user's attachment (404), HTML posing as PNG, a text-only model", async () => {
      const requestsBefore = wire.requests.length;
      for (const url of [
        "https://example.com/cat.png",
        "http://169.254.169.254/latest/meta-data",
        "//evil.example/x.png",
        "file:///etc/passwd",
      ]) {
        const response = await completion(question(url));
        expect(response.status).toBe(400);
        expect((await response.json()).error).toMatchObject({ code: "VALIDATION_FAILED" });
      }
      const bobs = await upload(bob, "bob.png", await png(2, 2));
      const theirs = await completion(question(`/api/attachments/${bobs.id}/content`));
      expect(theirs.status).toBe(404);
      expect((await theirs.json()).error.code).toBe("ATTACHMENT_NOT_FOUND");

      const html = Buffer.from("<html><script>alert(1)</script></html>").toString("base64");
      const posing = await completion(question(`data:image/png;base64,${html}`));
      expect(posing.status).toBe(415);

      const bytes = (await png(2, 2)).toString("base64");
      const textOnly = await completion(question(`data:image/png;base64,${bytes}`, "local/textonly"));
      expect(textOnly.status).toBe(400);
      expect((await textOnly.json()).error.code).toBe("MODEL_CANNOT_SEE_IMAGES");
      expect(wire.requests.length).toBe(requestsBefore);
    });
  });
});
