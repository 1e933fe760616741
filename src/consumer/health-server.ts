/**
 * One HTTP server for a bot's probes and scrapers, and its graceful shutdown:
 *
 * - `/healthz`: 200 while the client consumes as configured, else 503 with the reason (no
 *   connection and why, a queue not consumed and why, shutting down): Kubernetes' readiness.
 * - `/livez`: 200 while the process answers at all: liveness, so that a broker outage (which a
 *   restart does not cure) does not get every replica restarted.
 * - `/metrics`: the Prometheus text of a prom-client registry (the client's counters, and
 *   Node's process metrics), when prom-client is installed; 404 saying so otherwise.
 *
 * On SIGTERM or SIGINT it closes the client (running handlers get the grace period, what
 * finished is acked, unstarted messages go back to the broker), stops serving and exits, at
 * the latest {@link SHUTDOWN_MARGIN_MS} after the grace period; a second signal exits at once.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InputError, TaskclusterPulseError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PulseMetrics } from './metrics.js';
import {
  DEFAULT_GRACE_PERIOD_MS,
  DEFAULT_HEALTH_PORT,
  SHUTDOWN_MARGIN_MS,
  SHUTDOWN_SIGNALS,
} from './options.js';

/** What `/metrics` serves: a prom-client `Registry` fits. */
export interface MetricsRegistry {
  /** The Prometheus text of every metric. */
  metrics(): Promise<string>;
  /** Its content type. */
  readonly contentType: string;
}

/** What the endpoint serves and shuts down: a `PulseClient` fits. */
export interface HealthTarget {
  /** Why the client is not healthy, or `undefined` while it consumes as configured. */
  readonly healthProblem: string | undefined;
  /** The client's counters, registered with the default registry. */
  readonly metrics: PulseMetrics;
  /** Closes the client within `gracePeriod` ms. */
  close(gracePeriod?: number): Promise<void>;
}

/** Options of `PulseClient.serveHealth()`. */
export interface HealthServerOptions {
  /** The port; defaults to {@link DEFAULT_HEALTH_PORT}; 0 picks a free one. */
  port?: number;
  /** The address to listen on; every interface unless given (Kubernetes probes the pod's IP). */
  host?: string;
  /**
   * The prom-client registry `/metrics` serves, as it is (register the client's counters in it
   * with `pulse.metrics.register(registry, promClient)`). Without it, a registry of the
   * client's counters and Node's default metrics, when prom-client can be loaded; give it the
   * registry you registered the counters in yourself, as the handler-duration histogram
   * follows the last registration.
   */
  registry?: MetricsRegistry;
  /** The signals that shut down; defaults to {@link SHUTDOWN_SIGNALS}; `false` for none. */
  signals?: readonly NodeJS.Signals[] | false;
  /**
   * How long running handlers may take to finish on shutdown, in milliseconds; defaults to the
   * connection's `gracePeriod`, else {@link DEFAULT_GRACE_PERIOD_MS}.
   */
  gracePeriod?: number;
  /** Exit the process once a signal's shutdown is done (status 0, or 1 past the deadline); default true. */
  exit?: boolean;
  /** Where the shutdown is logged. */
  logger?: Logger;
}

/** A running health server; see the module comment. */
export interface HealthServer {
  /** `http://<host>:<port>`, the port the server got. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** True once a shutdown began (`/healthz` then answers 503). */
  readonly shuttingDown: boolean;
  /**
   * Shuts down as a signal does, without exiting: closes the client within the grace period,
   * then the server. Idempotent.
   */
  shutdown(): Promise<void>;
  /** Stops serving and listening for signals; the client stays open. Idempotent. */
  close(): Promise<void>;
}

/**
 * The health server could not start: `code` is `PortInUse` when another process (or server)
 * has the port, else `ListenFailed`; nothing listens then.
 */
export class HealthServerError extends TaskclusterPulseError<'PortInUse' | 'ListenFailed'> {
  override name = 'HealthServerError';
  /** The port asked for. */
  readonly port: number;

  constructor(code: 'PortInUse' | 'ListenFailed', port: number, message: string, cause: unknown) {
    super(code, message, { cause });
    this.port = port;
  }
}

