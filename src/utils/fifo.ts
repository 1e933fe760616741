/**
 * A first-in first-out queue on a growable ring buffer: push and shift are O(1), so a queue
 * of 100k messages costs nothing per message beyond the slot it occupies.
 */

const INITIAL_CAPACITY = 16;

/** A FIFO of items. */
export class Fifo<T> {
  #items: (T | undefined)[] = new Array(INITIAL_CAPACITY);
  #head = 0;
  #size = 0;

  /** The number of items. */
  get size(): number {
    return this.#size;
  }

  /** Appends an item at the tail. */
  push(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) % this.#items.length] = item;
    this.#size += 1;
  }

  /** The item at the head, without removing it. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  /** Removes and returns the item at the head. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#size -= 1;
    return item;
  }

  /** Removes every item and returns them, head first. */
  drain(): T[] {
    const items = [...this];
    this.#items = new Array(INITIAL_CAPACITY);
    this.#head = 0;
    this.#size = 0;
    return items;
  }

  /** Iterates head first without removing. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#size; i += 1) {
      yield this.#items[(this.#head + i) % this.#items.length] as T;
    }
  }

  #grow(): void {
    const items = new Array<T | undefined>(this.#items.length * 2);
    for (let i = 0; i < this.#size; i += 1) {
      items[i] = this.#items[(this.#head + i) % this.#items.length];
    }
    this.#items = items;
    this.#head = 0;
  }
}
