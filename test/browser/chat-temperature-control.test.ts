import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import {
  type AnthropicWireServer,
  startAnthropicWireServer,
} from "../../services/orchestrator/src/providers/__fixtures__/anthropic-wire-server.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import {
  chromiumAvailable,
  launchChromium,
  openChatId,
  registerAccount,
  sendMessage,
  storedChat,
  waitForAnswer,
} from "./chat-page.ts";

const screenshots = process.env.SCREENSHOT_DIR ?? join(import.meta.dir, "../../docs/screenshots");

describe.skipIf(!chromiumAvailable)("the chat settings' temperature control, in Chromium", () => {
  let anthropic: AnthropicWireServer;
  let server: EmbeddedServer;
  let browser: Browser;

  beforeAll(async () => {
    anthropic = startAnthropicWireServer();
    server = await startEmbeddedServer({
      DEFAULT_MODEL: "demo",
      // Claude in the model list, for what the dialog says of its temperature.
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_API_KEY: "sk-ant-test",
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await anthropic?.stop();
  });

  test("the chat settings' temperature: a labelled slider and number, moved from the keyboard, or the model's default; Anthropic's limit said", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      await registerAccount(context, server.baseUrl, "Warm");
      const page = await context.newPage();
      await page.goto(server.baseUrl);
      await sendMessage(page, "Hello");
      await waitForAnswer(page, 1);
      const chatId = openChatId(page);
      const temperatureOf = async () =>
        ((await storedChat(page, chatId)) as unknown as { temperature?: number }).temperature;

      await page.getByRole("button", { name: "Chat settings" }).click();
      const dialog = page.getByRole("dialog", { name: "Chat settings" });
      const useDefault = dialog.getByRole("checkbox", { name: "The model's default" });
      const slider = dialog.getByRole("slider", { name: "Temperature" });
      const number = dialog.getByRole("spinbutton", { name: "Temperature value" });
      expect(await useDefault.isChecked()).toBe(true);
      expect(await slider.isDisabled()).toBe(true);

      await useDefault.press("Space");
      expect(await slider.isEnabled()).toBe(true);
      await slider.focus();
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowRight");
      expect(await number.inputValue()).toBe("1.2");
      await page.screenshot({ path: join(screenshots, "chat-settings.png") });
      await dialog.getByRole("button", { name: "Save" }).click();
      await dialog.waitFor({ state: "hidden" });
      expect(await temperatureOf()).toBe(1.2);

      await page.getByRole("button", { name: "Chat settings" }).click();
      expect(await slider.inputValue()).toBe("1.2");
      await number.fill("3");
      await number.press("Tab");
      expect([await number.inputValue(), await slider.inputValue()]).toEqual(["2", "2"]);
      await number.fill("0.3");
      await number.press("Tab");
      expect(await slider.inputValue()).toBe("0.3");
      const anthropicNote = dialog.getByText(
        "This model takes at most 1: a higher temperature is sent as 1.",
      );
      expect(await anthropicNote.count()).toBe(0);
      const model = dialog.getByRole("combobox", { name: "Model" });
      await model.selectOption({ label: "Claude Sonnet 4.5" });
      await anthropicNote.waitFor();
      await model.selectOption({ label: "Demo (offline)" });
      await anthropicNote.waitFor({ state: "detached" });
      await dialog.getByRole("button", { name: "Save" }).click();
      await dialog.waitFor({ state: "hidden" });
      expect(await temperatureOf()).toBe(0.3);

      await page.getByRole("button", { name: "Chat settings" }).click();
      await useDefault.check();
      await dialog.getByRole("button", { name: "Save" }).click();
      await dialog.waitFor({ state: "hidden" });
      expect(await temperatureOf()).toBeUndefined();
    } finally {
      await context.close();
    }
  });
});
