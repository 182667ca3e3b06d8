import { swagger } from "@elysiajs/swagger";
import { Elysia } from "elysia";
import { strictContentSecurityPolicy } from "./security-headers.ts";

type SwaggerOptions = NonNullable<Parameters<typeof swagger>[0]> & { path: string };

function sha256Source(text: string): string {
  return `'sha256-${new Bun.CryptoHasher("sha256").update(text).digest("base64")}'`;
}

/**
 * The Content-Security-Policy of one HTML page that loads its scripts and styles from a CDN and
 * has inline ones: exactly those inline blocks (by hash) and exactly those URLs are allowed,
 * nothing else; the rest is as strict as the app's policy.
 *
 * @example
 * pagePolicy('<script src="https://cdn.example/x.js"></script><script>go()</script>');
 * // "default-src 'self'; script-src https://cdn.example/x.js 'sha256-…'; …"
 */
export function pagePolicy(html: string): string {
  const scripts = new Set<string>();
  const styles = new Set<string>(["'self'"]);
  for (const [, attributes = "", body = ""] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const source = attributes.match(/\bsrc="([^"]+)"/i)?.[1];
    scripts.add(source ?? sha256Source(body));
  }
  for (const [, body = ""] of html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi))
    styles.add(sha256Source(body));
  for (const [tag] of html.matchAll(/<link\b[^>]*>/gi)) {
    const href = tag.match(/\bhref="([^"]+)"/i)?.[1];
    if (href && /\brel="stylesheet"/i.test(tag)) styles.add(href);
  }
  return [
    "default-src 'self'",
    `script-src ${[...scripts].join(" ") || "'none'"}`,
    `style-src ${[...styles].join(" ")}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join("; ");
}

/**
 * Swagger UI at `options.path` and the OpenAPI document at `<path>/json` (the
 * `@elysiajs/swagger` plugin). The plugin's page loads Swagger UI's script and stylesheet from
 * unpkg, pinned to one version, and starts it with an inline script, which the app's strict
 * policy forbids; so this one page gets its own policy (`pagePolicy` of the page itself): those
 * two URLs and the hashes of its inline script and style, and nothing more (no `'unsafe-inline'`).
 * The page shows only the API's description and holds no user data; the app keeps the strict one.
 *
 * @example
 * app.use(securityHeaders({ trustProxy: false })).use(swaggerUiPage({ path: "/swagger", provider: "swagger-ui" }));
 */
export function swaggerUiPage(options: SwaggerOptions) {
  // The page depends only on the options, not on the routes: render it once, from a copy of the
  // plugin, so the app's own instance is not compiled early.
  const policy = swagger(options)
    .handle(new Request(`http://localhost${options.path}`))
    .then((response) => response.text())
    .then(pagePolicy)
    // Should the page not render, it keeps the strict policy: broken, never unprotected.
    .catch(() => strictContentSecurityPolicy);
  return new Elysia({ name: "swagger-ui-page" })
    .onRequest(async ({ request, set }) => {
      const path = new URL(request.url).pathname;
      if (path === options.path || path === `${options.path}/`) {
        set.headers["content-security-policy"] = await policy;
      }
    })
    .use(swagger(options));
}
