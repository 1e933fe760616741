/**
 * A publish the broker refuses for good (no write permission on the exchange, a message above
 * its size limit) fails at once with a typed {@link PublishError} that says why, rather than
 * being sent again and again until the deadline; the connection and other publishes go on.
 */

import { afterAll, beforeAll, expect, it } from 'vitest';
import { PublishError } from '../../src/consumer/errors.js';
import { connect, type PulseClient } from '../../src/consumer/pulse.js';
import { unique } from '../support/rabbitmq.js';
import { brokerUrlFor, deleteUser, rabbitmqctl } from './support/broker.js';
import { FIXED_SECRETS, rejectionOf } from './support/leak-scan.js';
import { recordCounts } from './support/report.js';

/** Far longer than a refusal may take to be reported. */
const DEADLINE_MS = 30_000;
const PROMPT_MS = 10_000;
/** Above RabbitMQ's default `max_message_size` (128 MiB). */
const OVERSIZED_BYTES = 129 * 1024 * 1024;

const user = unique('rel-writer');
let pulse: PulseClient;

beforeAll(async () => {
  await rabbitmqctl('add_user', user, FIXED_SECRETS.pulsePassword);
  // Reads and declares anything, writes only to its own exchanges.
  await rabbitmqctl('set_permissions', '-p', '/', user, '.*', `^exchange/${user}/.*`, '.*');
  pulse = connect({
    broker: brokerUrlFor(user, FIXED_SECRETS.pulsePassword),
    namespace: user,
    reconnect: { baseDelay: 50, maxDelay: 500 },
  });
  await pulse.connected();
});
afterAll(async () => {
  await pulse?.close();
  await rabbitmqctl('delete_exchange', `exchange/${user}/own`).catch(() => undefined);
  await deleteUser(user);
});

it.each([
  ['no write permission on the exchange', 'amq.topic', 16, /ACCESS_REFUSED|403/],
  ['a message above the broker limit', 'own', OVERSIZED_BYTES, /PRECONDITION_FAILED|406|size/i],
])('%s: a PublishError at once', async (_what, target, bytes, reason) => {
  const publisher = pulse.publisher({ deadline: DEADLINE_MS });
  const own = { exchange: `exchange/${user}/own`, routingKey: [] };
  await publisher.declareExchange(own);
  const exchange = target === 'own' ? own : { exchange: target, routingKey: [] };
  const started = Date.now();
  const error = await rejectionOf(
    publisher.publish(exchange, { payload: { pad: 'x'.repeat(bytes) } }),
  );
  const elapsed = Date.now() - started;
  recordCounts('publish-refusal', { target, bytes, elapsed });
  expect(error).toBeInstanceOf(PublishError);
  expect(String((error as Error).message)).toMatch(reason);
  expect(elapsed).toBeLessThan(PROMPT_MS);
  // The connection is fine: an allowed publish goes through.
  await expect(publisher.publish(own, { payload: { ok: true } })).resolves.toEqual({
    routed: true,
  });
});
