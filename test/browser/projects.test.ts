import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import {
  type OpenAIWireServer,
  startOpenAIWireServer,
} from "../../services/orchestrator/src/providers/__fixtures__/openai-wire-server.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import {
  chromiumAvailable,
  launchChromium,
  openChatId,
  registerAccount,
  waitForAnswer,
} from "./chat-page.ts";

const screenshots = process.env.SCREENSHOT_DIR ?? join(import.meta.dir, "../../docs/screenshots");

/** The element that has the focus, through the shadow roots, and whether it shows a focus ring. */
function focused(page: Page): Promise<{ label: string; ring: boolean }> {
  return page.evaluate(() => {
    let element: Element | null = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    if (!(element instanceof HTMLElement)) return { label: "", ring: false };
    const style = getComputedStyle(element);
    const label =
      element.getAttribute("aria-label") ?? element.textContent?.replace(/\s+/g, " ").trim() ?? "";
    return { label, ring: style.outlineStyle !== "none" && Number.parseFloat(style.outlineWidth) > 0 };
  });
}

/** The chat as the server stored it, fetched by the page with its cookies. */
function chatOnServer(page: Page, chatId: string) {
  return page.evaluate(async (id) => {
    const response = await fetch(`/api/chats/${id}`);
    return { status: response.status, chat: (await response.json()) as Record<string, unknown> };
  }, chatId);
}

/** Presses the keys one after the other. */
async function press(page: Page, ...keys: string[]): Promise<void> {
  for (const key of keys) await page.keyboard.press(key);
}

