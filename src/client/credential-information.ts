/**
 * What a set of credentials is: permanent or temporary, valid now or not, until when, and the
 * scopes the deployment grants them.
 */
import { InputError } from '../errors.js';
import { Auth } from './generated/auth.js';
import type { ClientOptions, Credentials } from './options.js';
import { parseCertificate } from './signer.js';

/** What {@link credentialInformation} reports. */
export interface CredentialInformation {
  /**
   * The client id the credentials authenticate as: a permanent client's id, the name of named
   * temporary credentials, or the issuer's id for unnamed ones.
   */
  clientId: string;
  /** Permanent credentials belong to a client; temporary ones carry a signed certificate. */
  type: 'permanent' | 'temporary';
  /** Whether the credentials can be used now: started, not expired and (permanent) not disabled. */
  active: boolean;
  /** When temporary credentials become valid. */
  start?: Date;
  /** When the credentials (the certificate, or the permanent client) expire. */
  expiry: Date;
  /** The scopes the deployment grants these credentials, expanded (`auth.currentScopes`). */
  scopes: string[];
}

/** Client options besides the root URL and credentials (e.g. `fetch`, `timeout`, `logger`). */
export type CredentialInformationOptions = Omit<
  ClientOptions,
  'rootUrl' | 'credentials' | 'authorizedScopes'
>;

function certificateTime(name: string, value: unknown): Date {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InputError(`the certificate's ${name} must be epoch milliseconds`);
  }
  return new Date(value);
}

/**
 * Describe `credentials` as the deployment at `rootUrl` sees them. Temporary credentials are read
 * from their certificate (start, expiry) and asked for their scopes; permanent ones are looked up
 * with `auth.client` (expiry, disabled) and asked for their scopes. Both calls are signed with the
 * credentials themselves, so these need `auth:current-scopes` (and, when permanent,
 * `auth:get-client:<clientId>`). Temporary credentials outside their validity window are reported
 * inactive with the certificate's scopes, without a request that could only fail.
 *
 * Errors are the client's typed errors; none of them quotes the credentials.
 */
export async function credentialInformation(
  rootUrl: string,
  credentials: Credentials,
  options: CredentialInformationOptions = {},
): Promise<CredentialInformation> {
  // The client checks rootUrl and the credentials' shape before anything is sent.
  const auth = new Auth({ ...options, rootUrl, credentials });
  const checked = auth.options.credentials!;
  if (checked.certificate !== undefined) {
    const certificate = parseCertificate(checked.certificate);
    const start = certificateTime('start', certificate.start);
    const expiry = certificateTime('expiry', certificate.expiry);
    const now = Date.now();
    const active = start.getTime() <= now && now < expiry.getTime();
    const scopes = active
      ? (await auth.currentScopes()).scopes
      : Array.isArray(certificate.scopes)
        ? [...certificate.scopes]
        : [];
    return { clientId: checked.clientId, type: 'temporary', active, start, expiry, scopes };
  }
  const [client, current] = await Promise.all([
    auth.client(checked.clientId),
    auth.currentScopes(),
  ]);
  const expiry = new Date(client.expires);
  return {
    clientId: checked.clientId,
    type: 'permanent',
    active: !client.disabled && Date.now() < expiry.getTime(),
    expiry,
    scopes: current.scopes,
  };
}
