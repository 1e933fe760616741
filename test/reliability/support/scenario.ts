/**
 * One broker scenario's world: a random namespace with a task exchange (Taskcluster-shaped
 * routing keys), a consumer client whose connections carry a name of their own (so only they
 * are ever closed), a publisher client on another connection, and the ledger that reconciles
 * what was published with what was handled and dead-lettered.
 */

import { inspect } from 'node:util';
import type { ChannelModel } from 'amqplib';
import { DEAD_ERROR_HEADER, DEAD_REASON_HEADER } from '../../../src/consumer/message.js';
import type { ConnectionOptions } from '../../../src/consumer/options.js';
import { defineExchange, type ExchangeDefinition } from '../../../src/consumer/publisher.js';
import { connect, type PulseClient } from '../../../src/consumer/pulse.js';
import type { PulseStatus } from '../../../src/consumer/status.js';
import { buildRoutingKeyPattern } from '../../../src/exchanges/routing-key.js';
import type { Binding } from '../../../src/exchanges/types.js';
import { TASK_FIELDS, type TaskPayload, type TaskRouting } from '../../consumer/fixtures.js';
import {
  BROKER_URL,
  declareExchanges,
  deleteExchanges,
  deleteQueues,
  rawConnection,
  unique,
} from '../../support/rabbitmq.js';
import { capturingLogger, recordShown } from './leak-scan.js';

export { TASK_FIELDS, type TaskPayload, type TaskRouting };

/** A status event with the time it was seen. */
export interface SeenStatus {
  at: number;
  status: PulseStatus;
}

/** One scenario's namespace, exchange and clients. */
export interface Scenario {
  namespace: string;
  tasks: ExchangeDefinition;
  /** The name the consumer's connections carry (and the only ones a scenario closes). */
  connectionName: string;
  /** The consumer's client. */
  pulse: PulseClient;
  /** A client for publishing, on a connection of its own. */
  publishing: PulseClient;
  /** Every status event of the consumer's client. */
  statuses: SeenStatus[];
  /** A binding on the task exchange. */
  binding(filter?: Record<string, string>): Binding<TaskPayload, TaskRouting>;
  /** `queue/<namespace>/<name>`. */
  queue(name: string): string;
  /** Publishes messages `from..to-1` (`payload.n`), `window` at a time. */
  publishRange(from: number, to: number, window?: number): Promise<void>;
  /** Closes the clients, deletes the exchange and the queues (with their companions). */
  cleanup(...queueNames: string[]): Promise<void>;
}

/** Starts a scenario; `connection` overrides the consumer's connection options. */
export async function startScenario(
  connection: Partial<ConnectionOptions> = {},
): Promise<Scenario> {
  const namespace = unique('rel');
  const connectionName = unique('rel-conn');
  const tasks = defineExchange(namespace, 'v1/tasks', TASK_FIELDS);
  await declareExchanges(tasks.exchange);
  const pulse = connect({
    broker: BROKER_URL,
    namespace,
    connectionName,
    reconnect: { baseDelay: 100, maxDelay: 1_000, minDelay: 50 },
    logger: capturingLogger(),
    ...connection,
  });
  const statuses: SeenStatus[] = [];
  pulse.status$.subscribe((status) => {
    statuses.push({ at: Date.now(), status });
    recordShown(inspect(status, { depth: 3 }));
  });
  const publishing = connect({
    broker: BROKER_URL,
    namespace,
    connectionName: `${connectionName}-publisher`,
  });
  await Promise.all([pulse.connected(), publishing.connected()]);
  const publisher = publishing.publisher({ deadline: 120_000 });
  return {
    namespace,
    tasks,
    connectionName,
    pulse,
    publishing,
    statuses,
    binding: (filter = {}) => ({
      exchange: tasks.exchange,
      routingKeyPattern: buildRoutingKeyPattern(TASK_FIELDS, filter),
      routingKeyReference: TASK_FIELDS,
    }),
    queue: (name) => `queue/${namespace}/${name}`,
    async publishRange(from, to, window = 1_000) {
      for (let start = from; start < to; start += window) {
        const end = Math.min(to, start + window);
        const batch: Promise<unknown>[] = [];
        for (let n = start; n < end; n++) {
          batch.push(
            publisher.publish(tasks, {
              payload: { kind: 'task', n },
              routing: { taskId: `t${n % 97}` },
            }),
          );
        }
        await Promise.all(batch);
      }
    },
    async cleanup(...queueNames) {
      await Promise.allSettled([pulse.close(), publishing.close()]);
      await deleteExchanges(tasks.exchange);
      const all = queueNames.flatMap((name) => {
        const q = `queue/${namespace}/${name}`;
        return [q, `${q}/dead`, `${q}/retry`, `${q}/bindings`];
      });
      await deleteQueues(...all);
    },
  };
}

