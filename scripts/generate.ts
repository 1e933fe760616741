/**
 * `npm run generate`: writes the typed service clients and exchange definitions from the
 * Taskcluster references in `references/`. `--check` writes nothing and fails when the committed
 * files differ; `--from <rootUrl>` first replaces the current references by a deployment's.
 */

import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import {
  CLIENT_DIR,
  EVENTS_DIR,
  type GeneratedFiles,
  generateFiles,
  TESTING_DIR,
} from './generator/generate-files.js';
import { refreshReferences } from './generator/refresh.js';
import { CURRENT_REFERENCES, loadReferenceFolder } from './generator/sources.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The references folder of the repository. */
const DEFAULT_REFERENCES = resolve(REPO_ROOT, 'references');

interface Options {
  references: string;
  out: string;
  from?: string;
  check?: boolean;
}

async function main(): Promise<void> {
  const options = new Command()
    .name('generate')
    .description('Generate the typed service clients and exchange definitions')
    .option(
      '--references <dir>',
      'the references folder (current/, taskcluster-16/, legacy/)',
      DEFAULT_REFERENCES,
    )
    .addOption(
      new Option(
        '--from <rootUrl>',
        `first replace the references folder's ${CURRENT_REFERENCES}/ by a deployment's <rootUrl>/references/`,
      ).conflicts('check'),
    )
    .option('--out <dir>', 'the folder the generated folders are written below', REPO_ROOT)
    .option('--check', 'write nothing; fail when the generated files differ')
    .parse()
    .opts<Options>();
  const out = resolve(options.out);

  const files =
    options.from === undefined
      ? generateFiles(await loadReferenceFolder(options.references))
      : await refresh(options.from, options.references);

  if (options.check === true) {
    const differing = await differences(files, out);
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
  await write(files, out);
  process.stdout.write(`wrote ${files.size} files\n`);
}

/** Replaces the current references by the deployment's; the files generated from them. */
async function refresh(rootUrl: string, references: string): Promise<GeneratedFiles> {
  const { root, folder, documents, files } = await refreshReferences(rootUrl, references);
  process.stdout.write(`wrote ${documents.size} documents of ${root} to ${folder}\n`);
  return files;
}

/** The paths whose content differs, including files that should not exist. */
async function differences(files: GeneratedFiles, out: string): Promise<string[]> {
  const differing: string[] = [];
  for (const [path, content] of files) {
    const current = await readFile(join(out, path), 'utf8').catch(() => undefined);
    if (current !== content) differing.push(path);
  }
  for (const path of await existing(out)) if (!files.has(path)) differing.push(path);
  return differing.sort();
}

async function existing(out: string): Promise<string[]> {
  const paths: string[] = [];
  for (const dir of [CLIENT_DIR, EVENTS_DIR, TESTING_DIR]) {
    const names = await readdir(join(out, dir)).catch(() => []);
    paths.push(...names.map((name) => `${dir}/${name}`));
  }
  return paths;
}

async function write(files: GeneratedFiles, out: string): Promise<void> {
  for (const path of await existing(out)) {
    if (!files.has(path)) await rm(join(out, path));
  }
  for (const [path, content] of files) {
    await mkdir(dirname(join(out, path)), { recursive: true });
    await writeFile(join(out, path), content);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
