/**
 * Routing micro-benchmarks in a fresh process, alternating baseline and ours in rounds of fixed
 * duration: building a `taskCompleted` binding from a filter, and parsing a delivered routing key.
 * The official client has no routing-key parser; the parse is compared to `split('.')`, the
 * least any parser does.
 */

import baseline from 'taskcluster-client';
import { QueueEvents } from '../src/index.js';
import { median } from './stats.js';
import { runAsWorker, workerTask } from './worker-ipc.js';

/** The task of a routing worker. */
export interface RoutingTask {
  roundMs: number;
  rounds: number;
}

/** Operations per second (medians over the rounds). */
export interface RoutingResult {
  buildOurs: number;
  buildBaseline: number;
  parseOurs: number;
  parseSplit: number;
}

/** Operations between clock reads. */
const BATCH = 1_000;
const ROUTING_KEYS = 64;

/** Runs `op(i)` in batches for about `ms` milliseconds; returns operations per second. */
function opsPerSecond(ms: number, op: (i: number) => unknown): number {
  let sink = 0;
  let done = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < BATCH; i++) {
      if (op(done + i) !== undefined) sink++;
    }
    done += BATCH;
    elapsed = performance.now() - started;
  }
  if (sink < 0) throw new Error('unreachable: keeps the results alive');
  return (done / elapsed) * 1000;
}

void runAsWorker(async (): Promise<RoutingResult> => {
  const { roundMs, rounds } = workerTask<RoutingTask>();
  const ours = new QueueEvents();
  const theirs = new baseline.QueueEvents({ rootUrl: 'https://tc.example.com' });
  const groups = Array.from({ length: ROUTING_KEYS }, (_, i) => `group${i}AAAAAAAAAAAAAA`);
  const keys = groups.map(
    (group, i) =>
      `primary.task${i}AAAAAAAAAAAAAAA.0.us-east1.i-0abc${i}.gecko-3.b-linux.gecko-level-3.${group}._`,
  );
  const mask = ROUTING_KEYS - 1;
  const samples: Record<keyof RoutingResult, number[]> = {
    buildOurs: [],
    buildBaseline: [],
    parseOurs: [],
    parseSplit: [],
  };
  for (let round = 0; round < rounds; round++) {
    samples.buildBaseline.push(
      opsPerSecond(roundMs, (i) => theirs.taskCompleted({ taskGroupId: groups[i & mask]! })),
    );
    samples.buildOurs.push(
      opsPerSecond(roundMs, (i) => ours.taskCompleted({ taskGroupId: groups[i & mask] })),
    );
    samples.parseSplit.push(opsPerSecond(roundMs, (i) => keys[i & mask]!.split('.')));
    samples.parseOurs.push(opsPerSecond(roundMs, (i) => ours.taskCompleted.parse(keys[i & mask]!)));
  }
  return {
    buildOurs: median(samples.buildOurs),
    buildBaseline: median(samples.buildBaseline),
    parseOurs: median(samples.parseOurs),
    parseSplit: median(samples.parseSplit),
  };
});
