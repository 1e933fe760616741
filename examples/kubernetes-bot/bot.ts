/**
 * A bot made to run in Kubernetes: it counts the artifacts of each completed task (one REST
 * call per message, on a durable queue shared by its replicas), and serves `/healthz` for the
 * readiness probe, `/livez` for the liveness probe and `/metrics` for Prometheus. On SIGTERM
 * (a rollout, a scale-down, a drained node) it stops taking messages, lets the running
 * handlers finish within the grace period, acks what finished and exits; unstarted messages
 * go to the other replicas.
 */

import {
  type ClientOptions,
  type ConnectionOptions,
  connect,
  type HandlerRunner,
  type HealthServer,
  type Logger,
  type PulseClient,
  QueueEvents,
} from '../../src/index.js';

/** The durable queue's name unless given one: every replica consumes the same queue. */
export const DEFAULT_QUEUE_NAME = 'artifact-counter';

/** Options of {@link startArtifactCounter}. */
export interface ArtifactCounterOptions {
  /** The broker: a Pulse URL, or a transport such as the in-memory broker's. */
  broker: ConnectionOptions['broker'];
  /** The Pulse user; defaults to `artifact-counter`. */
  namespace?: string;
  /** REST client options (root URL and credentials, or the taskcluster-proxy). */
  taskcluster: ClientOptions;
  /** The durable queue; defaults to {@link DEFAULT_QUEUE_NAME}. */
  queueName?: string;
  /** Queue exchanges' prefix when the deployment publishes under another name. */
  exchangePrefix?: string;
  /** The health server's port (the probes' and the scrape's `port`); 0 picks one. */
  port: number;
  /** How long running handlers may finish on shutdown, in milliseconds. */
  gracePeriod: number;
  /** Exit the process after a signal's shutdown (false in tests that send the signal). */
  exit?: boolean;
  /** Reconnect delays (tests make them long to watch `/healthz` while disconnected). */
  reconnect?: ConnectionOptions['reconnect'];
  /** A name shown in the broker's connection list. */
  connectionName?: string;
  /** Where the bot logs. */
  logger?: Logger;
}

/** A running artifact counter. */
export interface ArtifactCounter {
  readonly pulse: PulseClient;
  readonly runner: HandlerRunner;
  readonly health: HealthServer;
  /** Artifacts counted per completed task id. */
  readonly counted: ReadonlyMap<string, number>;
}

/**
 * Starts the bot and its health server; rejects with a `HealthServerError` (code `PortInUse`)
 * when the port is taken, having closed the client.
 */
export async function startArtifactCounter(
  options: ArtifactCounterOptions,
): Promise<ArtifactCounter> {
  const pulse = connect({
    broker: options.broker,
    namespace: options.namespace ?? 'artifact-counter',
    gracePeriod: options.gracePeriod,
    ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
    ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const events =
    options.exchangePrefix === undefined
      ? new QueueEvents()
      : new QueueEvents({ exchangePrefix: options.exchangePrefix });
  const counted = new Map<string, number>();
  const runner = pulse.handle(
    {
      queueName: options.queueName ?? DEFAULT_QUEUE_NAME,
      bindings: [events.taskCompleted()],
      taskcluster: options.taskcluster,
      concurrency: 8,
    },
    async (message, { queue }) => {
      const { status, runId } = message.payload;
      const { artifacts } = await queue.listArtifacts(status.taskId, runId);
      counted.set(status.taskId, artifacts.length);
    },
  );
  let health: HealthServer;
  try {
    health = await pulse.serveHealth({
      port: options.port,
      ...(options.exit === undefined ? {} : { exit: options.exit }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  } catch (error) {
    await pulse.close();
    throw error;
  }
  return { pulse, runner, health, counted };
}
