/**
 * The in-memory broker's "network": everything the broker sends to clients (replies,
 * deliveries, confirms, events) runs later, in order, in batches on `setImmediate`, so no
 * callback ever runs inside the call that caused it and timers and I/O keep their turn.
 */

/** A FIFO of tasks run on the next turns of the event loop. */
export class Scheduler {
  #tasks: (() => void)[] = [];
  #scheduled = false;
  #idle: (() => void)[] = [];

  /** Runs `task` on a later turn, after every task deferred before it. */
  defer(task: () => void): void {
    this.#tasks.push(task);
    this.#schedule();
  }

  /** Resolves once no task is waiting (the broker has nothing left to send). */
  idle(): Promise<void> {
    if (this.#tasks.length === 0 && !this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#run);
  }

  // Runs only the tasks present at the start, so work that a task causes waits its turn.
  readonly #run = (): void => {
    this.#scheduled = false;
    const tasks = this.#tasks;
    this.#tasks = [];
    for (const task of tasks) {
      try {
        task();
      } catch (error) {
        // A task that throws is a broker bug: surface it without losing the rest of the batch.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    if (this.#tasks.length > 0) this.#schedule();
    else for (const resolve of this.#idle.splice(0)) resolve();
  };
}
