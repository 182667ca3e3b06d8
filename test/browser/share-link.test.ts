import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import {
  chromiumAvailable,
  launchChromium,
  openChatId,
  registerAccount,
  sendMessage,
  waitForAnswer,
} from "./chat-page.ts";

const screenshots = process.env.SCREENSHOT_DIR ?? join(import.meta.dir, "../../docs/screenshots");

describe.skipIf(!chromiumAvailable)("a share link in Chromium, signed out", () => {
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

  test("shows the snapshot rendered as the app renders it, runs nothing the chat says, and shows nothing once revoked", async () => {
    const owner = await ChatApiClient.signUp(server.baseUrl, "Owner");
    const hostile = `Why does <img src=x onerror="window.pwned=1"> not run? Also $E = mc^2$`;
    const { chatId, events } = await owner.answeredChat(hostile);
    events.close();
    const { path, id } = (await owner.request("POST", `/api/chats/${chatId}/shares`)).body;

    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const scriptErrors: string[] = [];
    try {
      const page = await context.newPage();
      page.on("pageerror", (error) => scriptErrors.push(error.message));
      await page.goto(`${server.baseUrl}${path}`);
      await page.locator("chat-message").nth(1).locator("pre code").first().waitFor();

      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBeTruthy();
      expect(await page.title()).toContain("Shared chat");
      expect(await page.locator("chat-message").count()).toBe(2);
      expect(await page.locator("chat-message").first().locator(".bubble").textContent()).toBe(hostile);
      expect(await page.locator("chat-message").first().locator("img").count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { pwned?: unknown }).pwned)).toBeUndefined();
      expect(await page.locator('meta[name="robots"]').getAttribute("content")).toContain("noindex");
      expect(await page.getByRole("textbox").count()).toBe(0);
      expect(await context.cookies()).toEqual([]);
      await page.screenshot({ path: join(screenshots, "share-link.png") });

      expect((await owner.request("DELETE", `/api/shares/${id}`)).status).toBe(204);
      await page.reload();
      await page.getByRole("alert").waitFor();
      expect(await page.getByRole("alert").textContent()).toContain("revoked");
      expect(await page.locator("chat-message").count()).toBe(0);
      expect(scriptErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test("the chat's Share dialog makes a link from the keyboard, lists it, copies it and revokes it", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.baseUrl });
      await registerAccount(context, server.baseUrl, "Sharer");
      const page = await context.newPage();
      await page.goto(server.baseUrl);
      await sendMessage(page, "Something worth sharing");
      await waitForAnswer(page, 1);
      const chatId = openChatId(page);

      await page.getByRole("button", { name: "Share" }).click();
      const dialog = page.getByRole("dialog", { name: "Share this chat" });
      // Enabled once the chat's earlier links are listed.
      await dialog.locator("button.primary:not([disabled])").waitFor();
      await dialog.getByRole("button", { name: "Create link" }).press("Enter");
      const link = dialog.getByRole("textbox");
      await link.waitFor();
      const url = await link.inputValue();
      expect(url).toMatch(new RegExp(`^${server.baseUrl}/s/[A-Za-z0-9_-]{22}$`));
      const focused = await page.evaluate(() => {
        let element = document.activeElement;
        while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
        return (element as HTMLInputElement | null)?.value;
      });
      expect(focused).toBe(url);
      await dialog.getByRole("button", { name: "Copy" }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
      await page.screenshot({ path: join(screenshots, "share-dialog.png") });

      const reader = await browser.newContext();
      const shared = await reader.newPage();
      await shared.goto(url);
      await shared.locator("chat-message").nth(1).waitFor();
      expect(await shared.locator("chat-message").first().locator(".bubble").textContent()).toBe(
        "Something worth sharing",
      );

      await dialog.getByRole("button", { name: "Revoke" }).click();
      await dialog.getByRole("textbox").waitFor({ state: "detached" });
      const listed = await page.evaluate(async () => (await (await fetch("/api/shares")).json()).shares);
      expect(listed.filter((share: { chatId: string }) => share.chatId === chatId)).toEqual([]);
      await shared.reload();
      await shared.getByRole("alert").waitFor();
      await reader.close();
    } finally {
      await context.close();
    }
  });
});
