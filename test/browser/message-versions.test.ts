import { afterAll, beforeAll, describe, expect, test } from "bun:test";
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
  storedChat,
  waitForAnswer,
  waitUntilIdle,
} from "./chat-page.ts";

/** Where the README's screenshot of versions goes. */
const screenshots = process.env.SCREENSHOT_DIR ?? join(import.meta.dir, "../../docs/screenshots");

/** The texts shown in the thread, questions and the start of each answer's first line. */
async function shownTexts(page: Page): Promise<string[]> {
  return (await messagesOf(page)).map((message) =>
    message.role === "user" ? `Q ${message.content}` : `A ${message.content.split("\n")[0]?.slice(0, 60)}`,
  );
}

/** Waits until the last message is a finished answer other than `previousId`, and returns it. */
async function waitForNewAnswer(page: Page, previousId: string) {
  await page.waitForFunction(
    (previous) => {
      const root = document.querySelector("chat-app")?.shadowRoot?.querySelector("chat-thread")?.shadowRoot;
      const elements = [...(root?.querySelectorAll("chat-message") ?? [])];
      const last = (elements.at(-1) as unknown as { message?: { id: string; role: string; status: string } })
        ?.message;
      return last?.role === "assistant" && last.id !== previous && last.status === "complete";
    },
    previousId,
    { polling: 50 },
  );
  return (await messagesOf(page)).at(-1) as Awaited<ReturnType<typeof messagesOf>>[number];
}

/** The `‹ i / n ›` switcher of the message with this id. */
function versionsOf(page: Page, messageId: string) {
  return page
    .locator(`chat-message[data-message-id="${messageId}"]`)
    .getByRole("group", { name: /^Version / });
}

describe.skipIf(!chromiumAvailable)("versions and branches in Chromium", () => {
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

  test("regenerate shows ‹ 2 / 2 ›, back to 1 shows the old answer; editing a middle question answers a new branch", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const scriptErrors: string[] = [];
    try {
      await registerAccount(context, server.baseUrl, "Ada Lovelace");
      const page = await context.newPage();
      page.on("pageerror", (error) => scriptErrors.push(error.message));
      await page.goto(server.baseUrl);
      await sendMessage(page, "How do I reverse a list?");
      const first = await waitForAnswer(page, 1);
      const chatId = openChatId(page);
      // A second tab on the same chat follows every change of branch.
      const other = await context.newPage();
      other.on("pageerror", (error) => scriptErrors.push(error.message));
      await other.goto(`${server.baseUrl}/chats/${chatId}`);
      await other.locator(`chat-message[data-message-id="${first.id}"]`).waitFor();
      await waitUntilIdle(other);
      await page.bringToFront();

      // Regenerate from the keyboard: the new answer is version 2 of 2.
      await waitUntilIdle(page);
      await page.getByRole("button", { name: "Regenerate" }).press("Enter");
      const second = await waitForNewAnswer(page, first.id);
      await waitUntilIdle(page);
      const switcher = versionsOf(page, second.id);
      await switcher.getByText("2 / 2").waitFor();
      await versionsOf(other, second.id).getByText("2 / 2").waitFor();
      await other.locator(`chat-message[data-message-id="${first.id}"]`).waitFor({ state: "detached" });
      expect(await switcher.getByRole("button", { name: "Next version" }).isDisabled()).toBe(true);

      // Back to version 1: the old answer, as stored, and the server's active path with it.
      await switcher.getByRole("button", { name: "Previous version" }).press("Enter");
      await versionsOf(page, first.id).getByText("1 / 2").waitFor();
      await versionsOf(other, first.id).getByText("1 / 2").waitFor();
      await waitUntilIdle(page);
      expect((await messagesOf(page)).map((message) => message.role + message.id)).toEqual([
        expect.stringMatching(/^user/),
        `assistant${first.id}`,
      ]);
      expect((await storedChat(page, chatId)).messages.map((message) => message.id).at(-1)).toBe(first.id);
      await versionsOf(page, first.id).getByRole("button", { name: "Next version" }).click();
      await versionsOf(page, second.id).getByText("2 / 2").waitFor();
      await waitUntilIdle(page);

      // Two more questions, then an edit of the middle one, from the keyboard.
      await sendMessage(page, "And how do I sort it?");
      await waitForAnswer(page, 2);
      await sendMessage(page, "Which one is faster?");
      await waitForAnswer(page, 3);
      await waitUntilIdle(page);
      const before = await messagesOf(page);
      const middle = before[2]?.id as string;
      const middleMessage = page.locator(`chat-message[data-message-id="${middle}"]`);
      await middleMessage.getByRole("button", { name: "Edit this message" }).press("Enter");
      const editor = middleMessage.getByRole("textbox", { name: "Edit your message" });
      await editor.waitFor();
      expect(
        await editor.evaluate((field) => field === (field.getRootNode() as ShadowRoot).activeElement),
      ).toBe(true);
      // Escape leaves the question as it was.
      await editor.press("Escape");
      await middleMessage.getByRole("button", { name: "Edit this message" }).waitFor();
      await middleMessage.getByRole("button", { name: "Edit this message" }).press("Enter");
      await editor.fill("And how do I sort it in reverse?");
      await editor.press("Enter");
      await page.waitForFunction(
        () => {
          const root = document
            .querySelector("chat-app")
            ?.shadowRoot?.querySelector("chat-thread")?.shadowRoot;
          const shown = [...(root?.querySelectorAll("chat-message") ?? [])].map(
            (element) => (element as unknown as { message: { content: string; status: string } }).message,
          );
          return shown.length === 4 && shown[3]?.status === "complete";
        },
        undefined,
        { polling: 50 },
      );
      await waitUntilIdle(page);
      const edited = await messagesOf(page);
      expect(await shownTexts(page)).toEqual([
        "Q How do I reverse a list?",
        expect.stringContaining("A You asked"),
        "Q And how do I sort it in reverse?",
        expect.stringContaining("And how do I sort it in reverse?"),
      ]);
      // The model saw the path up to the edited question: it is message 2 of the chat.
      expect(edited[3]?.content).toContain("This is message 2 of our chat");
      await versionsOf(page, edited[2]?.id as string)
        .getByText("2 / 2")
        .waitFor();
      // The other tab shows the new branch too: the old third question is gone from it.
      await versionsOf(other, edited[2]?.id as string)
        .getByText("2 / 2")
        .waitFor();
      await other.locator(`chat-message[data-message-id="${before[4]?.id}"]`).waitFor({ state: "detached" });
      await page.screenshot({ path: join(screenshots, "message-versions.png") });

      // The old branch is still there, with the question after it.
      await versionsOf(page, edited[2]?.id as string)
        .getByRole("button", { name: "Previous version" })
        .click();
      await versionsOf(page, middle).getByText("1 / 2").waitFor();
      await waitUntilIdle(page);
      expect((await messagesOf(page)).map((message) => message.id)).toEqual(
        before.map((message) => message.id),
      );
      expect(scriptErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});
