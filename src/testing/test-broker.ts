/**
 * One way to get a RabbitMQ for tests, for this project's suites and for bot authors' own:
 * `startTestBroker()` picks the broker from the environment, checks that it accepts a login,
 * and returns its URL, a way to run `rabbitmqctl` on it, and `stop()`.
 *
 * Which broker, in order:
 * 1. `PULSE_TEST_URL` set: that broker (nothing is started; `stop()` leaves it alone).
 * 2. `PULSE_TEST_BROKER=container`: a new container of `PULSE_TEST_IMAGE`;
 *    `PULSE_TEST_BROKER=local`: the RabbitMQ on 127.0.0.1:5672.
 * 3. Neither: a container where a Docker engine answers, else the local RabbitMQ, else a
 *    {@link TestBrokerError} that says how to get one. A broker is never silently skipped.
 */

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { redact } from '../consumer/errors.js';
import {
  DEFAULT_CONTAINER_STARTUP_TIMEOUT_MS,
  describeError,
  dockerUnavailableReason,
  execInContainer,
  loginError,
  startBrokerContainer,
} from './broker-container.js';
import { TestBrokerError } from './test-broker-error.js';

const execFileAsync = promisify(execFile);

/** The variable that names a running broker to test against (`amqp://user:pass@host:port`). */
export const PULSE_TEST_URL_ENV = 'PULSE_TEST_URL';
/** The variable that chooses the broker: `container`, `local` or `auto` (the default). */
export const PULSE_TEST_BROKER_ENV = 'PULSE_TEST_BROKER';
/** The variable that names the image of a container broker. */
export const PULSE_TEST_IMAGE_ENV = 'PULSE_TEST_IMAGE';
/**
 * The variable that names the container of the broker of `PULSE_TEST_URL`, so that
 * `rabbitmqctl` runs there (a test runner's global set-up passes its container on this way).
 */
export const PULSE_TEST_CONTAINER_ENV = 'PULSE_TEST_CONTAINER';
/** The image of a container broker unless `PULSE_TEST_IMAGE` names another. */
export const DEFAULT_TEST_BROKER_IMAGE = 'rabbitmq:4-management';
/** The local broker of `PULSE_TEST_BROKER=local`. */
export const LOCAL_TEST_BROKER_URL = 'amqp://guest:guest@127.0.0.1:5672';
/** How long the login that checks a running broker may take, in milliseconds. */
export const TEST_BROKER_LOGIN_TIMEOUT_MS = 5_000;

/** Which broker {@link startTestBroker} uses. */
export type TestBrokerChoice = 'container' | 'local' | 'auto';
/** Where a test broker came from. */
export type TestBrokerSource = 'url' | 'container' | 'local';

/** Options of {@link startTestBroker}; each defaults to its environment variable. */
export interface TestBrokerOptions {
  /** A running broker's URL; default `PULSE_TEST_URL`. Set, it wins over `broker`. */
  url?: string | undefined;
  /** Which broker; default `PULSE_TEST_BROKER`, else `auto`. */
  broker?: TestBrokerChoice | undefined;
  /** The image of a container broker; default `PULSE_TEST_IMAGE`, else {@link DEFAULT_TEST_BROKER_IMAGE}. */
  image?: string | undefined;
  /** Milliseconds a container may take until AMQP accepts a login (default 90 s). */
  startupTimeoutMs?: number | undefined;
  /** The environment the defaults come from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** A RabbitMQ to test against. */
export interface TestBroker {
  /** Its AMQP URL, with user and password: give it to `connect({ broker })`. */
  readonly url: string;
  /** Where it came from. */
  readonly source: TestBrokerSource;
  /** The Docker container it runs in, if it runs in one. */
  readonly containerId: string | undefined;
  /**
   * The environment that hands this broker to other processes (test workers, a bot under
   * test): `PULSE_TEST_URL`, and `PULSE_TEST_CONTAINER` for a container.
   */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Runs `rabbitmqctl -q <args>` on the broker's node (inside its container, else the local
   * `rabbitmqctl`) and returns what it printed, e.g. to close connections or stop the node.
   */
  rabbitmqctl(...args: string[]): Promise<string>;
  /** Stops and removes what {@link startTestBroker} started; a broker it found stays. Idempotent. */
  stop(): Promise<void>;
}

/** The URL without its password, for messages. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString().replace(/:@/, '@');
  } catch {
    return 'a URL that does not parse';
  }
}

function choiceOf(value: string | undefined): TestBrokerChoice {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'container' || value === 'local') return value;
  throw new TestBrokerError(
    'bad-option',
    `${PULSE_TEST_BROKER_ENV} must be container, local or auto, not "${value}"`,
  );
}

/** The local `rabbitmqctl`. */
async function localRabbitmqctl(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
    return stdout;
  } catch (error) {
    throw new TestBrokerError(
      'command-failed',
      `rabbitmqctl ${args[0] ?? ''} failed on the local broker: ${describeError(error)}`,
      { cause: error },
    );
  }
}

