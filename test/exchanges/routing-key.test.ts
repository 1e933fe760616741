import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildRoutingKeyPattern,
  compileRoutingKeyParser,
  parseRoutes,
  RoutingKeyError,
  taskRouteBinding,
} from '../../src/exchanges/routing-key.js';
import type { RoutingKeyField } from '../../src/exchanges/types.js';

/** The routing key of the queue's task exchanges, restated from the v106 reference. */
const taskFields: RoutingKeyField[] = [
  { name: 'routingKeyKind', required: true, multipleWords: false, constant: 'primary' },
  { name: 'taskId', required: true, multipleWords: false },
  { name: 'runId', required: false, multipleWords: false },
  { name: 'workerGroup', required: false, multipleWords: false },
  { name: 'workerId', required: false, multipleWords: false },
  { name: 'provisionerId', required: true, multipleWords: false },
  { name: 'workerType', required: true, multipleWords: false },
  { name: 'schedulerId', required: true, multipleWords: false },
  { name: 'taskGroupId', required: true, multipleWords: false },
  { name: 'reserved', required: false, multipleWords: true },
];

/** A multi-word field in the middle, to check words counted from both ends. */
const middleFields: RoutingKeyField[] = [
  { name: 'kind', required: true, multipleWords: false, constant: 'primary' },
  { name: 'org', required: true, multipleWords: false },
  { name: 'path', required: false, multipleWords: true },
  { name: 'action', required: true, multipleWords: false },
];

describe('buildRoutingKeyPattern', () => {
  it.each([
    [{ taskId: 'abc' }, 'primary.abc.*.*.*.*.*.*.*.#'],
    [{}, 'primary.*.*.*.*.*.*.*.*.#'],
    [{ taskGroupId: 'g1', runId: 0 }, 'primary.*.0.*.*.*.*.*.g1.#'],
    [{ routingKeyKind: 'primary', reserved: 'a.b' }, 'primary.*.*.*.*.*.*.*.*.a.b'],
    [{ taskId: undefined, workerType: 'wt' }, 'primary.*.*.*.*.*.wt.*.*.#'],
  ])('%j -> %s', (filter, pattern) => {
    expect(buildRoutingKeyPattern(taskFields, filter)).toBe(pattern);
  });

  it.each([
    // '*' means any value, as leaving the field out does.
    [{ taskId: '*' }, buildRoutingKeyPattern(taskFields, {})],
    [{ reserved: '*' }, buildRoutingKeyPattern(taskFields, {})],
    [{ routingKeyKind: '*' }, buildRoutingKeyPattern(taskFields, {})],
    // A multi-word field takes a pattern with * and # words.
    [{ reserved: 'a.#' }, 'primary.*.*.*.*.*.*.*.*.a.#'],
    [{ reserved: '*.b.*' }, 'primary.*.*.*.*.*.*.*.*.*.b.*'],
    [{ reserved: '#' }, 'primary.*.*.*.*.*.*.*.*.#'],
  ])('%j -> %s', (filter, pattern) => {
    expect(buildRoutingKeyPattern(taskFields, filter)).toBe(pattern);
  });

  it('takes a raw pattern as it is', () => {
    expect(buildRoutingKeyPattern(taskFields, 'primary.#')).toBe('primary.#');
  });

  it.each([
    [{ taskID: 'abc' }, /unknown routing-key field "taskID"/],
    [{ taskId: 'a.b' }, /must not contain "."/],
    [{ taskId: '' }, /must not be empty/],
    [{ taskId: '#' }, /is a single word: "#" would match any number of words; use "\*"/],
    [{ taskId: '*.x' }, /must not contain "."/],
    [{ reserved: 'a..b' }, /has an empty word in "a\.\.b"/],
    [{ reserved: '.a' }, /has an empty word/],
    [{ reserved: 'a.' }, /has an empty word/],
    [{ taskId: true }, /must be a string or a number, got boolean/],
    [{ taskId: null }, /got null/],
    [{ routingKeyKind: 'route' }, /constant "primary"/],
    [['abc'], /must be an object/],
    ['', /must not be empty/],
  ])('rejects %j', (filter, message) => {
    const build = () => buildRoutingKeyPattern(taskFields, filter as never);
    expect(build).toThrow(RoutingKeyError);
    expect(build).toThrow(message);
  });

  it('gives a typed error', () => {
    try {
      buildRoutingKeyPattern(taskFields, { nope: 1 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RoutingKeyError);
      expect((error as RoutingKeyError).name).toBe('RoutingKeyError');
      expect((error as RoutingKeyError).code).toBe('InputError');
    }
  });
});

describe('compileRoutingKeyParser', () => {
  const parse = compileRoutingKeyParser(taskFields);

  it('parses a published key, `_` in optional fields as undefined', () => {
    expect(parse('primary.T1._._._.prov.wt.sched.G1._')).toEqual({
      routingKeyKind: 'primary',
      taskId: 'T1',
      runId: undefined,
      workerGroup: undefined,
      workerId: undefined,
      provisionerId: 'prov',
      workerType: 'wt',
      schedulerId: 'sched',
      taskGroupId: 'G1',
      reserved: undefined,
    });
  });

  it('keeps `_` in a required field', () => {
    expect(parse('primary._.0.wg.wi.prov.wt.sched.G1._').taskId).toBe('_');
  });

  it('joins a multi-word field and allows it to be empty', () => {
    expect(parse('primary.T.0.wg.wi.p.w.s.G.x.y.z').reserved).toBe('x.y.z');
    expect(parse('primary.T.0.wg.wi.p.w.s.G')).toMatchObject({
      taskGroupId: 'G',
      reserved: undefined,
    });
  });

  it('counts words after a multi-word field from the end', () => {
    const parseMiddle = compileRoutingKeyParser(middleFields);
    expect(parseMiddle('primary.o.a.b.c.push')).toEqual({
      kind: 'primary',
      org: 'o',
      path: 'a.b.c',
      action: 'push',
    });
    expect(parseMiddle('primary.o.push')).toEqual({
      kind: 'primary',
      org: 'o',
      path: undefined,
      action: 'push',
    });
  });

  it.each([
    ['primary.T.0', /has 3 words; the fields .* need at least 9/],
    ['route.T.0.wg.wi.p.w.s.G._', /field "routingKeyKind" must be "primary", got "route"/],
  ])('rejects %s', (key, message) => {
    expect(() => parse(key)).toThrow(RoutingKeyError);
    expect(() => parse(key)).toThrow(message);
  });

  it('checks the exact word count without a multi-word field', () => {
    const parseFixed = compileRoutingKeyParser(taskFields.slice(0, 3));
    expect(parseFixed('primary.T.1')).toEqual({
      routingKeyKind: 'primary',
      taskId: 'T',
      runId: '1',
    });
    expect(() => parseFixed('primary.T.1.x')).toThrow(/has 4 words; the fields .* need 3/);
  });

  it('round-trips every pattern built from full values', () => {
    const values = {
      taskId: 'abcDEF-_123',
      runId: '3',
      workerGroup: 'us-east-1',
      workerId: 'i-0123',
      provisionerId: 'proj',
      workerType: 'linux',
      schedulerId: 'taskcluster-ui',
      taskGroupId: 'G-1',
      reserved: 'one.two',
    };
    const key = buildRoutingKeyPattern(taskFields, values);
    expect(parse(key)).toEqual({ routingKeyKind: 'primary', ...values });
  });

  it('requires the words of a required multi-word field', () => {
    const parseTopic = compileRoutingKeyParser([
      { name: 'kind', required: true, multipleWords: false, constant: 'primary' },
      { name: 'topic', required: true, multipleWords: true },
    ]);
    expect(parseTopic('primary.release.done')).toEqual({ kind: 'primary', topic: 'release.done' });
    expect(() => parseTopic('primary')).toThrow(
      /has 1 words; the fields kind.topic need at least 2/,
    );
  });

  it('round-trips any key built from full values', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/).filter((w) => w !== '_');
    const values = fc.record({
      taskId: word,
      runId: fc.nat(),
      workerGroup: word,
      workerId: word,
      provisionerId: word,
      workerType: word,
      schedulerId: word,
      taskGroupId: word,
      reserved: fc.array(word, { minLength: 1, maxLength: 4 }).map((words) => words.join('.')),
    });
    fc.assert(
      fc.property(values, (filter) => {
        const parsed = parse(buildRoutingKeyPattern(taskFields, filter));
        expect(parsed).toEqual({
          routingKeyKind: 'primary',
          ...filter,
          runId: String(filter.runId),
        });
      }),
    );
  });

  it('refuses fields with two multi-word fields', () => {
    expect(() =>
      compileRoutingKeyParser([
        { name: 'a', required: false, multipleWords: true },
        { name: 'b', required: false, multipleWords: true },
      ]),
    ).toThrow(RoutingKeyError);
  });
});

