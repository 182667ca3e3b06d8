import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, BrowserContext, Request } from "playwright-core";
import { ChatApiClient, defaultPassword } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { chromiumAvailable, launchChromium } from "./chat-page.ts";

/** Text made safe inside an HTML attribute or element. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * Another site's pages: `/form` posts a form to `action` with `fields` as soon as it loads (as a
 * hidden form on a page the victim opens would), `/no-cors` sends `fields` to `target` with
 * `fetch(..., {mode: "no-cors", credentials: "include"})`, form-encoded (a type no-cors may send),
 * and puts the outcome in the title.
 */
function startAttackerSite() {
  return Bun.serve({
    port: 0,
    fetch(request) {
      const url = new URL(request.url);
      const page = (body: string) =>
        new Response(`<!doctype html><html><head><title>attacker</title></head>${body}</html>`, {
          headers: { "content-type": "text/html; charset=utf-8" },
        });
      if (url.pathname === "/form") {
        const fields = JSON.parse(url.searchParams.get("fields") ?? "{}") as Record<string, string>;
        const inputs = Object.entries(fields)
          .map(
            ([name, value]) =>
              `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
          )
          .join("");
        const action = escapeHtml(url.searchParams.get("action") ?? "");
        return page(
          `<body onload="document.forms[0].submit()"><form method="POST" action="${action}">${inputs}</form></body>`,
        );
      }
      if (url.pathname === "/no-cors") {
        const call = JSON.stringify({
          target: url.searchParams.get("target"),
          fields: JSON.parse(url.searchParams.get("fields") ?? "{}"),
        });
        return page(`<body><script>
          const call = ${call.replace(/</g, "\\u003c")};
          fetch(call.target, { method: "POST", mode: "no-cors", credentials: "include", body: new URLSearchParams(call.fields) })
            .then(() => { document.title = "sent"; }, (error) => { document.title = "failed " + error; });
        </script></body>`);
      }
      return new Response("not found", { status: 404 });
    },
  });
}

type VictimBrowser = { context: BrowserContext; chatId: string };

describe.skipIf(!chromiumAvailable)(
  "requests from another origin's page in Chromium change nothing for the signed-in victim",
  () => {
    let server: EmbeddedServer;
    let attackerSite: ReturnType<typeof startAttackerSite>;
    let browser: Browser;
    let victim: ChatApiClient;
    let victimEmail: string;
    let attackerEmail: string;

    beforeAll(async () => {
      server = await startEmbeddedServer();
      attackerSite = startAttackerSite();
      browser = await launchChromium();
      victim = new ChatApiClient(server.baseUrl);
      victimEmail = (await victim.register("Victim")).body.user.email;
      attackerEmail = (await new ChatApiClient(server.baseUrl).register("Attacker")).body.user.email;
    });
    afterAll(async () => {
      await browser?.close();
      attackerSite?.stop(true);
      await server?.stop();
    });

    /**
     * A browser with the victim signed in (both cookies in its jar), as after the app's sign-in,
     * and a new chat of theirs (its own, so that no answer to an earlier test lands in it meanwhile).
     */
    async function victimBrowser(): Promise<VictimBrowser> {
      const context = await browser.newContext();
      const login = await context.request.post(`${server.baseUrl}/api/auth/login`, {
        data: { email: victimEmail, password: defaultPassword },
      });
      expect(login.status()).toBe(200);
      const chat = await victim.request("POST", "/api/chats", { title: "Mine" });
      expect(chat.status).toBe(201);
      return { context, chatId: chat.body.id };
    }

    /** What the victim's browser sees: who is signed in, their chats, keys, and the chat's messages. */
    async function victimState({ context, chatId }: VictimBrowser) {
      const get = async (path: string) => {
        const response = await context.request.get(`${server.baseUrl}${path}`);
        return { status: response.status(), body: await response.json() };
      };
      const me = await get("/api/me");
      const chats = await get("/api/chats");
      const keys = await get("/api/keys");
      const messages = await get(`/api/chats/${chatId}/messages`);
      return {
        signedInAs: me.status === 200 ? me.body.user.email : `nobody (${me.status})`,
        chats: chats.body.chats?.map((chat: { id: string }) => chat.id),
        keys: keys.body.keys?.length,
        messages: messages.body.messages?.length,
      };
    }

    /** Opens the attacker's auto-submitting form page; the gateway's status for the POST. */
    async function submitForm(
      context: BrowserContext,
      attackerOrigin: string,
      action: string,
      fields: Record<string, string>,
    ): Promise<number> {
      const page = await context.newPage();
      const target = `${server.baseUrl}${action}`;
      const answered = page.waitForResponse((response) => response.url() === target);
      // Its cookies are stored once the request is over; a 204 (logout) ends as an aborted navigation.
      const over = new Promise<void>((resolve) => {
        const settle = (request: Request) => {
          if (request.url() === target) resolve();
        };
        page.on("requestfinished", settle);
        page.on("requestfailed", settle);
      });
      await page.goto(
        `${attackerOrigin}/form?${new URLSearchParams({ action: target, fields: JSON.stringify(fields) })}`,
      );
      const status = (await answered).status();
      await over;
      await page.close();
      return status;
    }

    const attackers = [
      {
        label: "the same site (127.0.0.1, another port)",
        origin: () => `http://127.0.0.1:${attackerSite.port}`,
      },
      { label: "another site (localhost)", origin: () => `http://localhost:${attackerSite.port}` },
    ];

    // From another site SameSite=Lax already kept the cookie off the forms and the fetch; the
    // sign-in forms need no cookie, and a page of the same site gets every cookie.
    for (const attacker of attackers) {
      describe(`a page of ${attacker.label}`, () => {
        test("auto-submitted forms create no chat and no API key", async () => {
          const signedIn = await victimBrowser();
          const before = await victimState(signedIn);
          const chat = await submitForm(signedIn.context, attacker.origin(), "/api/chats", {
            title: "planted",
          });
          const key = await submitForm(signedIn.context, attacker.origin(), "/api/keys", { name: "stolen" });
          expect([chat, key].every((status) => status >= 400)).toBe(true);
          expect(await victimState(signedIn)).toEqual(before);
          await signedIn.context.close();
        });

        test("a no-cors fetch with credentials sends no message", async () => {
          const signedIn = await victimBrowser();
          const before = await victimState(signedIn);
          const page = await signedIn.context.newPage();
          const fields = JSON.stringify({
            content: "sent by another page",
            clientMessageId: crypto.randomUUID(),
          });
          const target = `${server.baseUrl}/api/chats/${signedIn.chatId}/messages`;
          // The page cannot read the opaque answer; the browser's network log can. A message the
          // gateway takes (202) is stored a moment later, so the status is the check that cannot race.
          const answered = page.waitForResponse((response) => response.url() === target);
          await page.goto(`${attacker.origin()}/no-cors?${new URLSearchParams({ target, fields })}`);
          await page.waitForFunction(() => document.title !== "attacker");
          expect(await page.title()).toBe("sent");
          expect((await answered).status()).toBeGreaterThanOrEqual(400);
          expect(await victimState(signedIn)).toEqual(before);
          await signedIn.context.close();
        });

        test("a login form does not sign the victim in as the attacker", async () => {
          const signedIn = await victimBrowser();
          expect((await victimState(signedIn)).signedInAs).toBe(victimEmail);
          await submitForm(signedIn.context, attacker.origin(), "/api/auth/login", {
            email: attackerEmail,
            password: defaultPassword,
          });
          expect((await victimState(signedIn)).signedInAs).toBe(victimEmail);
          await signedIn.context.close();
        });

        test("a logout form does not sign the victim out", async () => {
          const signedIn = await victimBrowser();
          const before = await victimState(signedIn);
          await submitForm(signedIn.context, attacker.origin(), "/api/auth/logout", {});
          expect(await victimState(signedIn)).toEqual(before);
          await signedIn.context.close();
        });
      });
    }

    test("the app's own page still creates a chat with the cookie (Chromium sends its Origin)", async () => {
      const { context } = await victimBrowser();
      const page = await context.newPage();
      // Any page of the gateway's origin will do; the app's own needs a built frontend.
      await page.goto(`${server.baseUrl}/healthz`);
      const status = await page.evaluate(async () => {
        const response = await fetch("/api/chats", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ title: "From the app" }),
        });
        return response.status;
      });
      expect(status).toBe(201);
      await context.close();
    });
  },
);