describe.skipIf(!chromiumAvailable)("projects, pins and archives in Chromium", () => {
  let openai: OpenAIWireServer;
  let server: EmbeddedServer;
  let browser: Browser;

  beforeAll(async () => {
    openai = startOpenAIWireServer();
    server = await startEmbeddedServer({
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: "sk-test-PROJECTSOPENAIKEY0123456789",
      SYSTEM_PROMPT: "You are the test assistant.",
      CHUNK_FLUSH_MS: "5",
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await openai?.stop();
  });

  test("from the keyboard: a project's instructions reach the model; pin, archive, move out, delete keeping chats", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      await registerAccount(context, server.baseUrl, "Gardener");
      // Another project and chats besides, for a sidebar as it looks in use.
      const post = async (path: string, data: unknown) => {
        const response = await context.request.post(`${server.baseUrl}${path}`, {
          data,
          headers: { origin: server.baseUrl },
        });
        expect(response.status()).toBe(201);
        return response.json();
      };
      const other = await post("/api/chat-projects", { name: "Reading list" });
      for (const title of ["Trip to Lisbon", "Tax questions"]) await post("/api/chats", { title });
      await post("/api/chats", { title: "Novels of 2026", projectId: other.id });
      const page = await context.newPage();
      await page.goto(server.baseUrl);
      const sidebar = page.getByRole("complementary", { name: "Chats" });

      // A new project, from the keyboard; the dialog gives the focus back to its button.
      await sidebar.getByRole("button", { name: "New project" }).focus();
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "New project" });
      await dialog.waitFor();
      expect((await focused(page)).label).toBe("");
      await page.keyboard.type("Garden");
      await page.keyboard.press("Tab");
      await page.keyboard.type("Always mention the garden gnome.");
      await dialog.getByRole("combobox", { name: "Default model of new chats" }).selectOption("gpt-4.1-mini");
      await dialog.getByRole("textbox", { name: "Name" }).focus();
      await page.keyboard.press("Enter");
      await dialog.waitFor({ state: "hidden" });
      expect(await focused(page)).toEqual({ label: "New project", ring: true });
      const projectButton = sidebar.getByRole("button", { name: "Garden", exact: true });
      expect(await projectButton.getAttribute("aria-expanded")).toBe("true");

      // A new chat in it: its instructions reach the provider between the deployment's and none of the chat's.
      await sidebar.getByRole("button", { name: "New chat in Garden" }).focus();
      expect((await focused(page)).ring).toBe(true);
      await page.keyboard.press("Enter");
      const requestsBefore = openai.requests.length;
      openai.enqueue(
        { kind: "stream", text: "Plant tulips beside the garden gnome." },
        { kind: "stream", text: '"Spring planting"' },
      );
      await page.getByRole("heading", { name: "New chat in Garden" }).waitFor();
      const composer = page.getByRole("textbox", { name: "Message" });
      await composer.waitFor();
      await page.keyboard.type("What should I plant?");
      await page.keyboard.press("Enter");
      await waitForAnswer(page, 1);
      const question = openai.requests
        .slice(requestsBefore)
        .find((request) => JSON.stringify(request.body).includes("What should I plant?"));
      expect(question?.body).toMatchObject({
        model: "gpt-4.1-mini",
        messages: [
          { role: "system", content: "You are the test assistant.\n\nAlways mention the garden gnome." },
          { role: "user", content: "What should I plant?" },
        ],
      });
      const chatId = openChatId(page);
      const created = (await chatOnServer(page, chatId)).chat;
      const projectId = String(created.projectId);
      expect([created.model, created.pinned, projectId.length > 0]).toEqual(["gpt-4.1-mini", false, true]);
      const projectChats = sidebar.locator(`#project-${projectId}`);
      await projectChats.locator("chat-list-item").first().waitFor();
      const title = (await projectChats.locator("chat-list-item a").first().getAttribute("title")) ?? "";
      const more = () => sidebar.getByRole("button", { name: `More for ${title}` });

      // Pin from the chat's menu: the menu takes the focus, Enter picks, the focus follows the chat.
      await more().focus();
      await page.keyboard.press("Enter");
      expect(await focused(page)).toEqual({ label: "Pin", ring: true });
      await page.keyboard.press("Enter");
      const pinned = sidebar.getByRole("region", { name: "Pinned" });
      await pinned.getByRole("link", { name: title }).waitFor();
      expect((await chatOnServer(page, chatId)).chat.pinned).toBe(true);
      expect((await focused(page)).label).toContain(title);
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, "projects.png") });

      // Archive: out of the list, into the Archived view; Unarchive brings it back.
      await more().focus();
      await press(page, "Enter", "ArrowDown");
      expect((await focused(page)).label).toBe("Archive");
      await page.keyboard.press("Enter");
      await sidebar.getByRole("link", { name: title }).waitFor({ state: "detached" });
      expect((await chatOnServer(page, chatId)).chat.archived).toBe(true);
      expect((await focused(page)).label).toBe("New chat");
      await sidebar.getByRole("button", { name: "Archived" }).focus();
      await page.keyboard.press("Enter");
      expect(await focused(page)).toEqual({ label: "Back to chats", ring: true });
      await sidebar
        .getByRole("region", { name: "Archived chats" })
        .getByRole("link", { name: title })
        .waitFor();
      await more().focus();
      await page.keyboard.press("Enter");
      expect((await focused(page)).label).toBe("Unarchive");
      await page.keyboard.press("Escape");
      expect((await focused(page)).label).toBe(`More for ${title}`);
      await press(page, "Enter", "Enter");
      await sidebar
        .getByRole("region", { name: "Archived chats" })
        .getByRole("link", { name: title })
        .waitFor({
          state: "detached",
        });
      expect((await chatOnServer(page, chatId)).chat.archived).toBe(false);
      await sidebar.getByRole("button", { name: "Back to chats" }).focus();
      await page.keyboard.press("Enter");
      expect((await focused(page)).label).toBe("Archived");
      await pinned.getByRole("link", { name: title }).waitFor();

      // Move out of the project with "Move to project…", then unpin: it is among the other chats.
      await more().focus();
      await press(page, "Enter", "End");
      expect((await focused(page)).label).toBe("Move to project…");
      await page.keyboard.press("Enter");
      const move = page.getByRole("dialog", { name: `Move “${title}”` });
      await move.waitFor();
      await page.keyboard.press("Home");
      await press(page, "Tab", "Tab", "Enter");
      await move.waitFor({ state: "hidden" });
      await page.waitForFunction(
        async (id) => !("projectId" in (await (await fetch(`/api/chats/${id}`)).json())),
        chatId,
      );
      await more().focus();
      await press(page, "Enter", "Enter");
      await pinned.waitFor({ state: "detached" });
      expect((await chatOnServer(page, chatId)).chat).toMatchObject({ pinned: false, archived: false });

      // Back into the project, then the project is deleted keeping its chats.
      await more().focus();
      await press(page, "Enter", "End", "Enter");
      await move.waitFor();
      await page.keyboard.type("Garden");
      await press(page, "Tab", "Tab", "Enter");
      await projectChats.getByRole("link", { name: title }).waitFor();
      await sidebar.getByRole("button", { name: "Delete project Garden" }).focus();
      await page.keyboard.press("Enter");
      const question2 = page.getByRole("dialog", { name: "Delete “Garden”?" });
      await question2.waitFor();
      expect(await focused(page)).toEqual({ label: "Cancel", ring: true });
      await press(page, "Tab", "Enter");
      await question2.waitFor({ state: "hidden" });
      await projectButton.waitFor({ state: "detached" });
      expect(await focused(page)).toEqual({ label: "New project", ring: true });
      const kept = await chatOnServer(page, chatId);
      expect(kept.status).toBe(200);
      expect("projectId" in kept.chat).toBe(false);
      await sidebar.getByRole("link", { name: title }).waitFor();
      const projects = await page.evaluate(async () => (await fetch("/api/chat-projects")).json());
      expect(projects.projects.map((project: { name: string }) => project.name)).toEqual(["Reading list"]);
    } finally {
      await context.close();
    }
  });
});
