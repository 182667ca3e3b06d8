import { existsSync } from "node:fs";
import { join, normalize, resolve } from "node:path";
import { Elysia } from "elysia";
import { strictContentSecurityPolicy } from "./security-headers.ts";

/** Serves the built frontend at `/`; index.html for `/` and for any path that is not a file. */
export function frontendFiles(directory: string) {
  const root = resolve(directory);
  const index = join(root, "index.html");
  const page = () =>
    existsSync(index)
      ? new Response(Bun.file(index), {
          headers: {
            "content-type": "text/html; charset=utf-8",
            // Also set for every response by `securityHeaders`; kept here so the page never goes without.
            "content-security-policy": strictContentSecurityPolicy,
          },
        })
      : new Response("The frontend is not built: run `npm run build:frontend`.", { status: 503 });

  return new Elysia({ name: "frontend-files" }).get("/", page, { detail: { hide: true } }).get(
    "/assets/*",
    async ({ params, status }) => {
      const path = normalize(join(root, "assets", params["*"]));
      if (!path.startsWith(root)) return status(404, "Not found");
      const file = Bun.file(path);
      if (!(await file.exists())) return status(404, "Not found");
      return new Response(file, {
        headers: { "cache-control": "public, max-age=300", "x-content-type-options": "nosniff" },
      });
    },
    { detail: { hide: true } },
  );
}
