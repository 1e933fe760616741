/**
 * AMQP reply codes: the ones the consumer acts on and the in-memory broker answers with, their
 * names as RabbitMQ spells them, and how to read one off a broker's error.
 */

/** AMQP reply codes, by name. */
export const ReplyCode = {
  /** The broker closed the connection (an operator, or the node shutting down). */
  connectionForced: 320,
  /** A mandatory message that no queue's binding matched (a basic.return, not an error). */
  noRoute: 312,
  /** The user may not do that (a permission, or an exclusive queue of another connection). */
  accessRefused: 403,
  /** No such queue or exchange (a bind to a missing exchange, a passive declare). */
  notFound: 404,
  /** An exclusive queue or a single active consumer held by another connection. */
  resourceLocked: 405,
  /** A redeclare with other arguments, a message over the size limit, a bad expiration. */
  preconditionFailed: 406,
  /** The operation is not allowed on this connection (the broker closes the connection). */
  notAllowed: 530,
} as const;

/** One of {@link ReplyCode}'s values. */
export type ReplyCodeValue = (typeof ReplyCode)[keyof typeof ReplyCode];

const REPLY_NAMES: Readonly<Record<number, string>> = {
  [ReplyCode.connectionForced]: 'CONNECTION-FORCED',
  [ReplyCode.noRoute]: 'NO-ROUTE',
  [ReplyCode.accessRefused]: 'ACCESS-REFUSED',
  [ReplyCode.notFound]: 'NOT-FOUND',
  [ReplyCode.resourceLocked]: 'RESOURCE-LOCKED',
  [ReplyCode.preconditionFailed]: 'PRECONDITION-FAILED',
  [ReplyCode.notAllowed]: 'NOT-ALLOWED',
};

/** A reply code's name as the AMQP specification spells it (`NOT-FOUND`), or `UNKNOWN`. */
export function replyName(code: number): string {
  return REPLY_NAMES[code] ?? 'UNKNOWN';
}

/** The AMQP reply code of a broker error (amqplib puts it on `code`), if any. */
export function replyCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
