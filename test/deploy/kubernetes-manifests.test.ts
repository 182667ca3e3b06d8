// The Kubernetes manifests of infra/k8s, offline: every object against the API schemas of its
// apiVersion and kind, then what an operator expects of them. Each failure names the file, the
// kind, the name and the rule broken.
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { GatewayConfig } from "@chat/gateway";
import { NotifierConfig } from "@chat/notifier";
import { OrchestratorConfig } from "@chat/orchestrator";
import { loadConfig } from "@chat/runtime";
import { SessionConfig } from "@chat/session";
import { StoreConfig } from "@chat/store";
import type { TObject } from "@sinclair/typebox";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { ISecret } from "kubernetes-models/v1/Secret";
import type { IService } from "kubernetes-models/v1/Service";
import { type KubernetesObject, readKubernetesManifests } from "../support/kubernetes-manifests.ts";
import { KubernetesSchema } from "../support/kubernetes-schema.ts";

const repositoryRoot = join(import.meta.dir, "../..");
const folder = "infra/k8s";
const manifests = readKubernetesManifests(repositoryRoot, folder);
/** A template for the operator to fill in, deliberately not applied: secrets are made by hand. */
const secretTemplate = `${folder}/secret.example.yaml`;
const listedFiles = new Set(manifests.kustomization?.resources.map((resource) => `${folder}/${resource}`));
/** What `kubectl apply -k infra/k8s` applies. */
const applied = manifests.objects.filter((object) => listedFiles.has(object.file));

/** `infra/k8s/gateway.yaml Deployment/gateway`: where a problem is. */
const at = (object: KubernetesObject) => `${object.file} ${object.kind}/${object.name}`;

function ofKind<T>(kind: string, objects = applied): { object: KubernetesObject; body: T }[] {
  return objects
    .filter((candidate) => candidate.kind === kind)
    .map((object) => ({ object, body: object.body as unknown as T }));
}

type ILabelSelector = NonNullable<IDeployment["spec"]>["selector"];

/** The service a Deployment runs, from its command (`bun services/<name>/main.ts`). */
type Workload = {
  object: KubernetesObject;
  deployment: IDeployment;
  service: string;
  container: IContainer;
  podLabels: Record<string, string>;
};

const workloads: Workload[] = ofKind<IDeployment>("Deployment").flatMap(({ object, body }) => {
  const containers = body.spec?.template.spec?.containers ?? [];
  return containers.map((container) => ({
    object,
    deployment: body,
    service: /^services\/([a-z-]+)\/main\.ts$/.exec(container.command?.[1] ?? "")?.[1] ?? "(unknown)",
    container,
    podLabels: body.spec?.template.metadata?.labels ?? {},
  }));
});
const workload = (service: string) => workloads.find((candidate) => candidate.service === service);

const configSchemas: Record<string, TObject> = {
  gateway: GatewayConfig,
  session: SessionConfig,
  store: StoreConfig,
  orchestrator: OrchestratorConfig,
  notifier: NotifierConfig,
};

/** Values of the kind the operator puts in the secrets, to load each service's configuration. */
const sampleSecretValues: Record<string, string> = {
  JWT_SECRET: randomBytes(36).toString("base64"),
  AMQP_URL: "amqps://chat:password@rabbitmq.example.internal:5671/chat",
  REDIS_URL: "rediss://:password@redis.example.internal:6380",
  MONGODB_URL: "mongodb+srv://chat:password@cluster.example.net/",
  METRICS_TOKEN: randomBytes(24).toString("base64url"),
  S3_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
  S3_SECRET_ACCESS_KEY: randomBytes(30).toString("base64"),
  ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
};

