/**
 * Errors of the simulated Taskcluster server, answered with the JSON body shape of
 * Taskcluster's services: `{ code, message, requestInfo }`.
 */

/** What the server knew about the request when it failed, echoed as Taskcluster does. */
export interface RequestInfo {
  /** The API method (route) name, or the path when no route matched. */
  method: string;
  /** The route parameters. */
  params: Record<string, string>;
  /** The request payload (parsed JSON), or `{}` when there was none. */
  payload: unknown;
  /** When the error happened, as an ISO 8601 date. */
  time: string;
}

/** The JSON body of every error response. */
export interface ApiErrorBody {
  /** Taskcluster's error code, e.g. `ResourceNotFound`, `InsufficientScopes`. */
  code: string;
  /** A human-readable message; never contains a secret. */
  message: string;
  /** What the server knew about the request. */
  requestInfo: RequestInfo;
}

/**
 * Thrown by route handlers to answer with an error status and a Taskcluster-shaped body.
 */
export class SimulatedApiError extends Error {
  override name = 'SimulatedApiError';
  /** The HTTP status to answer with. */
  readonly status: number;
  /** Taskcluster's error code. */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A 404 `ResourceNotFound`, as the queue answers for an unknown task or artifact. */
export function notFound(message: string): SimulatedApiError {
  return new SimulatedApiError(404, 'ResourceNotFound', message);
}

/** A 400 `InputError`, for bad parameters or query options. */
export function inputError(message: string): SimulatedApiError {
  return new SimulatedApiError(400, 'InputError', message);
}

/** A 409 `RequestConflict`, e.g. creating a task again with a different definition. */
export function requestConflict(message: string): SimulatedApiError {
  return new SimulatedApiError(409, 'RequestConflict', message);
}
