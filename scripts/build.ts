/**
 * `npm run build`: the published `dist/`. Each entry point of package.json (the main entry, its
 * subpath exports and the `tc-pulse` bin) is an ES module bundle written by esbuild, with the
 * code the entries share split into chunks and every package left external (users' RxJS must be
 * the one the consumer uses; dependencies stay deduplicated by npm). One file per entry instead
 * of one per source module is most of the package's start-up: Node spends its time resolving
 * and linking modules, not running them. `tsc` writes the declarations only, where
 * package.json's `types` point. `--out-dir <dir>` writes elsewhere than `dist/` (the layout
 * inside stays the same): the test of the built package builds a copy of it.
 */

import { spawnSync } from 'node:child_process';
import { chmod, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where package.json says the built files are. */
const DIST = 'dist';

/** The parts of package.json that name the built files. */
interface PackageJson {
  exports: Record<string, { import: string }>;
  bin: Record<string, string>;
}

/** `./dist/testing/index.js` → `testing/index`: the output's name, and its source's path. */
function entryName(built: string): string {
  const prefix = `./${DIST}/`;
  if (!built.startsWith(prefix) || !built.endsWith('.js')) {
    throw new Error(`package.json names ${built}, which is not a .js file in ${DIST}/`);
  }
  return built.slice(prefix.length, -'.js'.length);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
  const outDir = resolve(REPO_ROOT, values['out-dir'] ?? DIST);
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as PackageJson;
  const bins = Object.values(pkg.bin).map(entryName);
  const names = [...Object.values(pkg.exports).map((entry) => entryName(entry.import)), ...bins];
  const entryPoints = Object.fromEntries(names.map((name) => [name, `src/${name}.ts`]));

  await rm(outDir, { recursive: true, force: true });
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints,
    outdir: outDir,
    // Chunks sit two levels below the root like the entries, so a path relative to
    // import.meta.url (the CLI reads ../../package.json) means the same from either.
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    // Bundling renames top-level names that clash between modules; classes keep theirs.
    keepNames: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  for (const bin of bins) await chmod(join(outDir, `${bin}.js`), 0o755);

  const tsc = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--emitDeclarationOnly',
      '--outDir',
      outDir,
    ],
    { cwd: REPO_ROOT, stdio: 'inherit' },
  );
  if (tsc.status !== 0) throw new Error(`tsc (declarations) exited with ${tsc.status}`);
}

await main();
