import { existsSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { chromium } from "playwright-core";

/** Debian's Chromium (see DEVELOPERS.md); never a downloaded one. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Whether the browser tests can run. Off CI a missing Chromium skips them, with the reason; on CI it fails them. */
export const chromiumAvailable = existsSync(chromiumPath);
if (!chromiumAvailable && process.env.CI)
  throw new Error(`${chromiumPath} is missing, and CI requires the browser tests`);
if (!chromiumAvailable)
  console.warn(`skipped: browser tests — ${chromiumPath} is missing (apt-get install chromium)`);

export function launchChromium(extraArguments: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      ...extraArguments,
    ],
  });
}

/** A message as the page holds it (the `message` property of each `<chat-message>`). */
export type ShownMessage = {
  id: string;
  role: "user" | "assistant";
  status: string;
  content: string;
  finishReason?: string;
};

export type StoredChat = {
  id: string;
  title: string;
  messages: Array<{ id: string; role: string; content: string; finishReason?: string }>;
};

/** Signs up a new account through the API in this context (the cookies land in its jar). */
export async function registerAccount(
  context: BrowserContext,
  baseUrl: string,
  name: string,
): Promise<string> {
  const email = `${name.toLowerCase().replace(/\W+/g, "-")}-${crypto.randomUUID()}@example.test`;
  const response = await context.request.post(`${baseUrl}/api/auth/register`, {
    data: { email, password: "correct horse battery", name },
  });
  if (response.status() !== 201)
    throw new Error(`register answered ${response.status()}: ${await response.text()}`);
  return email;
}

export function messagesOf(page: Page): Promise<ShownMessage[]> {
  return page.locator("chat-message").evaluateAll((elements) =>
    elements.map((element) => {
      const message = (element as unknown as { message: ShownMessage }).message;
      return {
        id: message.id,
        role: message.role,
        status: message.status,
        content: message.content,
        finishReason: message.finishReason,
      };
    }),
  );
}

/** The open chat's id, from the URL's path. */
export function openChatId(page: Page): string {
  const chatId = /^\/chats\/([\w-]+)$/.exec(new URL(page.url()).pathname)?.[1];
  if (!chatId) throw new Error(`no chat is open at ${page.url()}`);
  return chatId;
}

/** The chat as the server stored it, fetched by the page with its cookies. */
export function storedChat(page: Page, chatId: string): Promise<StoredChat> {
  return page.evaluate(async (id) => {
    const response = await fetch(`/api/chats/${id}`);
    if (!response.ok) throw new Error(`GET /api/chats/${id} answered ${response.status}`);
    return (await response.json()) as StoredChat;
  }, chatId);
}

/** Waits until the composer can send, i.e. the chat is loaded and no answer is running. */
export async function waitUntilIdle(page: Page): Promise<void> {
  await page.locator("message-composer:not([busy])").waitFor();
}

/** Types a message into the composer and sends it with Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await waitUntilIdle(page);
  const composer = page.getByRole("textbox", { name: "Message" });
  await composer.fill(text);
  await composer.press("Enter");
}

/** Waits until the last message is an assistant answer that is no longer streaming. */
export async function waitForAnswer(page: Page, count: number): Promise<ShownMessage> {
  await page.waitForFunction(
    (expected) => {
      const shown = [...document.querySelectorAll("chat-app")].flatMap((app) => [
        ...(app.shadowRoot?.querySelector("chat-thread")?.shadowRoot?.querySelectorAll("chat-message") ?? []),
      ]);
      const answers = shown
        .map((element) => (element as unknown as { message: ShownMessage }).message)
        .filter((message) => message.role === "assistant");
      const last = answers.at(-1);
      return answers.length >= expected && last !== undefined && last.status !== "streaming";
    },
    count,
    { polling: 50 },
  );
  const answers = (await messagesOf(page)).filter((message) => message.role === "assistant");
  return answers.at(-1) as ShownMessage;
}

/**
 * Starts recording, in the page, every distinct text of the answer being written, whether a
 * caret was on screen, and each state of the connection pill, once per animation frame.
 */
export async function startRecording(page: Page): Promise<void> {
  await page.evaluate(() => {
    type Recording = { texts: string[]; sawCaret: boolean; pills: string[]; stop: boolean };
    const recording: Recording = { texts: [], sawCaret: false, pills: [], stop: false };
    (window as unknown as { recording: Recording }).recording = recording;
    const thread = () =>
      document.querySelector("chat-app")?.shadowRoot?.querySelector("chat-thread")?.shadowRoot;
    const tick = () => {
      if (recording.stop) return;
      const root = thread();
      const elements = [...(root?.querySelectorAll("chat-message") ?? [])];
      for (const element of elements) {
        const message = (element as unknown as { message: ShownMessage }).message;
        if (message.role !== "assistant" || message.status !== "streaming") continue;
        if (recording.texts.at(-1) !== message.content) recording.texts.push(message.content);
        if (element.shadowRoot?.querySelector(".markdown.streaming")) recording.sawCaret = true;
      }
      const pill = root?.querySelector("connection-pill")?.getAttribute("status") ?? "";
      if (recording.pills.at(-1) !== pill) recording.pills.push(pill);
      requestAnimationFrame(tick);
    };
    tick();
  });
}

export function stopRecording(page: Page): Promise<{ texts: string[]; sawCaret: boolean; pills: string[] }> {
  return page.evaluate(() => {
    const recording = (
      window as unknown as {
        recording: { texts: string[]; sawCaret: boolean; pills: string[]; stop: boolean };
      }
    ).recording;
    recording.stop = true;
    return { texts: recording.texts, sawCaret: recording.sawCaret, pills: recording.pills };
  });
}

/** What has the focus, through the shadow roots: its tag and accessible label, placeholder or text; "" for none. */
export function focusedControl(page: Page): Promise<string> {
  return page.evaluate(() => {
    let element = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    if (!element || element === document.body) return "";
    const label =
      element.getAttribute("aria-label") ??
      element.getAttribute("placeholder") ??
      element.textContent?.trim() ??
      "";
    return `${element.tagName.toLowerCase()} ${label}`.trim();
  });
}
