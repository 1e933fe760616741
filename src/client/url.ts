/**
 * Where a service lives and how a route becomes a path. Everything here runs once per client or
 * once per entry, so that a request only joins precompiled pieces.
 */
import { InputError } from '../errors.js';
import type { ParamValue } from './calling.js';
import { LEGACY_ROOT_URL } from './options.js';

/** The parts of a service's base URL that signing needs, split once per client. */
export interface ServiceBase {
  /** `https://host:port`, without a trailing slash. */
  readonly origin: string;
  readonly protocol: 'http:' | 'https:';
  readonly hostname: string;
  /** The port the request goes to (explicit or the protocol's default), as Hawk signs it. */
  readonly port: number;
  /** The path up to the route, ending with `/`, e.g. `/api/queue/v1/`. */
  readonly basePath: string;
}

const TRAILING_SLASHES = /\/+$/;
const DEFAULT_PORTS = { 'http:': 80, 'https:': 443 } as const;

/**
 * The base of a service: `rootUrl` without trailing slashes + `/api/<service>/<version>/`; the
 * legacy root gives `https://<service>.taskcluster.net/<version>/`.
 */
export function serviceBase(rootUrl: string, serviceName: string, apiVersion: string): ServiceBase {
  const root = rootUrl.replace(TRAILING_SLASHES, '');
  return splitBase(
    rootUrl,
    root === LEGACY_ROOT_URL
      ? `https://${serviceName}.taskcluster.net/${apiVersion}/`
      : `${root}/api/${serviceName}/${apiVersion}/`,
  );
}

/** The deployment's root itself as a base (for `references/`), ending with `/`. */
export function rootBase(rootUrl: string): ServiceBase {
  return splitBase(rootUrl, `${rootUrl.replace(TRAILING_SLASHES, '')}/`);
}

function splitBase(rootUrl: string, base: string): ServiceBase {
  let url: URL;
  try {
    url = new URL(base);
  } catch (cause) {
    throw new InputError(`rootUrl ${JSON.stringify(rootUrl)} is not a valid URL`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(`rootUrl must be http or https, got ${JSON.stringify(url.protocol)}`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new InputError('rootUrl must not carry a query, a fragment or user info');
  }
  return {
    origin: url.origin,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol],
    basePath: url.pathname,
  };
}

/** Turns route parameter values (in `args` order) into the route's path, without leading `/`. */
export type RouteBuilder = (params: readonly ParamValue[]) => string;

const PLACEHOLDER = /<([^>]+)>/g;

/**
 * Compile a route such as `/task/<taskId>/runs/<runId>` once: the static pieces are kept and each
 * value is escaped in full (`/` becomes `%2F`) when the path is built.
 */
export function compileRoute(route: string, args: readonly string[]): RouteBuilder {
  const path = route.replace(/^\/+/, '');
  const statics: string[] = [];
  const order: number[] = [];
  let last = 0;
  for (const match of path.matchAll(PLACEHOLDER)) {
    const index = args.indexOf(match[1] ?? '');
    if (index < 0) {
      throw new InputError(`route ${route} names <${match[1]}>, which is not among its args`);
    }
    statics.push(path.slice(last, match.index));
    order.push(index);
    last = match.index + match[0].length;
  }
  const tail = path.slice(last);
  if (order.length === 0) return () => tail;
  return (params) => {
    let out = '';
    for (let i = 0; i < order.length; i++) {
      out += statics[i] + encodeURIComponent(params[order[i]!]!);
    }
    return out + tail;
  };
}

/**
 * The query string (with its `?`) for the allowed keys that have a value, in the entry's order;
 * empty when there is none. Keys must have been checked against `allowed` before.
 */
export function buildQuery(
  allowed: readonly string[],
  query: Readonly<Record<string, unknown>> | undefined,
): string {
  if (query === undefined) return '';
  let out = '';
  for (const key of allowed) {
    const value = query[key];
    if (value === undefined) continue;
    out += `${out ? '&' : '?'}${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`;
  }
  return out;
}
