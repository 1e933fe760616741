/**
 * A loopback TCP proxy in front of the broker that a test controls: it can stop forwarding
 * without closing anything (a half-open connection, as a dead NAT or cable makes), and can put
 * TLS in front of the broker (an `amqps://` endpoint with a certificate the test chose).
 */

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

/** A running proxy. */
export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Stops forwarding on every open connection, leaving both sockets open and silent. */
  freeze(): void;
  /** Closes the proxy and every connection. */
  close(): Promise<void>;
}

/** Options of {@link startProxy}. */
export interface ProxyOptions {
  /** Where to forward: the broker. */
  target: { host: string; port: number };
  /** Terminate TLS with this certificate and key (PEM) instead of forwarding plain TCP. */
  tls?: { cert: string; key: string };
}

/** Starts a proxy on 127.0.0.1 and a random port. */
export async function startProxy(options: ProxyOptions): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket; frozen: boolean }>();
  let accepted = 0;
  const onClient = (client: Socket) => {
    accepted++;
    const upstream = tcpConnect(options.target.port, options.target.host);
    const pair = { client, upstream, frozen: false };
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) => {
      from.on('data', (chunk) => {
        if (!pair.frozen) to.write(chunk);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    // A frozen pair stays half-open: one side closing tells the other nothing.
    const end = () => {
      if (pair.frozen) return;
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  };
  const server: Server = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, onClient)
    : createServer(onClient);
  // A client that refuses the certificate ends the handshake: nothing to forward.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    freeze() {
      for (const pair of pairs) pair.frozen = true;
    },
    async close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
