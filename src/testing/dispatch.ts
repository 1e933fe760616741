/**
 * Runs a route handler: gives it its context (with the scope check), and turns what it answers
 * or throws into a response.
 */
import { type RequestInfo, SimulatedApiError } from './api-error.js';
import { type EncodedResponse, encodeResponse, errorResponse } from './http-io.js';
import type { RouteContext, RouteHandler } from './routes.js';
import { missingScopes, satisfiesAny } from './scopes.js';

/** A 403 `InsufficientScopes` naming what is missing (scopes are not secrets). */
function insufficientScopes(
  clientId: string | undefined,
  scopes: readonly string[],
  requiredDnf: readonly string[][],
): SimulatedApiError {
  const missing = requiredDnf.map((c) => missingScopes(scopes, c).join(' AND '));
  return new SimulatedApiError(
    403,
    'InsufficientScopes',
    `Client ${clientId ?? '(unauthenticated)'} is missing scopes: ${missing.join(' OR ')}`,
  );
}

/** Calls the handler; a `SimulatedApiError` becomes its response, anything else a 500. */
export async function runHandler(
  handler: RouteHandler,
  request: Omit<RouteContext, 'requireScopes'>,
  requestInfo: RequestInfo,
): Promise<EncodedResponse> {
  const context: RouteContext = {
    ...request,
    requireScopes(requiredDnf) {
      if (!satisfiesAny(request.scopes, requiredDnf)) {
        throw insufficientScopes(request.clientId, request.scopes, requiredDnf);
      }
    },
  };
  try {
    return encodeResponse(await handler(context));
  } catch (error) {
    if (error instanceof SimulatedApiError) {
      return errorResponse(error.status, error.code, error.message, requestInfo);
    }
    return errorResponse(
      500,
      'InternalServerError',
      `Handler failed: ${error instanceof Error ? error.message : String(error)}`,
      requestInfo,
    );
  }
}
