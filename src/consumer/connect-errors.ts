/**
 * A failed AMQP connect in words: what the error that amqplib or OpenSSL gives most likely
 * means, and what to check. The raw text stays in parentheses (it is what a search finds);
 * it is redacted by the caller, and nothing here adds a secret.
 */

/** Where a connection was going, for the advice. */
export interface ConnectTarget {
  protocol: 'amqp' | 'amqps';
  hostname: string;
  port: number;
  vhost: string;
}

/** One known failure: how to recognize it, and what to say. */
interface Explanation {
  matches(text: string, code: string | undefined): boolean;
  says(target: ConnectTarget): string;
}

const EXPLANATIONS: readonly Explanation[] = [
  {
    // OpenSSL read a plain AMQP greeting where it expected a TLS record.
    matches: (text, code) =>
      code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(text),
    says: ({ port }) =>
      `port ${port} does not speak TLS (it looks like plain AMQP): use amqp:// for it, or the broker's TLS port (usually 5671) with amqps://`,
  },
  {
    matches: (text) => /Expected ConnectionOpenOk|vhost .* not found|NOT_ALLOWED/i.test(text),
    says: ({ vhost }) =>
      `the broker refused to open the virtual host "${vhost}": check that it exists and that the user may use it (the URL's path is the vhost, %2F for "/")`,
  },
  {
    matches: (text) => /Frame size \d+ exceeds|Unexpected frame|Invalid frame/i.test(text),
    says: ({ hostname, port }) =>
      `${hostname}:${port} answered, but not in AMQP (an HTTP or other server?): check the host and port of the broker`,
  },
  {
    matches: (text) => /ACCESS.REFUSED/.test(text),
    says: () => 'the broker refused the login: check the user name and password',
  },
  {
    matches: (_, code) => code === 'ECONNREFUSED',
    says: ({ hostname, port }) =>
      `nothing accepts connections on ${hostname}:${port}: check that the broker runs and listens on that port`,
  },
  {
    matches: (_, code) => code === 'ENOTFOUND' || code === 'EAI_AGAIN',
    says: ({ hostname }) => `the host name "${hostname}" does not resolve: check its spelling`,
  },
  {
    matches: (text, code) =>
      code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
      code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
      code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
      code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' ||
      /self.signed certificate|unable to verify/i.test(text),
    says: () =>
      "the broker's TLS certificate is not signed by a trusted authority: give its CA with the tls.ca option",
  },
  {
    matches: (text, code) => code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /altnames/i.test(text),
    says: ({ hostname }) =>
      `the broker's TLS certificate is not for "${hostname}": connect by a name the certificate lists, or set tls.servername`,
  },
];

/**
 * The reason of a failed connect: an explanation with what to check, followed by the raw
 * error text in parentheses, or the raw text alone when it is not a known failure.
 */
export function explainConnectError(raw: string, error: unknown, target: ConnectTarget): string {
  const code = (error as { code?: unknown } | null)?.code;
  const known = EXPLANATIONS.find((explanation) =>
    explanation.matches(raw, typeof code === 'string' ? code : undefined),
  );
  const detail = raw.split('\n')[0]!.trim();
  return known === undefined ? detail : `${known.says(target)} (${detail})`;
}
