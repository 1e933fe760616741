/**
 * Connections closed by the broker (`rabbitmqctl close_connection`, only the consumer's own)
 * every few seconds while messages flow through `handle()` with concurrency 32: none lost,
 * duplicates only redeliveries of messages in flight at a close, and the consumer consuming
 * again within a few seconds of each close.
 */

import { afterEach, expect, it } from 'vitest';
import { closeConnectionsNamed, waitFor } from '../support/rabbitmq.js';
import { waitForEmptyQueue } from './support/broker.js';
import { recordCounts, size } from './support/report.js';
import { Ledger, recoveryTimes, type Scenario, startScenario } from './support/scenario.js';

/** The 50,000 messages in CI too; four times as many in soak mode. */
const TOTAL = size(50_000, 200_000);
const CONCURRENCY = 32;
const CLOSE_EVERY_MS = 2_000;
/**
 * What each handler call takes: with 32 at once, at most about 4,000 messages a second, so
 * the flow lasts long enough for several closes however fast the rest is.
 */
const HANDLER_MS = 8;
const MIN_CLOSES = 3;
/** "Within a few seconds": from the close to consuming again. */
const MAX_RECOVERY_MS = 5_000;

let scenario: Scenario | undefined;
const queueName = 'churn';
afterEach(() => scenario?.cleanup(queueName));

it(`${TOTAL} messages through handle() while the connection is closed every few seconds`, async () => {
  const s = await startScenario();
  scenario = s;
  const ledger = new Ledger(TOTAL);
  const runner = s.pulse.handle(
    { queueName, bindings: [s.binding()], concurrency: CONCURRENCY },
    async (message) => {
      ledger.handle(message.payload.n, message);
      await new Promise((resolve) => setTimeout(resolve, HANDLER_MS));
    },
  );
  await waitFor(() => s.pulse.healthy, 'consuming');
  const started = Date.now();
  const publishing = s.publishRange(0, TOTAL);
  let closes = 0;
  let stop = false;
  const closer = (async () => {
    while (!stop) {
      await new Promise((resolve) => setTimeout(resolve, CLOSE_EVERY_MS));
      if (stop) break;
      // Only when consuming: a close while reconnecting would measure nothing.
      await waitFor(() => s.pulse.healthy || stop, 'consuming before the next close', 30_000);
      if (stop) break;
      closes += await closeConnectionsNamed(s.connectionName);
    }
  })();
  await publishing;
  await waitFor(() => ledger.distinctHandled === TOTAL, 'every message handled', 240_000);
  stop = true;
  await closer;
  await waitFor(() => s.pulse.healthy, 'consuming after the last close');
  await runner.close();
  const elapsed = Date.now() - started;

  const result = ledger.reconcile();
  const recoveries = recoveryTimes(s.statuses);
  const counts = {
    ...result,
    closes,
    reconnects: s.pulse.metrics.counts.reconnects,
    maxRecoveryMs: Math.max(...recoveries),
    elapsedMs: elapsed,
  };
  recordCounts('connection-churn', counts);
  expect(result.lost).toBe(0);
  expect(result.unexplainedDuplicates).toBe(0);
  expect(closes).toBeGreaterThanOrEqual(MIN_CLOSES);
  expect(recoveries.length).toBeGreaterThanOrEqual(closes);
  expect(Math.max(...recoveries)).toBeLessThanOrEqual(MAX_RECOVERY_MS);
  // At most the messages held unacked at each close come back.
  expect(result.duplicates).toBeLessThanOrEqual(closes * CONCURRENCY * 2);
  await waitForEmptyQueue(s.queue(queueName));
});