function brokerOf(
  url: string,
  source: TestBrokerSource,
  containerId: string | undefined,
  stop: () => Promise<void>,
): TestBroker {
  const environment: Record<string, string> = { [PULSE_TEST_URL_ENV]: url };
  if (containerId !== undefined) environment[PULSE_TEST_CONTAINER_ENV] = containerId;
  return {
    url,
    source,
    containerId,
    environment,
    rabbitmqctl: (...args) =>
      containerId === undefined
        ? localRabbitmqctl(args)
        : execInContainer(containerId, ['rabbitmqctl', '-q', ...args]),
    stop,
  };
}

const nothingToStop = async (): Promise<void> => undefined;

async function existing(
  url: string,
  source: 'url' | 'local',
  containerId: string | undefined,
): Promise<TestBroker> {
  const error = await loginError(url, TEST_BROKER_LOGIN_TIMEOUT_MS);
  if (error !== undefined) {
    const fix =
      source === 'url'
        ? `start that broker, or unset ${PULSE_TEST_URL_ENV} to use a container or the local RabbitMQ`
        : `start it (rabbitmq-server -detached), set ${PULSE_TEST_URL_ENV}, or use ${PULSE_TEST_BROKER_ENV}=container`;
    const what =
      source === 'url'
        ? `${PULSE_TEST_URL_ENV} (${shown(url)})`
        : `the local RabbitMQ (${shown(url)})`;
    const reason = redact(describeError(error), passwordOf(url));
    throw new TestBrokerError(
      source === 'url' ? 'url-unreachable' : 'local-unreachable',
      `${what} does not accept a login: ${reason}; ${fix}`,
      { cause: error },
    );
  }
  return brokerOf(url, source, containerId, nothingToStop);
}

/** The URL's password, as the secrets `redact` hides (none for a URL that does not parse). */
function passwordOf(url: string): string[] {
  try {
    return [decodeURIComponent(new URL(url).password)];
  } catch {
    return [];
  }
}

async function container(image: string, startupTimeoutMs: number): Promise<TestBroker> {
  const started = await startBrokerContainer({
    image,
    username: 'pulse-test',
    password: randomBytes(12).toString('hex'),
    startupTimeoutMs,
  });
  return brokerOf(started.url, 'container', started.id, () => started.stop());
}

/**
 * Gets a RabbitMQ for tests (see the module's notes for which one) and waits until it accepts a
 * login. Rejects with a {@link TestBrokerError} that names the cause and the fix.
 *
 * @example In a vitest global set-up, one broker for the whole run:
 * ```ts
 * import { startTestBroker } from 'taskcluster-pulse/testing';
 *
 * export default async function setup() {
 *   const broker = await startTestBroker();
 *   Object.assign(process.env, broker.environment); // the test files read PULSE_TEST_URL
 *   return () => broker.stop();
 * }
 * ```
 */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const env = options.env ?? process.env;
  const url = options.url ?? nonEmpty(env[PULSE_TEST_URL_ENV]);
  const containerId = nonEmpty(env[PULSE_TEST_CONTAINER_ENV]);
  if (url !== undefined) return existing(url, 'url', containerId);
  const choice = choiceOf(options.broker ?? env[PULSE_TEST_BROKER_ENV]);
  const image = options.image ?? nonEmpty(env[PULSE_TEST_IMAGE_ENV]) ?? DEFAULT_TEST_BROKER_IMAGE;
  const startupTimeoutMs = options.startupTimeoutMs ?? DEFAULT_CONTAINER_STARTUP_TIMEOUT_MS;
  if (choice === 'local') return existing(LOCAL_TEST_BROKER_URL, 'local', undefined);
  const noDocker = await dockerUnavailableReason().catch((error: unknown) => {
    // Without testcontainers no container can be had: `auto` goes on to the local broker.
    if (choice === 'auto' && error instanceof TestBrokerError) return error.message;
    throw error;
  });
  if (noDocker === undefined) return container(image, startupTimeoutMs);
  if (choice === 'container') {
    throw new TestBrokerError(
      'no-docker',
      `${PULSE_TEST_BROKER_ENV}=container, but no Docker engine answers (${noDocker}): start Docker, or set ${PULSE_TEST_BROKER_ENV}=local to use a RabbitMQ on 127.0.0.1:5672`,
    );
  }
  try {
    return await existing(LOCAL_TEST_BROKER_URL, 'local', undefined);
  } catch (error) {
    throw new TestBrokerError(
      'no-broker',
      `no test broker: no Docker engine answers (${noDocker}) and no RabbitMQ accepts a login on 127.0.0.1:5672; start Docker, start RabbitMQ (rabbitmq-server -detached), or set ${PULSE_TEST_URL_ENV}`,
      { cause: error },
    );
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
