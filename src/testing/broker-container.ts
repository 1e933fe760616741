/**
 * RabbitMQ in a Docker container, for tests: started through testcontainers (an optional peer
 * dependency, loaded only here, on first use), ready once AMQP accepts a login through the
 * published port, removed on `stop()` and, should a test run die first, when the process exits
 * (Ryuk, testcontainers' own reaper, cannot run everywhere, so this module never relies on it).
 */

import { execFileSync } from 'node:child_process';
import type { StartedTestContainer } from 'testcontainers';
import { TestBrokerError } from './test-broker-error.js';

/** The AMQP port inside the container. */
export const CONTAINER_AMQP_PORT = 5672;
/** The label every container started here carries, so that leftovers can be found. */
export const TEST_BROKER_LABEL = 'taskcluster-pulse.test-broker';
/** How long a container may take until AMQP accepts a login, in milliseconds. */
export const DEFAULT_CONTAINER_STARTUP_TIMEOUT_MS = 90_000;
/** Time between two logins tried while a container starts, in milliseconds. */
const PROBE_INTERVAL_MS = 250;
/** Time one probing login may take, in milliseconds. */
const PROBE_TIMEOUT_MS = 3_000;

/** What a RabbitMQ container is started with. */
export interface BrokerContainerOptions {
  /** The image, e.g. `rabbitmq:4-management`. */
  readonly image: string;
  /** The user the image creates (`RABBITMQ_DEFAULT_USER`). */
  readonly username: string;
  /** Its password (`RABBITMQ_DEFAULT_PASS`); never shown in an error. */
  readonly password: string;
  /** Milliseconds until AMQP must accept a login. */
  readonly startupTimeoutMs: number;
  /** A fixed host port for AMQP (a node that restarts keeps its address); random without. */
  readonly hostPort?: number | undefined;
  /** The container's host name (RabbitMQ's node name is `rabbit@<hostname>`). */
  readonly hostname?: string | undefined;
  /** A Docker network to join, with `hostname` as its alias there. */
  readonly network?: string | undefined;
  /** More environment, e.g. `RABBITMQ_ERLANG_COOKIE` for a cluster. */
  readonly environment?: Readonly<Record<string, string>> | undefined;
  /**
   * Files written into the container before it starts, e.g. a `rabbitmq.conf` over the
   * image's (`/etc/rabbitmq/rabbitmq.conf`) and the certificates of a TLS listener.
   */
  readonly files?: readonly BrokerContainerFile[] | undefined;
  /** More container ports to publish on random host ports, e.g. 5671 for AMQPS. */
  readonly extraPorts?: readonly number[] | undefined;
}

/** A file {@link startBrokerContainer} writes into the container. */
export interface BrokerContainerFile {
  /** The absolute path in the container. */
  readonly target: string;
  readonly content: string | Buffer;
  /** Its mode, e.g. `0o644` (the broker runs as its own user, not as the files' owner). */
  readonly mode?: number;
}

/** A started RabbitMQ container. */
export interface BrokerContainer {
  /** Docker's id of the container. */
  readonly id: string;
  /** The AMQP URL through the published port, with the user and password. */
  readonly url: string;
  /** The host port AMQP is published on. */
  readonly hostPort: number;
  /** The host port a container port of {@link BrokerContainerOptions.extraPorts} is published on. */
  mappedPort(containerPort: number): number;
  /** Runs a command inside the container; rejects with its output when it exits non-zero. */
  exec(command: readonly string[]): Promise<string>;
  /** Kills and removes the container with its volumes. Safe to call twice. */
  stop(): Promise<void>;
}

/** Ids of the containers this process started and has not removed yet. */
const running = new Set<string>();
let exitHookInstalled = false;

/** Removes what is left when the process exits without `stop()` (a crashed or aborted run). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    if (running.size === 0) return;
    try {
      execFileSync('docker', ['rm', '-f', '-v', ...running], { stdio: 'ignore', timeout: 20_000 });
    } catch {
      // Nothing more can be done in an exiting process; the label finds the container later.
    }
  });
}

/** Loads testcontainers, or says how to install it. */
async function loadTestcontainers(): Promise<typeof import('testcontainers')> {
  try {
    return await import('testcontainers');
  } catch (error) {
    throw new TestBrokerError(
      'testcontainers-missing',
      'a container broker needs the testcontainers package: npm install --save-dev testcontainers',
      { cause: error },
    );
  }
}

/**
 * Whether a Docker engine answers, as testcontainers finds one (DOCKER_HOST, its properties
 * file, the usual sockets): `undefined` when it does, else the reason it does not.
 */
