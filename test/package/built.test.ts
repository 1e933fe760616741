/**
 * The package as users get it: `npm run build`'s bundles, imported by name through package.json's
 * `exports` from another project (child Node processes, no TypeScript loader). A copy of the
 * package is built in a temporary directory, so a concurrent build of `dist/` (the benchmark's)
 * does not interfere.
 */

import { execFile } from 'node:child_process';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv } from '../cli/run-cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: cleanEnv(), timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A bot and the simulation, both from the built package, end to end. */
const USE_BOTH_ENTRIES = `
import { Observable } from 'rxjs';
import * as main from 'taskcluster-pulse';
import * as testing from 'taskcluster-pulse/testing';

const simulation = await testing.startSimulation();
const taskGroupId = main.slugId();
const listed = [];
const pulse = main.connect({ broker: simulation.broker, namespace: 'package-test' });
const runner = pulse.handle(
  {
    queueName: 'built',
    bindings: [new main.QueueEvents().taskCompleted({ taskGroupId })],
    taskcluster: simulation.taskcluster,
  },
  async (message, { queue }) => {
    const { artifacts } = await queue.listArtifacts(message.payload.status.taskId, message.payload.runId);
    listed.push(artifacts.length);
  },
);
await runner.ready;
const usersObservables = [pulse.status$, pulse.consume({ queueName: 'stream', bindings: [new main.QueueEvents().taskDefined({})] })]
  .every((stream) => stream instanceof Observable);
await simulation.play(testing.DEMO_TASK_GROUP, { taskGroupId, stepDelay: 1 });
const completed = testing.DEMO_TASK_GROUP.tasks.filter((task) => task.outcome.type === 'completed');
while (listed.length < completed.length) await new Promise((resolve) => setTimeout(resolve, 20));
const missing = await new main.Queue(simulation.taskcluster).task(main.slugId()).catch((error) => error);
await pulse.close();
await simulation.close();
console.log(JSON.stringify({
  listed: listed.length,
  completed: completed.length,
  notFound: missing instanceof main.TaskclusterHttpError ? missing.statusCode : String(missing),
  mainHasTesting: 'startTaskclusterServer' in main || 'startSimulation' in main,
  usersObservables,
}));
`;

/** Logs every module URL the import of the main entry resolves, one per line on stderr. */
const RESOLVE_LOGGER = `
import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  writeSync(2, 'resolved ' + resolved.url + '\\n');
  return resolved;
}
`;

describe('the built package', () => {
  let dir: string;
  let app: string;
  let pkg: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'taskcluster-pulse-package-'));
    pkg = join(dir, 'taskcluster-pulse');
    app = join(dir, 'app');
    await mkdir(pkg);
    await copyFile(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    await symlink(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
    const build = await run(TSX, ['scripts/build.ts', '--out-dir', join(pkg, 'dist')], ROOT);
    expect(build.code, build.stderr).toBe(0);
    await mkdir(join(app, 'node_modules'), { recursive: true });
    await writeFile(join(app, 'package.json'), '{ "type": "module", "private": true }\n');
    await symlink(pkg, join(app, 'node_modules/taskcluster-pulse'), 'dir');
    await symlink(join(ROOT, 'node_modules/rxjs'), join(app, 'node_modules/rxjs'), 'dir');
    await writeFile(join(app, 'use-both.mjs'), USE_BOTH_ENTRIES);
    await writeFile(join(app, 'resolve-logger.mjs'), RESOLVE_LOGGER);
    await writeFile(
      join(app, 'log-resolutions.mjs'),
      "import { register } from 'node:module';\nregister('./resolve-logger.mjs', import.meta.url);\n",
    );
  }, 180_000);

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('runs a bot on the simulation, importing taskcluster-pulse and taskcluster-pulse/testing', async () => {
    const result = await run(process.execPath, ['use-both.mjs'], app);
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.completed).toBeGreaterThan(0);
    expect(outcome).toEqual({
      listed: outcome.completed,
      completed: outcome.completed,
      notFound: 404, // an error of the testing entry's server is the main entry's class
      mainHasTesting: false,
      usersObservables: true, // the user's rxjs (deduplicated by npm) is the consumer's
    });
  });

  it('loads neither the testing entry nor RxJS, hawk, amqplib, ajv or commander at import', async () => {
    const result = await run(
      process.execPath,
      ['--import', './log-resolutions.mjs', '-e', "await import('taskcluster-pulse')"],
      app,
    );
    expect(result.code, result.stderr).toBe(0);
    const resolved = result.stderr
      .split('\n')
      .filter((line) => line.startsWith('resolved '))
      .map((line) => line.slice('resolved '.length));
    expect(resolved.some((url) => url.endsWith('/dist/index.js'))).toBe(true);
    const unwanted = resolved.filter((url) =>
      /\/dist\/testing\/|\/node_modules\/(rxjs|hawk|amqplib|ajv|commander)\//.test(url),
    );
    expect(unwanted).toEqual([]);
  });

  it('ships source maps that carry their sources (the tarball has no src/)', async () => {
    const maps = (await readdir(join(pkg, 'dist'), { recursive: true })).filter((file) =>
      file.endsWith('.map'),
    );
    expect(maps.length).toBeGreaterThan(0);
    for (const file of maps) {
      const map = JSON.parse(await readFile(join(pkg, 'dist', file), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      expect(map.sourcesContent?.length, file).toBe(map.sources.length);
      expect(
        map.sourcesContent?.every((content) => typeof content === 'string'),
        file,
      ).toBe(true);
    }
  });

  it('has a tc-pulse bin that prints its help', async () => {
    const { bin } = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    const result = await run(join(pkg, bin['tc-pulse']!), ['--help'], app);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Usage: tc-pulse [options] [command]');
  });
});
