/**
 * Every TypeScript block of README.md and of the folders' READMEs works as pasted: each is
 * written to a file of its own, with `taskcluster-pulse` and `taskcluster-pulse/testing`
 * pointing at this checkout's sources (and `./readme-bot.js` at the README's bot), and
 * type-checked by tsc with the project's strict settings. A block that is only a fragment (names it does not declare) says so in its fence:
 * ```` ```ts fragment ````; any other fence language for TypeScript is refused, so no block
 * slips past the check.
 */

import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = join(ROOT, '.readme-blocks');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', '.git', '.bench-tmp', '.readme-blocks']);

/** One fenced block: where it is, its fence's info string and its code. */
interface Block {
  file: string;
  line: number;
  info: string;
  code: string;
}

async function readmes(folder: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (SKIPPED_FOLDERS.has(entry.name) || entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...(await readmes(path)));
    else if (entry.name === 'README.md') found.push(path);
  }
  return found;
}

async function blocksOf(file: string): Promise<Block[]> {
  const text = await readFile(file, 'utf8');
  const blocks: Block[] = [];
  for (const match of text.matchAll(/^```([^\n`]*)\n([\s\S]*?)^```$/gm)) {
    const line = text.slice(0, match.index).split('\n').length;
    blocks.push({ file: relative(ROOT, file), line, info: match[1]!.trim(), code: match[2]! });
  }
  return blocks;
}

/**
 * The block's code with the package's specifiers pointing at this checkout's sources, and the
 * README's bot (`./readme-bot.js` beside a test of it) at its file.
 */
function localized(code: string): string {
  return code
    .replaceAll(`'taskcluster-pulse/testing'`, `'../src/testing/index.js'`)
    .replaceAll(`'taskcluster-pulse'`, `'../src/index.js'`)
    .replaceAll(`'./readme-bot.js'`, `'../examples/readme-bot.js'`);
}

const all = (await Promise.all((await readmes(ROOT)).map(blocksOf))).flat();
const typescript = all.filter((block) => /^(ts|typescript|tsx)\b/.test(block.info));

describe('the READMEs’ TypeScript blocks', () => {
  it('are found (README.md has several)', () => {
    expect(typescript.filter((block) => block.file === 'README.md').length).toBeGreaterThan(2);
  });

  it('are fenced ts, or ts fragment for a fragment', () => {
    const odd = typescript.filter((block) => block.info !== 'ts' && block.info !== 'ts fragment');
    expect(odd.map((block) => `${block.file}:${block.line} "${block.info}"`)).toEqual([]);
  });

  it('type-check as pasted, but for fragments', async () => {
    const checked = typescript.filter((block) => block.info === 'ts');
    await rm(OUT, { recursive: true, force: true });
    await mkdir(OUT, { recursive: true });
    const names = new Map<string, Block>();
    for (const [index, block] of checked.entries()) {
      const name = `block-${index}-${block.file.replaceAll('/', '_').replace('.md', '')}-${block.line}.ts`;
      names.set(name, block);
      await writeFile(join(OUT, name), localized(block.code));
    }
    await writeFile(
      join(OUT, 'tsconfig.json'),
      JSON.stringify({
        extends: '../tsconfig.json',
        // A snippet may end on a value it only shows.
        compilerOptions: { noEmit: true, noUnusedLocals: false, rootDir: '..' },
        include: ['*.ts'],
      }),
    );
    let output = '';
    try {
      await exec(process.execPath, [TSC, '-p', join(OUT, 'tsconfig.json')], { cwd: ROOT });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    // Each error names its block's README and line, so the fix is easy to find.
    const errors = output
      .split('\n')
      .filter((line) => line.includes('error TS'))
      .map((line) => {
        const name = /block-[^(]+\.ts/.exec(line)?.[0];
        const block = name === undefined ? undefined : names.get(name);
        return block === undefined ? line : `${block.file}:${block.line}: ${line}`;
      });
    expect(errors).toEqual([]);
    await rm(OUT, { recursive: true, force: true });
  });
});
