import { existsSync } from "node:fs";
import { join, normalize, resolve } from "node:path";
import { Elysia, NotFoundError } from "elysia";
import { requestPath } from "../request-url.ts";
import { isApiPath, strictContentSecurityPolicy } from "../security-headers.ts";

/** Asset names carry a content hash, so a name never changes content: cache it for a year. */
const assetCacheControl = "public, max-age=31536000, immutable";
/** The page names the current hashed assets: revalidate it on every load so a deploy shows at once. */
const pageCacheControl = "no-cache";
/** The app's route of an open chat; its id as the API's `Id`. Checked on the raw path, before decoding. */
const chatPagePath = /^\/chats\/[A-Za-z0-9_-]{1,64}$/;
/** A share link's page, `/s/<id>`. */
const sharePagePath = /^\/s\/[A-Za-z0-9_-]{1,64}$/;

/** The page a browser gets for a path that is nothing: no script, no style, nothing to load. */
export const notFoundPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Not found</title>
  </head>
  <body>
    <h1>Not found</h1>
    <p>There is nothing at this address. <a href="/">Open the chat</a>.</p>
  </body>
</html>
`;

/**
 * Whether a request for an unknown path is a browser loading a page (it accepts HTML and asks
 * outside /api and /v1): it is answered `notFoundPage`, where an API client gets the typed JSON 404.
 */
export function wantsNotFoundPage(request: Request): boolean {
  return (
    (request.method === "GET" || request.method === "HEAD") &&
    (request.headers.get("accept") ?? "").includes("text/html") &&
    !isApiPath(requestPath(request))
  );
}

/** The console's views besides its conversations at `/admin`. */
const consoleViews = new Set(["recipients", "dead-letters", "audit"]);

/**
 * Serves the built frontend: index.html at the app's routes, `/`, `/chats/<id>` and the console's
 * `/admin…`, so a reload opens the same page; share.html at a share link's page, `/s/<id>`; the
 * hashed files under `/assets/`, their source maps only when `serveSourceMaps` (not in production:
 * they would hand out the whole source).
 */
export function frontendFiles(directory: string, options: { serveSourceMaps: boolean }) {
  const root = resolve(directory);
  const pageFile = (name: string, headers: Record<string, string> = {}) => {
    const file = join(root, name);
    return existsSync(file)
      ? new Response(Bun.file(file), {
          headers: {
            "content-type": "text/html; charset=utf-8",
            "cache-control": pageCacheControl,
            // Also set for every response by `securityHeaders`; kept here so the page never goes without.
            "content-security-policy": strictContentSecurityPolicy,
            ...headers,
          },
        })
      : new Response("The frontend is not built: run `npm run build:frontend`.", {
          status: 503,
          headers: { "cache-control": "no-store" },
        });
  };
  const page = () => pageFile("index.html");

  return (
    new Elysia({ name: "frontend-files" })
      .get("/", page, { detail: { hide: true } })
      // The support console (the page checks the role; its data is behind the staff routes).
      .get("/admin", page, { detail: { hide: true } })
      .get(
        "/admin/:view",
        ({ params }) => {
          if (!consoleViews.has(params.view)) throw new NotFoundError();
          return page();
        },
        { detail: { hide: true } },
      )
      .get(
        "/chats/:id",
        ({ request }) => {
          // Any other path under /chats answers what an unknown path does.
          if (!chatPagePath.test(requestPath(request))) throw new NotFoundError();
          return page();
        },
        { detail: { hide: true } },
      )
      .get(
        "/s/:id",
        ({ request }) => {
          if (!sharePagePath.test(requestPath(request))) throw new NotFoundError();
          // The link is the key: search engines must not list it (no page sends a Referer at all).
          return pageFile("share.html", { "x-robots-tag": "noindex, nofollow, noarchive" });
        },
        { detail: { hide: true } },
      )
      .get(
        "/assets/*",
        async ({ params, status }) => {
          const path = normalize(join(root, "assets", params["*"]));
          if (!path.startsWith(root)) return status(404, "Not found");
          if (!options.serveSourceMaps && path.endsWith(".map")) return status(404, "Not found");
          const file = Bun.file(path);
          // A 404 must not be cached for a year: an asset may be deployed after a client asked for it.
          if (!(await file.exists())) return status(404, "Not found");
          return new Response(file, {
            headers: { "cache-control": assetCacheControl, "x-content-type-options": "nosniff" },
          });
        },
        { detail: { hide: true } },
      )
  );
}
