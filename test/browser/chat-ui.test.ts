import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type EmbeddedServer, generousLimits, startEmbeddedServer } from "../support/embedded-server.ts";
import {
  chromiumAvailable,
  launchChromium,
  messagesOf,
  openChatId,
  registerAccount,
  sendMessage,
  startRecording,
  stopRecording,
  storedChat,
  waitForAnswer,
  waitUntilIdle,
} from "./chat-page.ts";
import { DroppableProxy } from "./droppable-proxy.ts";

/** Where the run writes the README's screenshots (desktop light and dark, a 375 px phone). */
const screenshots = process.env.SCREENSHOT_DIR ?? join(import.meta.dir, "../../docs/screenshots");

/** Two models, so the composer shows its picker: the demo model twice, one answering shorter. */
const modelFile = {
  defaultModel: "demo",
  models: [
    {
      id: "demo",
      provider: "demo",
      upstreamModel: "demo",
      displayName: "Demo (offline)",
      contextWindow: 32000,
      maxOutputTokens: 4000,
      vision: true,
    },
    {
      id: "demo-brief",
      provider: "demo",
      upstreamModel: "demo",
      displayName: "Demo, brief",
      contextWindow: 32000,
      maxOutputTokens: 30,
    },
  ],
};

describe.skipIf(!chromiumAvailable)("the chat app in Chromium", () => {
  let server: EmbeddedServer;
  let proxy: DroppableProxy;
  let browser: Browser;
  let baseUrl: string;
  const contexts: BrowserContext[] = [];
  /** What the strict CSP refused: the app needs nothing it forbids, and no answer may try. */
  const policyViolations: string[] = [];
  const scriptErrors: string[] = [];

  /** A context whose pages fail the test on any script error, and record CSP violations. */
  async function newContext(options: Parameters<Browser["newContext"]>[0] = {}): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
    contexts.push(context);
    context.on("page", (page) => {
      page.on("pageerror", (error) => scriptErrors.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error" && message.text().includes("Content Security Policy")) {
          policyViolations.push(message.text());
        }
      });
    });
    return context;
  }

  afterEach(() => {
    expect(scriptErrors.splice(0)).toEqual([]);
    expect(policyViolations.splice(0)).toEqual([]);
  });

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    server = await startEmbeddedServer(
      {
        // Quick, but slow enough to stop an answer or cut its connection halfway.
        DEMO_TOKENS_PER_SECOND: "60",
        ...generousLimits,
      },
      {
        settings: "plain",
        prepare: (dataDirectory) => {
          const models = join(dataDirectory, "models.json");
          writeFileSync(models, JSON.stringify(modelFile));
          return { MODELS_FILE: models };
        },
      },
    );
    proxy = await DroppableProxy.start(server.process.port);
    baseUrl = proxy.baseUrl;
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await proxy?.stop();
    await server?.stop();
  });

  test("sign up, stream an answer (caret, then the final text), stop one, reload, go back and forward, follow links and an old bookmark", async () => {
    const context = await newContext();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
    const page = await context.newPage();
    await page.goto(baseUrl);

    await page.getByRole("tab", { name: "Sign up" }).click();
    await page.getByLabel("Name").fill("Ada Lovelace");
    await page.getByLabel("Email").fill(`ada-${crypto.randomUUID()}@example.test`);
    await page.getByLabel("Password", { exact: true }).fill("correct horse battery");
    await page.getByRole("button", { name: "Create account" }).click();

    // A new chat starts on the empty page; the picker offers both models and says which sees images.
    await page.getByRole("heading", { name: "What can I help with?" }).waitFor();
    const picker = page.getByRole("combobox", { name: "Model" });
    await picker.waitFor();
    expect(await picker.locator("option").allTextContents()).toEqual([
      "Demo (offline) — sees images",
      "Demo, brief",
    ]);

    await startRecording(page);
    await sendMessage(page, "Can you show me a small code example?");
    const answer = await waitForAnswer(page, 1);
    const recording = await stopRecording(page);
    expect(recording.sawCaret).toBe(true);
    expect(recording.texts.length).toBeGreaterThan(3);
    const chatId = openChatId(page);

    // The final text is the stored one, and every text shown while it streamed led up to it.
    const stored = await storedChat(page, chatId);
    expect(answer.content).toBe(stored.messages[1]?.content as string);
    for (const text of recording.texts) expect(stored.messages[1]?.content.startsWith(text)).toBe(true);

    // Markdown: emphasis, and a highlighted code block with its language and a working copy button.
    const bubble = page.locator("chat-message").nth(1);
    await expect(bubble.locator("strong").first().textContent()).resolves.toBe("offline demo model");
    const language = (await bubble.locator(".code-language").textContent()) as string;
    expect(["ts", "python", "bash"]).toContain(language);
    expect(await bubble.locator("pre code [class^='hljs-']").count()).toBeGreaterThan(0);
    await bubble.getByRole("button", { name: "Copy", exact: true }).click();
    const code = await bubble.locator("pre code").textContent();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(code as string);
    await expect(bubble.locator("time").count()).resolves.toBe(1);

    // The sidebar lists the chat under the title the server gave it.
    const sidebarItem = page.locator("chat-list-item", { hasText: "Can you show me a small code" });
    await sidebarItem.waitFor();
    expect(await sidebarItem.getAttribute("selected")).not.toBeNull();

    // Stop the next answer halfway: the text so far stays, marked as stopped.
    await sendMessage(page, "Now explain it slowly, please.");
    await page.waitForFunction(() => {
      const thread = document.querySelector("chat-app")?.shadowRoot?.querySelector("chat-thread")?.shadowRoot;
      const last = [...(thread?.querySelectorAll("chat-message") ?? [])].at(-1) as unknown as
        | { message: { role: string; content: string } }
        | undefined;
      return last?.message.role === "assistant" && last.message.content.split(" ").length > 12;
    });
    await page.getByRole("button", { name: "Stop the answer" }).click();
    const stopped = await waitForAnswer(page, 2);
    expect(stopped.finishReason).toBe("cancelled");
    await page.locator("chat-message").nth(3).getByText("Stopped").waitFor();
    const afterStop = await storedChat(page, chatId);
    expect(afterStop.messages[3]).toMatchObject({ content: stopped.content, finishReason: "cancelled" });
    expect(stopped.content.length).toBeLessThan(answer.content.length);
    await waitUntilIdle(page);

    // A reload of the chat's path shows the same history, from the server.
    expect(page.url()).toBe(`${baseUrl}/chats/${chatId}`);
    const before = await messagesOf(page);
    await page.reload();
    await page.locator("chat-message").nth(3).getByText("Stopped").waitFor();
    const after = await messagesOf(page);
    expect(after.map((message) => [message.role, message.content, message.finishReason])).toEqual(
      before.map((message) => [message.role, message.content, message.finishReason]),
    );

    // Back and forward move between the new-chat page and the chat.
    await page.getByRole("button", { name: "New chat" }).click();
    await page.waitForURL(`${baseUrl}/`);
    await page.getByRole("heading", { name: "What can I help with?" }).waitFor();
    await page.goBack();
    await page.waitForURL(`${baseUrl}/chats/${chatId}`);
    await page.locator("chat-message").nth(3).waitFor();
    await page.goForward();
    await page.getByRole("heading", { name: "What can I help with?" }).waitFor();

    // The sidebar's link is a real one: Ctrl+click opens the chat in a new tab and leaves this one
    // be; a plain click opens it here without loading the page again.
    await page.evaluate(() => Object.assign(window, { loadedOnce: true }));
    const [newTab] = await Promise.all([
      context.waitForEvent("page"),
      sidebarItem.getByRole("link").click({ modifiers: ["Control"] }),
    ]);
    await newTab.waitForURL(`${baseUrl}/chats/${chatId}`);
    await newTab.locator("chat-message").nth(3).waitFor();
    await newTab.close();
    expect(page.url()).toBe(`${baseUrl}/`);
    await sidebarItem.getByRole("link").click();
    await page.waitForURL(`${baseUrl}/chats/${chatId}`);
    await page.locator("chat-message").nth(3).waitFor();
    expect(await page.evaluate(() => "loadedOnce" in window)).toBe(true);

    // A bookmark from when the route was in the hash lands on the chat's path.
    const bookmarked = await context.newPage();
    await bookmarked.goto(`${baseUrl}/#/chats/${chatId}`);
    await bookmarked.waitForURL(`${baseUrl}/chats/${chatId}`);
    await bookmarked.locator("chat-message").nth(3).getByText("Stopped").waitFor();

    // A chat that is not there offers a new one, again without loading the page.
    await bookmarked.goto(`${baseUrl}/chats/no-such-chat`);
    await bookmarked.getByRole("heading", { name: "Chat not found" }).waitFor();
    await bookmarked.evaluate(() => Object.assign(window, { loadedOnce: true }));
    await bookmarked.getByRole("link", { name: "Start a new chat" }).click();
    await bookmarked.waitForURL(`${baseUrl}/`);
    await bookmarked.getByRole("heading", { name: "What can I help with?" }).waitFor();
    expect(await bookmarked.evaluate(() => "loadedOnce" in window)).toBe(true);

    // An old link followed while the page is open changes only the hash, and lands there too.
    await bookmarked.goto(`${baseUrl}/#/chats/${chatId}`);
    await bookmarked.waitForURL(`${baseUrl}/chats/${chatId}`);
    await bookmarked.locator("chat-message").nth(3).waitFor();
    expect(await bookmarked.evaluate(() => "loadedOnce" in window)).toBe(true);
    await context.close();
  }, 60_000);

  /** Sends a message and waits until the answer has some words on screen (it is mid-stream). */
  async function sendAndWaitForWords(page: Page, text: string, words: number): Promise<void> {
    const answers = (await messagesOf(page)).filter((message) => message.role === "assistant").length;
    await sendMessage(page, text);
    await page.waitForFunction(
      ([count, minimum]) => {
        const thread = document
          .querySelector("chat-app")
          ?.shadowRoot?.querySelector("chat-thread")?.shadowRoot;
        const answers = [...(thread?.querySelectorAll("chat-message") ?? [])]
          .map(
            (element) =>
              (element as unknown as { message: { role: string; status: string; content: string } }).message,
          )
          .filter((message) => message.role === "assistant");
        const last = answers.at(-1);
        return (
          answers.length > (count as number) &&
          last?.status === "streaming" &&
          last.content.split(" ").length >= (minimum as number)
        );
      },
      [answers, words],
      { polling: 50 },
    );
  }

  test("a connection dropped mid-answer resumes with no word twice or missing, after renewing an expired session", async () => {
    const context = await newContext();
    await registerAccount(context, baseUrl, "Grace Hopper");
    const page = await context.newPage();
    const refreshes: string[] = [];
    const resumes: string[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/api/auth/refresh")) refreshes.push(request.method());
      const resume = /\/api\/chats\/[\w-]+\/events\?lastEventId=(.+)$/.exec(request.url());
      if (resume?.[1]) resumes.push(decodeURIComponent(resume[1]));
    });
    await page.goto(baseUrl);

    // 1. The network drops: the stream comes back by itself, resuming where it was.
    await startRecording(page);
    await sendAndWaitForWords(page, "Tell me about streams that survive.", 8);
    expect(proxy.dropAll()).toBeGreaterThan(0);
    const resumed = await waitForAnswer(page, 1);
    let recording = await stopRecording(page);
    const chatId = openChatId(page);
    let stored = await storedChat(page, chatId);
    expect(resumed.content).toBe(stored.messages[1]?.content as string);
    // Every text shown while streaming, before and after the drop, is a prefix of the stored
    // answer: a repeated or lost chunk would break that for every text after it.
    for (const text of recording.texts) expect(stored.messages[1]?.content.startsWith(text)).toBe(true);
    expect(recording.texts.at(-1)?.length).toBeGreaterThan(recording.texts[0]?.length ?? 0);
    expect(recording.pills).toContain("reconnecting");
    expect(recording.pills.at(-1)).toBe("open");
    expect(resumes).toHaveLength(1);
    expect(refreshes).toEqual([]);

    // 2. The 15-minute session cookie has expired when the connection drops: the server
    // refuses the new stream (401), the app renews the session and resumes with ?lastEventId=.
    await startRecording(page);
    await sendAndWaitForWords(page, "And once more, with an expired session.", 8);
    await context.clearCookies({ name: "chat_session" });
    proxy.dropAll();
    const renewed = await waitForAnswer(page, 2);
    recording = await stopRecording(page);
    stored = await storedChat(page, chatId);
    expect(renewed.content).toBe(stored.messages[3]?.content as string);
    for (const text of recording.texts) expect(stored.messages[3]?.content.startsWith(text)).toBe(true);
    expect(refreshes).toEqual(["POST"]);
    expect(resumes.length).toBeGreaterThanOrEqual(2);
    expect((await context.cookies()).map((cookie) => cookie.name)).toContain("chat_session");
    await page.locator("connection-pill[status=open]").waitFor();

    // 3. The browser goes offline: the pill says so, and the stream comes back with the network.
    await context.setOffline(true);
    await page.locator("connection-pill[status=offline]").waitFor();
    await context.setOffline(false);
    await page.locator("connection-pill[status=open]").waitFor();

    // 4. A message that could not be sent shows an error in place; Retry sends it, once.
    await page.route("**/api/chats/*/messages", (route) => route.abort("connectionreset"));
    await sendMessage(page, "This one fails at first");
    const failed = page.locator("chat-message", { hasText: "This one fails at first" });
    await failed.getByText("Not sent: Cannot reach the server").waitFor();
    await page.unroute("**/api/chats/*/messages");
    await failed.getByRole("button", { name: "Retry" }).click();
    await waitForAnswer(page, 3);
    stored = await storedChat(page, chatId);
    expect(stored.messages.filter((message) => message.content === "This one fails at first")).toHaveLength(
      1,
    );
    expect((await messagesOf(page)).map((message) => message.status)).toEqual(Array(6).fill("complete"));
    await context.close();
  }, 60_000);

  test("two tabs stay in sync: a message sent in one streams in the other; a regenerated answer, rename and delete show in both", async () => {
    const context = await newContext();
    await registerAccount(context, baseUrl, "Tab User");
    const first = await context.newPage();
    await first.goto(baseUrl);
    await sendMessage(first, "Hello from the first tab");
    await waitForAnswer(first, 1);
    const chatId = openChatId(first);

    const second = await context.newPage();
    await second.goto(`${baseUrl}/chats/${chatId}`);
    await second.locator("chat-message").nth(1).waitFor();
    await waitUntilIdle(second);

    // A message sent in the first tab appears in the second, and its answer streams there too.
    await startRecording(second);
    await first.bringToFront();
    await sendMessage(first, "Do you see this in the other tab?");
    await second.bringToFront();
    await second.locator("chat-message", { hasText: "Do you see this in the other tab?" }).waitFor();
    await second.locator("message-composer[busy]").waitFor();
    const mirrored = await waitForAnswer(second, 2);
    const recording = await stopRecording(second);
    const stored = await storedChat(second, chatId);
    expect(mirrored.content).toBe(stored.messages[3]?.content as string);
    expect(recording.texts.length).toBeGreaterThan(1);
    expect((await messagesOf(second)).map((message) => message.role)).toEqual([
      "user",
      "assistant",
      "user",
      "assistant",
    ]);

    // Regenerate, offered on the latest answer only, from the keyboard in the first tab: the old
    // answer leaves both tabs, a new one streams after the question (asked once) like any answer.
    await first.bringToFront();
    await waitUntilIdle(first);
    const shownBefore = await messagesOf(first);
    const replacedId = shownBefore[3]?.id as string;
    const regenerate = first.getByRole("button", { name: "Regenerate" });
    expect(await regenerate.count()).toBe(1);
    expect(
      await first
        .locator(`chat-message[data-message-id="${replacedId}"]`)
        .getByRole("button", { name: "Regenerate" })
        .count(),
    ).toBe(1);
    await startRecording(first);
    await regenerate.press("Enter");
    await first.getByRole("button", { name: "Stop the answer" }).waitFor();
    expect(await first.locator("message-composer[busy]").count()).toBe(1);
    expect(await regenerate.count()).toBe(0);
    for (const page of [first, second]) {
      await page.locator(`chat-message[data-message-id="${replacedId}"]`).waitFor({ state: "detached" });
    }
    const regenerated = await waitForAnswer(first, 2);
    const regeneratedRecording = await stopRecording(first);
    expect(regeneratedRecording.sawCaret).toBe(true);
    expect(regenerated.id).not.toBe(replacedId);
    const expectedIds = [...shownBefore.slice(0, 3).map((message) => message.id), regenerated.id];
    await waitForAnswer(second, 2);
    for (const page of [first, second]) {
      const shown = await messagesOf(page);
      expect(shown.map((message) => message.id)).toEqual(expectedIds);
      expect(shown.filter((message) => message.content === "Do you see this in the other tab?")).toHaveLength(
        1,
      );
      await page
        .locator(`chat-message[data-message-id="${regenerated.id}"]`)
        .getByRole("button", { name: "Regenerate" })
        .waitFor();
      expect(await page.getByRole("button", { name: "Regenerate" }).count()).toBe(1);
    }
    expect((await storedChat(first, chatId)).messages.map((message) => message.id)).toEqual(expectedIds);

    // Rename in place in the first tab: both sidebars and the second tab's header follow.
    await first.bringToFront();
    const item = first.locator("chat-list-item").first();
    await item.hover();
    await item.getByRole("button", { name: /^Rename / }).click();
    const titleField = first.getByRole("textbox", { name: "Chat title" });
    await titleField.fill("Renamed across tabs");
    await titleField.press("Enter");
    await first.locator("chat-list-item", { hasText: "Renamed across tabs" }).waitFor();
    await second.locator("chat-list-item", { hasText: "Renamed across tabs" }).waitFor();
    await second.getByRole("heading", { name: "Renamed across tabs" }).waitFor();
    expect((await storedChat(first, chatId)).title).toBe("Renamed across tabs");

    // Delete, after confirming: gone from both tabs; the second, which had it open, leaves it.
    await first.locator("chat-list-item").first().hover();
    await first.getByRole("button", { name: "Delete Renamed across tabs" }).click();
    const dialog = first.getByRole("dialog", { name: "Delete this chat?" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await first.locator("chat-list-item").count()).toBe(1);
    await first.locator("chat-list-item").first().hover();
    await first.getByRole("button", { name: "Delete Renamed across tabs" }).click();
    await dialog.getByRole("button", { name: "Delete" }).click();
    await first.waitForURL(`${baseUrl}/`);
    await first.getByText("No chats yet.").waitFor();
    await second.getByText("No chats yet.").waitFor();
    await second.waitForURL(`${baseUrl}/`);
    const response = await first.evaluate(async (id) => (await fetch(`/api/chats/${id}`)).status, chatId);
    expect(response).toBe(404);
    await context.close();
  }, 60_000);

  test("an answer carrying a script, an onerror image, javascript: links and a remote image renders inert", async () => {
    const context = await newContext();
    await registerAccount(context, baseUrl, "Mallory");
    const page = await context.newPage();
    const remoteRequests: string[] = [];
    const dialogs: string[] = [];
    context.on("request", (request) => {
      if (!request.url().startsWith(baseUrl) && !request.url().startsWith("data:"))
        remoteRequests.push(request.url());
    });
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(baseUrl);

    // The demo model quotes the question in its answer, so these reach the page as model output.
    const hostile = [
      '<script>window.pwned=1</script><img src=x onerror="window.pwned=2;alert(2)">',
      "[click me](javascript:window.pwned=3) ![leak](https://attacker.example/x.png)",
      '<a href="javascript:alert(4)">a</a><iframe src="//attacker.example"></iframe>',
    ];
    for (const [index, question] of hostile.entries()) {
      await sendMessage(page, question);
      await waitForAnswer(page, index + 1);
    }
    const chatId = openChatId(page);
    const stored = await storedChat(page, chatId);
    for (const [index, question] of hostile.entries()) {
      expect(stored.messages[index * 2 + 1]?.content).toContain(question.slice(0, 30));
    }

    const answers = page.locator("chat-message").filter({ has: page.locator(".markdown") });
    expect(await answers.count()).toBe(3);
    const inventory = await answers.evaluateAll((elements) =>
      elements.map((element) => {
        const root = element.shadowRoot as ShadowRoot;
        // The model's output; the element's own controls (Regenerate's icon is an <svg>) are not.
        const all = [...root.querySelectorAll(".markdown *")];
        return {
          dangerous: all.filter((node) => /^(SCRIPT|IFRAME|OBJECT|EMBED|SVG|STYLE|FORM)$/i.test(node.tagName))
            .length,
          handlers: all.filter((node) =>
            [...node.attributes].some((attribute) => attribute.name.startsWith("on")),
          ).length,
          images: [...root.querySelectorAll("img")].map((image) => image.getAttribute("src")),
          links: [...root.querySelectorAll(".markdown a")].map((link) => ({
            href: link.getAttribute("href"),
            rel: link.getAttribute("rel"),
            target: link.getAttribute("target"),
            text: link.textContent,
          })),
          text: root.querySelector(".markdown")?.textContent ?? "",
        };
      }),
    );
    for (const answer of inventory) {
      expect(answer.dangerous).toBe(0);
      expect(answer.handlers).toBe(0);
      expect(answer.images).toEqual([]);
      for (const link of answer.links) {
        expect(link.href).toMatch(/^https?:/);
        expect(link.rel).toBe("noopener noreferrer");
        expect(link.target).toBe("_blank");
      }
    }
    // The raw HTML shows as text; the remote image is a link to it, never loaded.
    expect(inventory[0]?.text).toContain("<script>window.pwned=1</script>");
    expect(inventory[1]?.links).toEqual([
      {
        href: "https://attacker.example/x.png",
        rel: "noopener noreferrer",
        target: "_blank",
        text: "Image: leak",
      },
    ]);
    expect(inventory[1]?.text).toContain("click me");

    // The javascript: text, clicked, does nothing.
    await page.locator("chat-message .unsafe-link", { hasText: "click me" }).click();
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(remoteRequests).toEqual([]);
    await context.close();
  }, 60_000);

  /**
   * Creates a chat through the API and waits until each question has its answer. The calls carry
   * the cookies, so they carry the app's Origin too, as its own page's do.
   */
  async function chatWithAnswers(context: BrowserContext, questions: string[]): Promise<string> {
    const headers = { origin: baseUrl };
    const created = await context.request.post(`${baseUrl}/api/chats`, { data: {}, headers });
    const chatId = ((await created.json()) as { id: string }).id;
    for (const [index, content] of questions.entries()) {
      const sent = await context.request.post(`${baseUrl}/api/chats/${chatId}/messages`, {
        data: { content },
        headers,
      });
      expect(sent.status()).toBe(202);
      for (let attempt = 0; ; attempt++) {
        const chat = (await (await context.request.get(`${baseUrl}/api/chats/${chatId}`)).json()) as {
          messages: unknown[];
        };
        if (chat.messages.length >= (index + 1) * 2) break;
        if (attempt > 200) throw new Error("the answer did not come");
        await Bun.sleep(50);
      }
    }
    return chatId;
  }

  test("light and dark themes (system default and the toggle), a 375 px phone, keyboard only", async () => {
    const light = await newContext({ colorScheme: "light" });
    await registerAccount(light, baseUrl, "Ada Lovelace");
    const [, , , chatId] = await Promise.all([
      chatWithAnswers(light, ["How do I write a Python script that prints Fibonacci numbers?"]),
      chatWithAnswers(light, ["Shell one-liner to count lines of code"]),
      chatWithAnswers(light, ["Explain TypeScript template literals"]),
      chatWithAnswers(light, ["Show me a greeting function in TypeScript", "Thanks! Can it take two names?"]),
    ]);
    const page = await light.newPage();
    await page.goto(`${baseUrl}/chats/${chatId}`);
    await page.locator("chat-message").nth(3).locator(".code-block").waitFor();
    await page.locator("chat-list-item").nth(3).waitFor();
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(screenshots, "desktop-light.png") });

    // Dark by default where the system is dark.
    const dark = await newContext({ colorScheme: "dark", storageState: await light.storageState() });
    const darkPage = await dark.newPage();
    await darkPage.goto(`${baseUrl}/chats/${chatId}`);
    await darkPage.locator("chat-message").nth(3).locator(".code-block").waitFor();
    await darkPage.locator("chat-list-item").nth(3).waitFor();
    expect(await darkPage.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
      "rgb(22, 24, 29)",
    );
    await darkPage.screenshot({ path: join(screenshots, "desktop-dark.png") });
    // Light picked on a dark system stays light.
    await darkPage.getByRole("button", { name: /^Theme: System/ }).click();
    await darkPage.getByRole("button", { name: /^Theme: Light/ }).waitFor();
    expect(await darkPage.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
      "rgb(255, 255, 255)",
    );

    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await background()).toBe("rgb(255, 255, 255)");

    // The toggle: system → light → dark, kept across a reload.
    const toggle = page.getByRole("button", { name: /^Theme: System/ });
    await toggle.click();
    await page.getByRole("button", { name: /^Theme: Light/ }).click();
    await page.getByRole("button", { name: /^Theme: Dark/ }).waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    expect(await background()).toBe("rgb(22, 24, 29)");
    await page.reload();
    await page.locator("chat-message").nth(3).waitFor();
    expect(await background()).toBe("rgb(22, 24, 29)");
    await page.getByRole("button", { name: /^Theme: Dark/ }).click();
    expect(await background()).toBe("rgb(255, 255, 255)");

    // Keyboard only: the skip link leads to the message box; Enter sends; focus is visible.
    await page.goto(`${baseUrl}/`);
    await page.getByRole("heading", { name: "What can I help with?" }).waitFor();
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to the message box" });
    expect(await skip.evaluate((link) => link.matches(":focus"))).toBe(true);
    await page.keyboard.press("Enter");
    const composer = page.getByRole("textbox", { name: "Message" });
    expect(await composer.evaluate((field) => field.matches(":focus"))).toBe(true);
    await page.keyboard.type("Typed without a mouse");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("on two lines");
    await page.keyboard.press("Enter");
    await waitForAnswer(page, 1);
    expect((await messagesOf(page))[0]?.content).toBe("Typed without a mouse\non two lines");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Shift+Tab");
    const focusRing = await page.evaluate(() => {
      let active: Element | null = document.activeElement;
      while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
      const style = active ? getComputedStyle(active) : undefined;
      return { tag: active?.tagName, outline: style?.outlineStyle, width: style?.outlineWidth };
    });
    expect(focusRing.outline).toBe("solid");
    expect(focusRing.width).toBe("2px");

    // A 375 px phone: the sidebar is a drawer behind the menu button; nothing overflows sideways.
    const phone = await newContext({
      viewport: { width: 375, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      colorScheme: "light",
      storageState: await light.storageState(),
    });
    const phonePage = await phone.newPage();
    await phonePage.goto(`${baseUrl}/chats/${chatId}`);
    await phonePage.locator("chat-message").nth(3).locator(".code-block").waitFor();
    expect(await phonePage.locator("aside").isVisible()).toBe(false);
    await phonePage.screenshot({ path: join(screenshots, "phone.png") });
    const overflow = () => phonePage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBe(0);
    await phonePage.getByRole("button", { name: "Show chats" }).click();
    await phonePage.locator("aside").waitFor({ state: "visible" });
    await phonePage.getByRole("link", { name: "Shell one-liner to count lines" }).click();
    await phonePage.locator("aside").waitFor({ state: "hidden" });
    await phonePage.getByRole("heading", { name: "Shell one-liner to count lines" }).waitFor();
    await phonePage.setViewportSize({ width: 360, height: 740 });
    expect(await overflow()).toBe(0);
  }, 60_000);

  test("sidebar paging and search; auto-scroll that pauses and jumps back; composer growth, limit and model; sign out and in", async () => {
    const context = await newContext({ viewport: { width: 1000, height: 440 } });
    const email = await registerAccount(context, baseUrl, "Scroll Tester");
    const chatIds = new Map<string, string>();
    for (let number = 1; number <= 40; number++) {
      const title = `Chat ${String(number).padStart(2, "0")}`;
      const created = await context.request.post(`${baseUrl}/api/chats`, {
        data: { title },
        headers: { origin: baseUrl },
      });
      expect(created.status()).toBe(201);
      chatIds.set(title, ((await created.json()) as { id: string }).id);
    }
    const page = await context.newPage();
    const cacheControl = new Map<string, string | undefined>();
    page.on("response", (response) => {
      const path = new URL(response.url()).pathname;
      if (path === "/" || path.startsWith("/assets/"))
        cacheControl.set(path, response.headers()["cache-control"]);
    });
    await page.goto(baseUrl);
    const items = page.locator("chat-list-item");
    await items.nth(29).waitFor();
    expect(await items.count()).toBe(30);
    expect(await items.first().locator(".title").textContent()).toBe("Chat 40");

    // The HTML is revalidated on every load; the hashed assets are kept for a year.
    expect(cacheControl.get("/")).toBe("no-cache");
    const assets = [...cacheControl].filter(([path]) => path.startsWith("/assets/"));
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const [, value] of assets) expect(value).toBe("public, max-age=31536000, immutable");

    // Scrolling to the end of the list loads the next page.
    await page.locator("chat-list nav").evaluate((nav) => nav.scrollTo(0, nav.scrollHeight));
    await items.nth(39).waitFor();
    expect(await items.count()).toBe(40);
    expect(await items.nth(39).locator(".title").textContent()).toBe("Chat 01");

    // The search box asks the server: the chats found, by title here (ignoring case), replace the
    // list, the next page as the end scrolls into view, the text marked; picking one opens it. Text
    // found nowhere says so; Escape ends the search.
    const search = page.getByRole("searchbox", { name: "Search chats" });
    const results = page.getByRole("list", { name: "Search results" }).locator("chat-search-result");
    await search.fill("CHAT");
    await page.getByText("At least 20 chats found", { exact: true }).waitFor();
    expect(await items.count()).toBe(0);
    expect(await results.count()).toBe(20);
    await page.locator("chat-list nav").evaluate((nav) => nav.scrollTo(0, nav.scrollHeight));
    await page.getByText("40 chats found", { exact: true }).waitFor();
    expect(await results.first().locator(".title").textContent()).toBe("Chat 40");
    expect(await results.nth(39).locator("mark").textContent()).toBe("Chat");
    await search.fill("chat 05");
    await page.getByText("1 chat found").waitFor();
    expect(await results.count()).toBe(1);
    expect(await results.locator("mark").allTextContents()).toEqual(["Chat 05"]);
    await results.getByRole("link").click();
    await page.waitForURL(`${baseUrl}/chats/${chatIds.get("Chat 05")}`);
    await page.getByRole("heading", { name: "Chat 05" }).waitFor();
    await page.locator("chat-search-result[selected]").waitFor();
    await search.fill("no chat says this");
    await page.getByText("No chat matches.").waitFor();
    expect(await results.count()).toBe(0);
    await search.press("Escape");
    expect(await search.inputValue()).toBe("");
    await items.nth(39).waitFor();
    expect(await items.count()).toBe(40);

    await items.first().getByRole("link").click();
    await page.getByRole("heading", { name: "Chat 40" }).waitFor();
    await waitUntilIdle(page);

    // The composer grows with its text and says when it is near or over the limit.
    const composer = page.getByRole("textbox", { name: "Message" });
    const oneLine = (await composer.boundingBox())?.height ?? 0;
    await composer.fill("one\ntwo\nthree\nfour");
    expect((await composer.boundingBox())?.height ?? 0).toBeGreaterThan(oneLine * 2.5);
    await composer.fill("x".repeat(26_000));
    await page.getByText("26,000 / 32,000").waitFor();
    await composer.fill("x".repeat(32_001));
    await page.getByText("1 character over the 32,000 limit").waitFor();
    expect(await page.getByRole("button", { name: "Send message" }).isDisabled()).toBe(true);
    await composer.fill("");

    // Auto-scroll: the view follows the answer until the user scrolls up, then stays put.
    await sendMessage(page, "Write something long enough to scroll");
    const scroller = page.locator("chat-thread .scroller");
    await page.waitForFunction(
      () => {
        const element = document
          .querySelector("chat-app")
          ?.shadowRoot?.querySelector("chat-thread")
          ?.shadowRoot?.querySelector(".scroller");
        return element !== null && element !== undefined && element.scrollHeight > element.clientHeight + 120;
      },
      undefined,
      { polling: 50 },
    );
    const distanceFromBottom = () =>
      scroller.evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight);
    expect(await distanceFromBottom()).toBeLessThan(10);
    await scroller.hover();
    await page.mouse.wheel(0, -200);
    const jump = page.getByRole("button", { name: "Jump to latest" });
    await jump.waitFor();
    const readingAt = await scroller.evaluate((element) => element.scrollTop);
    const answer = await waitForAnswer(page, 1);
    expect(await scroller.evaluate((element) => element.scrollTop)).toBe(readingAt);
    expect(await distanceFromBottom()).toBeGreaterThan(50);
    await jump.click();
    await page.waitForFunction(
      () => {
        const element = document
          .querySelector("chat-app")
          ?.shadowRoot?.querySelector("chat-thread")
          ?.shadowRoot?.querySelector(".scroller") as HTMLElement;
        return element.scrollHeight - element.scrollTop - element.clientHeight < 5;
      },
      undefined,
      { polling: 50 },
    );
    await jump.waitFor({ state: "detached" });
    expect(answer.content.split(" ").length).toBeGreaterThan(30);

    // Another model for this chat: the picker changes the chat, and the answer says who wrote it.
    await page.getByRole("combobox", { name: "Model" }).selectOption("demo-brief");
    await page.waitForFunction(async () => {
      const chats = (await (await fetch("/api/chats?limit=1")).json()) as { chats: Array<{ model: string }> };
      return chats.chats[0]?.model === "demo-brief";
    });

    await sendMessage(page, "Briefly, please");
    const brief = await waitForAnswer(page, 2);
    expect(brief.content.split(" ").length).toBeLessThanOrEqual(31);
    await page.locator("chat-message").nth(3).getByText("Demo, brief").waitFor();

    // A word only the assistant wrote finds the chat by its answer: a snippet with the word marked,
    // said by the assistant. Keyboard only: Tab from the search box to the result, Enter opens it.
    await page.getByRole("button", { name: "New chat" }).click();
    await page.waitForURL(`${baseUrl}/`);
    await search.fill("Demonstration");
    await page.getByText("1 chat found").waitFor();
    const snippet = results.locator(".snippet");
    expect(await results.locator(".title").textContent()).toBe("Chat 40");
    expect(await snippet.locator("mark").allTextContents()).toEqual(["demonstration"]);
    expect(await snippet.textContent()).toMatch(/^Assistant: .*this answer is a demonstration\.$/);
    await search.press("Tab");
    await page.keyboard.press("Enter");
    await page.waitForURL(`${baseUrl}/chats/${chatIds.get("Chat 40")}`);
    await search.press("Escape");
    await items.nth(39).waitFor();

    // Every control has a name a screen reader can say.
    const unnamed = await page.evaluate(() => {
      const controls: Element[] = [];
      const visit = (root: Document | ShadowRoot) => {
        for (const element of root.querySelectorAll("*")) {
          if (element.matches("button, a[href], input, select, textarea, [role=button], [role=tab]"))
            controls.push(element);
          if (element.shadowRoot) visit(element.shadowRoot);
        }
      };
      visit(document);
      return controls
        .filter((control) => {
          const labelledBy = control.getAttribute("aria-labelledby");
          const name =
            control.getAttribute("aria-label") ||
            (labelledBy && (control.getRootNode() as ShadowRoot).getElementById(labelledBy)?.textContent) ||
            ("labels" in control && (control as HTMLInputElement).labels?.[0]?.textContent) ||
            control.textContent ||
            control.getAttribute("title");
          return !name?.trim();
        })
        .map((control) => control.outerHTML.slice(0, 80));
    });
    expect(unnamed).toEqual([]);

    // Sign out, then back in: the chats are still there.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill("correct horse battery");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.locator("chat-list-item", { hasText: "Chat 40" }).waitFor();
    await context.close();
  }, 60_000);
});