/** Milliseconds from each `disconnected` to the next `consuming`: how long recovery took. */
export function recoveryTimes(statuses: readonly SeenStatus[]): number[] {
  const times: number[] = [];
  let lostAt: number | undefined;
  for (const { at, status } of statuses) {
    if (status.type === 'disconnected' && lostAt === undefined) lostAt = at;
    if (status.type === 'consuming' && lostAt !== undefined) {
      times.push(at - lostAt);
      lostAt = undefined;
    }
  }
  return times;
}

/** A dead-lettered message as read back from a dead-letter queue. */
export interface DeadLetter {
  n: number | undefined;
  messageId: string | undefined;
  reason: string;
  error: string;
  body: string;
}

/** Takes every message of a dead-letter queue (acking them), with its reason. */
export async function drainDeadLetters(queue: string): Promise<DeadLetter[]> {
  const connection: ChannelModel = await rawConnection();
  try {
    const channel = await connection.createChannel();
    const letters: DeadLetter[] = [];
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (message === false) break;
      const body = message.content.toString('utf8');
      let n: number | undefined;
      try {
        const parsed = JSON.parse(body) as { n?: unknown };
        n = typeof parsed?.n === 'number' ? parsed.n : undefined;
      } catch {
        n = undefined;
      }
      const headers = message.properties.headers ?? {};
      letters.push({
        n,
        messageId: message.properties.messageId,
        reason: String(headers[DEAD_REASON_HEADER]),
        error: String(headers[DEAD_ERROR_HEADER] ?? ''),
        body,
      });
    }
    return letters;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/**
 * What happened to each published message: handled (how often, and whether repeats were
 * redeliveries), dead-lettered (with reason).
 */
export class Ledger {
  readonly total: number;
  readonly handled: Uint16Array;
  duplicates = 0;
  /** Duplicates the broker marked as redelivered (or counted deliveries of): explained. */
  redeliveredDuplicates = 0;
  readonly deadLettered = new Map<number, string>();

  constructor(total: number) {
    this.total = total;
    this.handled = new Uint16Array(total);
  }

  /** Records a handler run on message `n`. */
  handle(n: number, message: { redelivered: boolean; deliveryCount: number }): void {
    if (this.handled[n]! > 0) {
      this.duplicates++;
      if (message.redelivered || message.deliveryCount > 1) this.redeliveredDuplicates++;
    }
    this.handled[n]! += 1;
  }

  /** Records the dead letters read back from the dead-letter queue. */
  dead(letters: readonly DeadLetter[]): void {
    for (const letter of letters) {
      if (letter.n !== undefined) this.deadLettered.set(letter.n, letter.reason);
    }
  }

  /** How many messages were handled at least once. */
  get distinctHandled(): number {
    let count = 0;
    for (const times of this.handled) if (times > 0) count++;
    return count;
  }

  /** The reconciliation: every message accounted for, duplicates explained. */
  reconcile() {
    const lost: number[] = [];
    for (let n = 0; n < this.total; n++) {
      if (this.handled[n] === 0 && !this.deadLettered.has(n)) lost.push(n);
    }
    return {
      published: this.total,
      handled: this.distinctHandled,
      deadLettered: this.deadLettered.size,
      lost: lost.length,
      firstLost: lost.slice(0, 5),
      duplicates: this.duplicates,
      unexplainedDuplicates: this.duplicates - this.redeliveredDuplicates,
    };
  }
}
