// Fair sharing of the sandbox between routes, test by test. The executor runs what it is given first come
// first served, and one /score group hands it all its rollouts x tests at once: a /run_code arriving behind
// a big batch would wait for all of it. So the server never hands the executor more than `width` tests (the
// executor's own running + queued capacity) and picks the next one round-robin over the lanes (routes)
// that have tests waiting, first come first served within a lane: with /score and /run_code both busy,
// each gets every other free slot, however large the /score batch.
//
// A program's time limits start when its test starts in the sandbox (the supervisor's clock), so waiting
// here or in the group queue never counts against them. A test still waiting when its client goes away is
// dropped (CancelledError); one whose deadline has passed before it could start is refused (DeadlineError)
// instead of being run for nobody.
import type { Executor } from '../exec/executor';
import type { RunRequest, RunResult } from '../exec/types';
import { validateRequest } from '../exec/validate';
import { CancelledError } from './queue';

/** The test could not start before the latest start its client's timeout allows. */
export class DeadlineError extends Error {
  constructor() {
    super('the client\'s timeout would pass before this program could finish: it was not run');
  }
}

export interface TaskOptions {
  /** Aborts the task while it waits (the client went away). */
  signal?: AbortSignal;
  /** ms since the epoch: the task must start by then, or it is refused. */
  notAfter?: number;
}

interface Task {
  lane: string;
  start: () => void;
  fail: (e: Error) => void;
  notAfter?: number;
  signal?: AbortSignal;
}

export class FairScheduler {
  private readonly lanes = new Map<string, Task[]>();
  /** Lanes with waiting tasks, in round-robin order; `turn` is the next one to serve. */
  private readonly order: string[] = [];
  private turn = 0;
  private running_ = 0;

  constructor(readonly width: number) {
    if (!(width >= 1)) throw new RangeError(`FairScheduler: width must be >= 1, got ${width}`);
  }

  get running(): number {
    return this.running_;
  }

  /** Tests waiting (all lanes, or one). */
  waiting(lane?: string): number {
    if (lane !== undefined) return this.lanes.get(lane)?.length ?? 0;
    let n = 0;
    for (const q of this.lanes.values()) n += q.length;
    return n;
  }

  /** Runs `fn` when its turn comes; rejects with CancelledError / DeadlineError without running it. */
  submit<T>(lane: string, fn: () => Promise<T>, options: TaskOptions = {}): Promise<T> {
    const { signal, notAfter } = options;
    if (signal?.aborted) return Promise.reject(new CancelledError());
    if (notAfter !== undefined && Date.now() > notAfter) return Promise.reject(new DeadlineError());
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const task: Task = {
        lane,
        notAfter,
        signal,
        start: () => {
          cleanup();
          this.running_++;
          let p: Promise<T>;
          try {
            p = fn();
          } catch (e) {
            p = Promise.reject(e);
          }
          p.then(resolve, reject).finally(() => {
            this.running_--;
            this.dispatch();
          });
        },
        fail: (e) => {
          cleanup();
          reject(e);
        },
      };
      const drop = (e: Error) => {
        if (this.remove(task)) task.fail(e);
      };
      const onAbort = () => drop(new CancelledError());
      signal?.addEventListener('abort', onAbort, { once: true });
      // refused as soon as the deadline passes, not when a slot frees: the client hears it early
      if (notAfter !== undefined) timer = setTimeout(() => drop(new DeadlineError()), Math.max(0, notAfter - Date.now()) + 1);
      let q = this.lanes.get(lane);
      if (q === undefined) this.lanes.set(lane, (q = []));
      if (q.length === 0) this.order.push(lane);
      q.push(task);
      this.dispatch();
    });
  }

  private remove(task: Task): boolean {
    const q = this.lanes.get(task.lane);
    const i = q?.indexOf(task) ?? -1;
    if (q === undefined || i < 0) return false;
    q.splice(i, 1);
    if (q.length === 0) this.dropLane(task.lane);
    return true;
  }

  private dropLane(lane: string): void {
    const i = this.order.indexOf(lane);
    if (i < 0) return;
    this.order.splice(i, 1);
    if (i < this.turn) this.turn--;
    if (this.turn >= this.order.length) this.turn = 0;
  }

  private dispatch(): void {
    while (this.running_ < this.width && this.order.length > 0) {
      const lane = this.order[this.turn];
      const q = this.lanes.get(lane)!;
      const task = q.shift()!;
      if (q.length === 0) this.dropLane(lane);
      else this.turn = (this.turn + 1) % this.order.length;
      if (task.signal?.aborted) task.fail(new CancelledError());
      else if (task.notAfter !== undefined && Date.now() > task.notAfter) task.fail(new DeadlineError());
      else task.start();
    }
  }
}

/** Merges the one-test runs of a request back into its RunResult (same program: same syntax check). */
function merge(parts: RunResult[]): RunResult {
  return { compile: parts[0].compile, tests: parts.flatMap((p) => p.tests), isolation: parts[0].isolation };
}

/**
 * The executor as one request's route sees it: run() hands each test to the scheduler in the route's lane
 * (one test per executor run, so lanes interleave test by test). score() needs only run() and concurrency.
 */
export function laneExecutor(executor: Executor, scheduler: FairScheduler, lane: string, options: TaskOptions = {}): Executor {
  const facade = {
    concurrency: executor.concurrency,
    async run(request: RunRequest): Promise<RunResult> {
      // the whole request is validated first, so a bad test is named by its own index
      const req = validateRequest(request);
      if (req.tests.length === 1) return scheduler.submit(lane, () => executor.run(req), options);
      const parts = await Promise.all(req.tests.map((t) => scheduler.submit(lane, () => executor.run({ ...req, tests: [t] }), options)));
      return merge(parts);
    },
  };
  return facade as unknown as Executor;
}
