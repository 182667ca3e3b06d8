import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type ApiResponse, ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import {
  chromiumAvailable,
  launchChromium,
  openChatId,
  registerAccount,
  sendMessage,
  waitForAnswer,
} from "./chat-page.ts";

/** Where the README's screenshots of the console go. */
const screenshots = process.env.SCREENSHOT_DIR ?? join(import.meta.dir, "../../docs/screenshots");

/** The titles of the console's rows, top to bottom. */
function rowTitles(page: Page): Promise<string[]> {
  return page.locator("console-conversations tbody tr .title").allTextContents();
}

describe.skipIf(!chromiumAvailable)("the support console in Chromium", () => {
  let server: EmbeddedServer;
  let browser: Browser;
  let admin: ChatApiClient;
  let ada: ChatApiClient;
  let bob: ChatApiClient;
  let adaEmail: string;

  /** A browser context signed in as a new agent named `name`. */
  async function agentContext(name: string): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const email = await registerAccount(context, server.baseUrl, name);
    let cursor: string | null = null;
    let agentId: string | undefined;
    do {
      const listed: ApiResponse<{ users: Array<{ id: string; email: string }>; nextCursor: string | null }> =
        await admin.request("GET", `/api/admin/users?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
      agentId = listed.body.users.find((user) => user.email === email)?.id;
      cursor = listed.body.nextCursor;
    } while (!agentId && cursor);
    expect((await admin.request("PUT", `/api/admin/users/${agentId}/role`, { role: "agent" })).status).toBe(
      200,
    );
    return context;
  }

  beforeAll(async () => {
    server = await startEmbeddedServer();
    browser = await launchChromium();
    admin = await ChatApiClient.signUp(server.baseUrl, "Root");
    ada = await ChatApiClient.signUp(server.baseUrl, "Ada");
    adaEmail = (await ada.request("GET", "/api/me")).body.user.email;
    bob = await ChatApiClient.signUp(server.baseUrl, "Bob");
    for (const title of ["Invoice question", "Refund"]) {
      const chatId = (await ada.request("POST", "/api/chats", { title })).body.id;
      await ada.request("POST", `/api/chats/${chatId}/messages`, {
        content: `About my ${title.toLowerCase()}`,
      });
      if (title === "Refund")
        await ada.request("POST", `/api/chats/${chatId}/help`, { note: "Please call me" });
      await Bun.sleep(20);
    }
    await bob.request("POST", "/api/chats", { title: "Bob's plans" });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("filters and sorting; a new conversation appears live", async () => {
    const context = await agentContext("Grace");
    const scriptErrors: string[] = [];
    try {
      const page = await context.newPage();
      page.on("pageerror", (error) => scriptErrors.push(error.message));
      await page.goto(`${server.baseUrl}/admin`);
      await page.getByText("● Live").waitFor();
      await page.locator("console-conversations tbody tr", { hasText: "Bob's plans" }).waitFor();
      expect(await rowTitles(page)).toEqual(["Bob's plans", "Refund", "Invoice question"]);
      // An agent sees no settings.
      expect(await page.getByRole("link", { name: "Recipients" }).count()).toBe(0);

      await page.getByLabel("Status").selectOption("needs_help");
      await page.waitForFunction(
        () =>
          document
            .querySelector("admin-console")
            ?.shadowRoot?.querySelector("console-conversations")
            ?.shadowRoot?.querySelectorAll("tbody tr").length === 1,
      );
      expect(await rowTitles(page)).toEqual(["Refund"]);

      await page.getByLabel("Status").selectOption("");
      await page.getByLabel("User email").fill(adaEmail);
      await page.getByLabel("Sort by").selectOption("started");
      await page.getByLabel("User email").press("Enter");
      await page.waitForFunction(
        () =>
          document
            .querySelector("admin-console")
            ?.shadowRoot?.querySelector("console-conversations")
            ?.shadowRoot?.querySelectorAll("tbody tr").length === 2,
      );
      expect(await rowTitles(page)).toEqual(["Refund", "Invoice question"]);

      // Live: a chat Ada creates now shows without a reload; one of Bob's stays out of the filter.
      await bob.request("POST", "/api/chats", { title: "Bob again" });
      await ada.request("POST", "/api/chats", { title: "Shipping delay" });
      await page.locator("console-conversations tbody tr", { hasText: "Shipping delay" }).waitFor();
      expect(await rowTitles(page)).toEqual(["Shipping delay", "Refund", "Invoice question"]);
      expect(scriptErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  test("an agent takes a chat over from the console; the user's tab shows the agent's name and message", async () => {
    const agent = await agentContext("Grace Hopper");
    const user = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const scriptErrors: string[] = [];
    try {
      await registerAccount(user, server.baseUrl, "Alan Turing");
      const userPage = await user.newPage();
      userPage.on("pageerror", (error) => scriptErrors.push(error.message));
      await userPage.goto(server.baseUrl);
      await sendMessage(userPage, "My parcel never arrived");
      await waitForAnswer(userPage, 1);
      const chatId = openChatId(userPage);
      await userPage.getByRole("button", { name: "Ask a person" }).click();
      await userPage.getByText("A person was asked").waitFor();

      const console = await agent.newPage();
      console.on("pageerror", (error) => scriptErrors.push(error.message));
      await console.goto(`${server.baseUrl}/admin`);
      await console.getByText("● Live").waitFor();
      const row = console.locator(`console-conversations tbody tr[data-chat-id="${chatId}"]`);
      await row.getByText("needs help").waitFor();
      await row.click();
      const detail = console.locator("console-chat-detail");
      await detail.getByText("The user asked for a person", { exact: true }).waitFor();
      await detail.locator(".message.user", { hasText: "My parcel never arrived" }).waitFor();
      await detail.getByRole("button", { name: "Take over" }).click();

      await userPage.getByText("Grace Hopper joined the chat").waitFor();
      await userPage.getByText("Grace Hopper is answering in this chat.").waitFor();

      await detail
        .getByLabel("Message to the user")
        .fill("Hello Alan, Grace here. I am tracking your parcel.");
      await detail.getByRole("button", { name: "Send" }).click();
      await userPage.getByText("Hello Alan, Grace here. I am tracking your parcel.").waitFor();
      await userPage.locator("chat-message .author", { hasText: "Grace Hopper" }).waitFor();

      await sendMessage(userPage, "Thanks, Grace!");
      await detail.locator(".message.user", { hasText: "Thanks, Grace!" }).waitFor();
      await detail.getByText("chat taken over").waitFor();
      await detail.locator("li", { hasText: "the user asked for a person" }).waitFor();
      await detail.locator("li", { hasText: "help request closed" }).waitFor();
      await row.getByText("held by Grace Hopper").waitFor();
      mkdirSync(screenshots, { recursive: true });
      await console.screenshot({ path: join(screenshots, "console.png") });

      await detail.getByRole("button", { name: "Release to the AI" }).click();
      await userPage.getByText("Grace Hopper left the chat").waitFor();
      await detail.getByRole("button", { name: "Take over" }).waitFor();
      expect(scriptErrors).toEqual([]);
    } finally {
      await agent.close();
      await user.close();
    }
  }, 90_000);

  test("an admin opens the console from the app, edits recipients and reads the audit log; a user gets the page that does not exist", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      await context.request.post(`${server.baseUrl}/api/auth/login`, {
        data: {
          email: (await admin.request("GET", "/api/me")).body.user.email,
          password: "correct horse battery",
        },
      });
      await page.goto(server.baseUrl);
      await page.getByRole("link", { name: "Support console" }).click();
      await page.getByText("● Live").waitFor();
      await page.getByRole("link", { name: "Recipients" }).click();
      await page.getByLabel("Name").fill("On call");
      await page.getByLabel("E-mail").fill("oncall@example.test");
      await page.getByLabel("Webhook URLs (one a line)").fill("https://hooks.example.test/alerts");
      await page.getByRole("checkbox", { name: "help request" }).check();
      await page.getByRole("button", { name: "Add recipient" }).click();
      await page.locator("console-recipients tbody tr", { hasText: "On call" }).waitFor();
      const stored = (await admin.request("GET", "/api/admin/recipients")).body.recipients;
      expect(stored).toContainEqual(
        expect.objectContaining({
          name: "On call",
          email: "oncall@example.test",
          kinds: ["help_request"],
          webhookUrls: ["https://hooks.example.test/alerts"],
          enabled: true,
        }),
      );
      await page.screenshot({ path: join(screenshots, "console-recipients.png") });

      await page.getByRole("link", { name: "Audit log" }).click();
      await page.locator("console-audit-log tbody tr", { hasText: "chat taken over" }).first().waitFor();
      await page.getByRole("link", { name: "Dead letters" }).click();
      await page.getByText("No dead letters.").waitFor();

      const userContext = await browser.newContext();
      await registerAccount(userContext, server.baseUrl, "Eve");
      const userPage = await userContext.newPage();
      await userPage.goto(`${server.baseUrl}/admin`);
      await userPage.getByText("This page does not exist.").waitFor();
      await userContext.close();
    } finally {
      await context.close();
    }
  }, 60_000);
});
