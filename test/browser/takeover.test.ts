import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { ChatApiClient } from "../support/chat-api-client.ts";
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

/** Where the README's screenshot of a takeover goes. */
const screenshots = process.env.SCREENSHOT_DIR ?? join(import.meta.dir, "../../docs/screenshots");

/** Waits until the last message shown is a finished answer of the AI (no author, no notice). */
async function waitForAiAnswerLast(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const shown = [...document.querySelectorAll("chat-app")].flatMap((app) => [
        ...(app.shadowRoot?.querySelector("chat-thread")?.shadowRoot?.querySelectorAll("chat-message") ?? []),
      ]);
      type Shown = { role: string; status: string; author?: unknown; notice?: boolean };
      const last = (shown.at(-1) as unknown as { message?: Shown } | undefined)?.message;
      return last?.role === "assistant" && !last.author && !last.notice && last.status === "complete";
    },
    undefined,
    { polling: 50 },
  );
}

describe.skipIf(!chromiumAvailable)("help requests and takeover in Chromium", () => {
  let server: EmbeddedServer;
  let browser: Browser;
  let agent: ChatApiClient;

  beforeAll(async () => {
    server = await startEmbeddedServer();
    browser = await launchChromium();
    // The first account of all is admin; it makes Grace an agent.
    const admin = await ChatApiClient.signUp(server.baseUrl, "Root");
    agent = await ChatApiClient.signUp(server.baseUrl, "Grace");
    const agentId = (await agent.request("GET", "/api/me")).body.user.id;
    expect((await admin.request("PUT", `/api/admin/users/${agentId}/role`, { role: "agent" })).status).toBe(
      200,
    );
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("the user asks for a person; Grace takes over and writes; after the release the AI answers again", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const scriptErrors: string[] = [];
    try {
      await registerAccount(context, server.baseUrl, "Ada Lovelace");
      const page = await context.newPage();
      page.on("pageerror", (error) => scriptErrors.push(error.message));
      await page.goto(server.baseUrl);
      await sendMessage(page, "My invoice total looks wrong");
      await waitForAnswer(page, 1);
      const chatId = openChatId(page);

      await page.getByRole("button", { name: "Ask a person" }).click();
      await page.getByText("A person was asked").waitFor();
      expect((await agent.request("GET", `/api/admin/chats/${chatId}`)).body.needsHelp).toBe(true);

      expect((await agent.request("POST", `/api/admin/chats/${chatId}/takeover`)).status).toBe(200);
      await page.getByText("Grace joined the chat").waitFor();
      await page.getByText("Grace is answering in this chat.").waitFor();
      expect(await page.getByRole("button", { name: "Ask a person" }).count()).toBe(0);

      const written = await agent.request("POST", `/api/admin/chats/${chatId}/messages`, {
        content: "Hi Ada, Grace here. I have corrected the invoice.",
      });
      expect(written.status).toBe(200);
      await page.getByText("Hi Ada, Grace here. I have corrected the invoice.").waitFor();
      await page.locator("chat-message .author", { hasText: "Grace" }).waitFor();

      await sendMessage(page, "Thank you, Grace!");
      await page.getByText("Thank you, Grace!").waitFor();
      // The chat's list entry carries the mark and the count.
      await page.locator("chat-list-item", { hasText: "Assisted" }).waitFor();
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, "takeover.png") });
      // Nobody but Grace answered the question.
      const beforeRelease = await messagesOf(page);
      expect(beforeRelease.at(-1)).toMatchObject({ role: "user", content: "Thank you, Grace!" });

      expect((await agent.request("DELETE", `/api/admin/chats/${chatId}/takeover`)).status).toBe(200);
      await page.getByText("Grace left the chat").waitFor();

      await sendMessage(page, "One more question for the assistant");
      await waitForAiAnswerLast(page);
      const shown = await messagesOf(page);
      expect(shown.map((message) => message.content)).toContain(
        "Hi Ada, Grace here. I have corrected the invoice.",
      );
      expect(scriptErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
