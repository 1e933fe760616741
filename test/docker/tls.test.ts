/**
 * TLS for real: a RabbitMQ container with its own TLS listener (5671) and a certificate signed
 * by a CA this run makes with openssl, for the host name `localhost` only. With `tls.ca` the
 * consumer and the publisher work over `amqps://` end to end; a client that trusts another CA,
 * or connects by a name the certificate does not have, is refused with an error that says
 * which; `tc-pulse` takes the CA from NODE_EXTRA_CA_CERTS.
 */

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectOrFail } from '../../src/consumer/connect-or-fail.js';
import { ConnectFailedError } from '../../src/consumer/errors.js';
import { defineExchange } from '../../src/consumer/publisher.js';
import { connect } from '../../src/consumer/pulse.js';
import { type BrokerContainer, startBrokerContainer } from '../../src/testing/broker-container.js';
import { cleanEnv, runCli, startCli } from '../cli/run-cli.js';
import { certificateAuthority, type TlsFiles } from './tls-certificates.js';

const IMAGE = process.env.PULSE_TEST_IMAGE ?? 'local/rabbitmq:test';
const AMQPS_PORT = 5671;
const TLS_DIR = '/etc/rabbitmq/tls';
const USERNAME = 'tls-user';
const PASSWORD = randomBytes(12).toString('hex');

/** The image's configuration (see rabbitmq-image.sh) with a TLS listener. */
const RABBITMQ_CONF = `loopback_users.guest = false
listeners.tcp.default = 5672
listeners.ssl.default = ${AMQPS_PORT}
ssl_options.cacertfile = ${TLS_DIR}/ca.pem
ssl_options.certfile = ${TLS_DIR}/server.pem
ssl_options.keyfile = ${TLS_DIR}/server-key.pem
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
log.console = true
log.console.level = info
log.file = false
`;

let broker: BrokerContainer;
let trusted: TlsFiles;
let other: TlsFiles;
let port: number;
let caDir: string;

/** The broker's amqps URL by `host`, with the user and password. */
const amqps = (host: string) => `amqps://${USERNAME}:${PASSWORD}@${host}:${port}`;

beforeAll(async () => {
  [trusted, other] = await Promise.all([
    certificateAuthority('taskcluster-pulse test CA', ['localhost']),
    certificateAuthority('another CA', ['localhost']),
  ]);
  broker = await startBrokerContainer({
    image: IMAGE,
    username: USERNAME,
    password: PASSWORD,
    startupTimeoutMs: 90_000,
    extraPorts: [AMQPS_PORT],
    files: [
      { target: '/etc/rabbitmq/rabbitmq.conf', content: RABBITMQ_CONF, mode: 0o644 },
      { target: `${TLS_DIR}/ca.pem`, content: trusted.ca, mode: 0o644 },
      { target: `${TLS_DIR}/server.pem`, content: trusted.cert, mode: 0o644 },
      // Read by the broker's own user; a test key, made for this run only.
      { target: `${TLS_DIR}/server-key.pem`, content: trusted.key, mode: 0o644 },
    ],
  });
  port = broker.mappedPort(AMQPS_PORT);
  caDir = await mkdtemp(join(tmpdir(), 'tls-ca-'));
  await writeFile(join(caDir, 'ca.pem'), trusted.ca);
});

afterAll(async () => {
  await broker?.stop();
  if (caDir !== undefined) await rm(caDir, { recursive: true, force: true });
});

