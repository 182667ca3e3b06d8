// Checks the import boundaries of the repository (or of the tree given as the first argument) and
// fails when one is crossed: a service importing another service, an import past a package's
// index.ts, an import loop between packages or between modules, or a package importing a package
// its package.json does not declare.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** One crossed boundary: which rule, in which file (relative to the root), and what was found. */
export type BoundaryViolation = {
  rule: "service-imports-service" | "deep-import" | "package-loop" | "module-loop" | "undeclared-dependency";
  file: string;
  message: string;
};

/** Composition roots: the only services allowed to import other services. */
const compositionRoots = new Set(["@chat/all-in-one"]);

const sourceExtensions = [".ts", ".tsx", ".mts", ".js", ".mjs"];
const skippedDirectories = new Set(["node_modules", "dist", "results"]);

type Workspace = {
  name: string;
  directory: string;
  isService: boolean;
  /** The package's public surface (`main`), absent for an app such as the frontend. */
  entry: string | undefined;
  declared: Set<string>;
};

/**
 * Every boundary violation under `root`, a directory with a package.json whose `workspaces`
 * name the packages (`"shared/*"`, `"services/*"`, `"frontend"`). Files outside every workspace
 * (test/, bench/, scripts/) belong to the root package, which may use any workspace.
 *
 * @example
 * const violations = checkBoundaries(process.cwd());
 * for (const violation of violations) console.error(`${violation.file}: ${violation.message}`);
 */
export function checkBoundaries(root: string): BoundaryViolation[] {
  const rootManifest = readManifest(root);
  const workspaces = findWorkspaces(root, rootManifest.workspaces ?? []);
  const byName = new Map(workspaces.map((workspace) => [workspace.name, workspace]));
  const rootPackage: Workspace = {
    name: rootManifest.name ?? "(root)",
    directory: root,
    isService: false,
    entry: undefined,
    declared: new Set([...declaredDependencies(rootManifest), ...byName.keys()]),
  };
  const ownerOf = (file: string): Workspace =>
    workspaces.find((workspace) => isInside(file, workspace.directory)) ?? rootPackage;

  const violations: BoundaryViolation[] = [];
  const report = (rule: BoundaryViolation["rule"], file: string, message: string) =>
    violations.push({ rule, file: relative(root, file), message });
  const moduleEdges = new Map<string, Set<string>>();
  const packageEdges = new Map<string, Map<string, string>>();
  const addPackageEdge = (from: Workspace, to: Workspace, file: string) => {
    if (from === to || from === rootPackage) return;
    const edges = packageEdges.get(from.name) ?? new Map<string, string>();
    if (!edges.has(to.name)) edges.set(to.name, file);
    packageEdges.set(from.name, edges);
  };

  for (const file of sourceFiles(root)) {
    const owner = ownerOf(file);
    const targets = new Set<string>();
    for (const specifier of importSpecifiers(file)) {
      if (isBuiltin(specifier)) continue;
      if (specifier.startsWith(".")) {
        const target = resolveFile(resolve(dirname(file), specifier));
        if (!target) continue;
        targets.add(target);
        const targetOwner = ownerOf(target);
        if (targetOwner === owner || targetOwner === rootPackage) continue;
        addPackageEdge(owner, targetOwner, file);
        if (owner !== rootPackage && !owner.declared.has(targetOwner.name)) {
          report(
            "undeclared-dependency",
            file,
            `${owner.name} reaches into ${targetOwner.name} without declaring it`,
          );
        }
        if (crossesServices(owner, targetOwner)) {
          report(
            "service-imports-service",
            file,
            `${owner.name} reaches into ${targetOwner.name}: ${specifier}`,
          );
        } else if (targetOwner.entry && !target.split(sep).includes("__fixtures__")) {
          report(
            "deep-import",
            file,
            `${specifier} goes past ${targetOwner.name}'s index; import "${targetOwner.name}"`,
          );
        }
        continue;
      }
      const packageName = packageNameOf(specifier);
      const workspace = byName.get(packageName);
      if (workspace) {
        if (workspace.entry) targets.add(workspace.entry);
        if (workspace !== owner) addPackageEdge(owner, workspace, file);
        if (specifier !== packageName) {
          report(
            "deep-import",
            file,
            `${specifier} goes past ${packageName}'s index; import "${packageName}"`,
          );
        }
        if (workspace !== owner && crossesServices(owner, workspace)) {
          report("service-imports-service", file, `${owner.name} imports the service ${packageName}`);
        }
      }
      if (workspace !== owner && !owner.declared.has(packageName)) {
        report(
          "undeclared-dependency",
          file,
          `${owner.name} imports ${packageName} without declaring it in ${relative(root, join(owner.directory, "package.json"))}`,
        );
      }
    }
    moduleEdges.set(file, targets);
  }

  for (const loop of loopsOf([...packageEdges.keys()], (name) => packageEdges.get(name)?.keys() ?? [])) {
    const [first] = loop;
    const firstFile = first === undefined ? root : (packageEdges.get(first)?.get(loop[1] ?? first) ?? root);
    report("package-loop", firstFile, `packages import each other: ${[...loop, first].join(" → ")}`);
  }
  for (const loop of loopsOf([...moduleEdges.keys()], (file) => moduleEdges.get(file) ?? [])) {
    const [first] = loop;
    report(
      "module-loop",
      first ?? root,
      `modules import each other: ${[...loop, first ?? ""].map((file) => relative(root, file)).join(" → ")}`,
    );
  }
  return violations;
}

