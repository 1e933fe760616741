/**
 * Bad input everywhere, generated: routing-key fields and values (dots, `*`, `#`, empty
 * strings, unicode, numbers), `fromNow` offsets, `scopeMatch` inputs, calls of every shape,
 * client, consumer and broker options. Each works correctly or throws the documented typed
 * error; nothing else is thrown, and a call refused as bad input sends nothing (counted at the
 * loopback server).
 */

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBroker } from '../../src/broker/memory/memory-broker.js';
import { compileTopicPattern, splitWords } from '../../src/broker/memory/topic.js';
import { TaskclusterHttpError } from '../../src/client/errors.js';
import {
  createTemporaryCredentials,
  MAX_TEMPORARY_CREDENTIALS_SPAN_MS,
} from '../../src/client/temporary-credentials.js';
import { parseBrokerUrl } from '../../src/consumer/amqp-transport.js';
import { connect } from '../../src/consumer/pulse.js';
import { InputError } from '../../src/errors.js';
import {
  buildRoutingKeyPattern,
  compileRoutingKeyParser,
  MISSING_WORD,
  RoutingKeyError,
} from '../../src/exchanges/routing-key.js';
import { buildRoutingKey, MAX_ROUTING_KEY_BYTES } from '../../src/exchanges/routing-key-builder.js';
import type { RoutingKeyField } from '../../src/exchanges/types.js';
import type { ApiServer } from '../../src/testing/api-server.js';
import { fromNow, fromNowJSON } from '../../src/utils/from-now.js';
import { scopeMatch } from '../../src/utils/scopes.js';
import { Fake } from '../fixtures/fake-service.js';
import { startFakeServer } from '../fixtures/fake-service-server.js';
import { FIXED_SECRETS, recordError } from './support/leak-scan.js';
import { recordCounts, size } from './support/report.js';

const RUNS = size(300, 5_000);
const counts: Record<string, { ok: number; refused: number }> = {};

/** Runs `work`; a throw must be an instance of `expected` (recorded for the leak scan). */
function outcome<T>(what: string, expected: new (...args: never[]) => Error, work: () => T) {
  const tally = counts[what] ?? { ok: 0, refused: 0 };
  counts[what] = tally;
  try {
    const value = work();
    tally.ok++;
    return { ok: true as const, value };
  } catch (error) {
    recordError(error);
    expect(error).toBeInstanceOf(expected);
    expect((error as InputError).code).toBeTypeOf('string');
    tally.refused++;
    return { ok: false as const, error };
  }
}

// Words that stress routing keys: separators, wildcards, the missing-value word, unicode.
const word = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('', '.', '*', '#', '_', 'a.b', '..', 'α.β', '😀', ' ', 'x'.repeat(300)),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);
const value = fc.oneof(word, fc.integer(), fc.double(), fc.constant(undefined));

const fieldsArb: fc.Arbitrary<RoutingKeyField[]> = fc
  .uniqueArray(fc.stringMatching(/^[a-z][a-zA-Z]{0,6}$/), { minLength: 1, maxLength: 6 })
  .chain((names) =>
    fc.tuple(
      fc.constant(names),
      fc.integer({ min: -1, max: names.length - 1 }),
      fc.array(fc.boolean(), { minLength: names.length, maxLength: names.length }),
      fc.array(fc.option(fc.stringMatching(/^[a-z]{1,5}$/), { nil: undefined }), {
        minLength: names.length,
        maxLength: names.length,
      }),
    ),
  )
  .map(([names, multi, required, constants]) =>
    names.map((name, i) => ({
      name,
      multipleWords: i === multi,
      required: required[i]!,
      ...(constants[i] === undefined || i === multi ? {} : { constant: constants[i] }),
    })),
  );

const filterOf = (fields: readonly RoutingKeyField[]) =>
  fc.dictionary(
    fc.oneof(fc.constantFrom(...fields.map((f) => f.name)), fc.string({ maxLength: 4 })),
    value,
    { maxKeys: fields.length + 1 },
  );

