/**
 * Faults and facts from the real RabbitMQ, through `rabbitmqctl`: dedicated users, queue counts
 * (unacknowledged messages), closing only the connections a test made, and stopping the broker
 * application (always started again, whatever happens).
 */

import { BROKER_URL, rabbitmqctl, waitFor } from '../../support/rabbitmq.js';

/** Creates a broker user with full permissions on the default virtual host. */
export async function addUser(user: string, password: string): Promise<void> {
  await rabbitmqctl('add_user', user, password);
  await rabbitmqctl('set_permissions', '-p', '/', user, '.*', '.*', '.*');
}

/** Deletes a broker user (missing is fine). */
export async function deleteUser(user: string): Promise<void> {
  await rabbitmqctl('delete_user', user).catch(() => undefined);
}

/** A queue's ready and unacknowledged messages, as the broker counts them. */
export async function queueCounts(queue: string): Promise<{ ready: number; unacked: number }> {
  const out = await rabbitmqctl(
    'list_queues',
    '--no-table-headers',
    'name',
    'messages_ready',
    'messages_unacknowledged',
  );
  for (const line of out.split('\n')) {
    const [name, ready, unacked] = line.split('\t');
    if (name === queue) return { ready: Number(ready), unacked: Number(unacked) };
  }
  throw new Error(`queue ${queue} does not exist`);
}

/** The broker's connections whose client named itself `connectionName`, by pid. */
export async function connectionsNamed(connectionName: string): Promise<string[]> {
  const out = await rabbitmqctl(
    'list_connections',
    '--no-table-headers',
    'pid',
    'client_properties',
  );
  const needle = `{"connection_name","${connectionName}"}`;
  return out
    .split('\n')
    .filter((line) => line.includes(needle))
    .map((line) => line.split('\t')[0]!);
}

/**
 * Runs `work` while the broker application is stopped (`rabbitmqctl stop_app`); `start_app`
 * runs in a `finally`, and the broker is awaited, so a failing test never leaves it down.
 */
export async function withBrokerStopped<T>(work: () => Promise<T>): Promise<T> {
  await rabbitmqctl('stop_app');
  try {
    return await work();
  } finally {
    await rabbitmqctl('start_app');
    await rabbitmqctl('await_startup');
  }
}

/** The test broker's URL with another user and password. */
export function brokerUrlFor(user: string, password: string, port?: number): string {
  const url = new URL(BROKER_URL);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  if (port !== undefined) url.port = String(port);
  return url.toString();
}

/** Host and port of the test broker. */
export function brokerEndpoint(): { host: string; port: number } {
  const url = new URL(BROKER_URL);
  return { host: url.hostname, port: Number(url.port || 5672) };
}

export { rabbitmqctl, waitFor };

/** Starts the broker application if it is not running (a safety net after a stop). */
export async function ensureBrokerRunning(): Promise<void> {
  try {
    await rabbitmqctl('await_startup', '--timeout', '5');
  } catch {
    await rabbitmqctl('start_app');
    await rabbitmqctl('await_startup');
  }
}

/**
 * Waits until the broker counts no ready and no unacknowledged message in `queue`. The
 * counts of quorum queues are statistics that lag a few seconds behind.
 */
export async function waitForEmptyQueue(queue: string): Promise<void> {
  let last = { ready: -1, unacked: -1 };
  try {
    await waitFor(async () => {
      last = await queueCounts(queue);
      return last.ready === 0 && last.unacked === 0;
    }, `queue ${queue} empty`);
  } catch (error) {
    throw new Error(`queue ${queue} is not empty: ${JSON.stringify(last)}`, { cause: error });
  }
}