describe('amqps against RabbitMQ with a private CA', () => {
  it('consumes and publishes over amqps:// with tls.ca', async () => {
    const namespace = `tls-${randomBytes(4).toString('hex')}`;
    const pulse = connect({ broker: amqps('localhost'), namespace, tls: { ca: trusted.ca } });
    try {
      await pulse.connected();
      expect(pulse.broker).toBe(`amqps://${USERNAME}@localhost:${port}/%2F`);
      const exchange = defineExchange(namespace, 'v1/things', [
        { name: 'thing', multipleWords: false, required: true },
      ]);
      const publisher = pulse.publisher();
      await publisher.declareExchange(exchange);
      const handled: unknown[] = [];
      const runner = pulse.handle(
        {
          queueName: 'over-tls',
          bindings: [{ exchange: exchange.exchange, routingKeyPattern: '#' }],
        },
        (message) => {
          handled.push(message.payload);
        },
      );
      await runner.ready;
      const { routed } = await publisher.publish(exchange, {
        payload: { over: 'tls' },
        routing: { thing: 'a' },
        mandatory: true,
      });
      expect(routed).toBe(true);
      await expect.poll(() => handled, { timeout: 10_000 }).toEqual([{ over: 'tls' }]);
      await runner.close();
      expect(await pulse.durableQueue('over-tls').delete()).toMatchObject({
        queue: `queue/${namespace}/over-tls`,
      });
    } finally {
      await pulse.close();
    }
  });

  it.each([
    [
      'a CA that did not sign the certificate',
      () => ({ broker: amqps('localhost'), tls: { ca: other.ca } }),
      /the broker's TLS certificate is not signed by a trusted authority: give its CA with the tls\.ca option/,
    ],
    [
      'no CA at all (only the system ones)',
      () => ({ broker: amqps('localhost') }),
      /the broker's TLS certificate is not signed by a trusted authority/,
    ],
    [
      'a host name the certificate does not have',
      () => ({ broker: amqps('127.0.0.1'), tls: { ca: trusted.ca } }),
      /the broker's TLS certificate is not for "127\.0\.0\.1": connect by a name the certificate lists, or set tls\.servername/,
    ],
  ])('refuses %s with a clear error', async (_, options, message) => {
    const attempt = connectOrFail({
      ...options(),
      namespace: 'tls',
      reconnect: { baseDelay: 50, maxDelay: 50 },
    });
    await expect(attempt).rejects.toBeInstanceOf(ConnectFailedError);
    const error = (await attempt.catch((caught: unknown) => caught)) as Error;
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('connects by another name with tls.servername', async () => {
    const pulse = await connectOrFail({
      broker: amqps('127.0.0.1'),
      namespace: 'tls',
      tls: { ca: trusted.ca, servername: 'localhost' },
    });
    await pulse.close();
  });

  it('tc-pulse listens and publishes over amqps with the CA in NODE_EXTRA_CA_CERTS', async () => {
    const env = cleanEnv({
      PULSE_URL: amqps('localhost'),
      NODE_EXTRA_CA_CERTS: join(caDir, 'ca.pem'),
    });
    const prefix = `exchange/tls-${randomBytes(4).toString('hex')}/queue/v1/`;
    const sample = await runCli(['publish', 'queue.taskCompleted', '--example'], cleanEnv());
    expect(sample.code, sample.stderr).toBe(0);
    const publish = (...extra: string[]) =>
      runCli(
        [
          'publish',
          'queue.taskCompleted',
          '--exchange-prefix',
          prefix,
          '--payload',
          sample.stdout,
          ...['--task-id', 'T1', '--run-id', '0', '--worker-group', 'wg', '--worker-id', 'w'],
          ...['--provisioner-id', 'p', '--worker-type', 't', '--scheduler-id', 's'],
          ...['--task-group-id', 'g', ...extra],
        ],
        env,
      );
    // The exchange first (listen binds to it), with a message nobody receives.
    const declared = await publish('--declare');
    expect(declared.code, declared.stderr).toBe(0);
    const listening = startCli(
      ['listen', 'queue.taskCompleted', '--exchange-prefix', prefix, '--count', '1', '--json'],
      env,
    );
    await listening.waitForStderr('listening on');
    const published = await publish();
    expect(published.code, published.stderr).toBe(0);
    const result = await listening.done;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ routing: { taskId: 'T1', runId: '0' } });
    for (const output of [result, declared, published]) {
      expect(output.stdout + output.stderr).not.toContain(PASSWORD);
    }
  });
});
