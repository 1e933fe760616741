/**
 * RabbitMQ stopped and started mid-stream (`rabbitmqctl stop_app` / `start_app`): the consumer
 * waits (reporting its refused reconnects), reconnects once the broker is back, and finishes;
 * the durable queue kept every message that was not yet handled, and messages published while
 * the broker was down were held by the publisher until it came back.
 *
 * This stops the broker every other test uses: the reliability suite runs after `npm test`, its
 * files one at a time, and `start_app` runs in a `finally` (and again after the file).
 */

import { afterAll, afterEach, expect, it } from 'vitest';
import { connect } from '../../src/consumer/pulse.js';
import { BROKER_URL, waitFor } from '../support/rabbitmq.js';
import { ensureBrokerRunning, waitForEmptyQueue, withBrokerStopped } from './support/broker.js';
import { recordCounts, size } from './support/report.js';
import { Ledger, recoveryTimes, type Scenario, startScenario } from './support/scenario.js';

const TOTAL = size(10_000, 50_000);
/** Each handler's own work; 16 run at once. */
const HANDLER_MS = 5;
/** How long the broker stays down once the consumer noticed. */
const OUTAGE_MS = size(3_000, 20_000);

let scenario: Scenario | undefined;
const queueName = 'restart';
afterEach(() => scenario?.cleanup(queueName));
afterAll(() => ensureBrokerRunning());

it('the broker stopped and started mid-stream: the consumer waits, reconnects and finishes', async () => {
  const s = await startScenario();
  scenario = s;
  const ledger = new Ledger(TOTAL);
  // Once a tenth is handled, handlers hold until the consumer has seen the broker go: however
  // long `rabbitmqctl stop_app` takes to start on a slow machine, the broker stops with most of
  // the queue left, and the held messages (unacked when the connection died) come back redelivered.
  let releaseHeld: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    releaseHeld = resolve;
  });
  const runner = s.pulse.handle(
    { queueName, bindings: [s.binding()], concurrency: 16 },
    async (message) => {
      ledger.handle(message.payload.n, message);
      if (ledger.distinctHandled >= TOTAL / 10) await held;
      await new Promise((resolve) => setTimeout(resolve, HANDLER_MS));
    },
  );
  await waitFor(() => s.pulse.healthy, 'consuming');
  // The first half is in the queue (confirmed) before the broker stops.
  await s.publishRange(0, TOTAL / 2);
  await waitFor(() => ledger.distinctHandled >= TOTAL / 10, 'some handled');

  // A second client, closed while the broker is down: close() must not wait for the broker.
  const bystander = connect({ broker: BROKER_URL, namespace: s.namespace });
  await bystander.connected();
  let closeDuringOutageMs = -1;

  let handledWhenStopped = 0;
  let refusedReconnects = 0;
  let publishedDuringOutage: Promise<void> | undefined;
  const stoppedAt = Date.now();
  let startingAt = Number.POSITIVE_INFINITY;
  await withBrokerStopped(async () => {
    handledWhenStopped = ledger.distinctHandled;
    await waitFor(
      () => s.statuses.some((e) => e.at >= stoppedAt && e.status.type === 'disconnected'),
      'the consumer noticed',
      30_000,
    );
    releaseHeld();
    // The second half is published while the broker is down: the publisher holds it.
    publishedDuringOutage = s.publishRange(TOTAL / 2, TOTAL);
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const closing = Date.now();
    await bystander.close();
    closeDuringOutageMs = Date.now() - closing;
    refusedReconnects = s.statuses.filter(
      (e) => e.at >= stoppedAt && e.status.type === 'reconnecting',
    ).length;
    expect(s.pulse.healthy).toBe(false);
    // `start_app` runs next.
    startingAt = Date.now();
  }).finally(releaseHeld);
  await publishedDuringOutage;
  await waitFor(() => ledger.distinctHandled === TOTAL, 'every message handled', 180_000);
  await runner.close();

  const result = ledger.reconcile();
  const consumingAgain = s.statuses.find(
    (e) => e.at >= startingAt && e.status.type === 'consuming',
  );
  const counts = {
    ...result,
    handledWhenStopped,
    refusedReconnects,
    closeDuringOutageMs,
    consumingAfterStartMs:
      consumingAgain === undefined ? undefined : consumingAgain.at - startingAt,
    recoveryMs: recoveryTimes(s.statuses),
  };
  recordCounts('broker-restart', counts);
  expect(refusedReconnects).toBeGreaterThanOrEqual(2);
  expect(closeDuringOutageMs).toBeLessThan(5_000);
  expect(handledWhenStopped).toBeLessThan(TOTAL / 2);
  expect(result.lost).toBe(0);
  expect(result.unexplainedDuplicates).toBe(0);
  expect(consumingAgain).toBeDefined();
  await waitForEmptyQueue(s.queue(queueName));
});