describe('routing keys', () => {
  it('built keys parse back to their values, and the filter pattern matches them', () => {
    fc.assert(
      fc.property(
        fieldsArb.chain((fields) => fc.tuple(fc.constant(fields), filterOf(fields))),
        ([fields, values]) => {
          const parse = compileRoutingKeyParser(fields);
          const key = outcome('buildRoutingKey', RoutingKeyError, () =>
            buildRoutingKey(fields, values),
          );
          const pattern = outcome('buildRoutingKeyPattern', RoutingKeyError, () =>
            buildRoutingKeyPattern(fields, values),
          );
          if (!key.ok) return;
          expect(Buffer.byteLength(key.value)).toBeLessThanOrEqual(MAX_ROUTING_KEY_BYTES);
          const parsed = parse(key.value);
          for (const field of fields) {
            const given = values[field.name];
            // `_` is Taskcluster's word for a missing optional value; a required field keeps it.
            const missing =
              given === undefined || (!field.required && String(given) === MISSING_WORD);
            const expected = field.constant ?? (missing ? undefined : String(given));
            expect(parsed[field.name]).toBe(expected);
          }
          // Values a topic pattern reads as wildcards make the filter match more, never less.
          if (pattern.ok) {
            expect(compileTopicPattern(pattern.value).matches(splitWords(key.value))).toBe(true);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('the parser takes any string: fields or a RoutingKeyError', () => {
    fc.assert(
      fc.property(fieldsArb, fc.array(word, { maxLength: 9 }), (fields, words) => {
        const parse = compileRoutingKeyParser(fields);
        outcome('parse', RoutingKeyError, () => parse(words.join('.')));
      }),
      { numRuns: RUNS },
    );
  });

  it('a filter of the wrong shape is a RoutingKeyError', () => {
    fc.assert(
      fc.property(fieldsArb, fc.anything(), (fields, filter) => {
        outcome('filter shape', RoutingKeyError, () =>
          buildRoutingKeyPattern(fields, filter as never),
        );
      }),
      { numRuns: RUNS },
    );
  });
});

const UNITS = [
  { ms: 365 * 86_400_000, spellings: ['years', 'year', 'yr', 'y'] },
  { ms: 30 * 86_400_000, spellings: ['months', 'month', 'mo'] },
  { ms: 7 * 86_400_000, spellings: ['weeks', 'week', 'wk', 'w'] },
  { ms: 86_400_000, spellings: ['days', 'day', 'd'] },
  { ms: 3_600_000, spellings: ['hours', 'hour', 'hr', 'h'] },
  { ms: 60_000, spellings: ['minutes', 'minute', 'min', 'm'] },
  { ms: 1_000, spellings: ['seconds', 'second', 'sec', 's'] },
];

describe('fromNow', () => {
  const reference = new Date('2026-01-01T00:00:00.000Z');

  it('any offset written with units in order is exact', () => {
    const part = (unit: (typeof UNITS)[number]) =>
      fc.option(
        fc.tuple(
          fc.nat({ max: 500 }),
          fc.constantFrom(...unit.spellings),
          fc.constantFrom('', ' ', '  '),
        ),
        { nil: undefined },
      );
    fc.assert(
      fc.property(
        fc.constantFrom('', '-', '+', ' - '),
        fc.tuple(...UNITS.map(part)),
        (sign, parts) => {
          const present = parts.some((p) => p !== undefined);
          const text = `${sign}${parts.map((p) => (p === undefined ? '' : `${p[0]}${p[2]}${p[1]} `)).join('')}`;
          const result = outcome('fromNow valid', InputError, () => fromNow(text, reference));
          expect(result.ok).toBe(present);
          if (!result.ok) return;
          const total = parts.reduce(
            (sum, p, i) => sum + (p === undefined ? 0 : p[0] * UNITS[i]!.ms),
            0,
          );
          const signed = sign.includes('-') ? -total : total;
          expect(result.value.getTime() - reference.getTime()).toBe(signed);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('huge amounts: a valid Date or an InputError, never an Invalid Date or a RangeError', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: 10n ** 25n })),
        fc.constantFrom(...UNITS.map((unit) => unit.spellings[0]!)),
        fc.constantFrom('', '-'),
        (amount, unit, sign) => {
          const text = `${sign}${amount} ${unit}`;
          const date = outcome('fromNow huge', InputError, () => fromNow(text, reference));
          if (date.ok) expect(Number.isNaN(date.value.getTime())).toBe(false);
          const json = outcome('fromNowJSON huge', InputError, () => fromNowJSON(text, reference));
          expect(json.ok).toBe(date.ok);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('any other input is a Date or an InputError', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.anything(), fc.constantFrom('1 day', ' 2h ', '-3 min', '+4w')),
        fc.oneof(fc.date(), fc.date({ noInvalidDate: true }), fc.anything()),
        (offset, ref) => {
          outcome('fromNow any', InputError, () => fromNow(offset as string, ref as Date));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('scopeMatch', () => {
  const scope = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.constantFrom('*', 'a*', 'a:*', 'a:b', 'queue:create-task:*', ''),
  );
  const scopes = fc.array(scope, { maxLength: 5 });

  it('malformed inputs are an InputError; well-formed ones a boolean', () => {
    fc.assert(
      fc.property(
        fc.oneof(scopes, fc.anything()),
        fc.oneof(fc.array(scopes, { maxLength: 3 }), fc.anything()),
        (assumed, required) => {
          const result = outcome('scopeMatch any', InputError, () =>
            scopeMatch(assumed as string[], required as string[][]),
          );
          if (result.ok) expect(typeof result.value).toBe('boolean');
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('held scopes satisfy themselves, * satisfies all, more scopes never satisfy less', () => {
    fc.assert(
      fc.property(
        scopes,
        scopes,
        fc.array(scopes, { maxLength: 3 }),
        (assumed, extra, required) => {
          expect(scopeMatch(['*'], required)).toBe(required.length > 0);
          for (const held of assumed) expect(scopeMatch(assumed, [[held]])).toBe(true);
          if (scopeMatch(assumed, required)) {
            expect(scopeMatch([...assumed, ...extra], required)).toBe(true);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('temporary credentials', () => {
  const issuer = { clientId: 'issuer', accessToken: FIXED_SECRETS.restAccessToken };
  const DAY = 86_400_000;

  it('any options: credentials or an InputError; never more than 31 days, never from temporary', () => {
    const time = fc.oneof(fc.integer({ min: 0, max: 4e12 }), fc.date(), fc.anything());
    fc.assert(
      fc.property(
        fc.record(
          {
            credentials: fc.oneof(
              fc.constant(issuer),
              fc.constant({ ...issuer, certificate: '{"version":1}' }),
              fc.anything(),
            ),
            start: time,
            expiry: time,
            scopes: fc.oneof(fc.array(fc.string({ maxLength: 5 })), fc.anything()),
            name: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 5 }), fc.anything()),
          },
          { requiredKeys: ['credentials', 'start', 'expiry', 'scopes'] },
        ),
        (options) => {
          const result = outcome('temporary credentials', InputError, () =>
            createTemporaryCredentials(options as never),
          );
          if (!result.ok) return;
          const certificate = JSON.parse(result.value.certificate as string) as {
            start: number;
            expiry: number;
          };
          expect(certificate.expiry - certificate.start).toBeLessThanOrEqual(
            MAX_TEMPORARY_CREDENTIALS_SPAN_MS,
          );
          expect(certificate.expiry).toBeGreaterThan(certificate.start);
          // Never issued from temporary credentials (those carry a certificate).
          const given = options.credentials as { certificate?: unknown };
          expect(given.certificate ?? '').toBe('');
        },
      ),
      { numRuns: RUNS },
    );
    // Spans around the limit, in whole days and milliseconds.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 * DAY }), (span) => {
        const start = Date.UTC(2026, 0, 1);
        const result = outcome('temporary span', InputError, () =>
          createTemporaryCredentials({
            credentials: issuer,
            start,
            expiry: start + span,
            scopes: [],
          }),
        );
        expect(result.ok).toBe(span <= MAX_TEMPORARY_CREDENTIALS_SPAN_MS);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('calls of every shape', () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await startFakeServer();
    server.addClient('reliability-props', {
      accessToken: FIXED_SECRETS.restAccessToken,
      scopes: ['fake:*'],
    });
  });
  afterAll(() => server.close());

  const arg = fc.oneof(
    fc.string({ maxLength: 5 }),
    fc.integer(),
    fc.constantFrom(undefined, null, true, '', 'a/b', 'ü'),
    fc.object({ maxDepth: 2 }),
    fc.record(
      { params: fc.object({ maxDepth: 1 }), payload: fc.anything(), query: fc.anything() },
      {
        requiredKeys: [],
      },
    ),
    fc.array(fc.string(), { maxLength: 2 }),
    fc.func(fc.anything()),
  );
  const methods = ['getThing', 'createThing', 'updateThing', 'searchThings', 'listThings', 'ping'];

  it('a call either goes out, or is an InputError with nothing sent', async () => {
    const client = new Fake({
      rootUrl: server.rootUrl,
      credentials: { clientId: 'reliability-props', accessToken: FIXED_SECRETS.restAccessToken },
      maxRetries: 0,
    });
    let sent = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...methods),
        fc.array(arg, { maxLength: 4 }),
        async (method, args) => {
          const before = server.requests.length;
          const call = (client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[
            method
          ]!;
          let error: unknown;
          let promise: Promise<unknown> | undefined;
          try {
            promise = call.apply(client, args);
          } catch (thrown) {
            error = thrown;
          }
          expect(error, 'calls reject, they never throw synchronously').toBeUndefined();
          try {
            await promise;
            sent++;
            expect(server.requests.length).toBe(before + 1);
          } catch (rejected) {
            recordError(rejected);
            if (rejected instanceof TaskclusterHttpError) {
              sent++;
              expect(server.requests.length).toBe(before + 1);
            } else {
              expect(rejected).toBeInstanceOf(InputError);
              expect(server.requests.length).toBe(before);
              refused++;
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
    counts.calls = { ok: sent, refused };
    expect(sent).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it('buildUrl and buildSignedUrl: a URL or an InputError', () => {
    const client = new Fake({
      rootUrl: server.rootUrl,
      credentials: { clientId: 'reliability-props', accessToken: FIXED_SECRETS.restAccessToken },
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...methods, 'nope'),
        fc.array(arg, { maxLength: 4 }),
        (method, args) => {
          const url = outcome('buildUrl', InputError, () =>
            client.buildUrl(method as 'ping', ...(args as [])),
          );
          if (url.ok) expect(url.value.startsWith(`${server.rootUrl}/api/fake/v1/`)).toBe(true);
          const signed = outcome('buildSignedUrl', InputError, () =>
            client.buildSignedUrl(method as 'ping', ...(args as [])),
          );
          if (signed.ok) expect(signed.value).toContain('bewit=');
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('options', () => {
  it('client options: a client or an InputError', () => {
    const options = fc.record(
      {
        rootUrl: fc.oneof({ weight: 3, arbitrary: fc.webUrl() }, fc.string(), fc.anything()),
        credentials: fc.oneof(
          fc.record(
            {
              clientId: fc.oneof(fc.string(), fc.anything()),
              accessToken: fc.oneof(fc.string(), fc.anything()),
              certificate: fc.anything(),
            },
            { requiredKeys: [] },
          ),
          fc.anything(),
        ),
        authorizedScopes: fc.oneof(fc.array(fc.string()), fc.anything()),
        maxRetries: fc.oneof(fc.integer({ min: -2, max: 10 }), fc.double(), fc.anything()),
        retries: fc.oneof(fc.integer({ min: -2, max: 10 }), fc.double(), fc.anything()),
        delayFactor: fc.oneof(fc.double(), fc.anything()),
        randomizationFactor: fc.oneof(fc.double({ min: -1, max: 2 }), fc.anything()),
        maxDelay: fc.oneof(fc.double(), fc.anything()),
        timeout: fc.oneof(fc.integer({ min: -2, max: 100_000 }), fc.anything()),
        signedUrlExpiration: fc.oneof(fc.integer({ min: -2, max: 100_000 }), fc.anything()),
        fetch: fc.oneof(fc.constant(globalThis.fetch), fc.anything()),
        logger: fc.oneof(fc.constant(undefined), fc.anything()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(options, fc.anything()), (given) => {
        outcome('client options', InputError, () => new Fake(given as never));
      }),
      { numRuns: RUNS },
    );
    // Well-formed options are always accepted, and their values kept.
    const valid = fc.record(
      {
        rootUrl: fc.webUrl(),
        credentials: fc.record({
          // Taskcluster's clientId pattern: a Hawk header can carry any of them (not `"` or `\`).
          clientId: fc.stringMatching(/^[A-Za-z0-9!@/:.+|_-]+$/),
          accessToken: fc.string({ minLength: 1 }),
        }),
        authorizedScopes: fc.array(fc.string()),
        maxRetries: fc.nat({ max: 20 }),
        timeout: fc.integer({ min: 1, max: 10 ** 9 }),
        signedUrlExpiration: fc.integer({ min: 1, max: 10 ** 9 }),
      },
      { requiredKeys: ['rootUrl'] },
    );
    fc.assert(
      fc.property(valid, (given) => {
        const client = outcome('valid client options', InputError, () => new Fake(given));
        expect(client.ok).toBe(true);
        if (client.ok && given.maxRetries !== undefined) {
          expect(client.value.options.retries).toBe(given.maxRetries);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('handler options: a running handler or an InputError before anything reaches the broker', async () => {
    const broker = createMemoryBroker();
    const pulse = connect({ broker: broker.transport(), namespace: 'props' });
    await pulse.connected();
    const binding = { exchange: 'exchange/props/x', routingKeyPattern: '#' };
    const number = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: -2, max: 100 }) },
      fc.double(),
      fc.anything(),
    );
    const options = fc.record(
      {
        bindings: fc.oneof(
          { weight: 3, arbitrary: fc.constant([binding]) },
          fc.array(fc.anything(), { maxLength: 2 }),
        ),
        queueName: fc.oneof(fc.stringMatching(/^[a-z]{1,5}$/), fc.anything()),
        queueType: fc.oneof(fc.constantFrom('quorum', 'classic', 'stream'), fc.anything()),
        prefetch: number,
        concurrency: number,
        maxAttempts: number,
        retryDelay: number,
        handlerTimeout: number,
      },
      { requiredKeys: ['bindings'] },
    );
    const queuesBefore = broker.queues().length;
    let started = 0;
    await fc.assert(
      fc.asyncProperty(options, async (given) => {
        const result = outcome('handler options', InputError, () =>
          pulse.handle(given as never, () => undefined),
        );
        if (result.ok) {
          started++;
          await result.value.close(0);
        }
      }),
      { numRuns: size(100, 1_000) },
    );
    await pulse.close();
    // Refused options declared nothing; only the accepted ones may have made queues.
    if (started === 0) expect(broker.queues().length).toBe(queuesBefore);
    expect(counts['handler options']!.refused).toBeGreaterThan(0);
  });

  it('connection options: a client or an InputError; broker URLs never echo their password', () => {
    const password = FIXED_SECRETS.pulsePassword;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc
            .constantFrom('amqp', 'amqps', 'http', 'amqp+ssl', '')
            .chain((scheme) =>
              fc
                .tuple(
                  fc.oneof(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), fc.string({ maxLength: 6 })),
                  fc.constantFrom(5671, 5672, 99_999),
                )
                .map(
                  ([host, port]) =>
                    `${scheme}://user:${encodeURIComponent(password)}@${host}:${port}/v`,
                ),
            ),
          fc.webUrl().map((url) => url.replace('://', `://u:${encodeURIComponent(password)}@`)),
        ),
        (url) => {
          const result = outcome('broker URL', InputError, () => parseBrokerUrl(url));
          if (/^amqps?:\/\/user:[^@]+@[a-z][a-z0-9]*:567[12]\/v$/.test(url)) {
            expect(result.ok && result.value.password).toBe(password);
          }
          if (!result.ok) expect(String((result.error as Error).message)).not.toContain(password);
        },
      ),
      { numRuns: RUNS },
    );
    const broker = createMemoryBroker();
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 6 }), fc.anything()), (namespace) => {
        const result = outcome('namespace', InputError, () =>
          connect({ broker: broker.transport(), namespace: namespace as string }),
        );
        if (result.ok) void result.value.close();
      }),
      { numRuns: RUNS },
    );
  });
});

afterAll(() => recordCounts('properties', counts));
