import { afterEach } from 'vitest';
/**
 * Exchanges, bindings and a publisher shared by the consumer tests: two test exchanges in a
 * random namespace with Taskcluster-shaped routing keys.
 */

import { filter, firstValueFrom } from 'rxjs';
import { defineExchange, type ExchangeDefinition } from '../../src/consumer/publisher.js';
import { connect, type PulseClient } from '../../src/consumer/pulse.js';
import type { PulseStatus } from '../../src/consumer/status.js';
import { buildRoutingKeyPattern } from '../../src/exchanges/routing-key.js';
import type { Binding, RoutingKeyField } from '../../src/exchanges/types.js';
import {
  BROKER_URL,
  declareExchanges,
  deleteExchanges,
  deleteQueues,
  unique,
} from '../support/rabbitmq.js';

/** The routing key of the task exchanges: like Taskcluster's, shorter. */
export const TASK_FIELDS: readonly RoutingKeyField[] = [
  { name: 'routingKeyKind', multipleWords: false, required: true, constant: 'primary' },
  { name: 'taskId', multipleWords: false, required: true },
  { name: 'workerType', multipleWords: false, required: false },
  { name: 'reserved', multipleWords: true, required: false },
];

/** The payload of the first test exchange. */
export interface TaskPayload {
  kind: 'task';
  n: number;
}
/** The payload of the second test exchange. */
export interface OtherPayload {
  kind: 'other';
  label: string;
}
/** The routing fields of both. */
export type TaskRouting = {
  routingKeyKind: string;
  taskId: string;
  workerType: string | undefined;
  reserved: string | undefined;
};

/** One test's namespace, exchanges and client. */
export interface Fixture {
  namespace: string;
  tasks: ExchangeDefinition;
  others: ExchangeDefinition;
  connectionName: string;
  pulse: PulseClient;
  /** A binding on the task exchange for `filter`. */
  taskBinding(filter: Record<string, string>): Binding<TaskPayload, TaskRouting>;
  /** A binding on the other exchange for `filter`. */
  otherBinding(filter: Record<string, string>): Binding<OtherPayload, TaskRouting>;
  /** Deletes the exchanges and the given queues, closes the client. */
  cleanup(...queues: string[]): Promise<void>;
}

/** Makes a fixture: exchanges declared, a client connecting. */
export async function fixture(
  options: { recycleInterval?: number; gracePeriod?: number } = {},
): Promise<Fixture> {
  const namespace = unique('ns');
  const connectionName = unique('conn');
  const tasks = defineExchange(namespace, 'v1/tasks', TASK_FIELDS);
  const others = defineExchange(namespace, 'v1/others', TASK_FIELDS);
  await declareExchanges(tasks.exchange, others.exchange);
  const pulse = connect({
    broker: BROKER_URL,
    namespace,
    connectionName,
    reconnect: { baseDelay: 100, maxDelay: 1_000 },
    ...options,
  });
  await pulse.connected();
  return {
    namespace,
    tasks,
    others,
    connectionName,
    pulse,
    taskBinding: (f) => ({
      exchange: tasks.exchange,
      routingKeyPattern: buildRoutingKeyPattern(TASK_FIELDS, f),
      routingKeyReference: TASK_FIELDS,
    }),
    otherBinding: (f) => ({
      exchange: others.exchange,
      routingKeyPattern: buildRoutingKeyPattern(TASK_FIELDS, f),
      routingKeyReference: TASK_FIELDS,
    }),
    async cleanup(...queues) {
      await pulse.close();
      await deleteExchanges(tasks.exchange, others.exchange);
      const all = queues.flatMap((q) => [q, `${q}/dead`, `${q}/retry`, `${q}/bindings`]);
      await deleteQueues(...all);
    },
  };
}

/**
 * Fixtures cleaned up after each test of the calling file: `setUp()` makes one, and the queues
 * a test pushes on `queues` are deleted with it.
 */
export function fixturePerTest(): {
  setUp: (options?: Parameters<typeof fixture>[0]) => Promise<Fixture>;
  queues: string[];
} {
  let current: Fixture | undefined;
  const queues: string[] = [];
  afterEach(async () => {
    await current?.cleanup(...queues);
    current = undefined;
    queues.length = 0;
  });
  return {
    queues,
    async setUp(options) {
      current = await fixture(options);
      return current;
    },
  };
}

/** Resolves with the first status event of a type. */
export function nextStatus<T extends PulseStatus['type']>(
  pulse: PulseClient,
  type: T,
): Promise<Extract<PulseStatus, { type: T }>> {
  return firstValueFrom(
    pulse.status$.pipe(filter((s): s is Extract<PulseStatus, { type: T }> => s.type === type)),
  );
}
