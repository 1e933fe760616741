/**
 * A connect that fails says what is wrong and what to check, against real peers: TLS to the
 * test broker's plain AMQP port, a virtual host it does not have, an HTTP server where the
 * broker was expected, a wrong password, a closed port and a name that does not resolve. The
 * password is never in the message.
 */

import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from '../../src/consumer/amqp-transport.js';
import { PulseConnectionError } from '../../src/consumer/errors.js';
import { BROKER_URL } from '../support/rabbitmq.js';

const SECRET = 'pw-never-shown-7Hq';

describe('a failed connect, in words', () => {
  let http: Server;
  let httpPort: number;
  const broker = new URL(BROKER_URL);
  const withChange = (change: (url: URL) => void) => {
    const url = new URL(BROKER_URL);
    change(url);
    return url.toString();
  };

  beforeAll(async () => {
    http = createServer((_, response) => response.end('<html>not a broker</html>'.repeat(20)));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    httpPort = (http.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => http.close(resolve));
  });

  it.each([
    [
      'amqps to a plain AMQP port',
      () =>
        withChange((url) => {
          url.protocol = 'amqps:';
        }),
      /does not speak TLS \(it looks like plain AMQP\): use amqp:\/\/ for it, or the broker's TLS port/,
    ],
    [
      'an unknown virtual host',
      () =>
        withChange((url) => {
          url.pathname = '/no-such-vhost';
        }),
      /refused to open the virtual host "no-such-vhost": check that it exists/,
    ],
    [
      'an HTTP server where the broker was expected',
      () => `amqp://u:${SECRET}@127.0.0.1:${httpPort}`,
      /answered, but not in AMQP \(an HTTP or other server\?\): check the host and port/,
    ],
    [
      'a wrong password',
      () =>
        withChange((url) => {
          url.password = SECRET;
        }),
      /refused the login: check the user name and password \(.*ACCESS.REFUSED/,
    ],
    [
      'a closed port',
      () => `amqp://u:${SECRET}@127.0.0.1:1`,
      /nothing accepts connections on 127\.0\.0\.1:1: check that the broker runs/,
    ],
    [
      'a host name that does not resolve',
      () => `amqp://u:${SECRET}@no-such-host.invalid`,
      /the host name "no-such-host\.invalid" does not resolve/,
    ],
  ])('%s', async (_, url, message) => {
    const error = await new AmqpTransport({ broker: url() })
      .connect()
      .then(() => new Error('connected'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PulseConnectionError);
    expect((error as Error).message).toMatch(/^cannot connect to amqps?:\/\//);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(SECRET);
    expect((error as Error).message).not.toContain(`:${decodeURIComponent(broker.password)}@`);
  });
});
