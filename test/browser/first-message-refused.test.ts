import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import {
  chromiumAvailable,
  launchChromium,
  messagesOf,
  openChatId,
  registerAccount,
  sendMessage,
  waitForAnswer,
} from "./chat-page.ts";

/** Where to put the screenshot of the refused first message, when set. */
const screenshots = process.env.SCREENSHOT_DIR;

/** The chats in the sidebar, by id. */
function sidebarChatIds(page: Page): Promise<string[]> {
  return page
    .locator("chat-list-item")
    .evaluateAll((items) => items.map((item) => (item as unknown as { chat: { id: string } }).chat.id));
}

/** The chats the server holds for the signed-in user, by id. */
function storedChatIds(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const response = await fetch("/api/chats");
    const list = (await response.json()) as { chats: Array<{ id: string }> };
    return list.chats.map((chat) => chat.id);
  });
}

function composerText(page: Page): Promise<string> {
  return page.getByRole("textbox", { name: "Message" }).inputValue();
}

describe.skipIf(!chromiumAvailable)("a refused message in Chromium", () => {
  let server: EmbeddedServer;
  let browser: Browser;

  beforeAll(async () => {
    // One message a minute: the second one of the test is refused with 429. Messages of at most
    // 60 characters, where the app allows 32 000: a longer one is refused for good (400).
    server = await startEmbeddedServer({ GENERATIONS_PER_USER_PER_MINUTE: "1", MAX_MESSAGE_CHARS: "60" });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("a new chat whose first message is refused is deleted again (in the other tab too): back on a new chat, the text in the composer, the refusal shown; in an existing chat it stays with Retry, unless it was refused for good", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const scriptErrors: string[] = [];
    try {
      await registerAccount(context, server.baseUrl, "Grace Hopper");
      const page = await context.newPage();
      page.on("pageerror", (error) => scriptErrors.push(error.message));
      await page.goto(server.baseUrl);
      await page.getByRole("heading", { name: "What can I help with?" }).waitFor();

      // The minute's one message: a chat with its answer.
      await sendMessage(page, "What is a compiler?");
      await waitForAnswer(page, 1);
      const answeredChatId = openChatId(page);

      // Another tab hears what this one tells the others (BroadcastChannel).
      const otherTab = await context.newPage();
      otherTab.on("pageerror", (error) => scriptErrors.push(error.message));
      await otherTab.addInitScript(() => {
        const heard: unknown[] = [];
        Object.assign(window, { heard });
        new BroadcastChannel("chat-app").addEventListener("message", (event) => heard.push(event.data));
      });
      await otherTab.goto(server.baseUrl);
      await otherTab.locator("chat-list-item").waitFor();

      await page.getByRole("button", { name: "New chat" }).click();
      await page.waitForURL(`${server.baseUrl}/`);
      const refusal = page.waitForResponse(
        (response) => response.request().method() === "POST" && response.url().endsWith("/messages"),
      );
      const unsent = "And what does a linker do?";
      await sendMessage(page, unsent);
      const refused = await refusal;
      expect(refused.status()).toBe(429);
      const retryAfter = refused.headers()["retry-after"];
      const refusedChatId = /\/api\/chats\/([\w-]+)\/messages$/.exec(refused.url())?.[1];

      // The refusal shows, as a banner or (before this was handled) as a message not sent; the
      // chat is deleted before it shows.
      await page
        .getByText(/retry in \d+ s/)
        .first()
        .waitFor();
      expect(new URL(page.url()).pathname).toBe("/");
      expect(await page.locator(".banner").textContent()).toContain(
        `Too many messages: at most 1 a minute; retry in ${retryAfter} s`,
      );
      expect(await composerText(page)).toBe(unsent);
      expect(await messagesOf(page)).toEqual([]);
      await page.getByRole("heading", { name: "What can I help with?" }).waitFor();
      expect(await sidebarChatIds(page)).toEqual([answeredChatId]);
      expect(await storedChatIds(page)).toEqual([answeredChatId]);
      // The other tab was told of the new chat, then of its deletion, and no longer shows it.
      await otherTab.waitForFunction(
        (chatId) =>
          (window as unknown as { heard: Array<{ type: string; chatId?: string }> }).heard.some(
            (message) => message.type === "chat_deleted" && message.chatId === chatId,
          ),
        refusedChatId,
      );
      await otherTab.waitForFunction(
        (expected) =>
          JSON.stringify(
            [
              ...(document
                .querySelector("chat-app")
                ?.shadowRoot?.querySelector("chat-list")
                ?.shadowRoot?.querySelectorAll("chat-list-item") ?? []),
            ].map((item) => (item as unknown as { chat: { id: string } }).chat.id),
          ) === expected,
        JSON.stringify([answeredChatId]),
      );
      await otherTab.close();
      if (screenshots) {
        mkdirSync(screenshots, { recursive: true });
        await page.screenshot({ path: join(screenshots, "first-message-refused.png") });
      }

      // In a chat that has messages:
      await page.locator("chat-list-item").first().getByRole("link").click();
      await page.waitForURL(`${server.baseUrl}/chats/${answeredChatId}`);
      await waitForAnswer(page, 1);

      // A message the server refuses for good leaves the thread; its text goes back to the composer.
      const tooLong = "Tell me everything about linkers, loaders and relocations, please.";
      await sendMessage(page, tooLong);
      await page
        .getByText(/over 60 characters/)
        .first()
        .waitFor();
      expect(await page.locator(".banner").textContent()).toContain("The message is over 60 characters");
      expect(await composerText(page)).toBe(tooLong);
      expect((await messagesOf(page)).map((message) => message.status)).toEqual(["complete", "complete"]);
      if (screenshots) await page.screenshot({ path: join(screenshots, "message-refused-for-good.png") });

      // One Retry can mend (the rate limit) stays, failed, with its text and Retry.
      await sendMessage(page, "One more?");
      await page.getByText(/^Not sent: Too many messages/).waitFor();
      const shown = await messagesOf(page);
      expect(shown.map((message) => [message.role, message.status])).toEqual([
        ["user", "complete"],
        ["assistant", "complete"],
        ["user", "failed"],
      ]);
      expect(shown[2]?.content).toBe("One more?");
      expect(await page.getByRole("button", { name: "Retry" }).count()).toBe(1);
      expect(scriptErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
