/**
 * Backpressure: a large backlog and a slow handler. The broker never has more than `prefetch`
 * messages unacknowledged to the consumer (sampled from `rabbitmqctl list_queues`), no more than
 * `concurrency` handlers run at once, and the process's memory stays flat. After a bounded run
 * the counts reconcile: handled + still queued = published.
 */

import { afterEach, expect, it } from 'vitest';
import { queueDepth, waitFor } from '../support/rabbitmq.js';
import { queueCounts } from './support/broker.js';
import { recordCounts, size } from './support/report.js';
import { Ledger, type Scenario, startScenario } from './support/scenario.js';

/** The 200,000 in soak mode; a quarter in CI, where the run is short anyway. */
const BACKLOG = size(50_000, 200_000);
const RUN_MS = size(12_000, 90_000);
const PREFETCH = 32;
const CONCURRENCY = 16;
const HANDLER_MS = 10;
const SAMPLE_MS = 300;
/** Allowed heap growth from the start of the run to its end. */
const MAX_HEAP_GROWTH_BYTES = 48 * 1024 * 1024;

let scenario: Scenario | undefined;
const queueName = 'backlog';
afterEach(() => scenario?.cleanup(queueName));

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

it(`a ${BACKLOG} message backlog and a slow handler: never more than prefetch unacked, memory flat`, async () => {
  const s = await startScenario();
  scenario = s;
  const queue = s.queue(queueName);
  // Classic: the broker reports its unacknowledged count live (a quorum queue's lags).
  const options = {
    queueName,
    queueType: 'classic' as const,
    bindings: [s.binding()],
    prefetch: PREFETCH,
    concurrency: CONCURRENCY,
  };
  // Declare and bind, then stop: the backlog builds up with nobody consuming.
  const declaring = s.pulse.handle(options, () => undefined);
  await waitFor(() => s.pulse.healthy, 'declared');
  await declaring.close();
  await s.publishRange(0, BACKLOG, 2_000);
  expect(await queueDepth(queue)).toBe(BACKLOG);

  const ledger = new Ledger(BACKLOG);
  let running = 0;
  let maxRunning = 0;
  const runner = s.pulse.handle(options, async (message) => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    ledger.handle(message.payload.n, message);
    await new Promise((resolve) => setTimeout(resolve, HANDLER_MS));
    running--;
  });
  const unacked: number[] = [];
  const heap: number[] = [];
  const rss: number[] = [];
  const end = Date.now() + RUN_MS;
  while (Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    unacked.push((await queueCounts(queue)).unacked);
    const memory = process.memoryUsage();
    heap.push(memory.heapUsed);
    rss.push(memory.rss);
  }
  await runner.close();
  const remaining = await queueDepth(queue);
  const result = ledger.reconcile();
  const quarter = Math.max(1, Math.floor(heap.length / 4));
  const heapGrowth = median(heap.slice(-quarter)) - median(heap.slice(0, quarter));
  const counts = {
    backlog: BACKLOG,
    handled: result.handled,
    remaining,
    duplicates: result.duplicates,
    maxUnacked: Math.max(...unacked),
    samples: unacked.length,
    maxRunning,
    heapGrowthMiB: +(heapGrowth / 2 ** 20).toFixed(1),
    rssMiB: [Math.round(Math.min(...rss) / 2 ** 20), Math.round(Math.max(...rss) / 2 ** 20)],
  };
  recordCounts('backpressure', counts);
  expect(result.handled).toBeGreaterThan(0);
  expect(result.handled + remaining).toBe(BACKLOG);
  expect(result.duplicates).toBe(0);
  expect(Math.max(...unacked)).toBeLessThanOrEqual(PREFETCH);
  expect(Math.max(...unacked)).toBeGreaterThan(0);
  expect(maxRunning).toBeLessThanOrEqual(CONCURRENCY);
  expect(heapGrowth).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
});
