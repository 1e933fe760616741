/**
 * The folder READMEs as a test: each folder of src/ has a README.md whose module table lists
 * every module of the folder, its subfolders' included (`memory/queue.ts`), and every module a
 * README names exists. Generated folders are left out: the generator writes their READMEs. The
 * files directly in src/ are named in ARCHITECTURE.md.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderOf, REPO_ROOT, sourceFiles } from './import-graph.js';

const GENERATED = /\/generated\//;

/** The modules a README lists: the first cell of a table row, when it is a `.ts` file. */
function listedModules(markdown: string): string[] {
  return [...markdown.matchAll(/^\|\s*`([^`|]+\.ts)`\s*\|/gm)].map((match) => match[1] as string);
}

/** Every module a README names in backticks, in its tables or its prose. */
function namedModules(markdown: string): string[] {
  return [...markdown.matchAll(/`([\w./-]+\.ts)`/g)].map((match) => match[1] as string);
}

/** A named module as a path from the repository root: `src/...` as it is, else in `folder`. */
function pathOf(name: string, folder: string): string {
  return name.startsWith('src/') ? name : `${folder}/${name}`;
}

/** The folders of src/ (`src/consumer`, ...), each with its modules relative to it. */
function folders(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    const top = folderOf(file);
    if (top === '.' || GENERATED.test(file)) continue;
    const folder = `src/${top}`;
    found.set(folder, [...(found.get(folder) ?? []), file.slice(folder.length + 1)]);
  }
  return found;
}

const FOLDERS = folders();

function readme(folder: string): string {
  return readFileSync(join(REPO_ROOT, folder, 'README.md'), 'utf8');
}

describe('the READMEs of the folders of src/', () => {
  it('are looked for in every folder, subfolders counted in their parent', () => {
    // A walk that found nothing would pass every rule below.
    expect([...FOLDERS.keys()].sort()).toEqual(
      expect.arrayContaining(['src/broker', 'src/cli', 'src/client', 'src/consumer']),
    );
    expect(FOLDERS.get('src/broker')).toContain('memory/queue.ts');
    expect(FOLDERS.get('src/testing')).toContain('demo/plans.ts');
    expect(FOLDERS.get('src/client')?.some((module) => module.startsWith('generated/'))).toBe(
      false,
    );
  });

  it('exist', () => {
    const missing = [...FOLDERS.keys()].filter(
      (folder) => !existsSync(join(REPO_ROOT, folder, 'README.md')),
    );
    expect(missing.map((folder) => `${folder}/README.md`)).toEqual([]);
  });

  it('list every module of their folder', () => {
    const unlisted = [...FOLDERS].flatMap(([folder, modules]) => {
      const listed = new Set(listedModules(readme(folder)));
      return modules
        .filter((module) => !listed.has(module))
        .map((module) => `${folder}/README.md does not list ${module}`);
    });
    expect(unlisted).toEqual([]);
  });

  it('name only modules that exist', () => {
    const stale = [...FOLDERS.keys()].flatMap((folder) =>
      namedModules(readme(folder))
        .filter((name) => !existsSync(join(REPO_ROOT, pathOf(name, folder))))
        .map((name) => `${folder}/README.md names ${name}, which does not exist`),
    );
    expect(stale).toEqual([]);
  });
});

describe('ARCHITECTURE.md', () => {
  it('names every file directly in src/', () => {
    const text = readFileSync(join(REPO_ROOT, 'ARCHITECTURE.md'), 'utf8');
    const named = new Set(namedModules(text));
    const top = sourceFiles().filter((file) => folderOf(file) === '.');
    expect(top).toContain('src/index.ts');
    expect(top.filter((file) => !named.has(file))).toEqual([]);
  });
});

describe('the rules catch what they are for', () => {
  const sample = [
    '| Module | Job |',
    '| --- | --- |',
    '| `a.ts` | the first, unlike `b.ts` |',
    '| `sub/c.ts` | in a subfolder |',
    '',
    'Prose names `d.ts` and `src/other/e.ts`, not `<service>-x.ts`.',
  ].join('\n');

  it('takes the listed modules from the first cells of table rows only', () => {
    expect(listedModules(sample)).toEqual(['a.ts', 'sub/c.ts']);
  });

  it('takes every backticked module name as named, and resolves src/ from the root', () => {
    expect(namedModules(sample)).toEqual(['a.ts', 'b.ts', 'sub/c.ts', 'd.ts', 'src/other/e.ts']);
    expect(pathOf('sub/c.ts', 'src/x')).toBe('src/x/sub/c.ts');
    expect(pathOf('src/other/e.ts', 'src/x')).toBe('src/other/e.ts');
  });
});
