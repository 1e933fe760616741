/**
 * Where an example's main runs: against a real Pulse and Taskcluster when `PULSE_URL` is set
 * (REST options from `TASKCLUSTER_*`), otherwise against a simulation (the in-memory broker and
 * the simulated Taskcluster) that plays the demo's task group.
 */

import { optionsFromEnvironment } from '../src/client/environment.js';
import type { ClientOptions } from '../src/client/options.js';
import type { ConnectionOptions } from '../src/consumer/options.js';
import { type Simulation, startSimulation } from '../src/demo/simulation.js';

/** The broker and REST options an example runs with. */
export interface ExampleEnvironment {
  broker: ConnectionOptions['broker'];
  /** The Pulse user from the URL, when one is given. */
  namespace: string | undefined;
  taskcluster: ClientOptions;
  /** The simulation, when no real Pulse is configured. */
  simulation: Simulation | undefined;
  close(): Promise<void>;
}

/** Chooses the environment from `PULSE_URL`; see the module comment. */
export async function exampleEnvironment(): Promise<ExampleEnvironment> {
  const url = process.env.PULSE_URL || undefined;
  if (url !== undefined) {
    const user = decodeURIComponent(new URL(url).username);
    return {
      broker: url,
      namespace: user === '' ? undefined : user,
      taskcluster: optionsFromEnvironment(),
      simulation: undefined,
      close: async () => undefined,
    };
  }
  const simulation = await startSimulation();
  return {
    broker: simulation.broker,
    namespace: undefined,
    taskcluster: simulation.taskcluster,
    simulation,
    close: () => simulation.close(),
  };
}
