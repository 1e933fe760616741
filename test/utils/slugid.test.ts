import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSlugId, slugId, stableSlugId } from '../../src/utils/slugid.js';

const SLUG = /^[A-Za-z0-9_-]{22}$/;
const NICE = /^[A-Za-f][A-Za-z0-9_-]{21}$/;

/** The 16 bytes of a UUID written with dashes. */
function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replaceAll('-', ''), 'hex');
}

/** The bytes a slugId encodes. */
function decode(slug: string): Buffer {
  return Buffer.from(slug, 'base64url');
}

/** Whether 16 bytes are a v4 UUID: version nibble 4, variant bits 10. */
function isV4(bytes: Buffer): boolean {
  return bytes[6]! >> 4 === 4 && bytes[8]! >> 6 === 0b10;
}

describe('encodeSlugId', () => {
  // The first row is ../shared/vectors (slugid); the others are the alphabet's two ends.
  it.each([
    ['bed97923-7616-4ec8-85ed-4b695f67ac2e', 'vtl5I3YWTsiF7UtpX2esLg', 'Ptl5I3YWTsiF7UtpX2esLg'],
    ['00000000-0000-0000-0000-000000000000', 'AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA'],
    ['ffffffff-ffff-ffff-ffff-ffffffffffff', '_____________________w', 'f____________________w'],
  ])('encodes UUID %s as v4 %s and nice %s', (uuid, v4, nice) => {
    const bytes = uuidBytes(uuid);
    expect(encodeSlugId(bytes)).toBe(v4);
    expect(encodeSlugId(bytes, 'v4')).toBe(v4);
    expect(encodeSlugId(bytes, 'nice')).toBe(nice);
    expect(bytes).toEqual(uuidBytes(uuid)); // the nice form does not touch its input
  });

  it('refuses anything but 16 bytes', () => {
    expect(() => encodeSlugId(new Uint8Array(15))).toThrow(RangeError);
    expect(() => encodeSlugId(new Uint8Array(17), 'nice')).toThrow(RangeError);
  });

  it('is 22 URL-safe characters that decode to the bytes (nice: the top bit cleared)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const v4 = encodeSlugId(bytes);
        const nice = encodeSlugId(bytes, 'nice');
        expect(v4).toMatch(SLUG);
        expect(nice).toMatch(NICE);
        expect(decode(v4)).toEqual(Buffer.from(bytes));
        const cleared = Buffer.from(bytes);
        cleared[0] = cleared[0]! & 0x7f;
        expect(decode(nice)).toEqual(cleared);
        expect(nice === v4).toBe(bytes[0]! < 0x80);
      }),
      { numRuns: 2000 },
    );
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
