// Command-line options shared by `score` and `run`, turned into typed ScoreOptions with errors
// that name the flag.
import type { ExecutorOptions, Limits } from '../exec/types';
import { TEST_REWARDS } from '../testgen/rewards';
import { MAX_MUTANT_CAP } from '../testgen/score';
import { LIMIT_TABLE } from '../exec/limits';
import type { ScoreOptions } from '../pipeline/score';
import { ESTIMATORS, SCHEMES } from '../reward/codes';
import { REWARD_PROFILES } from '../pipeline/shaping';

export class UsageError extends Error {}

/** One flag per limit of the table (lib/exec/limits.ts): --cpu-ms, --wall-ms, --memory-mb, --output-kb,
 *  --tmpfs-mb, --inodes. */
export const LIMIT_FLAGS = Object.fromEntries(LIMIT_TABLE.map((e) => [e.flag, { type: 'string' }])) as
  Record<string, { type: 'string' }>;

/** The limits given on the command line; an error names the flag. */
export function limitOptions(values: Record<string, unknown>): Partial<Limits> {
  const limits: Partial<Limits> = {};
  for (const e of LIMIT_TABLE) {
    const v = values[e.flag];
    if (v === undefined) continue;
    const x = Number(v);
    if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(x) || x <= 0 || (e.integer && !Number.isInteger(x)))
      throw new UsageError(`--${e.flag} ${String(v)}: expected ${e.integer ? 'an integer' : 'a number'} > 0`);
    limits[e.key] = x;
  }
  return limits;
}

/** The C++ flags of score, run and serve. */
function CXX_FLAGS_SPEC() {
  return { cxx: { type: 'string' }, 'cxx-flags': { type: 'string' }, testlib: { type: 'string' } } as const;
}
export const CXX_FLAGS = CXX_FLAGS_SPEC();