const PROM_CLIENT_MISSING =
  'no metrics: prom-client is not installed (npm install prom-client), or give serveHealth() a registry\n';

/**
 * Starts the server (see the module comment).
 * @throws {InputError} for a bad port or grace period; {@link HealthServerError} when the
 * port is in use or cannot be listened on.
 */
export async function serveHealth(
  pulse: HealthTarget,
  options: HealthServerOptions = {},
): Promise<HealthServer> {
  const port = options.port ?? DEFAULT_HEALTH_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InputError(`the health port must be an integer from 0 to 65535, got ${port}`);
  }
  const gracePeriod = options.gracePeriod ?? DEFAULT_GRACE_PERIOD_MS;
  if (!Number.isInteger(gracePeriod) || gracePeriod < 0) {
    throw new InputError(`gracePeriod must be a non-negative integer (ms), got ${gracePeriod}`);
  }
  const registry = options.registry ?? (await defaultRegistry(pulse));
  let shuttingDown: Promise<void> | undefined;

  const server = createServer((request, response) => {
    void answer(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  // A probe's connection must not keep a shut-down process waiting.
  server.keepAliveTimeout = 1_000;

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://health').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(request, response, 405, 'only GET and HEAD\n', { allow: 'GET, HEAD' });
    } else if (path === '/healthz') {
      const problem = shuttingDown === undefined ? pulse.healthProblem : 'shutting down';
      if (problem === undefined) send(request, response, 200, 'ok\n');
      else send(request, response, 503, `unhealthy: ${problem}\n`);
    } else if (path === '/livez') {
      send(request, response, 200, 'ok\n');
    } else if (path === '/metrics') {
      if (registry === undefined) send(request, response, 404, PROM_CLIENT_MISSING);
      else {
        const text = await registry.metrics();
        send(request, response, 200, text, { 'content-type': registry.contentType });
      }
    } else {
      send(request, response, 404, 'not found: /healthz, /livez and /metrics are served here\n');
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${options.host ?? 'every interface'} port ${port}`;
      reject(
        error.code === 'EADDRINUSE'
          ? new HealthServerError(
              'PortInUse',
              port,
              `the health server cannot listen on ${where}: the port is already in use; choose another port`,
              error,
            )
          : new HealthServerError(
              'ListenFailed',
              port,
              `the health server cannot listen on ${where}: ${error.message}`,
              error,
            ),
      );
    });
    server.listen(port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const logger = options.logger;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      for (const signal of signals) process.removeListener(signal, onSignal);
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })();
    return closed;
  };
  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      logger?.info({ gracePeriod }, 'pulse shutting down');
      await pulse.close(gracePeriod);
      await close();
    })();
    return shuttingDown;
  };
  const signals = options.signals === false ? [] : (options.signals ?? SHUTDOWN_SIGNALS);
  const exit = options.exit ?? true;
  function onSignal(signal: NodeJS.Signals): void {
    if (shuttingDown !== undefined) {
      // Asked twice: whoever sends it does not want to wait.
      logger?.warn({ signal }, 'pulse shutdown interrupted');
      if (exit) process.exit(1);
      return;
    }
    logger?.info({ signal }, 'pulse received a shutdown signal');
    const deadline = setTimeout(() => {
      logger?.error({ gracePeriod }, 'pulse shutdown took too long: exiting');
      if (exit) process.exit(1);
    }, gracePeriod + SHUTDOWN_MARGIN_MS);
    void shutdown().then(() => {
      clearTimeout(deadline);
      if (exit) process.exit(0);
    });
  }
  for (const signal of signals) process.on(signal, onSignal);

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    get shuttingDown() {
      return shuttingDown !== undefined;
    },
    shutdown,
    close,
  };
}

function send(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

/**
 * A registry of the client's counters and Node's default metrics, or undefined when
 * prom-client (an optional peer dependency) is not installed.
 */
async function defaultRegistry(pulse: HealthTarget): Promise<MetricsRegistry | undefined> {
  let promClient: typeof import('prom-client');
  try {
    promClient = await import('prom-client');
  } catch {
    return undefined;
  }
  const registry = new promClient.Registry();
  promClient.collectDefaultMetrics({ register: registry });
  pulse.metrics.register(registry, promClient);
  return registry;
}
