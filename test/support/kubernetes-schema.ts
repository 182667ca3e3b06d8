import { fileURLToPath } from "node:url";
import ts from "typescript";
import type { KubernetesObject } from "./kubernetes-manifests.ts";

/**
 * The API versions these manifests may use: those a current cluster serves for their kinds.
 * kubernetes-models also ships versions the API server no longer serves (policy/v1beta1 since
 * 1.25, autoscaling/v2beta2 since 1.26): an object in one of those would validate here and be
 * refused by the cluster.
 */
const servedApiVersions = new Set(["v1", "apps/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1"]);

type ModelClass = new (data: Record<string, unknown>) => { validate(): void };

/**
 * Validates Kubernetes objects offline against the API's OpenAPI schemas as the npm package
 * `kubernetes-models` carries them (one compiled JSON-schema validator per apiVersion and kind):
 * types, required fields, enums, formats. Those schemas, like the API's, allow fields they do
 * not name, where the API server (strict field validation) refuses them: a misspelt field
 * (`readinesProbe`) would pass and be dropped. So every field is also looked up in the
 * package's TypeScript declarations of the same schemas, walked with the TypeScript checker.
 *
 * @example
 * const schema = new KubernetesSchema();
 * const problems = await schema.problemsOf(objects); // ["infra/k8s/x.yaml Deployment/x: ..."]
 */
export class KubernetesSchema {
  /** Every problem of `objects`, each naming the file, the kind and the name. */
  async problemsOf(objects: readonly KubernetesObject[]): Promise<string[]> {
    const problems: string[] = [];
    const models = new Map<string, ModelClass>();
    for (const object of objects) {
      const where = `${object.file} ${object.kind}/${object.name}`;
      if (!servedApiVersions.has(object.apiVersion)) {
        problems.push(`${where}: apiVersion ${object.apiVersion} is not one a current cluster serves`);
        continue;
      }
      const model = await this.modelOf(object, models);
      if (!model) {
        problems.push(`${where}: no schema for ${object.apiVersion} ${object.kind}`);
        continue;
      }
      try {
        new model(object.body).validate();
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
      }
    }
    const typed = objects.filter((object) => models.has(modelPath(object)));
    // One program for every kind at hand: loading the declarations is the slow part (~1 s).
    const program = ts.createProgram([...new Set(typed.map(declarationFile))], {
      lib: ["lib.es5.d.ts"],
      types: [],
      skipLibCheck: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
    });
    for (const object of typed)
      for (const field of unknownFieldsOf(object, program))
        problems.push(`${object.file} ${object.kind}/${object.name}: unknown field ${field}`);
    return problems;
  }

  private async modelOf(object: KubernetesObject, models: Map<string, ModelClass>) {
    const path = modelPath(object);
    if (!models.has(path)) {
      try {
        const module = (await import(path)) as Record<string, ModelClass | undefined>;
        const model = module[object.kind];
        if (model) models.set(path, model);
      } catch {
        return undefined;
      }
    }
    return models.get(path);
  }
}

function modelPath(object: KubernetesObject): string {
  return `kubernetes-models/${object.apiVersion}/${object.kind}`;
}

function declarationFile(object: KubernetesObject): string {
  return fileURLToPath(import.meta.resolve(modelPath(object))).replace(/\.js$/, ".d.ts");
}

function unknownFieldsOf(object: KubernetesObject, program: ts.Program): string[] {
  const checker = program.getTypeChecker();
  const declaration = declarationFile(object);
  const source = program.getSourceFile(declaration);
  const module = source && checker.getSymbolAtLocation(source);
  const symbol =
    module && checker.getExportsOfModule(module).find((entry) => entry.name === `I${object.kind}`);
  if (!symbol) return [`(no declaration I${object.kind} in ${declaration})`];
  const found: string[] = [];
  collectUnknownFields(checker, object.body, checker.getDeclaredTypeOfSymbol(symbol), "", found);
  return found;
}

/**
 * Adds to `found` the path of every field of `value` that `type` does not declare. Where the
 * value and the type disagree (an array for an object), it stops: the schema reports that.
 */
function collectUnknownFields(
  checker: ts.TypeChecker,
  value: unknown,
  type: ts.Type,
  path: string,
  found: string[],
): void {
  const declared = checker.getNonNullableType(type);
  const candidates = declared.isUnion() ? declared.types : [declared];
  if (Array.isArray(value)) {
    const arrayType = candidates.find((candidate) => checker.isArrayType(candidate));
    if (!arrayType) return;
    const [element] = checker.getTypeArguments(arrayType as ts.TypeReference);
    if (!element) return;
    value.forEach((item, index) => {
      collectUnknownFields(checker, item, element, `${path}/${index}`, found);
    });
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const objectType = candidates.find(
    (candidate) => (candidate.flags & ts.TypeFlags.Object) !== 0 && !checker.isArrayType(candidate),
  );
  if (!objectType) return;
  const mapValueType = checker.getIndexTypeOfType(objectType, ts.IndexKind.String);
  for (const [key, inner] of Object.entries(value)) {
    const property = checker.getPropertyOfType(objectType, key);
    const innerType = property ? checker.getTypeOfSymbol(property) : mapValueType;
    if (innerType) collectUnknownFields(checker, inner, innerType, `${path}/${key}`, found);
    else found.push(`${path}/${key}`);
  }
}
