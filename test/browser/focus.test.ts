import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Locator } from "playwright-core";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import {
  chromiumAvailable,
  focusedControl,
  launchChromium,
  registerAccount,
  sendMessage,
  waitForAnswer,
} from "./chat-page.ts";

/** The focused element is the one `locator` finds. */
function hasFocus(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    return active === element;
  });
}

describe.skipIf(!chromiumAvailable)("where the focus goes, in Chromium", () => {
  let server: EmbeddedServer;
  let browser: Browser;

  beforeAll(async () => {
    // Slow enough that an answer is still being written when Stop is pressed.
    server = await startEmbeddedServer({ DEMO_TOKENS_PER_SECOND: "40" }, { fullSpeedDemo: false });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("after signing in, the focus is in the message box", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const email = await registerAccount(context, server.baseUrl, "Signer");
      await context.clearCookies();
      const page = await context.newPage();
      await page.goto(server.baseUrl);
      await page.getByRole("textbox", { name: "Email" }).fill(email);
      await page.getByLabel("Password", { exact: true }).fill("correct horse battery");
      await page.getByRole("button", { name: "Sign in", exact: true }).last().press("Enter");
      const composer = page.getByRole("textbox", { name: "Message" });
      await composer.waitFor();
      await page.waitForFunction(() => {
        let element = document.activeElement;
        while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
        return element?.getAttribute("aria-label") === "Message";
      });
      expect(await hasFocus(composer)).toBe(true);
    } finally {
      await context.close();
    }
  });

  test("after Stop, by mouse or by keyboard, the focus is in the message box", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      await registerAccount(context, server.baseUrl, "Stopper");
      const page = await context.newPage();
      await page.goto(server.baseUrl);
      const composer = page.getByRole("textbox", { name: "Message" });
      const stop = page.getByRole("button", { name: "Stop the answer" });

      await sendMessage(page, "Tell me a long story");
      await stop.click();
      expect((await waitForAnswer(page, 1)).finishReason).toBe("cancelled");
      expect(await hasFocus(composer)).toBe(true);

      await sendMessage(page, "Another long story");
      await stop.focus();
      await page.keyboard.press("Enter");
      expect((await waitForAnswer(page, 2)).finishReason).toBe("cancelled");
      expect(await hasFocus(composer)).toBe(true);
    } finally {
      await context.close();
    }
  });

  test("closing each dialog, with Esc or its own button, gives the focus back to what opened it", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      await registerAccount(context, server.baseUrl, "Dialogs");
      const page = await context.newPage();
      await page.goto(server.baseUrl);
      await sendMessage(page, "Hello");
      await waitForAnswer(page, 1);

      const dialogs: Array<{ opener: Locator; name: string; closeButton: string }> = [
        {
          opener: page.getByRole("button", { name: "Settings", exact: true }),
          name: "Settings",
          closeButton: "Close",
        },
        {
          opener: page.getByRole("button", { name: "Chat settings" }),
          name: "Chat settings",
          closeButton: "Cancel",
        },
        {
          opener: page.getByRole("button", { name: "Share", exact: true }),
          name: "Share this chat",
          closeButton: "Close",
        },
      ];
      for (const { opener, name, closeButton } of dialogs) {
        for (const how of ["Escape", "button"] as const) {
          await opener.focus();
          await page.keyboard.press("Enter");
          const dialog = page.getByRole("dialog", { name });
          await dialog.waitFor();
          // The dialog takes the focus, so having it back afterwards is the dialog's doing.
          expect(await hasFocus(opener)).toBe(false);
          if (how === "Escape") await page.keyboard.press("Escape");
          else await dialog.getByRole("button", { name: closeButton, exact: true }).click();
          await dialog.waitFor({ state: "hidden" });
          expect([name, how, await hasFocus(opener)]).toEqual([name, how, true]);
        }
      }

      // The shortcuts open from the keyboard: the focus goes back to where it was.
      const newChat = page.getByRole("button", { name: "New chat" });
      for (const how of ["Escape", "button"] as const) {
        await newChat.focus();
        await page.keyboard.press("?");
        const shortcuts = page.getByRole("dialog", { name: "Keyboard shortcuts" });
        await shortcuts.waitFor();
        expect(await hasFocus(newChat)).toBe(false);
        if (how === "Escape") await page.keyboard.press("Escape");
        else await shortcuts.getByRole("button", { name: "Close" }).click();
        await shortcuts.waitFor({ state: "hidden" });
        expect([how, await hasFocus(newChat)]).toEqual([how, true]);
      }
    } finally {
      await context.close();
    }
  });

  test("the message list scrolls with PageDown and End from the keyboard", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 500 } });
    try {
      await registerAccount(context, server.baseUrl, "Scroller");
      const page = await context.newPage();
      await page.goto(server.baseUrl);
      for (const [index, text] of ["First", "Second", "Third"].entries()) {
        await sendMessage(page, text);
        await waitForAnswer(page, index + 1);
      }
      const scroller = page.locator("chat-thread .scroller");
      const scrollTop = () => scroller.evaluate((element) => element.scrollTop);
      await scroller.evaluate((element) => element.scrollTo({ top: 0 }));
      await scroller.focus();
      expect(await focusedControl(page)).toBe("div Conversation");

      await page.keyboard.press("PageDown");
      await page.waitForFunction(
        () =>
          (document
            .querySelector("chat-app")
            ?.shadowRoot?.querySelector("chat-thread")
            ?.shadowRoot?.querySelector(".scroller")?.scrollTop ?? 0) > 0,
      );
      const afterPageDown = await scrollTop();
      await page.keyboard.press("End");
      await page.waitForFunction(() => {
        const element = document
          .querySelector("chat-app")
          ?.shadowRoot?.querySelector("chat-thread")
          ?.shadowRoot?.querySelector(".scroller");
        return (
          element !== null &&
          element !== undefined &&
          element.scrollTop + element.clientHeight >= element.scrollHeight - 2
        );
      });
      expect(await scrollTop()).toBeGreaterThan(afterPageDown);
    } finally {
      await context.close();
    }
  });
});