export async function dockerUnavailableReason(): Promise<string | undefined> {
  const { getContainerRuntimeClient } = await loadTestcontainers();
  try {
    await getContainerRuntimeClient();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Makes sure the image is on the machine, pulling it if it is not; a clear error otherwise. */
async function ensureImage(image: string): Promise<void> {
  const { getContainerRuntimeClient, ImageName } = await loadTestcontainers();
  const client = await getContainerRuntimeClient();
  const name = ImageName.fromString(image);
  if (await client.image.exists(name)) return;
  try {
    await client.image.pull(name);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new TestBrokerError(
      'image-missing',
      `the image ${image} is not on this machine and cannot be pulled (${reason}): pull or build it, or set PULSE_TEST_IMAGE to an image this machine has`,
      { cause: error },
    );
  }
}

/**
 * Logs in once with amqplib, within `timeoutMs`: `undefined` when the broker took the login,
 * else the error it failed with. How every test broker is checked: a container while it
 * starts, a broker found, a cluster's node coming back.
 */
export async function loginError(url: string, timeoutMs: number): Promise<unknown> {
  const amqplib = await import('amqplib');
  try {
    const connection = await amqplib.connect(url, { timeout: timeoutMs });
    await connection.close().catch(() => undefined);
    return undefined;
  } catch (error) {
    return error ?? new Error('login failed');
  }
}

/** Waits until AMQP accepts a login at `url`, or throws after `timeoutMs`. */
async function waitForLogin(url: string, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const error = await loginError(url, PROBE_TIMEOUT_MS);
    if (error === undefined) return;
    if (Date.now() > end) {
      throw new TestBrokerError(
        'container-failed',
        `${what} did not accept an AMQP login within ${timeoutMs} ms (${describeError(error)}); where testcontainers runs inside a container itself, set TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1`,
        { cause: error },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
  }
}

/** An error's message (or code) in one line. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const text = error.message || (typeof code === 'string' ? code : error.name);
    return text.split('\n')[0] ?? text;
  }
  return String(error);
}

/** Starts a RabbitMQ container and waits until AMQP accepts a login. */
export async function startBrokerContainer(
  options: BrokerContainerOptions,
): Promise<BrokerContainer> {
  const { GenericContainer, Wait } = await loadTestcontainers();
  await ensureImage(options.image);
  let container = new GenericContainer(options.image)
    .withEnvironment({
      ...options.environment,
      RABBITMQ_DEFAULT_USER: options.username,
      RABBITMQ_DEFAULT_PASS: options.password,
    })
    .withLabels({ [TEST_BROKER_LABEL]: String(process.pid) })
    .withExposedPorts(
      options.hostPort === undefined
        ? CONTAINER_AMQP_PORT
        : { container: CONTAINER_AMQP_PORT, host: options.hostPort },
      ...(options.extraPorts ?? []),
    )
    // Docker's view of the port is enough here: the AMQP login below is the real readiness.
    .withWaitStrategy(Wait.forListeningPorts())
    .withStartupTimeout(options.startupTimeoutMs);
  if (options.files !== undefined && options.files.length > 0) {
    container = container.withCopyContentToContainer(
      options.files.map(({ target, content, mode }) =>
        mode === undefined ? { target, content } : { target, content, mode },
      ),
    );
  }
  if (options.hostname !== undefined) container = container.withHostname(options.hostname);
  if (options.network !== undefined) {
    container = container.withNetworkMode(options.network);
    if (options.hostname !== undefined) {
      container = container.withNetworkAliases(options.hostname);
    }
  }
  installExitHook();
  let started: StartedTestContainer;
  try {
    started = await container.start();
  } catch (error) {
    throw new TestBrokerError(
      'container-failed',
      `the container of ${options.image} did not start: ${describeError(error)}`,
      { cause: error },
    );
  }
  running.add(started.getId());
  const hostPort = started.getMappedPort(CONTAINER_AMQP_PORT);
  const url = `amqp://${encodeURIComponent(options.username)}:${encodeURIComponent(options.password)}@${started.getHost()}:${hostPort}`;
  const handle = containerHandle(started, url, hostPort);
  try {
    await waitForLogin(url, options.startupTimeoutMs, `the container of ${options.image}`);
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return handle;
}

function containerHandle(
  started: StartedTestContainer,
  url: string,
  hostPort: number,
): BrokerContainer {
  const id = started.getId();
  let stopping: Promise<void> | undefined;
  return {
    id,
    url,
    hostPort,
    mappedPort: (containerPort) => started.getMappedPort(containerPort),
    exec: (command) => execIn(started, command),
    stop() {
      stopping ??= started
        .stop({ remove: true, removeVolumes: true, timeout: 0 })
        .then(
          () => undefined,
          // Already gone (killed by a test, say): removing it is all that is left to do.
          () => removeContainer(id),
        )
        .finally(() => running.delete(id));
      return stopping;
    },
  };
}

async function execIn(started: StartedTestContainer, command: readonly string[]): Promise<string> {
  const result = await started.exec([...command]);
  if (result.exitCode !== 0) {
    throw new TestBrokerError(
      'command-failed',
      `${command.join(' ')} exited with ${result.exitCode} in the broker's container: ${result.output.trim()}`,
    );
  }
  return result.stdout;
}

/** Runs a command in a container known by its id (one started by another process). */
export async function execInContainer(id: string, command: readonly string[]): Promise<string> {
  const { getContainerRuntimeClient } = await loadTestcontainers();
  const client = await getContainerRuntimeClient();
  const container = client.container.getById(id);
  const result = await client.container.exec(container, [...command]);
  if (result.exitCode !== 0) {
    throw new TestBrokerError(
      'command-failed',
      `${command.join(' ')} exited with ${result.exitCode} in container ${id.slice(0, 12)}: ${result.output.trim()}`,
    );
  }
  return result.stdout;
}

/** Removes a container by id; a container already gone is fine. */
async function removeContainer(id: string): Promise<void> {
  const { getContainerRuntimeClient } = await loadTestcontainers();
  const client = await getContainerRuntimeClient();
  await client.container
    .remove(client.container.getById(id), { removeVolumes: true })
    .catch(() => undefined);
}
