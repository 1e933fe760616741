/**
 * Errors of artifact and object transfers. Messages name the artifact or object and, for
 * storage, a URL stripped of its query (pre-signed URLs carry secrets there); never credentials.
 */
import { TaskclusterPulseError } from '../errors.js';

/** Where an artifact is: a task, a run when one was given, and a name. */
export interface ArtifactLocation {
  taskId: string;
  /** Undefined when the latest run was asked for. */
  runId: number | undefined;
  name: string;
}

/** `artifact <name> of task <taskId> (run <runId>)`, for messages. */
export function describeArtifact(location: ArtifactLocation): string {
  const run = location.runId === undefined ? 'latest run' : `run ${location.runId}`;
  return `artifact ${location.name} of task ${location.taskId} (${run})`;
}

/**
 * The artifact cannot be downloaded: it is an `error` artifact (`code` is its reason, e.g.
 * `file-missing-on-worker`, and the message includes the worker's message), or its storage type
 * is one this client does not know (`code` is `unsupported-storage-type`).
 */
export class ArtifactError extends TaskclusterPulseError {
  override name = 'ArtifactError';
  readonly taskId: string;
  readonly runId: number | undefined;
  /** The artifact's name. */
  readonly artifact: string;
  /** The reason the artifact gives (same as `code`). */
  readonly reason: string;

  constructor(location: ArtifactLocation, reason: string, message: string) {
    super(reason, `${describeArtifact(location)} is an error artifact (${reason}): ${message}`);
    this.taskId = location.taskId;
    this.runId = location.runId;
    this.artifact = location.name;
    this.reason = reason;
  }
}

/** What failed an integrity check. */
export type IntegrityFailure =
  | { type: 'hash'; algorithm: 'sha256' | 'sha512' }
  | { type: 'length'; expected: number; actual: number }
  | { type: 'no-hashes' };

const CODES = {
  hash: 'HashMismatch',
  length: 'LengthMismatch',
  'no-hashes': 'MissingHashes',
} as const satisfies Record<IntegrityFailure['type'], string>;

function failureText(failure: IntegrityFailure): string {
  switch (failure.type) {
    case 'hash':
      return `its ${failure.algorithm} hash differs from the announced one`;
    case 'length':
      return `${failure.actual} bytes arrived where ${failure.expected} were announced`;
    case 'no-hashes':
      return 'the object service announced no sha256 or sha512 hash to verify it with';
  }
}

/**
 * Downloaded data does not match what the object service announced (or nothing was announced to
 * check it against). Final: a retry would fetch the same data. No partial file is left behind.
 */
export class ArtifactIntegrityError extends TaskclusterPulseError<
  (typeof CODES)[keyof typeof CODES]
> {
  override name = 'ArtifactIntegrityError';
  readonly failure: IntegrityFailure;
  /** The storage URL the data came from, without its query. */
  readonly url: string;

  constructor(what: string, url: string, failure: IntegrityFailure) {
    super(CODES[failure.type], `${what} from ${url} failed verification: ${failureText(failure)}`);
    this.failure = failure;
    this.url = url;
  }
}
