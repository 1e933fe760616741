/**
 * `npm run demo` as a new user runs it: a child process that must finish in seconds with exit
 * status 0 and a summary of every task, on the in-memory broker and, with `PULSE_URL`, on the
 * real RabbitMQ.
 */

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cleanEnv } from '../cli/run-cli.js';
import { BROKER_URL } from '../support/rabbitmq.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

function runDemo(
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      ['examples/demo.ts'],
      { cwd: ROOT, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number(error.code ?? -1), stdout, stderr });
      },
    );
  });
}

describe.concurrent('npm run demo', () => {
  it.each([
    ['the in-memory broker', cleanEnv(), 'broker:      in-memory broker'],
    ['RabbitMQ (PULSE_URL)', cleanEnv({ PULSE_URL: BROKER_URL }), 'broker:      amqp://'],
  ])('runs the artifact fetcher on %s and ends with a summary', async (_, env, brokerLine) => {
    const { code, stdout, stderr } = await runDemo(env);
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain(brokerLine);
    expect(stdout).toMatch(/running {4}decision on worker-1/);
    expect(stdout).toMatch(
      /completed {2}build-linux: public\/logs\/live\.log \((\d+ B|[\d.]+ KiB)\), public\/build\/target\.tar\.gz \(96\.0 KiB\)/,
    );
    // Small artifacts show in bytes: the task graph is a few hundred.
    expect(stdout).toMatch(/public\/task-graph\.json \(\d{1,4} B\)/);
    expect(stdout).not.toContain('0.0 KiB');
    expect(stdout).toContain('FAILED     test-linux: FAIL test_network: timed out after 30 s');
    expect(stdout).toContain('EXCEPTION  lint: malformed-payload');
    expect(stdout).toContain('tasks seen:        8 of 8 (6 completed, 1 failed, 1 exception)');
    expect(stdout).toMatch(/artifacts fetched: 9 \([\d.]+ KiB, \d+ bytes\)/);
    expect(stdout).toMatch(/time: +\d+\.\ds/);
    // The password of the broker URL is never shown.
    const password = new URL(BROKER_URL).password;
    if (env.PULSE_URL !== undefined) expect(stdout).not.toContain(`:${password}@`);
  });

  it('stops with a clear error and exit status 1 when the broker is down', async () => {
    const password = 'a-secret-password';
    const { code, stdout, stderr } = await runDemo(
      cleanEnv({ PULSE_URL: `amqp://guest:${password}@127.0.0.1:1` }),
    );
    expect(code).toBe(1);
    expect(stderr).toContain('demo failed: cannot connect to amqp://guest@127.0.0.1:1/%2F');
    expect(stdout + stderr).not.toContain(password);
  });
});
