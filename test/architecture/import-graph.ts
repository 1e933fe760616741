/**
 * The import graph of `src/`, read with TypeScript's own parser: every static import and
 * re-export (type-only ones marked), and every `import()` of a literal path. The architecture
 * test states its rules over this graph.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** One import of a module by a file of `src/`. */
export interface ImportEdge {
  /** The importing file, relative to the repository root (`src/consumer/pulse.ts`). */
  readonly from: string;
  /** The imported file of this repository, or the package name (`rxjs`, `node:fs`). */
  readonly to: string;
  /** `import type`, `export type`, or every name imported is marked `type`. */
  readonly typeOnly: boolean;
  /** An `import()` expression: loaded when first used, not when the importer loads. */
  readonly dynamic: boolean;
  /** The line of the import, for messages. */
  readonly line: number;
}

/** Every `.ts` file under `dir`, relative to the repository root, sorted. */
export function sourceFiles(dir = 'src'): string[] {
  const files: string[] = [];
  const walk = (path: string): void => {
    for (const entry of readdirSync(join(REPO_ROOT, path), { withFileTypes: true })) {
      const child = `${path}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.ts')) files.push(child);
    }
  };
  walk(dir);
  return files.sort();
}

/** The imports of every file under `src/`. */
export function importGraph(): ImportEdge[] {
  return sourceFiles().flatMap(importsOf);
}

function importsOf(file: string): ImportEdge[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(join(REPO_ROOT, file), 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const edges: ImportEdge[] = [];
  const add = (specifier: ts.Expression, typeOnly: boolean, dynamic: boolean): void => {
    if (!ts.isStringLiteral(specifier)) return;
    const line = source.getLineAndCharacterOfPosition(specifier.getStart()).line + 1;
    edges.push({ from: file, to: target(file, specifier.text), typeOnly, dynamic, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node.moduleSpecifier, isTypeOnlyImport(node), false);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      const named = node.exportClause;
      const allTypes =
        named !== undefined &&
        ts.isNamedExports(named) &&
        named.elements.length > 0 &&
        named.elements.every((element) => element.isTypeOnly);
      add(node.moduleSpecifier, node.isTypeOnly || allTypes, false);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined
    ) {
      add(node.arguments[0], false, true);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      // `import('./x.js').Type` in a type position.
      add(node.argument.literal as ts.Expression, true, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (clause === undefined) return false; // `import './side-effect.js'`
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((element) => element.isTypeOnly)
  );
}

/** A relative specifier as the repository file it names (`.js` written, `.ts` on disk). */
function target(from: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const path = relative(REPO_ROOT, resolve(REPO_ROOT, dirname(from), specifier));
  return path.replace(/\.js$/, '.ts');
}

/**
 * The import cycles among files: each strongly connected component of more than one file (or a
 * file importing itself), its files sorted. Type-only imports count: a cycle of types is still
 * two modules that cannot be understood apart.
 */
export function cycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (!edge.to.startsWith('src/')) continue;
    const targets = next.get(edge.from) ?? new Set<string>();
    targets.add(edge.to);
    next.set(edge.from, targets);
  }
  // Tarjan's algorithm.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const connect = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || next.get(node)?.has(node) === true) found.push(component.sort());
    }
  };
  for (const node of [...next.keys()].sort()) if (!index.has(node)) connect(node);
  return found.sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
}

/** The folder of a file under `src/` (`consumer`, `broker`, ...), or `.` for `src/*.ts`. */
export function folderOf(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? (parts[1] as string) : '.';
}
