/**
 * The {@link BrokerTransport} of a real broker: opens amqplib connections, with the heartbeat set,
 * TLS certificates verified by default, and credentials fetched anew on every connect.
 */

import type { BrokerConnection, BrokerTransport } from '../broker/transport.js';
import { InputError } from '../errors.js';
import { explainConnectError } from './connect-errors.js';
import { PulseConnectionError, redact } from './errors.js';
import {
  type BrokerAddress,
  DEFAULT_AMQP_PORT,
  DEFAULT_AMQPS_PORT,
  DEFAULT_CONNECTION_NAME,
  DEFAULT_HEARTBEAT_S,
  type PulseCredentials,
  type TlsOptions,
} from './options.js';

/** Options of {@link AmqpTransport}. */
export interface AmqpTransportOptions {
  /** A URL (`amqps://user:pass@host:port/vhost`) or its parts. */
  broker: string | BrokerAddress;
  /** Called on every connect; overrides the user and password of `broker`. */
  credentials?: (() => Promise<PulseCredentials> | PulseCredentials) | undefined;
  /** Seconds between heartbeats. */
  heartbeat?: number | undefined;
  /** TLS options of `amqps://`. */
  tls?: TlsOptions | undefined;
  /** Shown in the broker's connection list. */
  connectionName?: string | undefined;
}

/** A {@link BrokerAddress} with its defaults applied: protocol, port and vhost are known. */
export type NormalizedBrokerAddress = Required<Omit<BrokerAddress, 'username' | 'password'>> & {
  username: string | undefined;
  password: string | undefined;
};

/** Opens connections to one RabbitMQ node through amqplib. */
export class AmqpTransport implements BrokerTransport {
  readonly kind = 'amqp';
  readonly description: string;
  /** The node as `hostname:port` (an IPv6 address in brackets), as statuses name it. */
  readonly host: string;
  readonly #address: NormalizedBrokerAddress;
  readonly #options: AmqpTransportOptions;
  readonly #heartbeat: number;

  constructor(options: AmqpTransportOptions) {
    this.#options = options;
    this.#address = normalizeBrokerAddress(options.broker);
    this.#heartbeat = options.heartbeat ?? heartbeatOf(options.broker) ?? DEFAULT_HEARTBEAT_S;
    const { protocol, hostname, port, vhost, username } = this.#address;
    this.host = `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
    const user = options.credentials === undefined && username !== undefined ? `${username}@` : '';
    this.description = `${protocol}://${user}${this.host}/${encodeURIComponent(vhost)}`;
  }

  async connect(): Promise<BrokerConnection> {
    const credentials = this.#options.credentials
      ? await this.#options.credentials()
      : {
          username: this.#address.username ?? 'guest',
          password: this.#address.password ?? 'guest',
        };
    const { protocol, hostname, port, vhost } = this.#address;
    const tls = protocol === 'amqps' ? (this.#options.tls ?? {}) : {};
    const socketOptions = {
      ...tls,
      // TCP_NODELAY, as RabbitMQ's own clients set it: with Nagle's algorithm (amqplib's default)
      // a small frame (an ack, a publish) can wait for the broker's delayed ACK, tens of ms.
      noDelay: true,
      clientProperties: {
        connection_name: this.#options.connectionName ?? DEFAULT_CONNECTION_NAME,
      },
    };
    try {
      // Loaded on the first connection, so that importing the package does not load amqplib.
      const amqplib = await import('amqplib');
      return await amqplib.connect(
        {
          protocol,
          hostname,
          port,
          vhost,
          username: credentials.username,
          password: credentials.password,
          heartbeat: this.#heartbeat,
        },
        socketOptions,
      );
    } catch (error) {
      const reason = explainConnectError(redact(error, [credentials.password]), error, {
        protocol,
        hostname,
        port,
        vhost,
      });
      throw new PulseConnectionError(`cannot connect to ${this.description}: ${reason}`);
    }
  }
}

/**
 * The address of a broker URL or parts, with the default protocol (`amqps`), port and vhost.
 * @throws {InputError} for a bad URL, a missing hostname or an unknown protocol.
 */
export function normalizeBrokerAddress(broker: string | BrokerAddress): NormalizedBrokerAddress {
  const address = typeof broker === 'string' ? parseBrokerUrl(broker) : broker;
  if (typeof address.hostname !== 'string' || address.hostname === '') {
    throw new InputError('the broker address needs a hostname');
  }
  const protocol = address.protocol ?? 'amqps';
  if (protocol !== 'amqp' && protocol !== 'amqps') {
    throw new InputError(`the broker protocol must be amqp or amqps, got "${String(protocol)}"`);
  }
  return {
    protocol,
    hostname: address.hostname,
    port: address.port ?? (protocol === 'amqps' ? DEFAULT_AMQPS_PORT : DEFAULT_AMQP_PORT),
    vhost: address.vhost ?? '/',
    username: address.username,
    password: address.password,
  };
}

/** The `heartbeat` query parameter of a broker URL (seconds), as amqplib reads it. */
function heartbeatOf(broker: string | BrokerAddress): number | undefined {
  if (typeof broker !== 'string') return undefined;
  const value = new URL(broker).searchParams.get('heartbeat');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new InputError(`the heartbeat in the broker URL must be whole seconds, got "${value}"`);
  }
  return seconds;
}

/** The parts of an `amqp://` or `amqps://` URL; the error for a bad URL never shows it whole. */
export function parseBrokerUrl(url: string): BrokerAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError('the broker URL is not a valid URL (amqps://user:pass@host:port/vhost)');
  }
  const protocol = parsed.protocol.slice(0, -1);
  if (protocol !== 'amqp' && protocol !== 'amqps') {
    throw new InputError(`the broker URL must start with amqp:// or amqps://, got "${protocol}:"`);
  }
  const address: BrokerAddress = { protocol, hostname: parsed.hostname.replace(/^\[|\]$/g, '') };
  if (parsed.port !== '') address.port = Number(parsed.port);
  if (parsed.pathname.length > 1) address.vhost = decodeURIComponent(parsed.pathname.slice(1));
  if (parsed.username !== '') address.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') address.password = decodeURIComponent(parsed.password);
  return address;
}
