// The server's bounded work queue. A request is admitted whole (all its groups fit, or it gets 429)
// and each admitted group then waits, first come first served, for one of a fixed number of slots.
// Groups still waiting when their client goes away are dropped without running; a group that has
// started runs to the end (a sandboxed test cannot be taken back half-way).

export class CancelledError extends Error {
  constructor() {
    super('the client went away before this work started');
  }
}

interface Waiter {
  start: () => void;
  cancel: () => void;
}

export class GroupQueue {
  private queued = 0;
  private running = 0;
  private readonly waiting: Waiter[] = [];

  /**
   * @param slots groups that run at once (the executor bounds processes below this)
   * @param capacity groups that may wait for a slot; beyond it requests are refused
   */
  constructor(readonly slots: number, readonly capacity: number) {}

  /** Groups admitted and not yet started. */
  get depth(): number {
    return this.queued;
  }

  get inFlight(): number {
    return this.running;
  }

  /** Reserves room for `groups` groups, all or none; null when the queue cannot take them now. */
  admit(groups: number, signal: AbortSignal): Admission | null {
    if (groups > 0 && this.queued + groups > this.capacity) return null;
    this.queued += groups;
    return new Admission(this, groups, signal);
  }

  /** @internal Runs `fn` in a slot once one is free, unless the signal fires first. */
  async runReserved<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) {
      this.queued--;
      throw new CancelledError();
    }
    if (this.running < this.slots && this.waiting.length === 0) {
      this.queued--;
      this.running++;
    } else {
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          start: () => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          },
          cancel: () => {
            signal.removeEventListener('abort', onAbort);
            reject(new CancelledError());
          },
        };
        const onAbort = () => {
          const i = this.waiting.indexOf(waiter);
          if (i >= 0) this.waiting.splice(i, 1);
          this.queued--;
          waiter.cancel();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(waiter);
      });
    }
    try {
      return await fn();
    } finally {
      this.running--;
      this.next();
    }
  }

  /** @internal Gives back reservations that will never be used. */
  release(groups: number): void {
    this.queued -= groups;
  }

  private next(): void {
    while (this.running < this.slots && this.waiting.length > 0) {
      const w = this.waiting.shift()!;
      this.queued--;
      this.running++;
      w.start();
    }
  }
}

/** A request's reservation: exactly `groups` calls to run(), or release() for the unused rest. */
export class Admission {
  private left: number;

  constructor(private readonly queue: GroupQueue, groups: number, private readonly signal: AbortSignal) {
    this.left = groups;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.left <= 0) throw new Error('Admission: more groups run than admitted');
    this.left--;
    return this.queue.runReserved(fn, this.signal);
  }

  /** Frees the reservations not used by run() (a request that failed before starting all of them). */
  release(): void {
    if (this.left > 0) this.queue.release(this.left);
    this.left = 0;
  }
}
