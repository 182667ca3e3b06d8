import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { ServiceProcess } from "../support/service-process.ts";

const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const chromiumAvailable = existsSync(chromiumPath);
if (!chromiumAvailable && process.env.CI)
  throw new Error(`${chromiumPath} is missing, and CI requires the browser tests`);
if (!chromiumAvailable)
  console.warn(`skipped: browser tests — ${chromiumPath} is missing (apt-get install chromium)`);

/** Screenshots for people to look at; not compared by the test. */
const screenshots = process.env.SCREENSHOT_DIR ?? join(tmpdir(), "chat-screenshots");

async function assistantState(page: Page) {
  return page.locator("chat-message").evaluateAll((elements) =>
    elements.map((element) => {
      const message = (element as unknown as { message: { role: string; status?: string; content: string } })
        .message;
      return { role: message.role, status: message.status, content: message.content };
    }),
  );
}

describe.skipIf(!chromiumAvailable)("the web app in a real browser", () => {
  const dataDirectory = mkdtempSync(join(tmpdir(), "chat-browser-"));
  const environment = { DATA_DIR: dataDirectory, AMQP_URL: "", REDIS_URL: "" };
  let server: ServiceProcess;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    server = await ServiceProcess.start("all-in-one", "services/all-in-one/main.ts", environment);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  test("a new user signs up, creates a chat, watches the answer stream, and finds it after a restart", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));

    await page.goto(server.baseUrl);
    await page.getByRole("tab", { name: "Sign up" }).click();
    await page.locator('input[name="name"]').fill("Ada Lovelace");
    await page.locator('input[name="email"]').fill(`ada-${crypto.randomUUID()}@example.test`);
    await page.locator('input[name="password"]').fill("correct horse battery");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("button", { name: "+ New chat" }).click();

    const composer = page.locator("message-composer textarea");
    await composer.waitFor();
    await page.waitForFunction(() => {
      const textarea = document
        .querySelector("chat-app")
        ?.shadowRoot?.querySelector("chat-thread")
        ?.shadowRoot?.querySelector("message-composer")
        ?.shadowRoot?.querySelector("textarea");
      return textarea && !textarea.disabled;
    });
    await composer.fill("Can you show me a small code example?");
    await composer.press("Enter");

    let sawPartialAnswer = false;
    for (let attempt = 0; attempt < 300; attempt++) {
      const messages = await assistantState(page);
      const answer = messages.find((message) => message.role === "assistant");
      if (answer?.status === "streaming" && answer.content.length > 0 && !sawPartialAnswer) {
        sawPartialAnswer = true;
        await page.screenshot({ path: join(screenshots, "streaming.png") });
      }
      if (answer && answer.status !== "streaming" && answer.content.includes("```")) break;
      await page.waitForTimeout(50);
    }
    expect(sawPartialAnswer).toBe(true);
    const finished = await assistantState(page);
    expect(finished.map((message) => message.role)).toEqual(["user", "assistant"]);
    expect(finished[1]?.content).toContain("offline demo model");
    await expect(page.locator("chat-message pre code").count()).resolves.toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: join(screenshots, "answered.png") });

    expect(await server.stop()).toBe(0);
    server = await ServiceProcess.start("all-in-one", "services/all-in-one/main.ts", {
      ...environment,
      PORT: String(server.port),
    });
    await page.reload();
    await page.locator("chat-message").nth(1).waitFor();
    const restored = await assistantState(page);
    expect(restored.map((message) => [message.role, message.content])).toEqual(
      finished.map((message) => [message.role, message.content]),
    );
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
