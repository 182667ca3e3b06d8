import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

/** One object of a manifest file, as the API server would receive it. */
export type KubernetesObject = {
  /** The file it came from, relative to the repository root (`infra/k8s/gateway.yaml`). */
  file: string;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  /** The whole object as parsed: `apiVersion`, `kind`, `metadata`, `spec`, `data`, ... */
  body: Record<string, unknown>;
};

/** The kustomization of a manifest folder: the files `kubectl apply -k` applies. */
export type Kustomization = {
  file: string;
  namespace: string | undefined;
  /** Entries of `resources`, as written (file names relative to the folder). */
  resources: string[];
};

/** Every object of a manifest folder, its kustomization, and what could not be read. */
export type KubernetesManifests = {
  /** Every object of every YAML file but the kustomization, in file order. */
  objects: KubernetesObject[];
  kustomization: Kustomization | undefined;
  /** Every YAML file of the folder, relative to the repository root. */
  files: string[];
  /** Files or documents that did not parse, or that are not Kubernetes objects. */
  problems: string[];
};

const kustomizationFileName = "kustomization.yaml";

/**
 * Reads every YAML file of `folder` (`relativeFolder` from the repository root, e.g.
 * `infra/k8s`), each with all its `---` documents. It parses as YAML 1.1, as the API server's
 * own parser does: `yes`, `on` and `off` unquoted are booleans and `0755` is octal there, so
 * a value that would reach Kubernetes as the wrong type is seen here as that type. A duplicate
 * key is a problem (kubectl rejects it too); a document holding only comments is skipped.
 *
 * @example
 * const manifests = readKubernetesManifests("/repo", "infra/k8s");
 * for (const object of manifests.objects) console.log(object.file, object.kind, object.name);
 */
export function readKubernetesManifests(repositoryRoot: string, relativeFolder: string): KubernetesManifests {
  const manifests: KubernetesManifests = { objects: [], kustomization: undefined, files: [], problems: [] };
  const fileNames = readdirSync(join(repositoryRoot, relativeFolder))
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
  for (const fileName of fileNames) {
    const file = `${relativeFolder}/${fileName}`;
    manifests.files.push(file);
    const text = readFileSync(join(repositoryRoot, file), "utf8");
    const documents = parseAllDocuments(text, { version: "1.1", uniqueKeys: true, prettyErrors: true });
    if (!Array.isArray(documents)) continue;
    documents.forEach((document, index) => {
      const where = `${file} (document ${index + 1})`;
      for (const error of [...document.errors, ...document.warnings])
        manifests.problems.push(`${where}: ${error.message}`);
      if (document.errors.length > 0) return;
      const value: unknown = document.toJS();
      if (value === null || value === undefined) return;
      if (!isRecord(value)) {
        manifests.problems.push(`${where}: not a mapping`);
        return;
      }
      if (fileName === kustomizationFileName) {
        manifests.kustomization = readKustomization(file, value, manifests.problems);
        return;
      }
      const metadata = isRecord(value.metadata) ? value.metadata : {};
      const { apiVersion, kind } = value;
      if (typeof apiVersion !== "string" || typeof kind !== "string" || typeof metadata.name !== "string") {
        manifests.problems.push(`${where}: not a Kubernetes object (apiVersion, kind and metadata.name)`);
        return;
      }
      manifests.objects.push({
        file,
        apiVersion,
        kind,
        name: metadata.name,
        namespace: typeof metadata.namespace === "string" ? metadata.namespace : undefined,
        body: value,
      });
    });
  }
  return manifests;
}

function readKustomization(file: string, value: Record<string, unknown>, problems: string[]) {
  if (value.apiVersion !== "kustomize.config.k8s.io/v1beta1" || value.kind !== "Kustomization")
    problems.push(`${file}: not a kustomize.config.k8s.io/v1beta1 Kustomization`);
  const resources = Array.isArray(value.resources) ? value.resources : [];
  if (!resources.every((entry) => typeof entry === "string"))
    problems.push(`${file}: every entry of resources must be a file name`);
  return {
    file,
    namespace: typeof value.namespace === "string" ? value.namespace : undefined,
    resources: resources.filter((entry) => typeof entry === "string"),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
