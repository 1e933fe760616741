/**
 * The ready messages of a queue, in publication order. Fresh messages wait in a FIFO;
 * requeued ones go back to their original place, as RabbitMQ puts them back: every requeued
 * message was delivered from the head, so it precedes every fresh one, and among themselves
 * requeued messages are ordered by their sequence number (a binary heap).
 */

import { Fifo } from '../../utils/fifo.js';

/** Anything ordered by a broker-wide sequence number. */
export interface Sequenced {
  readonly seq: number;
}

/** Ready messages: requeued ones first (by sequence), then fresh ones (FIFO). */
export class ReadyQueue<T extends Sequenced> {
  readonly #fresh = new Fifo<T>();
  readonly #requeued: T[] = [];

  /** The number of ready messages. */
  get size(): number {
    return this.#fresh.size + this.#requeued.length;
  }

  /** Appends a freshly published message. */
  push(item: T): void {
    this.#fresh.push(item);
  }

  /** Puts a delivered message back at its original place. */
  requeue(item: T): void {
    const heap = this.#requeued;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.seq <= item.seq) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  }

  /** The next message to deliver. */
  peek(): T | undefined {
    return this.#requeued[0] ?? this.#fresh.peek();
  }

  /** Removes and returns the next message to deliver. */
  shift(): T | undefined {
    if (this.#requeued.length === 0) return this.#fresh.shift();
    return this.#popRequeued();
  }

  /** Removes every message, in delivery order. */
  drain(): T[] {
    const items: T[] = [];
    while (this.#requeued.length > 0) items.push(this.#popRequeued());
    for (const item of this.#fresh.drain()) items.push(item);
    return items;
  }

  /** The messages in delivery order, without removing them. */
  snapshot(): T[] {
    const requeued = [...this.#requeued].sort((a, b) => a.seq - b.seq);
    return [...requeued, ...this.#fresh];
  }

  #popRequeued(): T {
    const heap = this.#requeued;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && heap[right]!.seq < heap[left]!.seq ? right : left;
        if (heap[child]!.seq >= last.seq) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}