function crossesServices(from: Workspace, to: Workspace): boolean {
  return from.isService && to.isService && !compositionRoots.has(from.name);
}

type Manifest = {
  name?: string;
  main?: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

function readManifest(directory: string): Manifest {
  return JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as Manifest;
}

function declaredDependencies(manifest: Manifest): string[] {
  return [manifest.dependencies, manifest.devDependencies, manifest.peerDependencies].flatMap((list) =>
    Object.keys(list ?? {}),
  );
}

function findWorkspaces(root: string, patterns: string[]): Workspace[] {
  const directories = patterns.flatMap((pattern) => {
    if (!pattern.endsWith("/*")) return [join(root, pattern)];
    const parent = join(root, pattern.slice(0, -2));
    if (!existsSync(parent)) return [];
    return readdirSync(parent).map((name) => join(parent, name));
  });
  return directories
    .filter((directory) => existsSync(join(directory, "package.json")))
    .map((directory) => {
      const manifest = readManifest(directory);
      const entry = manifest.main ? join(directory, manifest.main) : undefined;
      return {
        name: manifest.name ?? relative(root, directory),
        directory,
        isService: relative(root, directory).split(sep)[0] === "services",
        entry: entry && existsSync(entry) ? entry : undefined,
        declared: new Set(declaredDependencies(manifest)),
      };
    });
}

function* sourceFiles(directory: string): Generator<string> {
  for (const name of readdirSync(directory).sort()) {
    if (name.startsWith(".") || skippedDirectories.has(name)) continue;
    const path = join(directory, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (sourceExtensions.some((extension) => name.endsWith(extension)) && !name.endsWith(".d.ts"))
      yield path;
  }
}

/**
 * What one file imports: static imports and re-exports (type-only ones too, which tie modules
 * together as much), `import()` and `import.meta.resolve()`.
 */
function importSpecifiers(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  const specifiers: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && isImportCall(node)) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) specifiers.push(argument.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

function isImportCall(call: ts.CallExpression): boolean {
  if (call.expression.kind === ts.SyntaxKind.ImportKeyword) return true;
  const callee = call.expression;
  return (
    ts.isPropertyAccessExpression(callee) &&
    callee.name.text === "resolve" &&
    ts.isMetaProperty(callee.expression) &&
    callee.expression.keywordToken === ts.SyntaxKind.ImportKeyword
  );
}

function isBuiltin(specifier: string): boolean {
  return (
    specifier === "bun" ||
    specifier.startsWith("bun:") ||
    specifier.startsWith("node:") ||
    builtinModules.includes(specifier)
  );
}

function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

function resolveFile(path: string): string | undefined {
  const candidates = [path, ...sourceExtensions.map((extension) => path + extension)];
  candidates.push(...sourceExtensions.map((extension) => join(path, `index${extension}`)));
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

function isInside(file: string, directory: string): boolean {
  return file.startsWith(directory + sep);
}

/**
 * One loop per strongly connected component of more than one node (Tarjan), given as the path
 * that walks it from its first node in sorted order.
 */
function loopsOf(nodes: string[], next: (node: string) => Iterable<string>): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const connect = (node: string) => {
    index.set(node, counter);
    lowLink.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const target of next(node)) {
      if (!index.has(target)) {
        connect(target);
        lowLink.set(node, Math.min(lowLink.get(node) ?? 0, lowLink.get(target) ?? 0));
      } else if (onStack.has(target)) {
        lowLink.set(node, Math.min(lowLink.get(node) ?? 0, index.get(target) ?? 0));
      }
    }
    if (lowLink.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1) components.push(component);
  };
  for (const node of [...nodes].sort()) if (!index.has(node)) connect(node);
  return components.map((component) => walkLoop(next, new Set(component)));
}

/** A path through the component that returns to its start: breadth-first from the first member. */
function walkLoop(next: (node: string) => Iterable<string>, members: Set<string>): string[] {
  const [start] = [...members].sort();
  if (start === undefined) return [];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const target of next(node)) {
      if (!members.has(target)) continue;
      if (target === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0] as string) as string);
        return path;
      }
      if (!previous.has(target)) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start];
}

if (import.meta.main) {
  const root = resolve(process.argv[2] ?? join(import.meta.dir, ".."));
  const violations = checkBoundaries(root);
  for (const violation of violations)
    console.error(`${violation.file}: ${violation.rule}: ${violation.message}`);
  if (violations.length > 0) {
    console.error(`${violations.length} boundary violation(s)`);
    process.exit(1);
  }
  console.log(
    "Boundaries hold: no service imports another, no deep import, no loop, no undeclared dependency.",
  );
}
