/**
 * docker-compose.yml as a user runs it (`docker-compose` v1 here; the file is plain Compose
 * Specification, so compose v2 reads it too): up, healthy only once AMQP takes a login, the
 * demo against it, then down with its volume, nothing of the project left.
 */

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, ROOT, runChild, TSX } from './support.js';

const exec = promisify(execFile);
const IMAGE = process.env.PULSE_TEST_IMAGE ?? 'local/rabbitmq:test';
const PROJECT = `tcpulse${randomBytes(4).toString('hex')}`;

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const ports = { amqp: await freePort(), ui: await freePort() };
const env = childEnv({
  RABBITMQ_IMAGE: IMAGE,
  RABBITMQ_AMQP_PORT: String(ports.amqp),
  RABBITMQ_UI_PORT: String(ports.ui),
});

function compose(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return exec('docker-compose', ['-p', PROJECT, '-f', 'docker-compose.yml', ...args], {
    cwd: ROOT,
    env,
    timeout: 120_000,
  });
}

/** The health Docker reports for the project's rabbitmq service. */
async function health(): Promise<string> {
  const { stdout: id } = await compose('ps', '-q', 'rabbitmq');
  const { stdout } = await exec('docker', [
    'inspect',
    '--format',
    '{{.State.Health.Status}}',
    id.trim(),
  ]);
  return stdout.trim();
}

/** Whether AMQP takes the compose file's login now. */
async function loginWorks(): Promise<boolean> {
  try {
    const connection = await connect(`amqp://pulse:pulse@127.0.0.1:${ports.amqp}`, {
      timeout: 2_000,
    });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

/** What is left of the project: containers and volumes named after it. */
async function leftovers(): Promise<string[]> {
  const filter = `label=com.docker.compose.project=${PROJECT}`;
  const containers = await exec('docker', ['ps', '-aq', '--filter', filter]);
  const volumes = await exec('docker', ['volume', 'ls', '-q', '--filter', filter]);
  return `${containers.stdout}${volumes.stdout}`.split('\n').filter((line) => line !== '');
}

afterAll(async () => {
  await compose('down', '-v', '--timeout', '0').catch(() => undefined);
});

describe('docker-compose.yml', () => {
  it('comes up healthy only once AMQP takes a login, runs the demo, and goes down whole', async () => {
    await compose('up', '-d');
    // Every health report is checked: "healthy" must never come before the login works.
    const end = Date.now() + 90_000;
    let status = await health();
    while (status !== 'healthy') {
      expect(status).toMatch(/^(starting|unhealthy)$/);
      expect(Date.now(), 'healthy within 90 s').toBeLessThan(end);
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = await health();
    }
    expect(await loginWorks()).toBe(true);

    const demo = await runChild(
      [TSX, 'examples/demo.ts'],
      { ...env, PULSE_URL: `amqp://pulse:pulse@127.0.0.1:${ports.amqp}` },
      'none',
      120_000,
    );
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toContain(`broker:      amqp://pulse@127.0.0.1:${ports.amqp}/`);
    expect(demo.stdout).toContain('tasks seen:        8 of 8 (6 completed, 1 failed, 1 exception)');

    await compose('down', '-v', '--timeout', '0');
    expect(await leftovers()).toEqual([]);
    expect(await loginWorks()).toBe(false);
  });
});