/** --cxx PATH, --cxx-flags "FLAGS" (split at whitespace), --testlib PATH into executor options. */
export function cxxOptions(values: Record<string, unknown>): Pick<ExecutorOptions, 'cxx' | 'cxxFlags' | 'testlib'> {
  const o: Pick<ExecutorOptions, 'cxx' | 'cxxFlags' | 'testlib'> = {};
  for (const flag of ['cxx', 'testlib'] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--${flag}: expected a path`);
    o[flag] = v;
  }
  const flags = values['cxx-flags'];
  if (flags !== undefined) {
    if (typeof flags !== 'string') throw new UsageError('--cxx-flags: expected the compiler flags as one argument');
    o.cxxFlags = flags.split(/\s+/).filter(Boolean);
  }
  return o;
}

export const EXEC_FLAGS = {
  concurrency: { type: 'string' },
  python: { type: 'string' },
  ...LIMIT_FLAGS,
  'no-cache': { type: 'boolean' },
  'cache-mb': { type: 'string' },
  'no-site-packages': { type: 'boolean' },
  scope: { type: 'string' },
  'stop-after-failure': { type: 'boolean' },
  mutants: { type: 'string' },
  'mutant-seed': { type: 'string' },
  'no-coverage': { type: 'boolean' },
  ...CXX_FLAGS_SPEC(),
  output: { type: 'string', short: 'o' },
  resume: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const REWARD_FLAGS = {
  lint: { type: 'boolean' },
  'style-weight': { type: 'string' },
  'reward-profile': { type: 'string' },
  'efficiency-weight': { type: 'string' },
  'efficiency-repeats': { type: 'string' },
  'efficiency-floor-ms': { type: 'string' },
  'test-reward': { type: 'string' },
  scheme: { type: 'string' },
  alpha: { type: 'string' },
  beta: { type: 'string' },
  gamma: { type: 'string' },
  delta: { type: 'string' },
  advantage: { type: 'string' },
  backend: { type: 'string' },
} as const;

/** --scope rollout|test (ExecutorOptions.scope). */
export function scopeOption(values: Record<string, unknown>): 'rollout' | 'test' | undefined {
  const v = values.scope;
  if (v === undefined) return undefined;
  if (v !== 'rollout' && v !== 'test') throw new UsageError(`--scope ${String(v)}: expected rollout or test`);
  return v;
}

function number(values: Record<string, unknown>, flag: string, ok: (x: number) => boolean, expected: string): number | undefined {
  const v = values[flag];
  if (v === undefined) return undefined;
  const x = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(x) || !ok(x)) throw new UsageError(`--${flag} ${String(v)}: expected ${expected}`);
  return x;
}

export function scoreOptions(values: Record<string, unknown>, mode: 'score' | 'run'): ScoreOptions {
  const o: ScoreOptions = { mode, cache: !values['no-cache'] };
  const concurrency = number(values, 'concurrency', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
  if (concurrency !== undefined) o.concurrency = concurrency;
  if (typeof values.python === 'string') o.python = values.python;
  if (values['no-site-packages']) o.sitePackages = false;
  const scope = scopeOption(values);
  if (scope !== undefined) o.scope = scope;
  if (values['stop-after-failure']) {
    if (mode === 'score' && values.scheme !== 'binary') {
      throw new UsageError(`--stop-after-failure: only with 'verpo run' or --scheme binary, where one failing test decides the result (under --scheme ${String(values.scheme ?? 'verpo')} every test's verdict changes the reward)`);
    }
    o.stopAfterFailure = true;
  }
  Object.assign(o, cxxOptions(values));
  const cacheMb = number(values, 'cache-mb', (x) => x > 0, 'a number of MiB > 0');
  if (cacheMb !== undefined) o.cacheMb = cacheMb;
  const limits = limitOptions(values);
  if (Object.keys(limits).length) o.limits = limits;
  if (values.lint) o.lint = true;
  const cap = number(values, 'mutants', (x) => Number.isInteger(x) && x >= 1 && x <= MAX_MUTANT_CAP, `an integer in 1..${MAX_MUTANT_CAP}`);
  if (cap !== undefined) o.mutantCap = cap;
  const seed = number(values, 'mutant-seed', (x) => Number.isSafeInteger(x), 'an integer');
  if (seed !== undefined) o.mutantSeed = seed;
  if (values['no-coverage']) o.coverage = false;
  if (mode === 'score') {
    if (values['test-reward'] !== undefined) {
      if (!(TEST_REWARDS as readonly unknown[]).includes(values['test-reward']))
        throw new UsageError(`--test-reward ${String(values['test-reward'])}: expected one of ${TEST_REWARDS.join(', ')}`);
      o.testReward = values['test-reward'] as string;
    }
    const styleWeight = number(values, 'style-weight', (x) => x >= 0, 'a number >= 0');
    if (styleWeight !== undefined) o.styleWeight = styleWeight;
    const effWeight = number(values, 'efficiency-weight', (x) => x >= 0, 'a number >= 0');
    if (effWeight !== undefined) o.efficiencyWeight = effWeight;
    const repeats = number(values, 'efficiency-repeats', (x) => Number.isInteger(x) && x >= 1 && x <= 9, 'an integer in 1..9');
    if (repeats !== undefined) o.efficiencyRepeats = repeats;
    const floor = number(values, 'efficiency-floor-ms', (x) => x >= 0, 'a number of ms >= 0');
    if (floor !== undefined) o.efficiencyFloorMs = floor;
    if (values['reward-profile'] !== undefined) {
      if (!(REWARD_PROFILES as readonly unknown[]).includes(values['reward-profile']))
        throw new UsageError(`--reward-profile ${String(values['reward-profile'])}: expected one of ${REWARD_PROFILES.join(', ')}`);
      o.rewardProfile = values['reward-profile'] as ScoreOptions['rewardProfile'];
    }
    if (values.scheme !== undefined) {
      if (!SCHEMES.includes(values.scheme as never)) throw new UsageError(`--scheme ${String(values.scheme)}: expected one of ${SCHEMES.join(', ')}`);
      o.scheme = values.scheme as ScoreOptions['scheme'];
    }
    if (values.advantage !== undefined) {
      if (!ESTIMATORS.includes(values.advantage as never)) throw new UsageError(`--advantage ${String(values.advantage)}: expected one of ${ESTIMATORS.join(', ')}`);
      o.advantage = values.advantage as ScoreOptions['advantage'];
    }
    if (values.backend !== undefined) {
      if (!['auto', 'native', 'js'].includes(values.backend as string)) throw new UsageError(`--backend ${String(values.backend)}: expected auto, native or js`);
      o.backend = values.backend as ScoreOptions['backend'];
    }
    const alpha = number(values, 'alpha', (x) => x > 0, 'a number > 0');
    const beta = number(values, 'beta', (x) => x >= 0, 'a number >= 0');
    const gamma = number(values, 'gamma', (x) => x > 0 && x <= 1, 'a number in (0, 1]');
    const delta = number(values, 'delta', (x) => x >= 0, 'a number >= 0');
    if (alpha !== undefined) o.alpha = alpha;
    if (beta !== undefined) o.beta = beta;
    if (gamma !== undefined) o.gamma = gamma;
    if (delta !== undefined) o.delta = delta;
  }
  return o;
}
