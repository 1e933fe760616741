/**
 * The consumers ours is compared with, as a user choosing a library would: raw amqplib (acking
 * each message, and coalescing its acks) and three libraries, each used as its README shows,
 * with the same prefetch and one ack per message. Their code runs in the consume worker
 * (`peer-consumers.ts`); this file only names them, so the parent loads none of them.
 */

/** A consumer that is not ours; `baseline` is raw amqplib acking each message. */
export type PeerKind =
  | 'baseline'
  | 'amqplib-coalesced'
  | 'rascal'
  | 'cloudamqp'
  | 'rabbitmq-client';

/** How a peer shows in the table, and what it does per message. */
export interface PeerInfo {
  kind: PeerKind;
  label: string;
  perMessage: string;
}

/** Every peer, raw amqplib first. */
export const PEERS: readonly PeerInfo[] = [
  {
    kind: 'baseline',
    label: 'amqplib',
    perMessage: 'JSON.parse, ack each',
  },
  {
    kind: 'amqplib-coalesced',
    label: 'amqplib, coalesced acks',
    perMessage: 'JSON.parse, one ack(last, allUpTo) per turn',
  },
  {
    kind: 'rascal',
    label: 'rascal',
    perMessage: "'message' event, content parsed, ackOrNack() each",
  },
  {
    kind: 'cloudamqp',
    label: '@cloudamqp/amqp-client',
    perMessage: 'queue.subscribe(async), JSON codec, acked on return',
  },
  {
    kind: 'rabbitmq-client',
    label: 'rabbitmq-client',
    perMessage: 'createConsumer(async), body parsed, acked on return',
  },
];

/** Whether a consumer kind is a peer's. */
export function isPeer(kind: string): kind is PeerKind {
  return PEERS.some((peer) => peer.kind === kind);
}
