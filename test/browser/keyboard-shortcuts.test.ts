import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import {
  chromiumAvailable,
  focusedControl,
  launchChromium,
  registerAccount,
  sendMessage,
  waitForAnswer,
} from "./chat-page.ts";

describe.skipIf(!chromiumAvailable)("keyboard shortcuts in Chromium", () => {
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

  test("an empty chat names its model; ? lists the shortcuts (not while typing); Ctrl+K searches; Shift+Esc returns to the message box; the messages scroll from the keyboard", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 600 } });
    try {
      await registerAccount(context, server.baseUrl, "Keys");
      const page = await context.newPage();
      await page.goto(server.baseUrl);
      // An empty chat names the model that will answer it.
      await page.getByText("Demo (offline) answers this chat.").waitFor();
      for (const [index, text] of ["First", "Second", "Third"].entries()) {
        await sendMessage(page, text);
        await waitForAnswer(page, index + 1);
      }

      const composer = page.getByRole("textbox", { name: "Message" });
      await composer.fill("why?");
      expect(await composer.inputValue()).toBe("why?");
      expect(await page.getByRole("dialog", { name: "Keyboard shortcuts" }).isVisible()).toBe(false);
      await composer.fill("");

      await page.getByRole("button", { name: "New chat" }).focus();
      await page.keyboard.press("?");
      const dialog = page.getByRole("dialog", { name: "Keyboard shortcuts" });
      await dialog.waitFor();
      expect(await dialog.getByRole("row").count()).toBeGreaterThanOrEqual(8);
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });

      await page.keyboard.press("Control+k");
      expect(await focusedControl(page)).toBe("input Search chats");
      await page.keyboard.press("Shift+Escape");
      expect(await focusedControl(page)).toContain("textarea");

      const scroller = page.locator("chat-thread .scroller");
      await scroller.focus();
      expect(await focusedControl(page)).toBe("div Conversation");
      const bottom = await scroller.evaluate((element) => element.scrollTop);
      expect(bottom).toBeGreaterThan(0);
      await page.keyboard.press("PageUp");
      await page.waitForFunction(
        (from) =>
          (document
            .querySelector("chat-app")
            ?.shadowRoot?.querySelector("chat-thread")
            ?.shadowRoot?.querySelector(".scroller")?.scrollTop ?? from) < from,
        bottom,
      );
    } finally {
      await context.close();
    }
  });

  test("Copy on a question and on an answer puts the whole text on the clipboard, the answer as markdown", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.baseUrl });
      await registerAccount(context, server.baseUrl, "Copier");
      const page = await context.newPage();
      await page.goto(server.baseUrl);
      await sendMessage(page, "Give me a **bold** idea");
      const answer = await waitForAnswer(page, 1);

      await page.getByRole("button", { name: "Copy your message" }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("Give me a **bold** idea");
      await page.getByRole("button", { name: "Copy the answer (markdown)" }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(answer.content);
      expect(answer.content).toContain("```");
    } finally {
      await context.close();
    }
  });

  test("a search result opens its chat at the matched message, loading older pages, the match marked", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const email = await registerAccount(context, server.baseUrl, "Searcher");
      const client = new ChatApiClient(server.baseUrl);
      await client.login(email);
      // The question with the word early, then enough turns that it is not on the chat's first page
      // (100 messages); the title comes from the first question, so the match is in a message.
      const { chatId, events } = await client.answeredChat("An early question");
      for (let turn = 1; turn <= 55; turn++) {
        const content = turn === 1 ? "Where did the zeppelin land?" : `Filler ${turn}`;
        const sent = await client.request("POST", `/api/chats/${chatId}/messages`, { content });
        await events.waitFor(
          (event) =>
            event.event === "message_complete" &&
            (event.data as { messageId: string }).messageId === sent.body.assistantMessageId,
        );
      }
      events.close();

      const page = await context.newPage();
      await page.goto(server.baseUrl);
      await page.getByRole("searchbox", { name: "Search chats" }).fill("zeppelin");
      // The newest match is the answer quoting the question in italics: shown as words, not markdown.
      const snippet = await page.locator("chat-search-result .snippet").first().textContent();
      expect(snippet).toStartWith("Assistant: You asked:");
      expect(snippet).toContain('"Where did the zeppelin land?"');
      expect(snippet).not.toContain("*");
      await page.locator("chat-search-result").first().click();
      const found = page.locator('chat-message[highlight="zeppelin"]');
      await found.waitFor();
      expect(await found.locator("mark").first().textContent()).toBe("zeppelin");
      expect(await found.isVisible()).toBe(true);
      const inView = () =>
        found.evaluate((element) => {
          const box = element.getBoundingClientRect();
          return box.top >= 0 && box.bottom <= window.innerHeight;
        });
      for (let attempt = 0; attempt < 50 && !(await inView()); attempt++) await Bun.sleep(100);
      expect(await inView()).toBe(true);
    } finally {
      await context.close();
    }
  });

  test("Show earlier messages keeps the reading position: the message read stays where it was", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const email = await registerAccount(context, server.baseUrl, "Reader");
      const client = new ChatApiClient(server.baseUrl);
      await client.login(email);
      const { chatId, events } = await client.answeredChat("The very first question");
      for (let turn = 1; turn <= 55; turn++) {
        const sent = await client.request("POST", `/api/chats/${chatId}/messages`, {
          content: `Turn ${turn}`,
        });
        await events.waitFor(
          (event) =>
            event.event === "message_complete" &&
            (event.data as { messageId: string }).messageId === sent.body.assistantMessageId,
        );
      }
      events.close();

      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/chats/${chatId}`);
      const older = page.getByRole("button", { name: "Show earlier messages" });
      await older.waitFor();
      const scroller = page.locator("chat-thread .scroller");
      await scroller.evaluate((element) => element.scrollTo({ top: 0 }));
      const first = page.locator("chat-message").first();
      const firstId = await first.getAttribute("data-message-id");
      const topBefore = await first.evaluate((element) => element.getBoundingClientRect().top);

      await older.click();
      await page.locator("chat-message").nth(100).waitFor();
      const read = page.locator(`chat-message[data-message-id="${firstId}"]`);
      const topAfter = await read.evaluate((element) => element.getBoundingClientRect().top);
      expect(Math.abs(topAfter - topBefore)).toBeLessThan(40);
    } finally {
      await context.close();
    }
  });
});
