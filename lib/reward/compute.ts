// computeRewards / computeRewardsAsync: validation, backend choice, output allocation, chunking.
import * as os from 'os';
import { computeJs, KernelArgs } from './kernel-js';
import { pickBackend } from './backend';
import { runJsChunks } from './js-pool';
import { kernelError, plan, Plan } from './validate';
import type { RewardBatch, RewardOptions, RewardOutput } from './types';
import type { KernelResult } from './codes';
import type { RewardBatchArgs } from '../native/types';

type Outputs = Omit<RewardOutput, 'backend'>;

/**
 * Output arrays: the caller's (options.out) where given, else new ones. With shared = true every
 * array must live in a SharedArrayBuffer (JS workers write into them); a caller's array that does
 * not is replaced by a shared one and listed in copyBack.
 */
function allocate(p: Plan, given: RewardOptions['out'], shared: boolean): { out: Outputs; copyBack: Array<keyof Outputs> } {
  const copyBack: Array<keyof Outputs> = [];
  const make = (name: keyof Outputs, n: number): Float64Array => {
    const g = given?.[name];
    if (g !== undefined) {
      if (!(g instanceof Float64Array)) throw new TypeError(`options.out.${name} must be a Float64Array`);
      if (g.length !== n) throw new RangeError(`options.out.${name} has length ${g.length}: expected ${n}`);
      if (!shared || g.buffer instanceof SharedArrayBuffer) return g;
      copyBack.push(name);
    }
    return shared ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n);
  };
  const out = {
    reward: make('reward', p.rowsTotal),
    dense: make('dense', p.rowsTotal),
    outcome: make('outcome', p.rowsTotal),
    advantage: make('advantage', p.rowsTotal),
    weight: make('weight', p.testsTotal),
    rho: make('rho', p.testsTotal),
  };
  return { out, copyBack };
}

function kernelArgs(p: Plan, o: Outputs): KernelArgs {
  return {
    passed: p.passed, rows: p.rows, tests: p.tests, trajectory: p.trajectory, rho: p.rho, testWeight: p.testWeight, params: p.params,
    reward: o.reward, dense: o.dense, outcome: o.outcome, advantage: o.advantage, weight: o.weight, rhoOut: o.rho,
  };
}

/** The kernel's arguments but the group range (lib/native/types.ts). */
function nativeArgs(p: Plan, o: Outputs): RewardBatchArgs {
  return [p.passed, p.rows, p.tests, p.trajectory, p.rho, p.testWeight, p.params, o.reward, o.dense, o.outcome, o.advantage, o.weight, o.rho];
}

/**
 * Rewards and advantages for every row of every group, synchronously on this thread.
 * Throws a TypeError or RangeError naming the field when the input is invalid.
 */
export function computeRewards(batch: RewardBatch, options?: RewardOptions): RewardOutput {
  const p = plan(batch, options);
  const { backend, addon } = pickBackend(options?.backend);
  const { out } = allocate(p, options?.out, false);
  const groups = p.rows.length;
  const r: KernelResult = addon
    ? addon.rewardCompute(...nativeArgs(p, out), 0, groups)
    : computeJs(kernelArgs(p, out), 0, groups);
  const err = kernelError(p, r);
  if (err) throw err;
  return { ...out, backend };
}

/** Splits groups into contiguous ranges of roughly equal cell counts. */
export function splitGroups(p: Plan, parts: number): Array<[number, number]> {
  const groups = p.rows.length;
  const total = p.cellOffsets[groups];
  const ranges: Array<[number, number]> = [];
  let begin = 0;
  for (let k = 1; k <= parts && begin < groups; ++k) {
    const target = (total * k) / parts;
    let end = begin + 1;
    while (end < groups && p.cellOffsets[end] < target) ++end;
    if (k === parts) end = groups;
    ranges.push([begin, end]);
    begin = end;
  }
  return ranges;
}

const CHUNK_CELLS = 1 << 18; // below this, one chunk: thread hand-off costs more than it saves

function chunkCount(p: Plan): number {
  const cells = p.cellOffsets[p.rows.length];
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, p.rows.length, Math.ceil(cells / CHUNK_CELLS)));
}

function firstError(p: Plan, results: KernelResult[]): Error | null {
  for (const r of results) {
    const e = kernelError(p, r);
    if (e) return e;
  }
  return null;
}

/**
 * The same as computeRewards, off the main thread: native work runs on libuv's pool, JS work on
 * worker threads; large batches are split across cores. Validation errors reject the promise.
 * Do not modify the input arrays until the promise settles.
 */
export async function computeRewardsAsync(batch: RewardBatch, options?: RewardOptions): Promise<RewardOutput> {
  const p = plan(batch, options);
  const { backend, addon } = pickBackend(options?.backend);
  const ranges = splitGroups(p, chunkCount(p));
  if (addon) {
    // Native threads read and write these while JS runs: private copies, so a caller that transfers,
    // resizes or changes its buffers meanwhile cannot make native code touch freed or moving memory.
    const own: Plan = {
      ...p,
      passed: new Uint8Array(p.passed),
      rows: new Uint32Array(p.rows),
      tests: new Uint32Array(p.tests),
      trajectory: p.trajectory && new Uint32Array(p.trajectory),
      rho: p.rho && new Float64Array(p.rho),
      testWeight: p.testWeight && new Float64Array(p.testWeight),
      params: new Float64Array(p.params),
    };
    allocate(p, options?.out, false); // checks the caller's output arrays before any work
    const { out } = allocate(p, undefined, false);
    const args = nativeArgs(own, out);
    const results = await Promise.all(ranges.map(([b, e]) => addon.rewardComputeAsync(...args, b, e)));
    const err = firstError(p, results);
    if (err) throw err;
    const given = options?.out;
    if (given)
      for (const name of Object.keys(given) as Array<keyof Outputs>) {
        const target = given[name];
        if (target) {
          target.set(out[name]);
          out[name] = target;
        }
      }
    return { ...out, backend };
  }
  const { out, copyBack } = allocate(p, options?.out, true);
  const results = await runJsChunks(kernelArgs(p, out), ranges);
  const err = firstError(p, results);
  if (err) throw err;
  for (const name of copyBack) {
    const target = options!.out![name]!;
    target.set(out[name]);
    out[name] = target;
  }
  return { ...out, backend };
}
