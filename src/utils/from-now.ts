/**
 * Relative times such as `2 days 3 hours` or `-1 year`, for task deadlines and expirations.
 * A month is 30 days and a year 365 days, as Taskcluster counts them.
 */
import { InputError } from '../errors.js';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** The units in the order they must appear, with their spellings and length. */
const UNITS = [
  { spellings: 'years?|yr|y', ms: 365 * DAY_MS },
  { spellings: 'months?|mo', ms: 30 * DAY_MS },
  { spellings: 'weeks?|wk|w', ms: 7 * DAY_MS },
  { spellings: 'days?|d', ms: DAY_MS },
  { spellings: 'hours?|hr|h', ms: HOUR_MS },
  { spellings: 'minutes?|min|m', ms: MINUTE_MS },
  { spellings: 'seconds?|sec|s', ms: SECOND_MS },
] as const;

// Each unit at most once, in order, integer amounts, one optional sign for all; `m` is minutes.
const OFFSET = new RegExp(
  `^\\s*([-+])?\\s*${UNITS.map((unit) => `(?:(\\d+)\\s*(?:${unit.spellings})\\s*)?`).join('')}$`,
  'i',
);

/** The signed length of an offset such as `1 day 2 hours` in milliseconds (`''` is 0). */
export function parseOffset(offset: string): number {
  if (typeof offset !== 'string') throw new InputError('the offset must be a string');
  // No amount at all ('', blank, a lone sign) is an offset of zero: now, as the Python and the
  // official JavaScript clients read it.
  const match = OFFSET.exec(offset);
  if (match === null) {
    throw new InputError(
      `invalid time offset ${JSON.stringify(offset)}: expected e.g. "1 year 2 months 3 weeks 4 days 5 hours 6 minutes 7 seconds" (units in this order, each at most once, integers, one leading sign)`,
    );
  }
  let total = 0;
  UNITS.forEach((unit, index) => {
    const amount = match[index + 2];
    if (amount !== undefined) total += Number(amount) * unit.ms;
  });
  return match[1] === '-' ? -total : total;
}

/** The time `offset` (e.g. `2 days 3 hours`, `-1 year`) from `reference` (default: now). */
export function fromNow(offset: string, reference: Date = new Date()): Date {
  if (!(reference instanceof Date) || Number.isNaN(reference.getTime())) {
    throw new InputError('the reference time must be a valid Date');
  }
  const time = new Date(reference.getTime() + parseOffset(offset));
  // Past about 273,790 years from 1970 a Date is invalid; say so rather than return one.
  if (Number.isNaN(time.getTime())) {
    throw new InputError(
      `time offset ${JSON.stringify(offset)} is out of range: it gives no valid date`,
    );
  }
  return time;
}

/** {@link fromNow} as an ISO 8601 string, as Taskcluster payloads take times. */
export function fromNowJSON(offset: string, reference?: Date): string {
  return fromNow(offset, reference).toISOString();
}
