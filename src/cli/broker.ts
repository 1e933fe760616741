/**
 * Where `tc-pulse` connects: `--url`, else `PULSE_URL`, else `PULSE_HOST` with `PULSE_USERNAME`,
 * `PULSE_PASSWORD`, `PULSE_VHOST` and `PULSE_PROTOCOL`. The namespace (the Pulse user owning the queues) is
 * `--namespace`, else the URL's user, else `PULSE_USERNAME`. No message built here contains
 * the password.
 */

import type { BrokerAddress } from '../consumer/options.js';
import { CliUsageError } from './errors.js';

/** The connection name `tc-pulse` shows in the broker's connection list. */
export const CLI_CONNECTION_NAME = 'tc-pulse';

/** The environment variables `tc-pulse` reads for its connection. */
export const PULSE_ENVIRONMENT = {
  url: 'PULSE_URL',
  username: 'PULSE_USERNAME',
  password: 'PULSE_PASSWORD',
  host: 'PULSE_HOST',
  vhost: 'PULSE_VHOST',
  protocol: 'PULSE_PROTOCOL',
} as const;

/**
 * The port of plain (non-TLS) AMQP; any other port given in `PULSE_HOST` means `amqps` unless
 * `PULSE_PROTOCOL` says `amqp` (a local broker on another port, a test container).
 */
const PLAIN_AMQP_PORT = 5672;

/** The broker and namespace of a command. */
export interface BrokerChoice {
  broker: string | BrokerAddress;
  namespace: string;
}

/** Connection flags of a command. */
export interface BrokerFlags {
  url?: string | undefined;
  namespace?: string | undefined;
}

/** Chooses the broker from the flags and the environment; see the module comment. */
export function chooseBroker(flags: BrokerFlags, env: NodeJS.ProcessEnv): BrokerChoice {
  const read = (name: string) => env[name] || undefined;
  const username = read(PULSE_ENVIRONMENT.username);
  const password = read(PULSE_ENVIRONMENT.password);
  const url = flags.url || read(PULSE_ENVIRONMENT.url);
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new CliUsageError(
        'the broker URL does not parse; expected amqp[s]://user:password@host[:port][/vhost]',
      );
    }
    if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
      throw new CliUsageError(
        `the broker URL must start with amqp:// or amqps://, not ${parsed.protocol}//`,
      );
    }
    if (parsed.username === '' && username !== undefined && password !== undefined) {
      parsed.username = encodeURIComponent(username);
      parsed.password = encodeURIComponent(password);
    }
    const user = parsed.username === '' ? undefined : decodeURIComponent(parsed.username);
    return { broker: parsed.toString(), namespace: namespaceOf(flags, user ?? username) };
  }
  const host = read(PULSE_ENVIRONMENT.host);
  if (host === undefined) {
    throw new CliUsageError(
      `no broker: pass --url, or set ${PULSE_ENVIRONMENT.url}, or ${PULSE_ENVIRONMENT.host} with ${PULSE_ENVIRONMENT.username} and ${PULSE_ENVIRONMENT.password}`,
    );
  }
  if (username === undefined || password === undefined) {
    throw new CliUsageError(
      `${PULSE_ENVIRONMENT.host} needs ${PULSE_ENVIRONMENT.username} and ${PULSE_ENVIRONMENT.password}`,
    );
  }
  const [hostname, portText] = host.split(':');
  const port = portText === undefined ? undefined : Number(portText);
  if (
    hostname === undefined ||
    hostname === '' ||
    (port !== undefined && !Number.isInteger(port))
  ) {
    throw new CliUsageError(`${PULSE_ENVIRONMENT.host} must be host or host:port, got "${host}"`);
  }
  const protocol = read(PULSE_ENVIRONMENT.protocol);
  if (protocol !== undefined && protocol !== 'amqp' && protocol !== 'amqps') {
    throw new CliUsageError(
      `${PULSE_ENVIRONMENT.protocol} must be amqp or amqps, got "${protocol}"`,
    );
  }
  const address: BrokerAddress = {
    protocol: protocol ?? (port === PLAIN_AMQP_PORT ? 'amqp' : 'amqps'),
    hostname,
    username,
    password,
  };
  if (port !== undefined) address.port = port;
  const vhost = read(PULSE_ENVIRONMENT.vhost);
  if (vhost !== undefined) address.vhost = vhost;
  return { broker: address, namespace: namespaceOf(flags, username) };
}

function namespaceOf(flags: BrokerFlags, user: string | undefined): string {
  const namespace = flags.namespace || user;
  if (namespace === undefined) {
    throw new CliUsageError(
      `no namespace: pass --namespace, or give a user in the URL or ${PULSE_ENVIRONMENT.username}`,
    );
  }
  return namespace;
}
