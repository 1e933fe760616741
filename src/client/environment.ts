/**
 * Client options from the standard `TASKCLUSTER_*` environment variables.
 *
 * Inside a task with the taskcluster-proxy, use its URL as the root URL and no credentials
 * (the proxy signs requests): `new Queue({ rootUrl: process.env.TASKCLUSTER_PROXY_URL })`.
 */
import { InputError } from '../errors.js';
import type { ClientOptions, Credentials } from './options.js';

/** The environment variables read by {@link optionsFromEnvironment}. */
export const ENVIRONMENT_VARIABLES = {
  rootUrl: 'TASKCLUSTER_ROOT_URL',
  clientId: 'TASKCLUSTER_CLIENT_ID',
  accessToken: 'TASKCLUSTER_ACCESS_TOKEN',
  certificate: 'TASKCLUSTER_CERTIFICATE',
} as const;

/**
 * Options from the environment merged key by key over `defaults` (credentials field by field);
 * empty variables are ignored. Throws {@link InputError} when neither gives a root URL.
 */
export function optionsFromEnvironment(
  defaults: Partial<ClientOptions> = {},
  env: NodeJS.ProcessEnv = process.env,
): ClientOptions {
  const read = (name: string): string | undefined => env[name] || undefined;
  const options: Partial<ClientOptions> = { ...defaults };
  const rootUrl = read(ENVIRONMENT_VARIABLES.rootUrl);
  if (rootUrl !== undefined) options.rootUrl = rootUrl;
  const fields: Partial<Credentials> = { ...defaults.credentials };
  const clientId = read(ENVIRONMENT_VARIABLES.clientId);
  const accessToken = read(ENVIRONMENT_VARIABLES.accessToken);
  const certificate = read(ENVIRONMENT_VARIABLES.certificate);
  if (clientId !== undefined) fields.clientId = clientId;
  if (accessToken !== undefined) fields.accessToken = accessToken;
  if (certificate !== undefined) fields.certificate = certificate;
  if (fields.clientId !== undefined || fields.accessToken !== undefined) {
    // An incomplete pair is kept as is: the client constructor reports the missing field.
    options.credentials = fields as Credentials;
  }
  if (options.rootUrl === undefined) {
    throw new InputError(
      `no root URL: set ${ENVIRONMENT_VARIABLES.rootUrl} or pass rootUrl in the defaults`,
    );
  }
  return options as ClientOptions;
}
