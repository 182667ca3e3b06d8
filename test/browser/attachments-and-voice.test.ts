import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import sharp from "sharp";
import {
  type OpenAIAudioServer,
  startOpenAIAudioServer,
} from "../../services/gateway/src/speech/__fixtures__/openai-audio-server.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import {
  chromiumAvailable,
  launchChromium,
  registerAccount,
  sendMessage,
  waitForAnswer,
} from "./chat-page.ts";

/** Where the README's screenshots of attachments and voice go. */
const screenshots = process.env.SCREENSHOT_DIR ?? join(import.meta.dir, "../../docs/screenshots");

const spokenQuestion = "Please summarise the meeting notes.";

/** Speaks `text` into a WAV file with espeak-ng: the fake microphone's input. */
function spokenWav(directory: string, text: string): string {
  const path = join(directory, "question.wav");
  const made = Bun.spawnSync(["espeak-ng", "-v", "en-us", "-s", "150", "-w", path, text]);
  if (made.exitCode !== 0) throw new Error(`espeak-ng failed (apt-get install -y espeak-ng): ${made.stderr}`);
  return path;
}

function picture(colour: string, width = 320, height = 200): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();
}

/** A PDF header and filler: an accepted file large enough to watch its upload. */
function largePdf(bytes: number): Buffer {
  const file = Buffer.alloc(bytes, 0x20);
  file.write("%PDF-1.7\n");
  return file;
}

type Violation = { directive: string; blocked: string };

async function recordViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const violations: Violation[] = [];
    (window as unknown as { violations: Violation[] }).violations = violations;
    document.addEventListener("securitypolicyviolation", (event) => {
      violations.push({ directive: event.effectiveDirective, blocked: event.blockedURI });
    });
  });
}

function violationsOf(page: Page): Promise<Violation[]> {
  return page.evaluate(() => (window as unknown as { violations: Violation[] }).violations);
}

/** The items of the composer's tray: their names, whether each still uploads, and its preview. */
function trayOf(page: Page) {
  return page.locator("attachment-tray li").evaluateAll((items) =>
    items.map((item) => ({
      name: item.querySelector(".name")?.textContent ?? "",
      uploading: item.querySelector("progress") !== null,
      preview: item.querySelector("img")?.getAttribute("src") ?? null,
      player: item.querySelector("audio")?.getAttribute("src") ?? null,
      failed: item.classList.contains("failed"),
    })),
  );
}

async function openNewChat(page: Page, baseUrl: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByRole("textbox", { name: "Message" }).waitFor();
}

/** Sets the upload rate of the page's requests (bytes per second; -1 lifts the limit). */
async function throttleUploads(context: BrowserContext, page: Page, bytesPerSecond: number): Promise<void> {
  const session = await context.newCDPSession(page);
  await session.send("Network.enable");
  await session.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond,
  });
}

