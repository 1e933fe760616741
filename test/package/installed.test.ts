/**
 * The package as a new user installs it: `npm pack`, then `npm install` of the tarball into a
 * fresh project (dependencies from the registry), and a bot that uses the main entry and
 * `taskcluster-pulse/testing`, type-checked with skipLibCheck off (so every shipped declaration
 * is checked) under strict, with and without exactOptionalPropertyTypes, without and with
 * prom-client installed, by this repository's TypeScript and by the newest on the registry;
 * then compiled and run with plain node.
 */

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv } from '../cli/run-cli.js';

const exec = promisify(execFile);
/** One tsc run over the package's declarations: seconds, many more on a loaded machine. */
const TYPECHECK_TIMEOUT_MS = 120_000;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The bot: both entries, a handler using the REST client, typed payloads. */
const BOT = `
import { connect, QueueEvents, slugId } from 'taskcluster-pulse';
import { DEMO_TASK_GROUP, startSimulation } from 'taskcluster-pulse/testing';

const simulation = await startSimulation();
const taskGroupId = slugId();
const pulse = connect({ broker: simulation.broker, namespace: 'installed' });
const artifacts: string[] = [];
const runner = pulse.handle(
  {
    queueName: 'installed',
    bindings: [new QueueEvents().taskCompleted({ taskGroupId })],
    taskcluster: simulation.taskcluster,
  },
  async (message, { queue }) => {
    const { status, runId } = message.payload;
    const listed = await queue.listArtifacts(status.taskId, runId);
    artifacts.push(...listed.artifacts.map((artifact) => artifact.name));
  },
);
await runner.ready;
await simulation.play(DEMO_TASK_GROUP, { taskGroupId, stepDelay: 1 });
const completed = DEMO_TASK_GROUP.tasks.filter((task) => task.outcome.type === 'completed');
while (pulse.metrics.counts.handled < completed.length) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
await pulse.close();
await simulation.close();
console.log(JSON.stringify({ handled: completed.length, artifacts: artifacts.length }));
`;

/** The same bot's metrics in a prom-client registry. */
const PROM_BOT = `
import * as promClient from 'prom-client';
import { connect } from 'taskcluster-pulse';

const registry = new promClient.Registry();
connect({ namespace: 'installed' }).metrics.register(registry, promClient, 'bot');
`;

function tsconfig(exact: boolean, files: string[]): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      exactOptionalPropertyTypes: exact,
      skipLibCheck: false,
      types: ['node'],
      outDir: 'out',
    },
    files,
  });
}

describe('the package installed from its tarball', () => {
  let dir: string;
  let app: string;

  /** Runs tsc (`which`: this repository's, or the newest) on a tsconfig of the app. */
  async function typecheck(which: 'repo' | 'newest', config: string): Promise<string> {
    const tsc = join(app, 'node_modules', which === 'repo' ? 'typescript' : 'ts-newest', 'bin/tsc');
    try {
      await exec(process.execPath, [tsc, '-p', config, '--noEmit'], { cwd: app });
      return '';
    } catch (error) {
      return String((error as { stdout?: string }).stdout ?? error);
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'taskcluster-pulse-installed-'));
    app = join(dir, 'app');
    await mkdir(app);
    // npm pack runs prepack, which builds this checkout's dist/ first.
    const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      env: cleanEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });
    const [{ filename }] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ filename: string }];
    const repoTypescript = JSON.parse(
      await readFile(join(ROOT, 'node_modules/typescript/package.json'), 'utf8'),
    ) as { version: string };
    await writeFile(join(app, 'package.json'), '{ "type": "module", "private": true }\n');
    await exec(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        join(dir, filename),
        `typescript@${repoTypescript.version}`,
        'ts-newest@npm:typescript@latest',
        '@types/node@20',
      ],
      { cwd: app, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 },
    );
    await writeFile(join(app, 'bot.ts'), BOT);
    await writeFile(join(app, 'prom-bot.ts'), PROM_BOT);
    for (const exact of [false, true]) {
      await writeFile(join(app, `tsconfig.${exact}.json`), tsconfig(exact, ['bot.ts']));
      await writeFile(join(app, `tsconfig.prom.${exact}.json`), tsconfig(exact, ['prom-bot.ts']));
    }
  }, 600_000);

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  describe.each(['repo', 'newest'] as const)('type-checked by the %s TypeScript', (which) => {
    it.each([false, true])(
      'without prom-client, exactOptionalPropertyTypes %s',
      async (exact) => {
        expect(await typecheck(which, `tsconfig.${exact}.json`)).toBe('');
      },
      TYPECHECK_TIMEOUT_MS,
    );
  });

  it(
    'runs with plain node once compiled',
    async () => {
      await exec(
        process.execPath,
        [join(app, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.true.json'],
        {
          cwd: app,
        },
      );
      const { stdout } = await exec(process.execPath, ['out/bot.js'], {
        cwd: app,
        env: cleanEnv(),
        timeout: 120_000,
      });
      const outcome = JSON.parse(stdout) as { handled: number; artifacts: number };
      expect(outcome.handled).toBeGreaterThan(0);
      expect(outcome.artifacts).toBeGreaterThan(0);
    },
    TYPECHECK_TIMEOUT_MS,
  );

  describe('with prom-client installed', () => {
    beforeAll(async () => {
      await exec('npm', ['install', '--no-audit', '--no-fund', 'prom-client@15'], {
        cwd: app,
        env: cleanEnv(),
      });
    }, 300_000);

    it.each([
      ['repo', false],
      ['repo', true],
      ['newest', false],
      ['newest', true],
    ] as const)(
      'a bot registering its metrics type-checks (%s TypeScript, exact %s)',
      async (which, exact) => {
        expect(await typecheck(which, `tsconfig.${exact}.json`)).toBe('');
        expect(await typecheck(which, `tsconfig.prom.${exact}.json`)).toBe('');
      },
      2 * TYPECHECK_TIMEOUT_MS,
    );
  });
});
