/**
 * What the Docker suite needs around its tests: the containers a test broker left (found by
 * their label), and child processes run as a user runs them, optionally where Docker (and the
 * network) cannot be reached: a mount namespace that hides the Docker socket, a network
 * namespace with no broker in it.
 */

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TEST_BROKER_LABEL } from '../../src/testing/broker-container.js';

const exec = promisify(execFile);

/** The repository's root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The tsx binary that runs TypeScript files as the examples' users do. */
export const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

/** Ids of the containers, running or not, that carry the test broker's label. */
export async function testBrokerContainers(): Promise<string[]> {
  const { stdout } = await exec('docker', [
    'ps',
    '--all',
    '--quiet',
    '--no-trunc',
    '--filter',
    `label=${TEST_BROKER_LABEL}`,
  ]);
  return stdout.split('\n').filter((line) => line !== '');
}

/** What a child process printed, and how it ended. */
export interface ChildResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Where a child runs: as usual, with the Docker socket hidden, or with no network too. */
export type Isolation = 'none' | 'no-docker' | 'no-docker-no-network';

/** Runs `command` with `env`, isolated as asked, and resolves with how it ended. */
export function runChild(
  command: readonly string[],
  env: NodeJS.ProcessEnv,
  isolation: Isolation = 'none',
  timeoutMs = 180_000,
): Promise<ChildResult> {
  const namespaces = isolation === 'no-docker' ? ['--mount'] : ['--mount', '--net'];
  const hide = 'mount --bind /dev/null /var/run/docker.sock && exec "$@"';
  const [file, ...args] =
    isolation === 'none' ? command : ['unshare', ...namespaces, 'sh', '-c', hide, 'sh', ...command];
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      file!,
      args,
      { cwd: ROOT, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr, ms: performance.now() - started });
      },
    );
  });
}

/** The environment of a child: this process's, without DOCKER_HOST and the PULSE_TEST_ names. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('PULSE_TEST_') && name !== 'DOCKER_HOST') env[name] = value;
  }
  return { ...env, ...extra };
}
