/**
 * A whole simulated environment for bots: the simulated Taskcluster deployment (a
 * Hawk-verifying loopback server), a broker (the in-memory one, or RabbitMQ by URL) with the
 * queue's exchanges declared, and the queue's messages published to it as task groups play.
 * The demo runs on it; users test their handlers on it.
 */

import { randomBytes } from 'node:crypto';
import { createMemoryBroker, type MemoryBroker } from '../../broker/memory/memory-broker.js';
import type { BrokerTransport } from '../../broker/transport.js';
import type { ClientOptions } from '../../client/options.js';
import { connectOrFail } from '../../consumer/connect-or-fail.js';
import type { PulseClient } from '../../consumer/pulse.js';
import type { Logger } from '../../logger.js';
import { startTaskclusterServer, type TaskclusterServer } from '../server.js';
import { forwardQueueMessages, type QueueMessageForwarder } from './forward.js';
import {
  type PlayedTaskGroup,
  type PlayOptions,
  playTaskGroup,
  type TaskGroupPlan,
} from './lifecycle.js';

/** The client id the simulation's bots call the REST API with. */
export const SIMULATION_CLIENT_ID = 'simulation/bot';
/** The scopes of that client: everything a bot of the examples needs. */
export const SIMULATION_CLIENT_SCOPES = ['queue:*', 'object:download:*'];
/** The Pulse namespace the simulation publishes with. */
export const SIMULATION_NAMESPACE = 'simulation';

/** Options of {@link startSimulation}. */
export interface SimulationOptions {
  /** A broker URL or transport; a new in-memory broker when absent or undefined. */
  broker?: string | BrokerTransport | undefined;
  /** Queue exchanges' prefix, to keep runs on a shared broker apart; Taskcluster's by default. */
  exchangePrefix?: string;
  /** Where the publishing connection logs. */
  logger?: Logger;
  /** The scopes of the bots' client; {@link SIMULATION_CLIENT_SCOPES} by default. */
  clientScopes?: string[];
  /**
   * The deployment's roles by role id (`anonymous` is what unauthenticated requests get);
   * see `TaskclusterServerOptions.roles`.
   */
  roles?: Record<string, string[]>;
}

/** A running simulation; see {@link startSimulation}. */
export interface Simulation {
  /** The simulated deployment: its queue state, recorded requests, faults. */
  readonly server: TaskclusterServer;
  /** Options for bots' REST clients: the server's root URL and a client with scopes. */
  readonly taskcluster: ClientOptions;
  /** What bots connect to: the broker URL, or the in-memory broker's transport. */
  readonly broker: string | BrokerTransport;
  /** The broker, described without password (safe to print). */
  readonly brokerDescription: string;
  /** The in-memory broker, for inspection; undefined on RabbitMQ. */
  readonly memory: MemoryBroker | undefined;
  /** The prefix of the queue exchanges messages are published to. */
  readonly exchangePrefix: string;
  /** The forwarder of the queue's messages to the broker. */
  readonly forwarder: QueueMessageForwarder;
  /** Plays a task group and resolves once its last message is confirmed by the broker. */
  play(plan: TaskGroupPlan, options?: PlayOptions): Promise<PlayedTaskGroup>;
  /** Closes the publishing connection and the server (the in-memory broker goes with them). */
  close(): Promise<void>;
}

/**
 * Starts a simulation: server up, broker connected, queue exchanges declared.
 * @throws {ConnectFailedError} when the broker of a URL cannot be reached.
 */
export async function startSimulation(options: SimulationOptions = {}): Promise<Simulation> {
  const accessToken = randomBytes(24).toString('base64url');
  const scopes = options.clientScopes ?? SIMULATION_CLIENT_SCOPES;
  const server = await startTaskclusterServer({
    clients: { [SIMULATION_CLIENT_ID]: { accessToken, scopes } },
    ...(options.roles === undefined ? {} : { roles: options.roles }),
  });
  const memory = options.broker === undefined ? createMemoryBroker() : undefined;
  const broker = options.broker ?? memory!.transport();
  let pulse: PulseClient | undefined;
  try {
    // A broker that is down is an error at once, not a wait for it to come up.
    pulse = await connectOrFail({
      broker,
      namespace: SIMULATION_NAMESPACE,
      connectionName: 'taskcluster-pulse simulation',
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    const forwarder = forwardQueueMessages(
      server.queue,
      pulse.publisher(),
      options.exchangePrefix === undefined ? {} : { exchangePrefix: options.exchangePrefix },
    );
    await forwarder.declareExchanges();
    const client = pulse;
    return {
      server,
      taskcluster: {
        rootUrl: server.rootUrl,
        credentials: { clientId: SIMULATION_CLIENT_ID, accessToken },
      },
      broker,
      brokerDescription: pulse.broker,
      memory,
      exchangePrefix: forwarder.events.exchangePrefix,
      forwarder,
      async play(plan, playOptions) {
        const group = await playTaskGroup(server.queue, plan, playOptions);
        await forwarder.flush();
        return group;
      },
      async close() {
        forwarder.stop();
        await client.close();
        await server.close();
      },
    };
  } catch (error) {
    await pulse?.close();
    await server.close();
    throw error;
  }
}
