// The limits of a test, stated once: the API key, the JSONL contract's name, the command-line flag, the
// default, whether it is a whole number, whether a JSONL line may set it, and the server's ceiling on what a
// group may ask for. The validators (validate.ts), the contract (pipeline/contract.ts), the CLI flags
// (cli/options.ts, cli/serve.ts) and the server (server/scoring.ts) all read this table. The native
// defaults in native/core/exec/policy.hpp only serve callers that run the supervisor without this library
// (its unit tests): the executor always passes every limit.
import type { Limits } from './types';

export interface LimitEntry {
  key: keyof Limits;
  /** Name in a JSONL line's `limits` and in the server's error messages. */
  jsonl: string;
  /** Command-line flag of score, run and serve (without the dashes). */
  flag: string;
  /** What it bounds, for help texts. */
  what: string;
  /** The executor's default (tmpfsMb: none, it follows the memory limit: defaultTmpfsMb). */
  default: number | null;
  integer: boolean;
  /** A JSONL line (or a /score group) may set it. The tmpfs limits may not: a zygote slot's tmpfs is mounted
   *  with the slot, so a size that moved with every problem would restart it. */
  perLine: boolean;
  /** The most a group may ask of a shared server (null: no ceiling, as the line cannot set it). */
  ceiling: number | null;
}

export const LIMIT_TABLE: readonly LimitEntry[] = Object.freeze([
  { key: 'cpuMs', jsonl: 'cpu_ms', flag: 'cpu-ms', what: 'CPU time per test (its whole process tree), ms', default: 2000, integer: false, perLine: true, ceiling: 60_000 },
  { key: 'wallMs', jsonl: 'wall_ms', flag: 'wall-ms', what: 'wall time per test, ms (a guard: a few times cpu)', default: 6000, integer: false, perLine: true, ceiling: 180_000 },
  { key: 'memoryMb', jsonl: 'memory_mb', flag: 'memory-mb', what: 'memory per test (tree RSS + its tmpfs bytes), MiB', default: 512, integer: false, perLine: true, ceiling: 4096 },
  { key: 'outputKb', jsonl: 'output_kb', flag: 'output-kb', what: 'stdout and stderr kept per stream before OLE, KiB', default: 1024, integer: false, perLine: true, ceiling: 65_536 },
  { key: 'tmpfsMb', jsonl: 'tmpfs_mb', flag: 'tmpfs-mb', what: 'size of each of the test\'s /tmp and /dev/shm tmpfs, MiB (default: memory + 1/8 + 16)', default: null, integer: true, perLine: false, ceiling: null },
  { key: 'inodes', jsonl: 'inodes', flag: 'inodes', what: 'files and directories in each of those tmpfs', default: 4096, integer: true, perLine: false, ceiling: null },
] as LimitEntry[]);

export const LIMIT_KEYS: readonly (keyof Limits)[] = LIMIT_TABLE.map((e) => e.key);

/** Every limit with a default (cpuMs, wallMs, memoryMb, outputKb, inodes). */
export const DEFAULT_LIMITS: Limits = Object.freeze(Object.fromEntries(
  LIMIT_TABLE.filter((e) => e.default !== null).map((e) => [e.key, e.default]))) as unknown as Limits;

/** The limits a JSONL line may set, by their contract name. */
export const LINE_LIMITS: Readonly<Record<string, keyof Limits>> = Object.freeze(Object.fromEntries(
  LIMIT_TABLE.filter((e) => e.perLine).map((e) => [e.jsonl, e.key])));

/** The server's ceilings, by contract name. */
export const LIMIT_CEILINGS: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(
  LIMIT_TABLE.filter((e) => e.ceiling !== null).map((e) => [e.jsonl, e.ceiling as number])));

/** Each tmpfs's size when none is given: past the memory limit by 1/8 + 16 MiB, so that files which fill it
 *  are MLE (decided by the memory figure) before the program can meet ENOSPC at exactly the limit and die of
 *  it (an RE). policy.hpp's Limits::TmpfsBytes() is the same rule for native callers. */
export function defaultTmpfsMb(memoryMb: number): number {
  return Math.ceil(memoryMb + memoryMb / 8 + 16);
}
