/**
 * Errors of the REST client. Every field and message is built from the request's method and URL
 * (which never carries a bewit: signed URLs are only built, never sent by the client) and from
 * the server's response, never from credentials or request headers.
 */
import { TaskclusterPulseError } from '../errors.js';

/** The longest server message quoted in an error message; the full body stays in `body`. */
const MAX_QUOTED_MESSAGE_LENGTH = 500;

/** What an HTTP error knows about the failed request. */
export interface HttpErrorDetails {
  /** The HTTP method, upper case. */
  method: string;
  /** The request URL. */
  url: string;
  statusCode: number;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
}

/** The server's `code` (e.g. `InsufficientScopes`), or `HttpError<status>` when it sent none. */
function serverCode(details: HttpErrorDetails): string {
  const body = details.body;
  if (
    typeof body === 'object' &&
    body !== null &&
    'code' in body &&
    typeof body.code === 'string'
  ) {
    return body.code;
  }
  return `HttpError${details.statusCode}`;
}

function serverMessage(body: unknown): string {
  const text =
    typeof body === 'object' &&
    body !== null &&
    'message' in body &&
    typeof body.message === 'string'
      ? body.message
      : typeof body === 'string'
        ? body
        : '';
  const firstLine = text.split('\n', 1)[0] ?? '';
  return firstLine.length > MAX_QUOTED_MESSAGE_LENGTH
    ? `${firstLine.slice(0, MAX_QUOTED_MESSAGE_LENGTH)}...`
    : firstLine;
}

/** The server answered with an error status (4xx, or 5xx after the retries ran out). */
export class TaskclusterHttpError extends TaskclusterPulseError {
  override name = 'TaskclusterHttpError';
  readonly statusCode: number;
  /** The parsed JSON body of the response, or its text when it is not JSON. */
  readonly body: unknown;
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The request URL. */
  readonly url: string;

  constructor(details: HttpErrorDetails, code: string = serverCode(details)) {
    const quoted = serverMessage(details.body);
    super(
      code,
      `${details.method} ${details.url} failed with ${details.statusCode} ${code}${quoted ? `: ${quoted}` : ''}`,
    );
    this.statusCode = details.statusCode;
    this.body = details.body;
    this.method = details.method;
    this.url = details.url;
  }
}

/** The server rejected the request's authentication (401): wrong, expired or missing credentials. */
export class TaskclusterAuthenticationError extends TaskclusterHttpError {
  override name = 'TaskclusterAuthenticationError';
}

/** What went wrong with the last attempt of a request that never got an answer. */
export type ConnectionFailure = { type: 'network' } | { type: 'timeout'; timeoutMs: number };

/** No answer after all attempts: network failures or timeouts; `cause` is the last one. */
export class TaskclusterConnectionError extends TaskclusterPulseError<
  'RequestTimeout' | 'ConnectionError'
> {
  override name = 'TaskclusterConnectionError';
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The request URL. */
  readonly url: string;
  /** How many attempts were made. */
  readonly attempts: number;
  readonly failure: ConnectionFailure;

  constructor(
    request: { method: string; url: string; attempts: number },
    failure: ConnectionFailure,
    cause: unknown,
  ) {
    const what =
      failure.type === 'timeout' ? `timed out after ${failure.timeoutMs} ms` : 'failed to connect';
    super(
      failure.type === 'timeout' ? 'RequestTimeout' : 'ConnectionError',
      `${request.method} ${request.url} ${what} (${request.attempts} attempts)`,
      { cause },
    );
    this.method = request.method;
    this.url = request.url;
    this.attempts = request.attempts;
    this.failure = failure;
  }
}

/**
 * The request's `signal` aborted it: before it was sent (nothing was sent), while an attempt was
 * in flight or its body was being read (the connection was closed), or while it waited to retry
 * (no further attempt was made). Final: it is never retried. `cause` is the signal's reason,
 * e.g. the `HandlerTimeoutError` of a handler context's signal.
 */
export class TaskclusterAbortError extends TaskclusterPulseError<'RequestAborted'> {
  override name = 'TaskclusterAbortError';
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The request URL (for storage, without its query). */
  readonly url: string;
  /** How many attempts were sent before the abort; 0 when the signal had aborted already. */
  readonly attempts: number;

  constructor(request: { method: string; url: string; attempts: number }, reason: unknown) {
    const when = request.attempts === 0 ? 'before it was sent' : `(attempt ${request.attempts})`;
    // The reason is the aborting code's own value (a timeout, a shutdown), never a credential.
    const why = reason instanceof Error ? `: ${reason.message}` : '';
    super('RequestAborted', `${request.method} ${request.url} was aborted ${when}${why}`, {
      cause: reason,
    });
    this.method = request.method;
    this.url = request.url;
    this.attempts = request.attempts;
  }
}

/** Why a call of a fake client could not be answered. */
export type FakeCallFailure = 'MissingFake' | 'InvalidFakeResult';

/**
 * A call of a client made with the `fake` option that its fakes cannot answer: the method has
 * no fake (`MissingFake`), or its fake returned what no answer could be (`InvalidFakeResult`:
 * not JSON data, or nothing where the method answers something). Nothing was sent either way.
 */
export class FakeCallError extends TaskclusterPulseError<FakeCallFailure> {
  override name = 'FakeCallError';
  /** The method, e.g. `queue.task`. */
  readonly method: string;

  constructor(code: FakeCallFailure, method: string, message: string) {
    super(code, message);
    this.method = method;
  }
}

/** What about a service's answer the client cannot use. */
export type UnexpectedResponseCode =
  /** The queue answered `createArtifact` with another storage type than asked for. */
  | 'UnexpectedResponse'
  /** The object service chose a download method that was not offered. */
  | 'UnexpectedDownloadMethod'
  /** The object service accepted none of the proposed upload methods. */
  | 'NoUploadMethod'
  /** A page has more than one list property, so its items are ambiguous. */
  | 'AmbiguousPage';

/**
 * A service answered with a success the client cannot act on (see {@link UnexpectedResponseCode});
 * retrying would get the same answer.
 */
export class UnexpectedResponseError extends TaskclusterPulseError<UnexpectedResponseCode> {
  override name = 'UnexpectedResponseError';
}

/** Build the error for an HTTP error status, picking the 401 class when it applies. */
export function httpError(details: HttpErrorDetails): TaskclusterHttpError {
  return details.statusCode === 401
    ? new TaskclusterAuthenticationError(details)
    : new TaskclusterHttpError(details);
}
