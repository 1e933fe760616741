import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { scopeMatch } from '../../src/utils/scopes.js';

// Known answers of ../shared/vectors, restated.
const CASES: readonly [assumed: string[], required: string[][], expected: boolean][] = [
  [['foo:bar'], [['foo:bar']], true],
  [['foo:*'], [['foo:bar']], true],
  [['foo:*:bing'], [['foo:bar:bing']], false],
  [['*:bar'], [['foo:bar']], false],
  [['foo:'], [['foo:bar']], false],
  [['bar:*'], [['foo:x'], ['bar:x']], true],
  [['bar:*', 'foo:x'], [['foo:x', 'bar:y']], true],
  [['*'], [['foo:bar', 'bar:bing']], true],
  [['foo:bar'], [[]], true],
  [['foo:bar'], [], false],
  [[], [['foo:bar']], false],
  [['a*'], [['a']], true],
  [['a:*'], [['a']], false],
  [['scopeA', 'scopeB'], [['scopeA', 'scopeB'], ['scopeC:*']], true],
  // A `*` in a required scope is literal: only an assumed `scopeC:*` (or a prefix) grants it.
  [['scopeC:xyz'], [['scopeA', 'scopeB'], ['scopeC:*']], false],
  [['scopeC:*'], [['scopeA', 'scopeB'], ['scopeC:*']], true],
  [['scopeA'], [['scopeA', 'scopeB'], ['scopeC:*']], false],
  [['scopeC'], [['scopeA', 'scopeB'], ['scopeC:*']], false],
];

const MALFORMED: readonly [what: string, assumed: unknown, required: unknown][] = [
  ['a string as assumed scopes', 'foo:bar', [['foo:bar']]],
  ['a string as required sets', ['foo:bar'], 'foo:bar'],
  ['a list of strings as required sets', ['foo:bar'], ['foo:bar']],
  ['a non-string assumed scope', [42], [['foo:bar']]],
  ['a non-string required scope', ['foo:bar'], [[null]]],
];

describe('scopeMatch', () => {
  it.each(CASES)('%j satisfies %j: %s', (assumed, required, expected) => {
    expect(scopeMatch(assumed, required)).toBe(expected);
  });

  it.each(MALFORMED)('throws an InputError for %s', (_what, assumed, required) => {
    expect(() => scopeMatch(assumed as string[], required as string[][])).toThrow(InputError);
  });
});