/** A container's environment as the pod would see it: the ConfigMaps, its own env, the secrets. */
function environmentOf({ container, object }: Workload, problems: string[]): Record<string, string> {
  const environment: Record<string, string> = {};
  const configMap = (name: string) =>
    ofKind<IConfigMap>("ConfigMap").find((entry) => entry.object.name === name);
  for (const source of container.envFrom ?? []) {
    if (!source.configMapRef) continue;
    const found = configMap(source.configMapRef.name ?? "");
    if (found) Object.assign(environment, found.body.data);
    else
      problems.push(
        `${at(object)}: envFrom names ConfigMap ${source.configMapRef.name}, which is not applied`,
      );
  }
  for (const variable of container.env ?? []) {
    const secretKey = variable.valueFrom?.secretKeyRef?.key;
    if (variable.value !== undefined) environment[variable.name] = variable.value;
    else if (secretKey !== undefined) {
      const sample = sampleSecretValues[secretKey];
      if (sample !== undefined) environment[variable.name] = sample;
      else problems.push(`${at(object)}: no sample value for the secret key ${secretKey} in this test`);
    }
  }
  return environment;
}

/** A port by name or number, as the container declares it. */
function containerPort(container: IContainer, port: number | string | undefined): number | undefined {
  if (typeof port === "number") return port;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

function selects(selector: ILabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const value = labels[key];
    const holds =
      operator === "In"
        ? value !== undefined && values.includes(value)
        : operator === "NotIn"
          ? value === undefined || !values.includes(value)
          : operator === "Exists"
            ? value !== undefined
            : operator === "DoesNotExist" && value === undefined;
    if (!holds) return false;
  }
  return true;
}

const selectsEverything = (selector: ILabelSelector | undefined) =>
  Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0;

/** Kubernetes resource quantities in base units: `100m` = 0.1, `128Mi` = 134217728. */
function quantity(value: string | number | undefined): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(value ?? ""));
  if (!match) return undefined;
  const scale: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(match[1]) * (scale[match[2] ?? ""] ?? 1);
}

