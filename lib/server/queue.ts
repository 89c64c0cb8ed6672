// The server's bounded work queue, one lane per route. A request is admitted whole (all its groups fit in
// its route's lane, or it gets 429) and each admitted group then waits, first come first served within the
// lane, for one of the lane's slots. Lanes do not share room or slots: one trainer's big /score batch can
// fill the /score lane, never the /run_code one (whose per-test requests would otherwise wait behind it or
// be refused). Which test runs next across lanes is decided by the FairScheduler (fair.ts). Groups still
// waiting when their client goes away are dropped without running; a group that has started runs to the
// end (a sandboxed test cannot be taken back half-way).

export class CancelledError extends Error {
  constructor() {
    super('the client went away before this work started');
  }
}

interface Waiter {
  start: () => void;
  cancel: () => void;
}

class Lane {
  queued = 0;
  running = 0;
  readonly waiting: Waiter[] = [];
}

export class GroupQueue {
  private readonly lanes = new Map<string, Lane>();

  /**
   * @param slots groups of one lane that run at once (the executor bounds processes below this)
   * @param capacity groups that may wait in one lane; beyond it requests are refused
   */
  constructor(readonly slots: number, readonly capacity: number) {}

  private lane(name: string): Lane {
    let l = this.lanes.get(name);
    if (l === undefined) this.lanes.set(name, (l = new Lane()));
    return l;
  }

  /** Groups admitted and not yet started (all lanes, or one). */
  depthOf(lane?: string): number {
    if (lane !== undefined) return this.lanes.get(lane)?.queued ?? 0;
    let n = 0;
    for (const l of this.lanes.values()) n += l.queued;
    return n;
  }

  get depth(): number {
    return this.depthOf();
  }

  get inFlight(): number {
    let n = 0;
    for (const l of this.lanes.values()) n += l.running;
    return n;
  }

  /** Reserves room for `groups` groups in `lane`, all or none; null when the lane cannot take them now. */
  admit(groups: number, signal: AbortSignal, lane = 'score'): Admission | null {
    const l = this.lane(lane);
    if (groups > 0 && l.queued + groups > this.capacity) return null;
    l.queued += groups;
    return new Admission(this, lane, groups, signal);
  }

  /** @internal Runs `fn` in a slot of `lane` once one is free, unless the signal fires first. */
  async runReserved<T>(lane: string, fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
    const l = this.lane(lane);
    if (signal.aborted) {
      l.queued--;
      throw new CancelledError();
    }
    if (l.running < this.slots && l.waiting.length === 0) {
      l.queued--;
      l.running++;
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
          const i = l.waiting.indexOf(waiter);
          if (i >= 0) l.waiting.splice(i, 1);
          l.queued--;
          waiter.cancel();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        l.waiting.push(waiter);
      });
    }
    try {
      return await fn();
    } finally {
      l.running--;
      this.next(l);
    }
  }

  /** @internal Gives back reservations that will never be used. */
  release(lane: string, groups: number): void {
    this.lane(lane).queued -= groups;
  }

  private next(l: Lane): void {
    while (l.running < this.slots && l.waiting.length > 0) {
      const w = l.waiting.shift()!;
      l.queued--;
      l.running++;
      w.start();
    }
  }
}

/** A request's reservation: exactly `groups` calls to run(), or release() for the unused rest. */
export class Admission {
  private left: number;

  constructor(private readonly queue: GroupQueue, readonly lane: string, groups: number, private readonly signal: AbortSignal) {
    this.left = groups;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.left <= 0) throw new Error('Admission: more groups run than admitted');
    this.left--;
    return this.queue.runReserved(this.lane, fn, this.signal);
  }

  /** Frees the reservations not used by run() (a request that failed before starting all of them). */
  release(): void {
    if (this.left > 0) this.queue.release(this.lane, this.left);
    this.left = 0;
  }
}
