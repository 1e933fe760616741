/**
 * Writes a set of reference documents into its folder, one file per document at its path below
 * the deployment's root, replacing the folder whole: written beside it first, then renamed into
 * place, so that a failure leaves the previous set as it was.
 */

import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Json } from './model.js';
import { ORIGIN_FILE, type ReferenceDocuments, ReferenceInputError } from './sources.js';

/** Where and when a set's documents were taken: what its `origin.json` holds. */
export interface ReferenceOrigin {
  /** The deployment's root URL, or the release the documents were published with. */
  readonly origin: string;
  /** The day they were taken, `YYYY-MM-DD` (UTC). */
  readonly taken: string;
}

/** A document as stored: two-space JSON and a final newline, so that a refresh diffs by line. */
export function documentText(document: Json): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Replaces `folder` by the documents and their `origin.json`. */
export async function writeReferenceSet(
  folder: string,
  documents: ReferenceDocuments,
  origin: ReferenceOrigin,
): Promise<void> {
  const target = resolve(folder);
  await mkdir(dirname(target), { recursive: true });
  const staging = sibling(target, 'new');
  try {
    await mkdir(staging);
    for (const [path, document] of documents) {
      const file = resolve(staging, ...path.split('/'));
      // The paths come from the deployment: none may land outside the folder.
      if (!file.startsWith(`${staging}${sep}`) || file === join(staging, ORIGIN_FILE)) {
        throw new ReferenceInputError(`${JSON.stringify(path)} is not a document path`);
      }
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, documentText(document));
    }
    await writeFile(
      join(staging, ORIGIN_FILE),
      documentText({ origin: origin.origin, taken: origin.taken }),
    );
    await swapIn(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Moves the previous folder aside, the new one into its place, then removes the previous. */
async function swapIn(staging: string, target: string): Promise<void> {
  const previous = sibling(target, 'old');
  const hadPrevious = await rename(target, previous).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
  try {
    await rename(staging, target);
  } catch (error) {
    if (hadPrevious) await rename(previous, target);
    throw error;
  }
  if (hadPrevious) await rm(previous, { recursive: true, force: true });
}

/** A hidden folder beside `target` that no other refresh uses. */
function sibling(target: string, kind: 'new' | 'old'): string {
  return join(dirname(target), `.${basename(target)}-${kind}-${randomBytes(4).toString('hex')}`);
}