describe("Kubernetes manifests (infra/k8s)", () => {
  test("every file parses as the API server parses it (YAML 1.1, no duplicate key)", () => {
    expect(manifests.problems).toEqual([]);
    expect(manifests.kustomization).toBeDefined();
    expect(applied.length).toBeGreaterThan(0);
  });

  test("kustomization.yaml lists every manifest file but the secret template, and only files that exist", () => {
    const problems: string[] = [];
    const kustomization = manifests.kustomization?.file;
    for (const file of manifests.files) {
      if (file === kustomization || file === secretTemplate) continue;
      if (!listedFiles.has(file)) problems.push(`${kustomization}: ${file} is not in resources`);
    }
    for (const file of listedFiles)
      if (!existsSync(join(repositoryRoot, file))) problems.push(`${kustomization}: ${file} does not exist`);
    if (listedFiles.has(secretTemplate))
      problems.push(`${kustomization}: ${secretTemplate} is a template and must not be applied`);
    for (const object of applied) {
      const namespace = object.kind === "Namespace" ? object.name : object.namespace;
      if (namespace !== manifests.kustomization?.namespace)
        problems.push(`${at(object)}: namespace ${namespace}, not the kustomization's`);
    }
    expect(problems).toEqual([]);
  });

  test("every object, the secret template too, validates against the API schema of its apiVersion and kind", async () => {
    expect(await new KubernetesSchema().problemsOf(manifests.objects)).toEqual([]);
  });

  test("Services, the Ingress and the autoscalers point at what exists", () => {
    const problems: string[] = [];
    for (const { object, deployment } of workloads)
      if (!selects(deployment.spec?.selector, deployment.spec?.template.metadata?.labels ?? {}))
        problems.push(`${at(object)}: spec.selector does not select the pod template's labels`);
    const services = ofKind<IService>("Service");
    for (const { object, body } of services) {
      const backends = workloads.filter((candidate) =>
        selects({ matchLabels: body.spec?.selector }, candidate.podLabels),
      );
      if (backends.length === 0) problems.push(`${at(object)}: selects no Deployment's pods`);
      for (const port of body.spec?.ports ?? [])
        for (const backend of backends)
          if (containerPort(backend.container, port.targetPort ?? port.port) === undefined)
            problems.push(
              `${at(object)}: targetPort ${port.targetPort} is not a port of ${at(backend.object)}`,
            );
    }
    for (const { object, body } of ofKind<IIngress>("Ingress"))
      for (const path of (body.spec?.rules ?? []).flatMap((rule) => rule.http?.paths ?? [])) {
        const backend = path.backend.service;
        const service = services.find((candidate) => candidate.object.name === backend?.name);
        if (!service?.body.spec?.ports?.some((port) => port.name === backend?.port?.name))
          problems.push(`${at(object)}: backend ${backend?.name}:${backend?.port?.name} is no Service port`);
      }
    for (const { object, body } of ofKind<IHorizontalPodAutoscaler>("HorizontalPodAutoscaler")) {
      const target = body.spec?.scaleTargetRef;
      if (
        target?.kind !== "Deployment" ||
        !workloads.some((candidate) => candidate.object.name === target.name)
      )
        problems.push(`${at(object)}: scaleTargetRef ${target?.kind}/${target?.name} is not applied`);
    }
    expect(problems).toEqual([]);
  });

  test("every container: liveness on /healthz, readiness on /readyz, at the port its PORT sets", () => {
    const problems: string[] = [];
    for (const entry of workloads) {
      const { container, object } = entry;
      const where = `${at(object)} container ${container.name}`;
      const port = Number(container.env?.find((variable) => variable.name === "PORT")?.value);
      if (!container.ports?.some((candidate) => candidate.containerPort === port))
        problems.push(`${where}: PORT ${port} is not one of its containerPorts`);
      const expected = { livenessProbe: "/healthz", readinessProbe: "/readyz", startupProbe: "/healthz" };
      for (const [name, path] of Object.entries(expected)) {
        const probe = container[name as keyof typeof expected];
        if (!probe) {
          if (name !== "startupProbe") problems.push(`${where}: no ${name}`);
          continue;
        }
        if (probe.httpGet?.path !== path) problems.push(`${where}: ${name} must GET ${path}`);
        if (containerPort(container, probe.httpGet?.port) !== port)
          problems.push(`${where}: ${name} must probe the service's PORT ${port}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("every container requests and limits CPU and memory, each request within its limit", () => {
    const problems: string[] = [];
    for (const { container, object } of workloads) {
      const where = `${at(object)} container ${container.name}`;
      for (const resource of ["cpu", "memory"]) {
        const request = quantity(container.resources?.requests?.[resource]);
        const limit = quantity(container.resources?.limits?.[resource]);
        if (request === undefined) problems.push(`${where}: no ${resource} request`);
        if (limit === undefined) problems.push(`${where}: no ${resource} limit`);
        if (request !== undefined && limit !== undefined && request > limit)
          problems.push(`${where}: ${resource} request above its limit`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("every Deployment's environment loads through its service's configuration schema", () => {
    const problems: string[] = [];
    for (const entry of workloads) {
      const schema = configSchemas[entry.service];
      if (!schema) {
        problems.push(`${at(entry.object)}: runs ${entry.service}, which is not one of the five services`);
        continue;
      }
      try {
        loadConfig(schema, environmentOf(entry, problems));
      } catch (error) {
        problems.push(`${at(entry.object)}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("an HPA for each service whose instances share the work, a PDB for each that lets one pod go", () => {
    // The session is not autoscaled: each command partition has one active consumer, so an
    // instance added for CPU would only wait as a standby. It keeps a fixed count (2..partitions).
    const autoscaled = new Set(["gateway", "orchestrator", "store", "notifier"]);
    const problems: string[] = [];
    const partitions = Number(ofKind<IConfigMap>("ConfigMap")[0]?.body.data?.SESSION_PARTITIONS);
    const autoscalers = ofKind<IHorizontalPodAutoscaler>("HorizontalPodAutoscaler");
    const budgets = ofKind<IPodDisruptionBudget>("PodDisruptionBudget");
    for (const { object, deployment, service, podLabels } of workloads) {
      const where = at(object);
      const mine = autoscalers.filter((entry) => entry.body.spec?.scaleTargetRef.name === object.name);
      const replicas = deployment.spec?.replicas;
      let fewest = replicas ?? 1;
      if (autoscaled.has(service)) {
        const autoscaler = mine[0]?.body.spec;
        if (mine.length !== 1 || !autoscaler)
          problems.push(`${where}: needs exactly one HorizontalPodAutoscaler`);
        else if ((autoscaler.minReplicas ?? 1) < 2 || autoscaler.maxReplicas < (autoscaler.minReplicas ?? 1))
          problems.push(`${where}: its HorizontalPodAutoscaler must keep 2 or more pods`);
        if (replicas !== undefined)
          problems.push(
            `${where}: sets replicas, which every apply would reset under its HorizontalPodAutoscaler`,
          );
        fewest = autoscaler?.minReplicas ?? 1;
      } else if (service === "session") {
        if (mine.length > 0)
          problems.push(`${where}: autoscaled, but extra session pods only wait as standbys`);
        if (replicas === undefined || replicas < 2 || replicas > partitions)
          problems.push(`${where}: replicas must be 2 to SESSION_PARTITIONS (${partitions})`);
      } else problems.push(`${where}: decide whether ${service} is autoscaled`);
      const matching = budgets.filter((entry) => selects(entry.body.spec?.selector, podLabels));
      const [budget] = matching;
      const spec = budget?.body.spec;
      if (matching.length !== 1 || !budget || !spec) {
        problems.push(`${where}: needs exactly one PodDisruptionBudget`);
        continue;
      }
      for (const other of workloads)
        if (other.object !== object && selects(spec.selector, other.podLabels))
          problems.push(`${at(budget.object)}: also selects ${at(other.object)}`);
      const allowsOne =
        spec.maxUnavailable !== undefined
          ? spec.maxUnavailable !== 0 && spec.maxUnavailable !== "0%"
          : typeof spec.minAvailable === "number" && spec.minAvailable < fewest;
      if (!allowsOne) problems.push(`${at(budget.object)}: must let one pod go, or node drains block`);
    }
    expect(problems).toEqual([]);
  });

  describe("NetworkPolicies", () => {
    const policies = ofKind<INetworkPolicy>("NetworkPolicy");
    const policiesOf = (target: Workload, direction: "Ingress" | "Egress") =>
      policies.filter(
        ({ body }) =>
          selects(body.spec?.podSelector, target.podLabels) &&
          (body.spec?.policyTypes ?? []).includes(direction),
      );
    /** `X` when the peer selects exactly the namespace named X, and no other. */
    const namespaceOf = (peer: INetworkPolicyPeer) => {
      const selector = peer.namespaceSelector;
      const labels = Object.entries(selector?.matchLabels ?? {});
      const [only] = labels;
      if (
        labels.length !== 1 ||
        selector?.matchExpressions?.length ||
        only?.[0] !== "kubernetes.io/metadata.name"
      )
        return undefined;
      return only[1];
    };
    /** Where each ingress class's controller runs (ingress-nginx's chart; k3s's Traefik). */
    const controllers: Record<string, { namespace: string; pods: Record<string, string> }> = {
      nginx: { namespace: "ingress-nginx", pods: { "app.kubernetes.io/name": "ingress-nginx" } },
      traefik: { namespace: "kube-system", pods: { "app.kubernetes.io/name": "traefik" } },
    };
    const monitoringNamespace = "monitoring";

    test("a default deny of every pod's ingress and egress", () => {
      const denies = policies.filter(
        ({ body }) =>
          selectsEverything(body.spec?.podSelector) &&
          body.spec?.policyTypes?.includes("Ingress") &&
          body.spec.policyTypes.includes("Egress") &&
          !body.spec.ingress?.length &&
          !body.spec.egress?.length,
      );
      const problems =
        denies.length === 1
          ? []
          : [
              `${folder}: ${denies.length} NetworkPolicies with podSelector {}, policyTypes Ingress and Egress and no rule (one denies by default)`,
            ];
      expect(problems).toEqual([]);
    });

    test("in: the gateway from the ingress controller only, every pod's port from monitoring only", () => {
      const problems: string[] = [];
      const ingressClasses = ofKind<IIngress>("Ingress").map(({ body }) => body.spec?.ingressClassName ?? "");
      for (const target of workloads) {
        const port = containerPort(target.container, "http");
        let fromController = false;
        const ingressPolicies = policiesOf(target, "Ingress");
        if (ingressPolicies.length === 0) {
          problems.push(
            `${at(target.object)}: no NetworkPolicy limits its ingress, so everything reaches it`,
          );
          continue;
        }
        for (const { object, body } of ingressPolicies)
          for (const rule of body.spec?.ingress ?? []) {
            const where = `${at(object)} (for ${target.service})`;
            if (!rule.from?.length) problems.push(`${where}: admits every source`);
            if (!rule.ports?.length) problems.push(`${where}: admits every port`);
            for (const allowed of rule.ports ?? [])
              if (containerPort(target.container, allowed.port) !== port || allowed.endPort !== undefined)
                problems.push(`${where}: admits port ${allowed.port}, not only the service's own`);
            for (const peer of rule.from ?? []) {
              const namespace = namespaceOf(peer);
              const controller = ingressClasses.map((name) => controllers[name]).find(Boolean);
              const isController =
                target.service === "gateway" &&
                controller !== undefined &&
                namespace === controller.namespace &&
                Bun.deepEquals(peer.podSelector, { matchLabels: controller.pods });
              fromController ||= isController;
              if (!isController && (namespace !== monitoringNamespace || peer.ipBlock))
                problems.push(`${where}: admits ${JSON.stringify(peer)}`);
            }
          }
        if (target.service === "gateway" && !fromController)
          problems.push(`${at(target.object)}: the ingress controller of ${ingressClasses} cannot reach it`);
      }
      expect(problems).toEqual([]);
    });

    test("out: DNS, and only the brokers, the database and the object storage its settings name; the orchestrator HTTPS to public addresses", () => {
      const dependencyPorts: Record<string, string[]> = {
        AMQP_URL: ["TCP/5671", "TCP/5672"],
        REDIS_URL: ["TCP/6379", "TCP/6380"],
        MONGODB_URL: ["TCP/27017"],
        // The object storage of uploads (S3_BUCKET): HTTPS.
        S3_ACCESS_KEY_ID: ["TCP/443"],
      };
      const dns = ["UDP/53", "TCP/53"];
      const https = "TCP/443";
      const privateRanges = ["10.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"];
      const problems: string[] = [];
      for (const target of workloads) {
        const variables = (target.container.env ?? []).map((variable) => variable.name);
        const needed = new Set([
          ...dns,
          ...variables.flatMap((name) => dependencyPorts[name] ?? []),
          ...(target.service === "orchestrator" ? [https] : []),
        ]);
        const allowed = new Set<string>();
        const egressPolicies = policiesOf(target, "Egress");
        if (egressPolicies.length === 0) {
          problems.push(`${at(target.object)}: no NetworkPolicy limits its egress, so it reaches everything`);
          continue;
        }
        for (const { object, body } of egressPolicies)
          for (const rule of body.spec?.egress ?? []) {
            const where = `${at(object)} (for ${target.service})`;
            if (!rule.ports?.length) problems.push(`${where}: opens every port`);
            const names = (rule.ports ?? []).map((port) => `${port.protocol ?? "TCP"}/${port.port}`);
            for (const name of names) allowed.add(name);
            for (const port of rule.ports ?? [])
              if (typeof port.port !== "number" || port.endPort !== undefined)
                problems.push(`${where}: egress port ${port.port} must be one number`);
            const toClusterDns =
              rule.to?.length &&
              rule.to.every((peer) => namespaceOf(peer) === "kube-system" && peer.podSelector);
            if (names.some((name) => dns.includes(name)) && !toClusterDns)
              problems.push(`${where}: DNS must go to the cluster DNS in kube-system only`);
            const publicOnly = (rule.to ?? []).every(
              (peer) => peer.ipBlock && privateRanges.every((range) => peer.ipBlock?.except?.includes(range)),
            );
            if (names.includes(https) && (!rule.to?.length || !publicOnly))
              problems.push(
                `${where}: HTTPS must go to public addresses only (ipBlock except ${privateRanges})`,
              );
          }
        for (const name of needed)
          if (!allowed.has(name)) problems.push(`${at(target.object)}: cannot reach ${name}, which it needs`);
        for (const name of allowed)
          if (!needed.has(name))
            problems.push(`${at(target.object)}: may reach ${name}, which nothing of it needs`);
      }
      expect(problems).toEqual([]);
    });
  });

  test("the gateway behind the Ingress trusts X-Forwarded-For (TRUST_PROXY), and no Service bypasses the Ingress", () => {
    const problems: string[] = [];
    const gateway = workload("gateway");
    if (!gateway) throw new Error(`${folder}: no Deployment runs the gateway`);
    try {
      if (!loadConfig(GatewayConfig, environmentOf(gateway, problems)).TRUST_PROXY)
        problems.push(
          `${at(gateway.object)}: TRUST_PROXY is not true, so every client shares the controller's address`,
        );
    } catch (error) {
      problems.push(`${at(gateway.object)}: ${(error as Error).message}`);
    }
    for (const { object, body } of ofKind<IService>("Service"))
      if ((body.spec?.type ?? "ClusterIP") !== "ClusterIP")
        problems.push(`${at(object)}: type ${body.spec?.type} is reachable around the Ingress`);
    for (const { object, body } of ofKind<IIngress>("Ingress"))
      for (const path of (body.spec?.rules ?? []).flatMap((rule) => rule.http?.paths ?? []))
        if (path.backend.service?.name !== gateway.object.name)
          problems.push(
            `${at(object)}: routes ${path.path} to ${path.backend.service?.name}, not the gateway`,
          );
    expect(problems).toEqual([]);
  });

  test("the gateway drains: a preStop sleep takes it out of the endpoints before SIGTERM, with time left after", () => {
    // Stopping waits for each step (the gateway's connections, then the bus, then Redis) up to 10 s.
    const gatewayStopSeconds = 10;
    const problems: string[] = [];
    const gateway = workload("gateway");
    if (!gateway) throw new Error(`${folder}: no Deployment runs the gateway`);
    const where = `${at(gateway.object)} container ${gateway.container.name}`;
    const preStop = gateway.container.lifecycle?.preStop;
    const [program, seconds] = preStop?.exec?.command ?? [];
    const sleep = preStop?.sleep?.seconds ?? (program === "sleep" ? Number(seconds) : undefined);
    if (sleep === undefined || !(sleep >= 5)) problems.push(`${where}: needs a preStop sleep of 5 s or more`);
    const grace = gateway.deployment.spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
    if (sleep !== undefined && grace < sleep + gatewayStopSeconds)
      problems.push(
        `${where}: terminationGracePeriodSeconds ${grace} leaves under ${gatewayStopSeconds} s after the sleep`,
      );
    expect(problems).toEqual([]);
  });

  test("secrets only through Secret refs: none in a ConfigMap or an env value, no Secret applied", () => {
    const secretName = /SECRET|PASSWORD|TOKEN|API_KEY|_KEY$|CREDENTIAL/i;
    const credentialUrl = /^(AMQP|REDIS|MONGODB)_URL$/;
    const looksSecret = (value: string) => /:\/\/[^/\s]*@/.test(value) || /^sk-/.test(value);
    const problems: string[] = [];
    for (const { object, body } of ofKind<IConfigMap>("ConfigMap"))
      for (const [key, value] of Object.entries(body.data ?? {}))
        if (secretName.test(key) || credentialUrl.test(key) || looksSecret(value))
          problems.push(`${at(object)}: ${key} is a secret and belongs in a Secret`);
    const template = ofKind<ISecret>("Secret", manifests.objects);
    for (const { object, container } of workloads)
      for (const variable of container.env ?? []) {
        const secretRef = variable.valueFrom?.secretKeyRef;
        if ((secretName.test(variable.name) || credentialUrl.test(variable.name)) && !secretRef)
          problems.push(`${at(object)}: ${variable.name} must come from a secretKeyRef`);
        if (variable.value !== undefined && looksSecret(variable.value))
          problems.push(`${at(object)}: ${variable.name} has a secret value`);
        const documented = template.find((entry) => entry.object.name === secretRef?.name);
        if (secretRef && documented?.body.stringData?.[secretRef.key] === undefined)
          problems.push(`${at(object)}: ${secretRef.name}/${secretRef.key} is not in ${secretTemplate}`);
      }
    for (const { object } of ofKind<ISecret>("Secret"))
      problems.push(`${at(object)}: a Secret must not be applied`);
    for (const { object, body } of template)
      for (const [key, value] of Object.entries({ ...body.stringData, ...body.data }))
        if (value !== "REPLACE_ME")
          problems.push(`${at(object)}: ${key} must stay the placeholder REPLACE_ME`);
    expect(problems).toEqual([]);
  });
});
