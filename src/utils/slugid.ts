/**
 * Taskcluster's client-generated ids, from the `slugid` package Taskcluster itself uses: 22
 * URL-safe base64 characters (no padding) encoding the 16 bytes of a v4 UUID.
 *
 * slugid and the `uuid` package it requires are a CommonJS graph that cost about 40 ms of every
 * start-up when it was imported with the package, so it is required when the first id is made.
 */

import { createRequire } from 'node:module';

type Slugid = typeof import('slugid');

let slugid: Slugid | undefined;

/** The `slugid` package, required on first use (see above). */
function slugidPackage(): Slugid {
  slugid ??= createRequire(import.meta.url)('slugid') as Slugid;
  return slugid;
}

/**
 * A new random slugId in the "nice" form (slugid's `nice()`), which starts with `[A-Za-f]` so
 * that it never looks like a command-line option.
 */
export function slugId(): string {
  return slugidPackage().nice();
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
