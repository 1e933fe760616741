import slugid from 'slugid';
import { describe, expect, it } from 'vitest';
import { slugId, stableSlugId } from '../../src/utils/slugid.js';

const NICE = /^[A-Za-f][A-Za-z0-9_-]{21}$/;

/** The bytes a slugId encodes. */
function decode(slug: string): Buffer {
  return Buffer.from(slug, 'base64url');
}

/** Whether 16 bytes are a v4 UUID: version nibble 4, variant bits 10. */
function isV4(bytes: Buffer): boolean {
  return bytes[6]! >> 4 === 4 && bytes[8]! >> 6 === 0b10;
}

describe('the slugid package that slugId() comes from', () => {
  // ../shared/vectors (slugid): a UUID, its v4 slugid, and its nice one (the top bit cleared).
  const UUID = 'bed97923-7616-4ec8-85ed-4b695f67ac2e';
  it.each([
    ['v4', 'vtl5I3YWTsiF7UtpX2esLg', UUID],
    ['nice', 'Ptl5I3YWTsiF7UtpX2esLg', '3ed97923-7616-4ec8-85ed-4b695f67ac2e'],
  ])('the %s slugid %s is the UUID %s', (_form, slug, uuid) => {
    expect(slugid.decode(slug)).toBe(uuid);
    expect(slugid.encode(uuid)).toBe(slug);
    expect(decode(slug)).toEqual(Buffer.from(uuid.replaceAll('-', ''), 'hex'));
  });
});

describe('slugId', () => {
  it('returns distinct nice slugids of random v4 UUIDs', () => {
    const ids = new Set(Array.from({ length: 500 }, () => slugId()));
    expect(ids.size).toBe(500);
    for (const id of ids) {
      expect(id).toMatch(NICE);
      expect(isV4(decode(id))).toBe(true);
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
