/**
 * Taskcluster's client-generated ids: 22 URL-safe base64 characters (no padding) encoding the
 * 16 bytes of a v4 UUID. Built on `node:crypto` rather than the `slugid` package, whose CommonJS
 * graph (with `uuid`) cost about 40 ms of every start-up.
 */

import { randomUUID } from 'node:crypto';

/**
 * The two forms of a slugId: `v4` encodes the UUID's bytes as they are; `nice` first clears the
 * top bit of the first byte, so that the id starts with `[A-Za-f]` and never looks like a
 * command-line option.
 */
export type SlugIdForm = 'v4' | 'nice';

/** The byte length of a UUID. */
const UUID_BYTES = 16;

/**
 * The slugId of a UUID's 16 bytes, in the given form (`v4` unless told).
 *
 * @throws RangeError when `uuid` is not 16 bytes long.
 */
export function encodeSlugId(uuid: Uint8Array, form: SlugIdForm = 'v4'): string {
  if (uuid.length !== UUID_BYTES) {
    throw new RangeError(`a UUID is ${UUID_BYTES} bytes, not ${uuid.length}`);
  }
  const bytes = Buffer.from(uuid);
  if (form === 'nice') bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('base64url');
}

/** The bytes of a new random v4 UUID; `randomUUID` sets the version and variant bits. */
function randomUuidBytes(): Buffer {
  return Buffer.from(randomUUID().replaceAll('-', ''), 'hex');
}

/**
 * A new random slugId in the "nice" form, which starts with `[A-Za-f]` so that it never looks
 * like a command-line option.
 */
export function slugId(): string {
  return encodeSlugId(randomUuidBytes(), 'nice');
}

/** Returns the same slugId for the same name, and different ones for different names. */
export type StableSlugIdGenerator = (name: string) => string;

/**
 * A generator of stable slugIds: each generator maps a name to one slugId for its lifetime;
 * two generators give different slugIds for the same name.
 */
export function stableSlugId(): StableSlugIdGenerator {
  const ids = new Map<string, string>();
  return (name) => {
    let id = ids.get(name);
    if (id === undefined) {
      id = slugId();
      ids.set(name, id);
    }
    return id;
  };
}