describe('parseRoutes', () => {
  it.each([
    [
      ['route.index.project.a', 'other', 'route.notify.email'],
      ['index.project.a', 'notify.email'],
    ],
    [[Buffer.from('route.x.y')], ['x.y']],
    ['route.single', ['single']],
    [undefined, []],
    [42, []],
    [[1, null, 'route.'], ['']],
  ])('%j -> %j', (header, routes) => {
    expect(parseRoutes(header)).toEqual(routes);
  });
});

describe('taskRouteBinding', () => {
  it('binds route.<pattern> on an exchange name', () => {
    expect(
      taskRouteBinding('exchange/taskcluster-queue/v1/task-completed', 'index.project.#'),
    ).toEqual({
      exchange: 'exchange/taskcluster-queue/v1/task-completed',
      routingKeyPattern: 'route.index.project.#',
    });
  });

  it('keeps the exchange and routing-key reference of a binding', () => {
    const binding = {
      exchange: 'exchange/taskcluster-queue/v1/task-completed',
      routingKeyPattern: 'primary.#',
      routingKeyReference: taskFields,
    };
    expect(taskRouteBinding(binding, 'notify.#')).toEqual({
      exchange: binding.exchange,
      routingKeyPattern: 'route.notify.#',
      routingKeyReference: taskFields,
    });
  });

  it.each([[''], ['route.index.#']])('rejects the route pattern %j', (pattern) => {
    expect(() => taskRouteBinding('exchange/x', pattern)).toThrow(RoutingKeyError);
  });
});
