/**
 * The README's bot is the file examples/readme-bot.ts, word for word (but for the package name
 * in its import), and it runs: on the in-memory broker and the simulated Taskcluster it prints
 * the artifacts of each completed task of a task group. The README's testing pattern (start the
 * simulation and the bot, await the bot's `ready`, play) misses no message: twenty runs in a row
 * on the in-memory broker and twenty on RabbitMQ each see every completed task.
 */

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { artifactPrinter } from '../../examples/readme-bot.js';
import { connect } from '../../src/index.js';
import { DEMO_TASK_GROUP, type Simulation, startSimulation } from '../../src/testing/index.js';
import { slugId } from '../../src/utils/slugid.js';
import { BROKER_URL, waitFor } from '../support/rabbitmq.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const BOT = readFileSync(new URL('../../examples/readme-bot.ts', import.meta.url), 'utf8');

/** The imported names, the module, and the code after the import (formatting aside). */
function splitImport(code: string): { names: string[]; from: string; rest: string } {
  const match = /^import \{([^}]*)\} from '([^']+)';\n/.exec(code);
  if (match === null) throw new Error('the bot does not start with one import');
  const names = match[1]!
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  return { names, from: match[2]!, rest: code.slice(match[0].length) };
}

/** The README's first TypeScript block. */
function firstTsBlock(markdown: string): string {
  const match = /^```ts\n([\s\S]*?)^```$/m.exec(markdown);
  if (match === null) throw new Error('README.md has no ```ts block');
  return match[1]!;
}

describe('the README bot', () => {
  it('is examples/readme-bot.ts, importing from the package', () => {
    const block = splitImport(firstTsBlock(README));
    const file = splitImport(BOT);
    expect(block.from).toBe('taskcluster-pulse');
    expect(file.from).toBe('../src/index.js');
    expect(block.names).toEqual(file.names);
    expect(block.rest).toBe(file.rest);
    expect(block.rest.split('\n').length).toBeLessThanOrEqual(25);
  });

  describe('runs', () => {
    let simulation: Simulation;
    let bot: ReturnType<typeof artifactPrinter> | undefined;
    const printed: string[] = [];
    const taskGroupId = slugId();

    beforeAll(async () => {
      simulation = await startSimulation();
      vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
        printed.push(String(line));
      });
    });
    afterAll(async () => {
      vi.restoreAllMocks();
      await bot?.close();
      await simulation?.close();
    });

    it('prints the artifacts of each completed task', async () => {
      bot = artifactPrinter(taskGroupId, simulation.broker, simulation.taskcluster);
      await bot.ready;
      const bindings = simulation.memory!.bindings('queue/my-pulse-user/artifact-printer');
      expect(bindings.some((b) => b.pattern.includes(taskGroupId))).toBe(true);
      const group = await simulation.play(DEMO_TASK_GROUP, { taskGroupId, stepDelay: 1 });
      const completed = DEMO_TASK_GROUP.tasks.filter((task) => task.outcome.type === 'completed');
      await waitFor(() => printed.length === completed.length, 'a line per completed task');
      const expected = completed.map(
        (task) =>
          `${group.taskIds.get(task.name)} completed: ${(task.artifacts ?? []).map((a) => a.name).join(', ')}`,
      );
      expect(printed.sort()).toEqual(expected.sort());
    });
  });
});

/** The README block that tests the bot. */
function testingBlock(markdown: string): string {
  const block = [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)]
    .map((match) => match[1]!)
    .find((code) => code.includes('artifactPrinter(taskGroupId'));
  if (block === undefined) throw new Error('README.md has no test of its bot');
  return block;
}

const COMPLETED = DEMO_TASK_GROUP.tasks.filter((task) => task.outcome.type === 'completed');
/** Runs in a row on each broker. */
const RUNS = 20;

describe('the README testing pattern', () => {
  it('awaits the bot before the task group plays', () => {
    const block = testingBlock(README);
    const ready = block.indexOf('await bot.ready;');
    expect(ready).toBeGreaterThan(block.indexOf('artifactPrinter(taskGroupId'));
    expect(ready).toBeLessThan(block.indexOf('simulation.play('));
  });

  describe.each([
    ['the in-memory broker', undefined],
    ['RabbitMQ', BROKER_URL],
  ])('on %s', (_, broker) => {
    const printed: string[] = [];

    beforeAll(() => {
      vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
        printed.push(String(line));
      });
    });
    afterAll(async () => {
      vi.restoreAllMocks();
      if (broker !== undefined) {
        // The bot's durable queue outlives each run; remove it and its companions.
        const pulse = connect({ broker, namespace: 'my-pulse-user' });
        await pulse.durableQueue('artifact-printer').delete();
        await pulse.close();
      }
    });

    it(`handles every completed task, ${RUNS} runs in a row`, { timeout: 240_000 }, async () => {
      for (let run = 1; run <= RUNS; run++) {
        printed.length = 0;
        // The README's steps; the shortest step delay leaves the bot the least time.
        const simulation = await startSimulation({ broker });
        const taskGroupId = slugId();
        const bot = artifactPrinter(taskGroupId, simulation.broker, simulation.taskcluster);
        try {
          await bot.ready;
          const group = await simulation.play(DEMO_TASK_GROUP, { taskGroupId, stepDelay: 0 });
          await waitFor(() => printed.length >= COMPLETED.length, `run ${run}: a line per task`);
          const expected = COMPLETED.map((task) => group.taskIds.get(task.name)!).sort();
          const seen = printed.map((line) => line.split(' ')[0]!).sort();
          expect({ run, seen }).toEqual({ run, seen: expected });
        } finally {
          await bot.close();
          await simulation.close();
        }
      }
    });
  });
});
