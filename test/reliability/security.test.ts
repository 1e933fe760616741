/**
 * Security: no secret (access token, temporary access token, certificate signature, bewit, Pulse
 * password) in anything the suite shows (the setup file scans output, logger lines, status
 * events and errors after the file); signed URLs expire as configured; temporary credentials
 * beyond 31 days or issued from temporary credentials are refused; `amqps://` verifies the
 * broker's certificate unless the user turns it off explicitly.
 */

import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { TaskclusterAuthenticationError, TaskclusterHttpError } from '../../src/client/errors.js';
import {
  createTemporaryCredentials,
  MAX_TEMPORARY_CREDENTIALS_SPAN_MS,
} from '../../src/client/temporary-credentials.js';
import { AmqpTransport } from '../../src/consumer/amqp-transport.js';
import { PulseConnectionError } from '../../src/consumer/errors.js';
import { connect, type PulseClient } from '../../src/consumer/pulse.js';
import type { PulseStatus } from '../../src/consumer/status.js';
import { InputError } from '../../src/errors.js';
import type { ApiServer } from '../../src/testing/api-server.js';
import { Fake } from '../fixtures/fake-service.js';
import { startFakeServer } from '../fixtures/fake-service-server.js';
import { closeConnectionsNamed, unique, waitFor } from '../support/rabbitmq.js';
import {
  addUser,
  brokerEndpoint,
  brokerUrlFor,
  deleteUser,
  rabbitmqctl,
} from './support/broker.js';
import { selfSignedCertificate } from './support/certificate.js';
import {
  capturingLogger,
  FIXED_SECRETS,
  recordShown,
  registerSecret,
  rejectionOf,
  scanned,
  thrownBy,
} from './support/leak-scan.js';
import { startProxy, type TcpProxy } from './support/proxy.js';
import { recordCounts } from './support/report.js';

const CLIENT_ID = 'reliability-security';
const PERMANENT = { clientId: CLIENT_ID, accessToken: FIXED_SECRETS.restAccessToken };
const HOUR = 3_600_000;

let server: ApiServer;
/** The server's clock runs this far ahead of the real one. */
let skewMs = 0;

beforeAll(async () => {
  server = await startFakeServer({ now: () => Date.now() + skewMs });
  server.addClient(CLIENT_ID, { accessToken: PERMANENT.accessToken, scopes: ['fake:*'] });
});
afterAll(() => server.close());

function fake(options: Partial<ConstructorParameters<typeof Fake>[0]> = {}) {
  return new Fake({
    rootUrl: server.rootUrl,
    credentials: PERMANENT,
    maxRetries: 1,
    timeout: 500,
    logger: capturingLogger(),
    ...options,
  });
}

/** Records every status event of a Pulse client for the leak scan. */
function watch(pulse: PulseClient): PulseStatus[] {
  const seen: PulseStatus[] = [];
  pulse.status$.subscribe((status) => {
    seen.push(status);
    recordShown(inspect(status, { depth: 4 }));
  });
  return seen;
}

describe('signed URLs', () => {
  it.each([
    ['the client option', { signedUrlExpiration: 40 }, undefined, 40],
    ['a per-URL expiration', { signedUrlExpiration: 900 }, 75, 75],
  ])('expire as configured by %s', async (_what, options, expiration, lifetime) => {
    skewMs = 0;
    const url = fake(options).buildSignedUrl('getThing', 'x', 1, {
      ...(expiration === undefined ? {} : { expiration }),
    });
    const bewit = new URL(url).searchParams.get('bewit')!;
    registerSecret(bewit);
    expect((await fetch(url)).status).toBe(200);
    skewMs = (lifetime - 5) * 1000;
    expect((await fetch(url)).status).toBe(200);
    skewMs = (lifetime + 5) * 1000;
    const refused = await fetch(url);
    expect(refused.status).toBe(401);
    recordShown(await refused.text());
    skewMs = 0;
  });
});

