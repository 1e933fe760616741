/**
 * The architecture as a test: what ARCHITECTURE.md says may import what, checked over the
 * import graph of src/ as TypeScript parses it. A failure names the file, the line and the rule.
 */

import { describe, expect, it } from 'vitest';
import { cycles, folderOf, type ImportEdge, importGraph, sourceFiles } from './import-graph.js';

const GRAPH = importGraph();
const LOCAL = GRAPH.filter((edge) => edge.to.startsWith('src/'));

/**
 * The layers, from the bottom: a folder may import only the folders listed for it (and itself).
 * `.` is src/errors.ts and src/logger.ts; the public index (src/index.ts) may import every
 * library folder.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  '.': [],
  utils: ['.'],
  exchanges: ['.', 'utils', 'client'],
  client: ['.', 'utils'],
  broker: ['.', 'utils'],
  consumer: ['.', 'utils', 'exchanges', 'client', 'broker'],
  testing: ['.', 'utils', 'exchanges', 'client', 'broker', 'consumer', 'index'],
  cli: ['.', 'utils', 'exchanges', 'client', 'consumer', 'index'],
};

const GENERATED = /^src\/(client|exchanges)\/generated\//;

function where(edge: ImportEdge): string {
  return `${edge.from}:${edge.line} imports ${edge.to}`;
}

/** The folder of an import's ends, with the public index apart from the other src/*.ts files. */
function layerOf(file: string): string {
  return file === 'src/index.ts' ? 'index' : folderOf(file);
}

describe('the import graph of src/', () => {
  it('is read: every layer is there, with imports', () => {
    // A parser that found nothing would pass every rule below.
    const folders = new Set(sourceFiles().map(layerOf));
    for (const folder of Object.keys(MAY_IMPORT)) expect(folders).toContain(folder);
    expect(new Set(LOCAL.map((edge) => layerOf(edge.from))).size).toBeGreaterThan(7);
    expect(LOCAL.length).toBeGreaterThan(400);
  });

  it('has no import cycle, type-only imports included', () => {
    expect(cycles(GRAPH)).toEqual([]);
  });

  it('keeps every folder to the layers below it', () => {
    const wrong = LOCAL.filter((edge) => {
      const from = layerOf(edge.from);
      const to = layerOf(edge.to);
      if (from === to || from === 'index') return false;
      return !(MAY_IMPORT[from] ?? []).includes(to);
    });
    expect(wrong.map(where)).toEqual([]);
  });

  it('imports generated modules only from client/, exchanges/ and the public index', () => {
    // One exception: the simulated deployment (testing/) serves the REST services from the
    // generated tables and types of the client, as the real services serve what the same
    // references describe; library layers reach services through the catalogs.
    const simulation = (edge: ImportEdge) =>
      edge.from.startsWith('src/testing/') && edge.to.startsWith('src/client/generated/');
    const wrong = LOCAL.filter(
      (edge) =>
        GENERATED.test(edge.to) &&
        !/^src\/(client|exchanges)\//.test(edge.from) &&
        edge.from !== 'src/index.ts' &&
        !simulation(edge),
    );
    expect(wrong.map(where)).toEqual([]);
  });

  it('never imports cli/, testing/ or scripts/ from library code', () => {
    const library = (file: string) => !/^src\/(cli|testing)\//.test(file);
    const wrong = GRAPH.filter(
      (edge) =>
        library(edge.from) &&
        (/^src\/(cli|testing)\//.test(edge.to) || edge.to.startsWith('scripts/')),
    );
    expect(wrong.map(where)).toEqual([]);
  });

  it('imports RxJS values only in consumer/rx.ts, which loads them on first use', () => {
    const wrong = GRAPH.filter(
      (edge) =>
        (edge.to === 'rxjs' || edge.to.startsWith('rxjs/')) &&
        !edge.typeOnly &&
        edge.from !== 'src/consumer/rx.ts',
    );
    expect(wrong.map(where)).toEqual([]);
  });
});

describe('the rules catch what they are for', () => {
  const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({
    from,
    to,
    typeOnly,
    dynamic: false,
    line: 1,
  });

  it('finds a cycle of two files and of three, and a file importing itself', () => {
    expect(
      cycles([
        edge('src/a/x.ts', 'src/a/y.ts'),
        edge('src/a/y.ts', 'src/a/x.ts', true),
        edge('src/b/p.ts', 'src/b/q.ts'),
        edge('src/b/q.ts', 'src/b/r.ts'),
        edge('src/b/r.ts', 'src/b/p.ts'),
        edge('src/c/s.ts', 'src/c/s.ts'),
        edge('src/d/u.ts', 'src/d/v.ts'),
      ]),
    ).toEqual([
      ['src/a/x.ts', 'src/a/y.ts'],
      ['src/b/p.ts', 'src/b/q.ts', 'src/b/r.ts'],
      ['src/c/s.ts'],
    ]);
  });
});
