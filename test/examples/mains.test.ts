/**
 * Each example's `main.ts` as a user runs it alone (child processes, no `PULSE_URL`): on a
 * simulation, the fetcher and the scheduler finish the demo's task group and exit 0; the
 * monitor serves the group's state until Ctrl-C, then exits 0.
 */

import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cleanEnv } from '../cli/run-cli.js';
import { waitFor } from '../support/rabbitmq.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

function run(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [script],
      { cwd: ROOT, env: cleanEnv(), timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number(error.code ?? -1), stdout, stderr });
      },
    );
  });
}

describe.concurrent('example mains on a simulation', () => {
  it('artifact-fetcher: a report per task, then the stats', async () => {
    const { code, stdout, stderr } = await run('examples/artifact-fetcher/main.ts');
    expect(code, stderr).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(
      lines
        .slice(0, -1)
        .map((report) => report.type)
        .sort(),
    ).toEqual([
      'completed',
      'completed',
      'completed',
      'completed',
      'completed',
      'completed',
      'exception',
      'failed',
    ]);
    expect(lines.at(-1)).toMatchObject({ tasksSeen: 8, artifactsFetched: 9 });
  });

  it('scheduler: a follow-up per completed task', async () => {
    const { code, stdout, stderr } = await run('examples/scheduler/main.ts');
    expect(code, stderr).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(6);
    expect(stdout).toMatch(/^created [\w-]{22}: notify: decision completed$/m);
  });

  it('task-group-monitor: serves the state until Ctrl-C', async () => {
    const child = spawn(TSX, ['examples/task-group-monitor/main.ts'], {
      cwd: ROOT,
      env: cleanEnv(),
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor(() => stdout.includes('open http://'), 'the monitor URL');
    const url = /open (http:\/\/\S+)/.exec(stdout)![1]!;
    const taskGroupId = /task group (\S+):/.exec(stdout)![1]!;
    let state: { taskGroupId: string; tasks: unknown[] } | undefined;
    await waitFor(async () => {
      state = (await (await fetch(`${url}api/state`)).json()) as typeof state;
      return state!.tasks.length === 8;
    }, 'the defined tasks');
    expect(state!.taskGroupId).toBe(taskGroupId);
    expect(await (await fetch(url)).text()).toContain('<title>Task group monitor</title>');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
