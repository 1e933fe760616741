/**
 * `npm run generate -- --from <rootUrl>`: replaces a references folder's current set by a
 * deployment's documents, once the generator has accepted them.
 */

import { join } from 'node:path';
import { type GeneratedFiles, generateFiles } from './generate-files.js';
import {
  addSeedEra,
  CURRENT_REFERENCES,
  deploymentRoot,
  fetchDeployment,
  parseReferenceDocuments,
  type ReferenceDocuments,
} from './sources.js';
import { writeReferenceSet } from './write-references.js';

/** What a refresh took and what the generator makes of it. */
export interface Refreshed {
  /** The deployment's root URL, as `origin.json` records it. */
  readonly root: string;
  /** The folder the documents replaced. */
  readonly folder: string;
  readonly documents: ReferenceDocuments;
  /** The generated files, not yet written. */
  readonly files: GeneratedFiles;
}

/**
 * Fetches a deployment's documents and generates from them (with the folder's seed-era and
 * legacy sets) before anything is written, so that a deployment that fails half-way, or
 * references the generator refuses, replace nothing; then replaces the current set.
 */
export async function refreshReferences(rootUrl: string, references: string): Promise<Refreshed> {
  const root = deploymentRoot(rootUrl);
  const documents = await fetchDeployment(root);
  const files = generateFiles(
    await addSeedEra(parseReferenceDocuments(documents, root), references),
  );
  const folder = join(references, CURRENT_REFERENCES);
  await writeReferenceSet(folder, documents, {
    origin: root,
    taken: new Date().toISOString().slice(0, 10),
  });
  return { root, folder, documents, files };
}
