// A small pool of worker threads for the JS backend's async form. Inputs are copied once into
// SharedArrayBuffers, so every chunk reads them without another copy; outputs are shared already.
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { KernelArgs } from './kernel-js';
import type { KernelResult } from './codes';
import type { ChunkTask } from './js-worker';

interface Pending {
  task: ChunkTask;
  resolve: (r: KernelResult) => void;
  reject: (e: Error) => void;
}

// Under vitest the sources run as .ts; workers need the compiled file (npm test runs tsc first).
function workerFile(): string {
  const here = __filename.endsWith('.ts') ? path.resolve(__dirname, '..', '..', 'dist', 'reward') : __dirname;
  return path.join(here, 'js-worker.js');
}

class Pool {
  private idle: Worker[] = [];
  private all: Worker[] = [];
  private queue: Pending[] = [];
  private running = new Map<Worker, Pending>();
  private nextId = 1;
  constructor(private readonly size: number) {}

  run(args: KernelArgs, begin: number, end: number): Promise<KernelResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { id: this.nextId++, args, begin, end }, resolve, reject });
      this.pump();
    });
  }

  private spawn(): Worker {
    const w = new Worker(workerFile());
    w.unref(); // an idle pool never keeps the process alive
    w.on('message', (m: { id: number; r: KernelResult; error: string | null }) => {
      const job = this.running.get(w);
      this.running.delete(w);
      w.unref();
      this.idle.push(w);
      if (job) m.error ? job.reject(new Error(`verpo JS worker: ${m.error}`)) : job.resolve(m.r);
      this.pump();
    });
    w.on('error', (e) => this.retire(w, e));
    w.on('exit', (code) => this.retire(w, new Error(`verpo JS worker exited with code ${code}`)));
    this.all.push(w);
    return w;
  }

  private retire(w: Worker, e: Error): void {
    const job = this.running.get(w);
    this.running.delete(w);
    this.all = this.all.filter((x) => x !== w);
    this.idle = this.idle.filter((x) => x !== w);
    if (job) job.reject(e);
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let w = this.idle.pop();
      if (!w && this.all.length < this.size) w = this.spawn();
      if (!w) return;
      const job = this.queue.shift()!;
      this.running.set(w, job);
      w.ref(); // busy workers keep the process alive until they answer
      w.postMessage(job.task);
    }
  }
}

let pool: Pool | undefined;

function shared<T extends Uint8Array | Uint32Array | Float64Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as { new (b: SharedArrayBuffer): T };
  const s = new Ctor(new SharedArrayBuffer(a.byteLength));
  s.set(a as never);
  return s;
}

export async function runJsChunks(args: KernelArgs, ranges: Array<[number, number]>): Promise<KernelResult[]> {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  pool ??= new Pool(Math.max(1, Math.min(cores, 8)));
  const a: KernelArgs = {
    ...args,
    passed: shared(args.passed),
    rows: shared(args.rows),
    tests: shared(args.tests),
    trajectory: args.trajectory && shared(args.trajectory),
    rho: args.rho && shared(args.rho),
    testWeight: args.testWeight && shared(args.testWeight),
    params: shared(args.params),
  };
  return Promise.all(ranges.map(([b, e]) => pool!.run(a, b, e)));
}
