import slugid from 'slugid';
import { describe, expect, it } from 'vitest';
import { slugId, stableSlugId } from '../../src/utils/slugid.js';

const SLUG = /^[A-Za-z0-9_-]{22}$/;
const NICE = /^[A-Za-f][A-Za-z0-9_-]{21}$/;

describe('slugId', () => {
  // Known answers of ../shared/vectors: the encoding that slugId relies on.
  it.each([['bed97923-7616-4ec8-85ed-4b695f67ac2e', 'vtl5I3YWTsiF7UtpX2esLg']])(
    'encodes UUID %s as %s',
    (uuid, slug) => {
      expect(slugid.encode(uuid)).toBe(slug);
      expect(slugid.decode(slug)).toBe(uuid);
    },
  );

  it('returns distinct nice slugids', () => {
    const ids = new Set(Array.from({ length: 500 }, () => slugId()));
    expect(ids.size).toBe(500);
    for (const id of ids) {
      expect(id).toMatch(SLUG);
      expect(id).toMatch(NICE);
    }
  });
});

describe('stableSlugId', () => {
  it('maps a name to one slugId per generator, and generators apart', () => {
    const gen = stableSlugId();
    const sometask = gen('sometask');
    expect(sometask).toMatch(NICE);
    expect(gen('sometask')).toBe(sometask);
    expect(gen('othertask')).not.toBe(sometask);
    const gen2 = stableSlugId();
    expect(gen2('sometask')).not.toBe(sometask);
  });
});
