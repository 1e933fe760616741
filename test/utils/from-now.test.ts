import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { fromNow, fromNowJSON } from '../../src/utils/from-now.js';

const REFERENCE = new Date('2017-01-19T16:27:20.974Z');

// Known answers of ../shared/vectors, restated.
const VALID: readonly [offset: string, expected: string][] = [
  ['1 hour', '2017-01-19T17:27:20.974Z'],
  ['1 hours', '2017-01-19T17:27:20.974Z'],
  ['3h', '2017-01-19T19:27:20.974Z'],
  ['-1 hour', '2017-01-19T15:27:20.974Z'],
  ['1 m', '2017-01-19T16:28:20.974Z'],
  ['1m', '2017-01-19T16:28:20.974Z'],
  ['12 min', '2017-01-19T16:39:20.974Z'],
  ['1 day', '2017-01-20T16:27:20.974Z'],
  ['2 days', '2017-01-21T16:27:20.974Z'],
  ['1 second', '2017-01-19T16:27:21.974Z'],
  ['1 week', '2017-01-26T16:27:20.974Z'],
  ['1 month', '2017-02-18T16:27:20.974Z'],
  ['30 mo', '2019-07-08T16:27:20.974Z'],
  ['-30 mo', '2014-08-03T16:27:20.974Z'],
  ['1 year', '2018-01-19T16:27:20.974Z'],
  ['+1 HOUR', '2017-01-19T17:27:20.974Z'],
  ['  2 Days 3 hr  ', '2017-01-21T19:27:20.974Z'],
  ['1 wk', '2017-01-26T16:27:20.974Z'],
  ['5 sec', '2017-01-19T16:27:25.974Z'],
  ['0 s', '2017-01-19T16:27:20.974Z'],
  // No amount at all means now, as in the Python and the official JavaScript clients.
  ['', '2017-01-19T16:27:20.974Z'],
  ['   ', '2017-01-19T16:27:20.974Z'],
  ['-', '2017-01-19T16:27:20.974Z'],
  ['+', '2017-01-19T16:27:20.974Z'],
];

// The sum of 1y 2mo 3w 4d 5h 6min 7s in ms, with 30-day months and 365-day years.
const ALL_UNITS_MS = ((((365 + 2 * 30 + 3 * 7 + 4) * 24 + 5) * 60 + 6) * 60 + 7) * 1000;

const INVALID: readonly string[] = [
  '2h 1d',
  '1 d 1 d',
  '1.5 h',
  'soon',
  '1 fortnight',
  '1 h -1 min',
  '--1 h',
  '1 2 h',
  'h',
  '1 mins 1 s 1 m',
];

describe('fromNow', () => {
  it.each(VALID)('%j from the reference is %s', (offset, expected) => {
    expect(fromNowJSON(offset, REFERENCE)).toBe(expected);
    expect(fromNow(offset, REFERENCE).toISOString()).toBe(expected);
  });

  it('accepts every unit once, in order, with or without spaces', () => {
    for (const offset of [
      '1yr2mo3w4d5h6min7s',
      '1 year 2 months 3 weeks 4 days 5 hours 6 minutes 7 seconds',
    ]) {
      expect(fromNow(offset, REFERENCE).getTime() - REFERENCE.getTime()).toBe(ALL_UNITS_MS);
    }
    expect(fromNow('- 1y2mo3w4d5h6min7s', REFERENCE).getTime() - REFERENCE.getTime()).toBe(
      -ALL_UNITS_MS,
    );
  });

  it.each(INVALID)('rejects %j with an InputError', (offset) => {
    expect(() => fromNow(offset, REFERENCE)).toThrow(InputError);
  });

  it('rejects a non-string offset and an invalid reference', () => {
    expect(() => fromNow(3 as unknown as string, REFERENCE)).toThrow(InputError);
    expect(() => fromNow('1 h', new Date('nonsense'))).toThrow(InputError);
  });

  it('defaults the reference to now', () => {
    const before = Date.now();
    const result = fromNow('1 hour').getTime();
    expect(result).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(result).toBeLessThanOrEqual(Date.now() + 3_600_000);
  });
});