describe.skipIf(!chromiumAvailable)("attachments and voice in Chromium", () => {
  let server: EmbeddedServer;
  let audio: OpenAIAudioServer;
  let browser: Browser;
  let directory: string;
  let wavPath: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), "voice-test-"));
    wavPath = spokenWav(directory, spokenQuestion);
    audio = startOpenAIAudioServer({
      heardText: spokenQuestion,
      speechAudio: { bytes: new Uint8Array(readFileSync(wavPath)), mediaType: "audio/wav" },
    });
    server = await startEmbeddedServer({ SPEECH_BASE_URL: audio.url, SPEECH_API_KEY: "sk-local-speech" });
    browser = await launchChromium([
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-audio-capture=${wavPath}`,
      "--autoplay-policy=no-user-gesture-required",
    ]);
    mkdirSync(screenshots, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await audio?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  test("attach by button, drop and paste: progress, cancel, previews, then the files in the thread", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await recordViolations(context);
    const scriptErrors: string[] = [];
    try {
      await registerAccount(context, server.baseUrl, "Ada Files");
      const page = await context.newPage();
      page.on("pageerror", (error) => scriptErrors.push(error.message));
      await openNewChat(page, server.baseUrl);

      // A slow upload shows its progress, and Cancel stops it.
      await throttleUploads(context, page, 128 * 1024);
      const bigChooser = page.waitForEvent("filechooser");
      await page.getByRole("button", { name: "Attach files" }).click();
      await (await bigChooser).setFiles({
        name: "big.pdf",
        mimeType: "application/pdf",
        buffer: largePdf(2_000_000),
      });
      const progress = page.getByRole("progressbar", { name: "Uploading big.pdf" });
      await progress.waitFor();
      await page.waitForFunction(
        () => {
          const bar = document
            .querySelector("chat-app")
            ?.shadowRoot?.querySelector("chat-thread")
            ?.shadowRoot?.querySelector("message-composer")
            ?.shadowRoot?.querySelector("attachment-tray")
            ?.shadowRoot?.querySelector("progress");
          return bar !== null && bar !== undefined && bar.value > 0 && bar.value < 100;
        },
        undefined,
        { polling: 50, timeout: 15_000 },
      );
      expect(await page.getByRole("button", { name: "Send message" }).isDisabled()).toBe(true);
      await page.getByRole("button", { name: "Cancel the upload of big.pdf" }).click();
      expect(await trayOf(page)).toEqual([]);
      await throttleUploads(context, page, -1);

      // By the button: a thumbnail at once (a blob: URL), the upload finishing.
      const chooser = page.waitForEvent("filechooser");
      await page.getByRole("button", { name: "Attach files" }).click();
      await (await chooser).setFiles({
        name: "chart.png",
        mimeType: "image/png",
        buffer: await picture("#2a6fdb"),
      });

      // Dropped on the composer.
      const dropped = await page.evaluateHandle((text) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([text], "notes.txt", { type: "text/plain" }));
        return transfer;
      }, "Minutes of the meeting\n- budget approved\n");
      const form = page.locator("message-composer form");
      await form.dispatchEvent("dragenter", { dataTransfer: dropped });
      await form.dispatchEvent("dragover", { dataTransfer: dropped });
      expect(await form.getAttribute("class")).toContain("dragging");
      await form.dispatchEvent("drop", { dataTransfer: dropped });

      // Pasted into the text box.
      const pastedBytes = [...(await picture("#d9480f", 240, 240))];
      await page.getByRole("textbox", { name: "Message" }).evaluate((textarea, bytes) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], "screenshot.png", { type: "image/png" }));
        textarea.dispatchEvent(
          new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true }),
        );
      }, pastedBytes);

      await page.waitForFunction(
        () => {
          const tray = document
            .querySelector("chat-app")
            ?.shadowRoot?.querySelector("chat-thread")
            ?.shadowRoot?.querySelector("message-composer")
            ?.shadowRoot?.querySelector("attachment-tray")?.shadowRoot;
          const items = tray?.querySelectorAll("li") ?? [];
          return items.length === 3 && tray?.querySelector("progress") === null;
        },
        undefined,
        { polling: 50, timeout: 15_000 },
      );
      const tray = await trayOf(page);
      expect(tray.map((item) => item.name)).toEqual(["chart.png", "notes.txt", "screenshot.png"]);
      expect(tray.every((item) => !item.uploading && !item.failed)).toBe(true);
      expect(tray[0]?.preview).toStartWith("blob:");
      expect(tray[1]?.preview).toBeNull();
      expect(tray[2]?.preview).toStartWith("blob:");

      // A file the server refuses stays in the tray with its reason until removed.
      const refusedChooser = page.waitForEvent("filechooser");
      await page.getByRole("button", { name: "Attach files" }).click();
      await (await refusedChooser).setFiles({
        name: "archive.zip",
        mimeType: "application/zip",
        buffer: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(64, 1)]),
      });
      const refusal = page.locator("attachment-tray li.failed [role=alert]");
      await refusal.waitFor();
      expect(await refusal.textContent()).toBe("Files of type application/zip are not accepted");
      await page.getByRole("button", { name: "Remove archive.zip" }).click();

      // Removing an uploaded file takes it out of the message.
      await page.getByRole("button", { name: "Remove screenshot.png" }).click();
      expect((await trayOf(page)).map((item) => item.name)).toEqual(["chart.png", "notes.txt"]);

      await sendMessage(page, "Here are the chart and the notes");
      const answer = await waitForAnswer(page, 1);
      // The demo model sees images (their type and size, not what they show) and reads text files.
      expect(answer.content).toMatch(/`chart\.png`: PNG, 320 × \d+ pixels/);
      expect(answer.content).toContain("`notes.txt`:");
      const shown = page.locator("chat-message message-attachments");
      await shown.locator("img").waitFor();
      const image = await shown.locator("img").evaluate((element) => ({
        src: element.getAttribute("src"),
        alt: element.getAttribute("alt"),
        width: (element as HTMLImageElement).naturalWidth,
      }));
      expect(image.src).toMatch(/^\/api\/attachments\/[\w-]+\/content$/);
      expect(image.alt).toBe("chart.png");
      expect(image.width).toBe(320);
      const download = shown.getByRole("link", { name: /notes\.txt/ });
      expect(await download.getAttribute("download")).toBe("notes.txt");
      const href = await download.getAttribute("href");
      expect(href).toMatch(/^\/api\/attachments\/[\w-]+\/content$/);
      const downloaded = await page.evaluate(async (url) => (await fetch(url)).text(), href ?? "");
      expect(downloaded).toBe("Minutes of the meeting\n- budget approved\n");
      expect(await trayOf(page)).toEqual([]);

      // A file waiting for the next message, for the screenshot.
      const next = page.waitForEvent("filechooser");
      await page.getByRole("button", { name: "Attach files" }).click();
      await (await next).setFiles({
        name: "draft.png",
        mimeType: "image/png",
        buffer: await picture("#0f9d58"),
      });
      await page.getByRole("button", { name: "Remove draft.png" }).waitFor();
      await page.screenshot({ path: join(screenshots, "attachments.png") });

      expect(await violationsOf(page)).toEqual([]);
      expect(scriptErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  test("a photo sent alone, with no text: Send is enabled, the question is the picture (no empty bubble) and it is answered", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      await registerAccount(context, server.baseUrl, "Ada Photo");
      const page = await context.newPage();
      await openNewChat(page, server.baseUrl);
      const send = page.getByRole("button", { name: "Send message" });
      expect(await send.isDisabled()).toBe(true);
      const chooser = page.waitForEvent("filechooser");
      await page.getByRole("button", { name: "Attach files" }).click();
      await (await chooser).setFiles({
        name: "receipt.png",
        mimeType: "image/png",
        buffer: await picture("#6741d9"),
      });
      await page.getByRole("button", { name: "Remove receipt.png" }).waitFor();
      await page.waitForFunction(
        () =>
          !document
            .querySelector("chat-app")
            ?.shadowRoot?.querySelector("chat-thread")
            ?.shadowRoot?.querySelector("message-composer")
            ?.shadowRoot?.querySelector("button[aria-label='Send message']")
            ?.hasAttribute("disabled"),
        undefined,
        { polling: 50, timeout: 15_000 },
      );
      await page.getByRole("textbox", { name: "Message" }).press("Enter");

      const answer = await waitForAnswer(page, 1);
      expect(answer.content).toMatch(/`receipt\.png`: PNG, 320 × \d+ pixels/);
      const question = page.locator("chat-message").first();
      await question.locator("message-attachments img").waitFor();
      expect(await question.locator(".bubble").count()).toBe(0);
      // The chat is named after the file, its question having no words.
      await page.getByRole("heading", { name: "receipt.png" }).waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);

  test("a recording from the microphone is uploaded, transcribed into the composer, corrected and sent with its player; an answer is read aloud", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.grantPermissions(["microphone"]);
    await recordViolations(context);
    const scriptErrors: string[] = [];
    try {
      await registerAccount(context, server.baseUrl, "Ada Voice");
      const page = await context.newPage();
      page.on("pageerror", (error) => scriptErrors.push(error.message));
      await openNewChat(page, server.baseUrl);
      const before = audio.transcriptions.length;

      await page.getByRole("button", { name: "Record a voice message" }).click();
      const meter = page.getByRole("meter", { name: "Microphone level" });
      await meter.waitFor();
      // espeak's words reach the meter through the fake microphone.
      await page.waitForFunction(
        () => {
          const level = document
            .querySelector("chat-app")
            ?.shadowRoot?.querySelector("chat-thread")
            ?.shadowRoot?.querySelector("message-composer")
            ?.shadowRoot?.querySelector("voice-recorder")
            ?.shadowRoot?.querySelector("meter");
          return (level?.value ?? 0) > 0.05;
        },
        undefined,
        { polling: 50, timeout: 10_000 },
      );
      expect(await page.getByText(/^0:0\d \/ 2:00$/).count()).toBe(1);
      await page.screenshot({ path: join(screenshots, "voice-recording.png") });
      await Bun.sleep(1_500);
      await page.getByRole("button", { name: "Stop recording" }).click();

      const composer = page.getByRole("textbox", { name: "Message" });
      await page.waitForFunction(
        (expected) => {
          const textarea = document
            .querySelector("chat-app")
            ?.shadowRoot?.querySelector("chat-thread")
            ?.shadowRoot?.querySelector("message-composer")
            ?.shadowRoot?.querySelector("textarea");
          return textarea?.value === expected;
        },
        spokenQuestion,
        { polling: 50, timeout: 15_000 },
      );
      const received = audio.transcriptions.at(-1);
      expect(audio.transcriptions.length).toBe(before + 1);
      expect(received?.fileName).toMatch(/^voice-.*\.webm$/);
      expect(received?.fileType).toBe("audio/webm");
      expect(received?.fileBytes.length).toBeGreaterThan(1_000);
      // The recording is a WebM file (EBML header).
      expect([...(received?.fileBytes.slice(0, 4) ?? [])]).toEqual([0x1a, 0x45, 0xdf, 0xa3]);

      const tray = await trayOf(page);
      expect(tray).toHaveLength(1);
      expect(tray[0]?.name).toBe("Voice message");
      expect(tray[0]?.player).toMatch(/^\/api\/attachments\/[\w-]+\/content$/);
      await page.screenshot({ path: join(screenshots, "voice-transcribed.png") });

      // The user corrects the transcription before sending.
      await composer.press("End");
      await composer.pressSequentially(" Keep it short.");
      await composer.press("Enter");
      await waitForAnswer(page, 1);
      const voiceMessage = page.locator("chat-message message-attachments audio");
      await voiceMessage.waitFor();
      expect(await voiceMessage.getAttribute("src")).toMatch(/^\/api\/attachments\/[\w-]+\/content$/);
      const question = page.locator('chat-message article[aria-label="You"] .bubble');
      expect(await question.textContent()).toBe(`${spokenQuestion} Keep it short.`);

      // Read aloud: the answer's text goes to the speech server, and its audio plays.
      const speechesBefore = audio.speeches.length;
      await page.getByRole("button", { name: "Read aloud" }).last().click();
      await page.getByRole("button", { name: "Stop reading" }).waitFor();
      expect(audio.speeches.length).toBe(speechesBefore + 1);
      expect(audio.speeches.at(-1)?.input.length).toBeGreaterThan(0);
      await page.getByRole("button", { name: "Stop reading" }).click();
      await page.getByRole("button", { name: "Read aloud" }).last().waitFor();

      expect(await violationsOf(page)).toEqual([]);
      expect(scriptErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  test("when the speech server fails, the composer says so and keeps the recording to send", async () => {
    const context = await browser.newContext();
    await context.grantPermissions(["microphone"]);
    try {
      await registerAccount(context, server.baseUrl, "Ada Failure");
      const page = await context.newPage();
      await openNewChat(page, server.baseUrl);
      // The SDK tries twice.
      audio.refuseNext({ status: 500 }, { status: 500 });
      await page.getByRole("button", { name: "Record a voice message" }).click();
      await page.getByRole("meter", { name: "Microphone level" }).waitFor();
      await Bun.sleep(800);
      await page.getByRole("button", { name: "Stop recording" }).click();
      const alert = page.locator("message-composer .voice-status.error");
      await alert.waitFor();
      expect(await alert.textContent()).toBe(
        "The recording could not be transcribed: The speech server answered 500",
      );
      expect(await page.getByRole("textbox", { name: "Message" }).inputValue()).toBe("");
      const tray = await trayOf(page);
      expect(tray.map((item) => item.name)).toEqual(["Voice message"]);
      expect(tray[0]?.player).toMatch(/^\/api\/attachments\/[\w-]+\/content$/);
    } finally {
      await context.close();
    }
  }, 30_000);

  test("a recording stops by itself at the time limit and is transcribed; the microphone is reached by keyboard", async () => {
    const context = await browser.newContext();
    await context.grantPermissions(["microphone"]);
    try {
      await registerAccount(context, server.baseUrl, "Ada Limit");
      const page = await context.newPage();
      await openNewChat(page, server.baseUrl);
      await page.locator("voice-recorder").evaluate((recorder) => {
        (recorder as unknown as { maxSeconds: number }).maxSeconds = 1;
      });
      const before = audio.transcriptions.length;
      const record = page.getByRole("button", { name: "Record a voice message" });
      await record.focus();
      await page.keyboard.press("Enter");
      await page.getByText("0:00 / 0:01").waitFor();
      // No Stop: the limit ends it.
      await page.getByRole("button", { name: "Record a voice message" }).waitFor({ timeout: 5_000 });
      await page.waitForFunction(
        (expected) =>
          document
            .querySelector("chat-app")
            ?.shadowRoot?.querySelector("chat-thread")
            ?.shadowRoot?.querySelector("message-composer")
            ?.shadowRoot?.querySelector("textarea")?.value === expected,
        spokenQuestion,
        { polling: 50, timeout: 15_000 },
      );
      expect(audio.transcriptions.length).toBe(before + 1);
    } finally {
      await context.close();
    }
  }, 30_000);
});

describe.skipIf(!chromiumAvailable)("voice without a speech server in Chromium", () => {
  let server: EmbeddedServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startEmbeddedServer();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("no recorder; the browser's own dictation where it has speech recognition, nothing where it has none", async () => {
    const context = await browser.newContext();
    try {
      await registerAccount(context, server.baseUrl, "Ada Browser");
      const page = await context.newPage();
      await openNewChat(page, server.baseUrl);
      await page.getByRole("button", { name: "Attach files" }).waitFor();
      expect(await page.getByRole("button", { name: "Record a voice message" }).count()).toBe(0);
      const recognition = await page.evaluate(
        () => "webkitSpeechRecognition" in window || "SpeechRecognition" in window,
      );
      expect(recognition).toBe(true);
      await page.getByRole("button", { name: "Dictate a message" }).waitFor();

      // The same app in a browser without speech recognition shows no microphone at all.
      const without = await context.newPage();
      await without.addInitScript(() => {
        Reflect.deleteProperty(window, "webkitSpeechRecognition");
        Reflect.deleteProperty(window, "SpeechRecognition");
      });
      await openNewChat(without, server.baseUrl);
      await without.getByRole("button", { name: "Attach files" }).waitFor();
      expect(await without.getByRole("button", { name: "Dictate a message" }).count()).toBe(0);
      expect(await without.getByRole("button", { name: "Record a voice message" }).count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 30_000);

  test("Read aloud speaks the answer with the browser's speech synthesis, its markdown taken out", async () => {
    const context = await browser.newContext();
    try {
      await registerAccount(context, server.baseUrl, "Ada Listener");
      const page = await context.newPage();
      // Records what the page hands to the browser's synthesis, then lets it speak.
      await page.addInitScript(() => {
        const spoken: string[] = [];
        (window as unknown as { spoken: string[] }).spoken = spoken;
        const speak = speechSynthesis.speak.bind(speechSynthesis);
        speechSynthesis.speak = (utterance: SpeechSynthesisUtterance) => {
          spoken.push(utterance.text);
          speak(utterance);
        };
      });
      await openNewChat(page, server.baseUrl);
      await sendMessage(page, "Read this to me");
      const answer = await waitForAnswer(page, 1);
      await page.getByRole("button", { name: "Read aloud" }).click();
      await page.getByRole("button", { name: "Stop reading" }).waitFor();
      const spoken = await page.evaluate(() => (window as unknown as { spoken: string[] }).spoken);
      expect(spoken).toHaveLength(1);
      expect(answer.content).toContain("**offline demo model**");
      expect(spoken[0]).toContain("I am the offline demo model, so I cannot");
      expect(spoken[0]).toContain("(code)");
      expect(spoken[0]).not.toContain("**");
      expect(spoken[0]).not.toContain("find . -name");
      await page.getByRole("button", { name: "Stop reading" }).click();
      await page.getByRole("button", { name: "Read aloud" }).waitFor();
    } finally {
      await context.close();
    }
  }, 30_000);

  test("on a phone a camera button takes a photo (capture), beside the picker of the photo library", async () => {
    const context = await browser.newContext({
      viewport: { width: 375, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      await registerAccount(context, server.baseUrl, "Ada Phone");
      const page = await context.newPage();
      await openNewChat(page, server.baseUrl);
      await page.getByRole("button", { name: "Take a photo" }).waitFor();
      const camera = page.getByLabel("A photo from the camera");
      expect(await camera.getAttribute("capture")).toBe("environment");
      expect(await camera.getAttribute("accept")).toBe("image/*");
      expect(await page.getByLabel("Files to attach").getAttribute("accept")).toContain("image/jpeg");
      const chooser = page.waitForEvent("filechooser");
      await page.getByRole("button", { name: "Take a photo" }).click();
      await (await chooser).setFiles({
        name: "photo.png",
        mimeType: "image/png",
        buffer: await picture("#aa3377"),
      });
      await page.getByRole("button", { name: "Remove photo.png" }).waitFor();
      expect((await trayOf(page))[0]?.preview).toStartWith("blob:");
    } finally {
      await context.close();
    }
  }, 30_000);
});