describe('temporary credentials', () => {
  const now = Date.now();

  it('lasting 31 days works; a millisecond more is refused before anything is sent', async () => {
    const longest = createTemporaryCredentials({
      credentials: PERMANENT,
      start: now - 60_000,
      expiry: now - 60_000 + MAX_TEMPORARY_CREDENTIALS_SPAN_MS,
      scopes: ['fake:search'],
    });
    registerSecret(longest.accessToken);
    registerSecret(JSON.parse(longest.certificate as string).signature);
    await expect(fake({ credentials: longest }).searchThings('k')).resolves.toMatchObject({
      clientId: CLIENT_ID,
    });
    const error = thrownBy(() =>
      createTemporaryCredentials({
        credentials: PERMANENT,
        start: now,
        expiry: now + MAX_TEMPORARY_CREDENTIALS_SPAN_MS + 1,
        scopes: ['fake:search'],
      }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(String(error)).toContain('31 days');
  });

  it('temporary credentials cannot issue temporary credentials', () => {
    const temporary = createTemporaryCredentials({
      credentials: PERMANENT,
      start: now,
      expiry: now + HOUR,
      scopes: ['fake:*'],
    });
    registerSecret(temporary.accessToken);
    registerSecret(JSON.parse(temporary.certificate as string).signature);
    const error = thrownBy(() =>
      createTemporaryCredentials({
        credentials: temporary,
        start: now,
        expiry: now + HOUR,
        scopes: [],
      }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(String(error)).toContain('temporary credentials cannot issue');
  });

  it('expired, unauthorized and failing requests show no secret anywhere', async () => {
    const expired = createTemporaryCredentials({
      credentials: PERMANENT,
      start: now - 2 * HOUR,
      expiry: now - HOUR,
      scopes: ['fake:*'],
    });
    registerSecret(expired.accessToken);
    registerSecret(JSON.parse(expired.certificate as string).signature);
    const failures = [
      fake({ credentials: expired }).searchThings('k'),
      fake({ authorizedScopes: ['fake:search'] }).createThing({ name: 'n' }),
      fake({ credentials: { ...PERMANENT, clientId: 'nobody' } }).ping(),
    ];
    const errors = await Promise.all(failures.map((call) => rejectionOf(call)));
    expect(errors[0]).toBeInstanceOf(TaskclusterAuthenticationError);
    expect(errors[1]).toMatchObject({ statusCode: 403 });
    expect(errors[2]).toBeInstanceOf(TaskclusterHttpError);
    // A client shown whole (console.log, a crash report) shows no credentials either.
    recordShown(inspect(fake(), { depth: 6, showHidden: false }));
    recordShown(JSON.stringify(fake()));
    // The suite's debug lines on stderr were captured and are part of the scan.
    expect(scanned().debugLines).toBeGreaterThan(0);
  });
});

describe('Pulse password', () => {
  const user = unique('rel-user');
  const password = FIXED_SECRETS.pulsePassword;
  beforeAll(() => addUser(user, password));
  afterAll(() => deleteUser(user));

  it('is shown nowhere: logs, status events, errors, across closes and a refused login', async () => {
    const connectionName = unique('rel-secret');
    const lines: string[] = [];
    const pulse = connect({
      broker: brokerUrlFor(user, password),
      namespace: user,
      connectionName,
      logger: capturingLogger(lines),
      reconnect: { baseDelay: 100, maxDelay: 500, minDelay: 50 },
    });
    const statuses = watch(pulse);
    await pulse.connected();
    recordShown(pulse.broker);
    recordShown(inspect(pulse, { depth: 4 }));
    const publisher = pulse.publisher({ deadline: 5_000 });
    const exchange = { exchange: `exchange/${user}/secret`, routingKey: [] };
    await publisher.declareExchange(exchange);
    let handled = 0;
    const runner = pulse.handle(
      {
        bindings: [{ exchange: exchange.exchange, routingKeyPattern: '#' }],
        logger: capturingLogger(lines),
        maxAttempts: 1,
      },
      (message) => {
        handled++;
        if ((message.payload as { fail: boolean }).fail) throw new Error('handler says no');
      },
    );
    await waitFor(() => statuses.some((s) => s.type === 'consuming'), 'consuming');
    for (const fail of [false, true]) await publisher.publish(exchange, { payload: { fail } });
    await waitFor(() => handled === 2, 'both handled');

    // The broker closes the connection, then refuses the login until the password is back.
    await rabbitmqctl('change_password', user, `${password}-rotated`);
    expect(await closeConnectionsNamed(connectionName)).toBeGreaterThan(0);
    await waitFor(
      () => statuses.filter((s) => s.type === 'reconnecting').length >= 2,
      'refused reconnects',
    );
    const refused = statuses.find(
      (s) => s.type === 'reconnecting' && /refused|403|ACCESS/i.test(s.error.message),
    );
    expect(refused, 'the refused login is reported').toBeDefined();
    await rabbitmqctl('change_password', user, password);
    await waitFor(() => pulse.healthy, 'consuming again', 30_000);

    // A wrong port: the connection error names the broker, not the password.
    const unreachable = new AmqpTransport({ broker: brokerUrlFor(user, password, 1) });
    const error = await rejectionOf(unreachable.connect());
    expect(error).toBeInstanceOf(PulseConnectionError);

    await runner.close();
    await pulse.close();
    expect(lines.length).toBeGreaterThan(0);
    recordCounts('security-pulse', {
      statuses: statuses.length,
      logLines: lines.length,
      reconnecting: statuses.filter((s) => s.type === 'reconnecting').length,
    });
  });

  it('tc-pulse shows no password when it cannot connect or is misused', async () => {
    const { host, port } = brokerEndpoint();
    const encoded = encodeURIComponent(password);
    const cases: Array<[string[], NodeJS.ProcessEnv]> = [
      // Nobody listens on port 1.
      [['listen', 'queue.taskCompleted', '--url', `amqp://${user}:${encoded}@127.0.0.1:1/`], {}],
      // The right password, a virtual host the user may not use: refused by the broker.
      [
        ['listen', 'queue.taskCompleted', '--count', '1'],
        {
          PULSE_HOST: `${host}:${port}`,
          PULSE_USERNAME: user,
          PULSE_PASSWORD: password,
          PULSE_VHOST: 'no-such-vhost',
        },
      ],
      // Misused: an unknown exchange, a bad flag.
      [
        ['listen', 'queue.noSuchExchange', '--url', `amqp://${user}:${encoded}@${host}:${port}/`],
        {},
      ],
      [['publish', '--url', `amqp://${user}:${encoded}@${host}:${port}/`, '--bogus'], {}],
    ];
    const lines: string[] = [];
    for (const [argv, env] of cases) {
      const status = await runCli(argv, {
        out: (line) => lines.push(line),
        err: (line) => lines.push(line),
        env,
        onStop: () => undefined,
      });
      expect(status, argv.join(' ')).not.toBe(0);
    }
    for (const line of lines) recordShown(line);
    expect(lines.join('\n')).toMatch(/error/);
  });

  describe('TLS', () => {
    let proxy: TcpProxy;
    let cert: string;
    beforeAll(async () => {
      const pair = await selfSignedCertificate();
      cert = pair.cert;
      proxy = await startProxy({ target: brokerEndpoint(), tls: pair });
    });
    afterAll(() => proxy.close());

    const url = () => `amqps://${user}:${encodeURIComponent(password)}@127.0.0.1:${proxy.port}`;

    it('refuses a certificate it cannot verify, with a certificate error', async () => {
      const error = await rejectionOf(new AmqpTransport({ broker: url() }).connect());
      expect(error).toBeInstanceOf(PulseConnectionError);
      expect(String((error as Error).message)).toMatch(/self[- ]signed|certificate/i);

      // The client keeps refusing (and says why) rather than falling back to no verification.
      const pulse = connect({
        broker: url(),
        namespace: user,
        reconnect: { baseDelay: 50, maxDelay: 200, minDelay: 50 },
      });
      const statuses = watch(pulse);
      await waitFor(
        () => statuses.filter((s) => s.type === 'reconnecting').length >= 2,
        'refused connects',
      );
      expect(pulse.healthy).toBe(false);
      const reported = statuses.find((s) => s.type === 'reconnecting');
      expect(reported?.type === 'reconnecting' && reported.error.message).toMatch(/certificate/i);
      await pulse.close();
      expect(statuses.some((s) => s.type === 'connected')).toBe(false);
    });

    it.each([
      ['with the CA given', () => ({ ca: cert })],
      ['with verification turned off explicitly', () => ({ rejectUnauthorized: false })],
    ])('connects %s', async (_what, tls) => {
      const connection = await new AmqpTransport({ broker: url(), tls: tls() }).connect();
      const channel = await connection.createChannel();
      await channel.checkExchange('amq.topic');
      await connection.close();
    });
  });
});
