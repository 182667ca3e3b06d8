import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { swagger } from "@elysiajs/swagger";
import { Elysia } from "elysia";
import { requestPath } from "../request-url.ts";
import { openApi31 } from "./openapi-document.ts";

type SwaggerOptions = NonNullable<Parameters<typeof swagger>[0]> & { path: string };

/**
 * The files of Swagger UI the page loads; nothing else of the package is served. A Map, not an
 * object: a name from the URL must not find `__proto__` or `constructor` through the prototype.
 */
const servedFiles = new Map([
  ["swagger-ui.css", "text/css; charset=utf-8"],
  ["swagger-ui-bundle.js", "text/javascript; charset=utf-8"],
]);

function page(title: string, assets: string): string {
  const escapedTitle = title.replace(/[<>&"]/g, (character) => `&#${character.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapedTitle}</title>
    <link rel="stylesheet" href="${assets}/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${assets}/swagger-ui-bundle.js"></script>
    <script src="${assets}/start.js"></script>
  </body>
</html>
`;
}

function startScript(specPath: string): string {
  return `window.ui = SwaggerUIBundle(${JSON.stringify({ url: specPath, dom_id: "#swagger-ui", deepLinking: true })});\n`;
}

/**
 * Swagger UI at `options.path` and the OpenAPI document at `<path>/json` (the document comes from
 * the `@elysiajs/swagger` plugin, made valid OpenAPI 3.1 by `openApi31`). The plugin's own page loads Swagger UI from a CDN and starts it
 * with an inline script; this page serves Swagger UI's files from the `swagger-ui-dist` package
 * instead and starts it from a file, so it works offline and under the app's strict policy.
 *
 * @example
 * app.use(swaggerUiPage({ path: "/swagger", provider: "swagger-ui", documentation }));
 */
export function swaggerUiPage(options: SwaggerOptions) {
  const assets = `${options.path}/assets`;
  const specPath = `${options.path}/json`;
  const html = page(options.documentation?.info?.title ?? "API", assets);
  const directory = dirname(fileURLToPath(import.meta.resolve("swagger-ui-dist/package.json")));
  const htmlHeaders = { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" };
  const assetHeaders = (type: string) => ({ "content-type": type, "cache-control": "public, max-age=3600" });

  return (
    new Elysia({ name: "swagger-ui-page" })
      // Answered before the plugin's routes, so its CDN page is never served.
      .onRequest(({ request }) => {
        if (request.method !== "GET") return;
        const path = requestPath(request);
        if (path === options.path || path === `${options.path}/`)
          return new Response(html, { headers: htmlHeaders });
        if (path === `${assets}/start.js`) {
          return new Response(startScript(specPath), {
            headers: assetHeaders("text/javascript; charset=utf-8"),
          });
        }
        const name = path.startsWith(`${assets}/`) ? path.slice(assets.length + 1) : null;
        const type = name ? servedFiles.get(name) : undefined;
        if (name && type)
          return new Response(Bun.file(join(directory, name)), { headers: assetHeaders(type) });
      })
      .onAfterHandle(({ request, response }) =>
        requestPath(request) === specPath && typeof response === "object" && response !== null
          ? openApi31(response as Record<string, unknown>)
          : undefined,
      )
      .use(swagger({ ...options, specPath }))
  );
}
