import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";

const repositoryRoot = join(import.meta.dir, "../..");

async function readYaml(path: string): Promise<any> {
  return Bun.YAML.parse(await Bun.file(join(repositoryRoot, path)).text());
}

/** The gateway's environment in docker-compose.yml, anchors merged. */
async function composeGatewayEnvironment(): Promise<Record<string, string>> {
  return (await readYaml("docker-compose.yml")).services.gateway.environment;
}

type NginxBlock = { name: string; directives: string[][]; blocks: NginxBlock[] };

/** The nginx configuration as nested blocks of directives (each a list of words), comments dropped. */
function parseNginx(text: string): NginxBlock {
  const root: NginxBlock = { name: "main", directives: [], blocks: [] };
  const stack = [root];
  let words: string[] = [];
  const tokens = text.replace(/#[^\n]*/g, "").match(/"[^"]*"|[{};]|[^\s{};]+/g) ?? [];
  for (const token of tokens) {
    const current = stack.at(-1) as NginxBlock;
    if (token === "{") {
      const block: NginxBlock = { name: words.join(" "), directives: [], blocks: [] };
      current.blocks.push(block);
      stack.push(block);
      words = [];
    } else if (token === "}") {
      stack.pop();
    } else if (token === ";") {
      current.directives.push(words);
      words = [];
    } else {
      words.push(token);
    }
  }
  return root;
}

/**
 * The headers nginx sets on requests to the gateway in each location: a location's own
 * proxy_set_header lines replace every one it would inherit from the server level.
 */
function proxiedHeadersByLocation(config: NginxBlock): Map<string, Map<string, string>> {
  const headersOf = (block: NginxBlock) =>
    new Map(
      block.directives
        .filter(([name]) => name === "proxy_set_header")
        .map(([, header = "", value = ""]) => [header.toLowerCase(), value]),
    );
  const server = config.blocks
    .find((block) => block.name === "http")
    ?.blocks.find((block) => block.name === "server");
  if (!server) throw new Error("no http { server { } } in the nginx configuration");
  const inherited = headersOf(server);
  const byLocation = new Map<string, Map<string, string>>();
  for (const location of server.blocks.filter((block) => block.name.startsWith("location"))) {
    const own = headersOf(location);
    byLocation.set(location.name, own.size > 0 ? own : inherited);
  }
  return byLocation;
}

describe("the shipped reverse proxies pass the client's address, and the gateway trusts it", () => {
  test("docker-compose: the gateway has TRUST_PROXY=true and no published port (only nginx reaches it)", async () => {
    const compose = await readYaml("docker-compose.yml");
    expect(compose.services.gateway.environment.TRUST_PROXY).toBe("true");
    expect(compose.services.gateway.ports).toBeUndefined();
  });

  test("nginx sets X-Forwarded-For (the client's address appended) and X-Forwarded-Proto in every location", async () => {
    const config = parseNginx(await Bun.file(join(repositoryRoot, "infra/nginx/nginx.conf")).text());
    const locations = proxiedHeadersByLocation(config);
    expect([...locations.keys()].sort()).toEqual(["location /", "location /ws"]);
    for (const [location, headers] of locations) {
      expect({ location, forwardedFor: headers.get("x-forwarded-for") }).toEqual({
        location,
        forwardedFor: "$proxy_add_x_forwarded_for",
      });
      expect({ location, forwardedProto: headers.get("x-forwarded-proto") }).toEqual({
        location,
        forwardedProto: "$scheme",
      });
      expect(headers.get("host")).toBe("$http_host");
    }
    expect(locations.get("location /ws")?.get("upgrade")).toBe("$http_upgrade");
  });

  test("Kubernetes: the config map the gateway reads has TRUST_PROXY=true, and the Service stays ClusterIP", async () => {
    const configMap = await readYaml("infra/k8s/configmap.yaml");
    expect(configMap.data.TRUST_PROXY).toBe("true");
    const gatewayDocuments = Bun.YAML.parse(
      await Bun.file(join(repositoryRoot, "infra/k8s/gateway.yaml")).text(),
    ) as any[];
    const deployment = gatewayDocuments.find((document) => document.kind === "Deployment");
    const container = deployment.spec.template.spec.containers[0];
    expect(container.envFrom).toContainEqual({ configMapRef: { name: configMap.metadata.name } });
    expect(gatewayDocuments.find((document) => document.kind === "Service").spec.type).toBe("ClusterIP");
  });

  describe("a gateway with the compose file's TRUST_PROXY, behind nginx", () => {
    let server: EmbeddedServer;

    beforeAll(async () => {
      server = await startEmbeddedServer(
        {
          TRUST_PROXY: (await composeGatewayEnvironment()).TRUST_PROXY ?? "",
          RATE_LIMIT_AUTH_PER_MINUTE: "1",
        },
        { settings: "plain" },
      );
    });
    afterAll(async () => {
      await server?.stop();
    });

    /** A sign-in as nginx forwards it: whatever the client claimed, then the address nginx saw. */
    const signInThroughNginx = (client: string, claimed?: string) =>
      fetch(`${server.baseUrl}/api/auth/login`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-forwarded-for": claimed ? `${claimed}, ${client}` : client,
        },
        body: JSON.stringify({ email: "nobody@example.com", password: "wrong password" }),
      });

    test("two clients get a sign-in bucket each, and a client cannot claim another's address", async () => {
      expect((await signInThroughNginx("198.51.100.1")).status).toBe(401);
      expect((await signInThroughNginx("198.51.100.2")).status).toBe(401);
      const again = await signInThroughNginx("198.51.100.1", "203.0.113.50");
      expect(again.status).toBe(429);
      expect(Number(again.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    });
  });
});
