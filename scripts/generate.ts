/**
 * `npm run generate`: writes the typed service clients and exchange definitions from the
 * Taskcluster references. `--check` writes nothing and fails when the committed files differ.
 */

import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import {
  CLIENT_DIR,
  EVENTS_DIR,
  type GeneratedFiles,
  generateFiles,
  TESTING_DIR,
} from './generator/generate-files.js';
import type { ReferenceSet } from './generator/model.js';
import { addSeedEra, loadDeployment, loadReferenceFolder } from './generator/sources.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The references beside the checkout. */
const DEFAULT_REFERENCES = resolve(REPO_ROOT, '../shared/references');

interface Options {
  references: string;
  rootUrl?: string;
  check?: boolean;
}

async function main(): Promise<void> {
  const options = new Command()
    .name('generate')
    .description('Generate the typed service clients and exchange definitions')
    .option('--references <dir>', 'folder of reference files', DEFAULT_REFERENCES)
    .option(
      '--root-url <url>',
      "read the current API from a deployment's references (the seed-era ones from the folder)",
    )
    .option('--check', 'write nothing; fail when the generated files differ')
    .parse()
    .opts<Options>();

  // A deployment's references replace the current API; the seed-era and legacy services still
  // come from the folder, so that the package keeps every class it exports.
  const references: ReferenceSet =
    options.rootUrl === undefined
      ? await loadReferenceFolder(options.references)
      : await addSeedEra(await loadDeployment(options.rootUrl), options.references);
  const files = generateFiles(references);

  if (options.check === true) {
    const differing = await differences(files);
    if (differing.length > 0) {
      process.stderr.write(
        `generated files differ from the references; run \`npm run generate\`:\n${differing
          .map((path) => `  ${path}`)
          .join('\n')}\n`,
      );
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${files.size} generated files are up to date\n`);
    return;
  }
  await write(files);
  process.stdout.write(`wrote ${files.size} files\n`);
}

/** The paths whose content differs, including files that should not exist. */
async function differences(files: GeneratedFiles): Promise<string[]> {
  const differing: string[] = [];
  for (const [path, content] of files) {
    const current = await readFile(join(REPO_ROOT, path), 'utf8').catch(() => undefined);
    if (current !== content) differing.push(path);
  }
  for (const path of await existing()) if (!files.has(path)) differing.push(path);
  return differing.sort();
}

async function existing(): Promise<string[]> {
  const paths: string[] = [];
  for (const dir of [CLIENT_DIR, EVENTS_DIR, TESTING_DIR]) {
    const names = await readdir(join(REPO_ROOT, dir)).catch(() => []);
    paths.push(...names.map((name) => `${dir}/${name}`));
  }
  return paths;
}

async function write(files: GeneratedFiles): Promise<void> {
  for (const path of await existing()) {
    if (!files.has(path)) await rm(join(REPO_ROOT, path));
  }
  for (const [path, content] of files) {
    await mkdir(dirname(join(REPO_ROOT, path)), { recursive: true });
    await writeFile(join(REPO_ROOT, path), content);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
