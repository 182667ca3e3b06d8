import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import {
  chromiumAvailable,
  launchChromium,
  messagesOf,
  openChatId,
  registerAccount,
  sendMessage,
  storedChat,
  waitForAnswer,
} from "./chat-page.ts";

const screenshots = process.env.SCREENSHOT_DIR ?? join(import.meta.dir, "../../docs/screenshots");

describe.skipIf(!chromiumAvailable)("settings in Chromium: account, API keys, usage", () => {
  let server: EmbeddedServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startEmbeddedServer();
    browser = await launchChromium();
    // The first account is the admin, who may not delete it: the accounts below are users.
    await ChatApiClient.signUp(server.baseUrl, "Root");
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("from the keyboard: rename, make an API key that works, see the usage, then delete the account", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.baseUrl });
      const email = await registerAccount(context, server.baseUrl, "Ada");
      const page = await context.newPage();
      await page.goto(server.baseUrl);
      await sendMessage(page, "Count my tokens");
      await waitForAnswer(page, 1);

      await page.getByRole("button", { name: "Settings", exact: true }).focus();
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Settings" });
      await dialog.getByRole("textbox", { name: "Name" }).fill("Ada Lovelace");
      await dialog.getByRole("textbox", { name: "Name" }).press("Enter");
      await dialog.getByText("Saved.").waitFor();
      await page.locator("chat-app .who").getByText("Ada Lovelace").waitFor();

      // The key list arrives late (a busy server): Enter in the name field must still create a key.
      await page.route("**/api/keys", async (route) => {
        if (route.request().method() === "GET") await Bun.sleep(1_500);
        await route.continue();
      });
      await dialog.getByRole("tab", { name: "Account" }).focus();
      await page.keyboard.press("ArrowRight");
      expect(await dialog.getByRole("tab", { name: "API keys" }).getAttribute("aria-selected")).toBe("true");
      await dialog.getByRole("textbox", { name: "Name" }).fill("laptop");
      await dialog.getByRole("textbox", { name: "Name" }).press("Enter");
      const secret = dialog.getByRole("textbox", { name: "The new API key" });
      await secret.waitFor();
      const key = await secret.inputValue();
      expect(key).toMatch(/^sk-chat-/);
      await dialog.getByRole("button", { name: "Copy" }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
      const models = await fetch(`${server.baseUrl}/v1/models`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(models.status).toBe(200);
      await page.screenshot({ path: join(screenshots, "settings-keys.png") });
      await dialog.getByRole("button", { name: "Revoke laptop" }).click();
      await dialog.getByText("No keys yet.").waitFor();
      const revoked = await fetch(`${server.baseUrl}/v1/models`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(revoked.status).toBe(401);

      await dialog.getByRole("tab", { name: "API keys" }).focus();
      await page.keyboard.press("ArrowRight");
      await dialog.getByRole("table", { name: "Usage per model" }).waitFor();
      expect(await dialog.getByRole("status").textContent()).toMatch(/[1-9]\d* answers?/);
      expect(await dialog.getByRole("cell", { name: /demo/ }).count()).toBeGreaterThan(0);
      const today = new Date().toISOString().slice(0, 10);
      expect(
        await dialog.getByRole("table", { name: "Usage per day" }).getByRole("cell", { name: today }).count(),
      ).toBe(1);

      await page.keyboard.press("ArrowRight");
      expect(await dialog.getByRole("tab", { name: "Data" }).getAttribute("aria-selected")).toBe("true");
      await page.keyboard.press("ArrowRight");
      expect(await dialog.getByRole("tab", { name: "Account" }).getAttribute("aria-selected")).toBe("true");
      await dialog.getByRole("button", { name: "Delete account…" }).click();
      const password = dialog.getByLabel("Password to confirm");
      await password.fill("not my password");
      await password.press("Enter");
      await dialog.getByRole("alert").waitFor();
      await password.fill("correct horse battery");
      await password.press("Enter");
      await page.locator("auth-form").waitFor();
      const login = await new ChatApiClient(server.baseUrl).login(email);
      expect(login.status).toBe(401);
    } finally {
      await context.close();
    }
  });

  test("a chat's settings: its instructions and model, saved for every device; the chat downloaded as Markdown and JSON", async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      acceptDownloads: true,
    });
    try {
      await registerAccount(context, server.baseUrl, "Grace");
      const page = await context.newPage();
      await page.goto(server.baseUrl);
      await sendMessage(page, "Hello");
      await waitForAnswer(page, 1);
      const chatId = openChatId(page);
      const other = await context.newPage();
      await other.goto(`${server.baseUrl}/chats/${chatId}`);

      await page.getByRole("button", { name: "Chat settings" }).click();
      const dialog = page.getByRole("dialog", { name: "Chat settings" });
      const instructions = dialog.getByRole("textbox", { name: /Instructions/ });
      await instructions.fill("Answer like a pirate.");
      await dialog.getByRole("button", { name: "Save" }).press("Enter");
      await dialog.waitFor({ state: "hidden" });
      const stored = await storedChat(page, chatId);
      expect((stored as unknown as { systemPrompt?: string }).systemPrompt).toBe("Answer like a pirate.");

      await other.getByRole("button", { name: "Chat settings" }).click();
      const elsewhere = other.getByRole("dialog", { name: "Chat settings" });
      expect(await elsewhere.getByRole("textbox", { name: /Instructions/ }).inputValue()).toBe(
        "Answer like a pirate.",
      );
      await elsewhere.getByRole("textbox", { name: /Instructions/ }).fill("");
      await elsewhere.getByRole("button", { name: "Save" }).click();
      await elsewhere.waitFor({ state: "hidden" });
      expect(
        ((await storedChat(page, chatId)) as unknown as { systemPrompt?: string }).systemPrompt,
      ).toBeUndefined();

      await page.getByRole("button", { name: "Chat settings" }).click();
      const downloaded = async (name: string) => {
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          dialog.getByRole("link", { name }).click(),
        ]);
        return {
          file: download.suggestedFilename(),
          text: await Bun.file((await download.path()) as string).text(),
        };
      };
      const markdown = await downloaded("Markdown");
      expect(markdown.file).toEndWith(".md");
      expect(markdown.text).toContain("Hello");
      const json = await downloaded("JSON, every version");
      expect(json.file).toEndWith(".json");
      const document = JSON.parse(json.text);
      expect(document.format).toBe("chat-system-export");
      expect(document.chats.map((chat: { id: string }) => chat.id)).toEqual([chatId]);
    } finally {
      await context.close();
    }
  });

  test("Data: download every chat, import ChatGPT's conversations.json, and the download itself into another account", async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      acceptDownloads: true,
    });
    try {
      await registerAccount(context, server.baseUrl, "Mover");
      const page = await context.newPage();
      await page.goto(server.baseUrl);
      await sendMessage(page, "Something to export");
      await waitForAnswer(page, 1);

      await page.getByRole("button", { name: "Settings", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: "Settings" });
      await dialog.getByRole("tab", { name: "Data" }).click();
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        dialog.getByRole("link", { name: "Download all chats" }).click(),
      ]);
      const exported = JSON.parse(await Bun.file((await download.path()) as string).text());
      expect(exported.format).toBe("chat-system-export");
      expect(exported.chats).toHaveLength(1);

      await dialog
        .getByLabel("File to import")
        .setInputFiles(
          join(import.meta.dir, "../../services/gateway/src/import/__fixtures__/chatgpt-conversations.json"),
        );
      await dialog.getByText("1 chats imported").waitFor();
      expect(await dialog.getByRole("listitem").first().textContent()).toContain("Only a system prompt");
      await page.locator("chat-list-item").filter({ hasText: "Reversing lists" }).waitFor();

      const exportFile = join(await mkdtemp(join(tmpdir(), "export-")), "chats.json");
      await download.saveAs(exportFile);
      const receiver = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      try {
        await registerAccount(receiver, server.baseUrl, "Receiver");
        const other = await receiver.newPage();
        await other.goto(server.baseUrl);
        await other.getByRole("button", { name: "Settings", exact: true }).click();
        const otherDialog = other.getByRole("dialog", { name: "Settings" });
        await otherDialog.getByRole("tab", { name: "Data" }).click();
        await otherDialog.getByLabel("File to import").setInputFiles(exportFile);
        await otherDialog.getByText("1 chats imported").waitFor();
        await otherDialog.getByRole("button", { name: "Close" }).click();
        await other.locator("chat-list-item").filter({ hasText: exported.chats[0].title }).click();
        await other.locator("chat-message").filter({ hasText: "Something to export" }).first().waitFor();
        const shown = await messagesOf(other);
        expect(shown.map((message) => message.role)).toEqual(["user", "assistant"]);
        expect(shown[0]?.content).toBe("Something to export");
        expect(shown[1]?.content).toBe(exported.chats[0].messages[1].content);
      } finally {
        await receiver.close();
      }
    } finally {
      await context.close();
    }
  });
});
