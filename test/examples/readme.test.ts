/**
 * The README's bot is the file examples/readme-bot.ts, word for word (but for the package name
 * in its import), and it runs: on the in-memory broker and the simulated Taskcluster it prints
 * the artifacts of each completed task of a task group.
 */

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { artifactPrinter } from '../../examples/readme-bot.js';
import type { PulseClient } from '../../src/index.js';
import { DEMO_TASK_GROUP, type Simulation, startSimulation } from '../../src/testing/index.js';
import { slugId } from '../../src/utils/slugid.js';
import { waitFor } from '../support/rabbitmq.js';

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
    let pulse: PulseClient;
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
      await pulse?.close();
      await simulation?.close();
    });

    it('prints the artifacts of each completed task', async () => {
      pulse = artifactPrinter(taskGroupId, simulation.broker, simulation.taskcluster);
      const queue = 'queue/my-pulse-user/artifact-printer';
      await waitFor(
        () => simulation.memory!.bindings(queue).some((b) => b.pattern.includes(taskGroupId)),
        'the bot bound its queue',
      );
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
