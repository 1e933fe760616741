/**
 * The public surface, names and kinds, as TypeScript sees the two entry points: a change to it
 * shows up here as a snapshot difference, so adding, renaming or dropping an export is a
 * deliberate act (`npx vitest run -u test/architecture/public-surface.test.ts`, then review).
 */

import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './import-graph.js';

const ENTRY_POINTS = ['src/index.ts', 'src/testing/index.ts'] as const;

/** `name: kind` for every export of each entry point, sorted. */
function surface(): Record<string, string[]> {
  const files = ENTRY_POINTS.map((entry) => join(REPO_ROOT, entry));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const result: Record<string, string[]> = {};
  ENTRY_POINTS.forEach((entry, index) => {
    const source = program.getSourceFile(files[index] as string);
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (module === undefined) throw new Error(`${entry} is not a module`);
    result[entry] = checker
      .getExportsOfModule(module)
      .map((symbol) => `${symbol.name}: ${kindOf(checker, symbol)}`)
      .sort();
  });
  return result;
}

function kindOf(checker: ts.TypeChecker, exported: ts.Symbol): string {
  const symbol =
    exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const flags = symbol.flags;
  if (flags & ts.SymbolFlags.Class) return 'class';
  if (flags & ts.SymbolFlags.Function) return 'function';
  if (flags & ts.SymbolFlags.Variable) return 'const';
  if (flags & ts.SymbolFlags.Interface) return 'interface';
  if (flags & ts.SymbolFlags.TypeAlias) return 'type';
  return 'other';
}

describe('the public surface', () => {
  const names = surface();

  it('is read: both entry points export values and types', () => {
    for (const entry of ENTRY_POINTS) {
      expect(names[entry]?.some((line) => line.endsWith(': class'))).toBe(true);
      expect(names[entry]?.some((line) => line.endsWith(': interface'))).toBe(true);
    }
  });

  it('changes only on purpose', () => {
    expect(names).toMatchSnapshot();
  });
});
