/** Taskcluster's client-generated ids: 22 url-safe base64 characters encoding a v4 UUID. */
import slugid from 'slugid';

/**
 * A new random slugId in the "nice" form, which starts with `[A-Za-f]` so that it never looks
 * like a command-line option.
 */
export function slugId(): string {
  return slugid.nice();
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
      id = slugid.nice();
      ids.set(name, id);
    }
    return id;
  };
}
