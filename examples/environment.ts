/**
 * Where an example's main runs: on a real deployment when both `PULSE_URL` and
 * `TASKCLUSTER_ROOT_URL` are set (credentials from `TASKCLUSTER_*`); otherwise on a simulation
 * that plays the demo's task group: the simulated Taskcluster with the broker of `PULSE_URL`
 * (a local RabbitMQ, say), or the in-memory broker.
 */

import {
  type ClientOptions,
  type ConnectionOptions,
  optionsFromEnvironment,
} from '../src/index.js';
import { type Simulation, startSimulation } from '../src/testing/index.js';

/** The broker and REST options an example runs with. */
export interface ExampleEnvironment {
  broker: ConnectionOptions['broker'];
  /** The Pulse user from the URL, when one is given. */
  namespace: string | undefined;
  taskcluster: ClientOptions;
  /** The simulation, unless a real deployment is configured. */
  simulation: Simulation | undefined;
  close(): Promise<void>;
}

/** Chooses the environment from `PULSE_URL`; see the module comment. */
export async function exampleEnvironment(): Promise<ExampleEnvironment> {
  const url = process.env.PULSE_URL || undefined;
  if (url !== undefined && process.env.TASKCLUSTER_ROOT_URL) {
    const user = decodeURIComponent(new URL(url).username);
    return {
      broker: url,
      namespace: user === '' ? undefined : user,
      taskcluster: optionsFromEnvironment(),
      simulation: undefined,
      close: async () => undefined,
    };
  }
  const simulation = await startSimulation(url === undefined ? {} : { broker: url });
  return {
    broker: simulation.broker,
    namespace: undefined,
    taskcluster: simulation.taskcluster,
    simulation,
    close: () => simulation.close(),
  };
}
