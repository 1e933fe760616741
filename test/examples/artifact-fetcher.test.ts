/**
 * The artifact fetcher (the demo's bot) on the in-memory broker and the simulated Taskcluster:
 * every resolved task of the demo's group is handled once, artifacts are listed and downloaded
 * with Hawk-signed calls, failures and exceptions are reported with their reasons.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ArtifactFetcher,
  startArtifactFetcher,
  type TaskReport,
} from '../../examples/artifact-fetcher/fetcher.js';
import { DEMO_TASK_GROUP, type Simulation, startSimulation } from '../../src/testing/index.js';
import { slugId } from '../../src/utils/slugid.js';
import { waitFor } from '../support/rabbitmq.js';

/** The bytes of the plan's downloadable (s3 and object) artifacts of completed tasks. */
function plannedBytes(): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  for (const task of DEMO_TASK_GROUP.tasks) {
    if (task.outcome.type !== 'completed') continue;
    for (const artifact of task.artifacts ?? []) {
      if (artifact.storageType === 's3' || artifact.storageType === 'object') {
        count++;
        bytes += Buffer.byteLength(artifact.content);
      }
    }
  }
  return { count, bytes };
}

describe('artifact fetcher on the simulation', () => {
  let simulation: Simulation;
  let fetcher: ArtifactFetcher;
  const reports: TaskReport[] = [];
  const taskGroupId = slugId();

  beforeEach(async () => {
    simulation = await startSimulation();
    fetcher = startArtifactFetcher({
      broker: simulation.broker,
      taskcluster: simulation.taskcluster,
      taskGroupId,
      onTask: (report) => reports.push(report),
    });
    await fetcher.ready;
  });
  afterEach(async () => {
    await fetcher?.close();
    await simulation?.close();
  });

  it('handles every resolved task of the demo group and downloads its artifacts', async () => {
    // Another group on the same broker must not reach a bot bound to this one.
    await simulation.play(DEMO_TASK_GROUP, { stepDelay: 0 });
    const group = await simulation.play(DEMO_TASK_GROUP, { taskGroupId, stepDelay: 1 });
    await waitFor(() => fetcher.stats.tasksSeen === DEMO_TASK_GROUP.tasks.length, 'every task');

    const expected = plannedBytes();
    expect(fetcher.stats).toEqual({
      tasksSeen: 8,
      completed: 6,
      failed: 1,
      exceptions: 1,
      artifactsFetched: expected.count,
      bytes: expected.bytes,
    });
    const byName = new Map(reports.map((report) => [report.name, report]));
    expect(byName.size).toBe(8);
    for (const report of reports) expect(group.names.get(report.taskId)).toBe(report.name);
    expect(byName.get('test-linux')).toMatchObject({
      type: 'failed',
      reason: 'FAIL test_network: timed out after 30 s',
    });
    expect(byName.get('lint')).toMatchObject({ type: 'exception', reason: 'malformed-payload' });
    expect(byName.get('build-linux')).toMatchObject({
      type: 'completed',
      artifacts: [
        {
          type: 'downloaded',
          name: 'public/logs/live.log',
          contentType: 'text/plain; charset=utf-8',
        },
        { type: 'downloaded', name: 'public/build/target.tar.gz', bytes: 96 * 1024 },
      ],
    });
    expect(byName.get('test-macos')).toMatchObject({
      artifacts: expect.arrayContaining([
        { type: 'error', name: 'public/test/screenshots.zip', reason: 'file-missing-on-worker' },
      ]),
    });
    expect(byName.get('docs')).toMatchObject({
      artifacts: [
        {
          type: 'link',
          name: 'public/docs/index.html',
          url: 'https://docs.example.com/demo/index.html',
        },
      ],
    });

    // The REST calls were Hawk-signed and all succeeded: the queue's by the bot's client, the
    // object service's with the temporary credentials the queue handed out for the download.
    const api = simulation.server.requests.filter((r) => r.path.startsWith('/api/'));
    for (const request of api) {
      expect(request.auth).toBe('hawk');
      expect(request.status, `${request.method} ${request.path}`).toBeLessThan(400);
    }
    const queueCalls = api.filter((r) => r.path.startsWith('/api/queue/'));
    const objectCalls = api.filter((r) => r.path.startsWith('/api/object/'));
    expect(queueCalls.length).toBeGreaterThan(0);
    for (const request of queueCalls) {
      expect(request.clientId).toBe(simulation.taskcluster.credentials?.clientId);
    }
    // One startDownload per object artifact of a completed task.
    const objects = DEMO_TASK_GROUP.tasks
      .filter((task) => task.outcome.type === 'completed')
      .flatMap((task) => task.artifacts ?? [])
      .filter((artifact) => artifact.storageType === 'object');
    expect(objectCalls).toHaveLength(objects.length);
  });
});
