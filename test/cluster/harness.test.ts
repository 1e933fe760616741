/**
 * startTestCluster itself: bad options are one clear error before Docker is asked anything,
 * and a process that exits without `stop()` leaves no container and no network behind (the
 * scenarios in node-loss.test.ts exercise the nodes' faults).
 */

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TEST_BROKER_LABEL } from '../../src/testing/broker-container.js';
import { startTestCluster, TestBrokerError } from '../../src/testing/index.js';
import { ROOT } from './support.js';

const exec = promisify(execFile);

describe('startTestCluster', () => {
  it.each([
    [{ nodes: 0 }, /^nodes must be a positive integer, not 0$/],
    [{ nodes: 1.5 }, /^nodes must be a positive integer, not 1\.5$/],
    [{ netTicktimeS: -1 }, /^netTicktimeS must be a positive integer, not -1$/],
    [
      { partitionHandling: 'heal' as 'autoheal' },
      /^partitionHandling must be pause_minority, autoheal or ignore, not "heal"$/,
    ],
  ])('refuses %o', async (options, message) => {
    const error = await startTestCluster(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TestBrokerError);
    expect(error).toMatchObject({ code: 'bad-option' });
    expect((error as Error).message).toMatch(message);
  });

  it('leaves no container and no network behind when its process exits without stop()', async () => {
    const child = await exec(
      process.execPath,
      ['--import', 'tsx', 'test/cluster/fixtures/start-cluster.ts', '1'],
      { cwd: ROOT, timeout: 180_000 },
    ).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(child.code, child.stderr).toBe(3);
    const started = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
      pid: number;
      urls: string[];
      containers: string[];
      names: string[];
      running: string;
    };
    // It was up: its node ran, on the port of its URL.
    expect(started.urls).toHaveLength(1);
    expect(started.running).toContain(started.names[0]);
    const label = `label=${TEST_BROKER_LABEL}=${started.pid}`;
    const containers = await exec('docker', ['ps', '-aq', '--filter', label]);
    const networks = await exec('docker', ['network', 'ls', '-q', '--filter', label]);
    expect(containers.stdout.trim(), 'containers left').toBe('');
    expect(networks.stdout.trim(), 'networks left').toBe('');
  });
});
