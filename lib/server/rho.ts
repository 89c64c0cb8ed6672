// Cross-step difficulty without server state: a trainer that keeps a DifficultyTracker (or any
// per-test pass-rate estimate) sends the group's pass rates as `rho`, one per test, and the group's
// rewards are computed with them instead of the group's own. The server remembers nothing between
// requests, so any number of servers can sit behind a load balancer.
import { computeRewards } from '../reward/compute';
import type { OutputLine, RowResult } from '../pipeline/contract';
import type { RewardOptions } from '../reward/types';
import { LineError } from '../pipeline/contract';

/** Checks a group's `rho` against its number of tests (known once the group is scored). */
export function checkRho(rho: unknown, tests: number): Float64Array {
  if (!Array.isArray(rho) || rho.length !== tests) {
    throw new LineError('rho', `expected one pass rate per test (${tests})${Array.isArray(rho) ? `, got ${rho.length}` : ''}`);
  }
  rho.forEach((x, j) => {
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > 1) throw new LineError(`rho[${j}]`, `is ${JSON.stringify(x)}: expected a number in [0, 1]`);
  });
  return Float64Array.from(rho as number[]);
}

/** Recomputes a scored line's rewards from its pass matrix with the given per-test pass rates. */
export function applyRho(line: OutputLine, rhoValue: unknown, options: Omit<RewardOptions, 'out'>): OutputLine {
  const rows: RowResult[] = line.rollouts ?? (line.turns ?? []).flat();
  if (rows.length === 0) return line;
  const tests = rows[0].passed.length;
  const rho = checkRho(rhoValue, tests);
  // turns are listed trajectory by trajectory, each in turn order: exactly the order computeRewards wants
  const trajectory = line.turns ? Uint32Array.from(line.turns.flatMap((t, i) => t.map(() => i))) : undefined;
  const out = computeRewards(
    {
      passed: Uint8Array.from(rows.flatMap((r) => r.passed)),
      rows: new Uint32Array([rows.length]),
      tests: new Uint32Array([tests]),
      ...(trajectory ? { trajectory } : {}),
      rho,
    },
    options,
  );
  const rescored = rows.map((r, i) => ({ ...r, dense: out.dense[i], outcome: out.outcome[i], reward: out.reward[i], advantage: out.advantage[i] }));
  const weights = Array.from(out.weight, (w) => (Number.isFinite(w) ? w : null));
  if (!line.turns) return { ...line, weights, rollouts: rescored };
  let k = 0;
  return { ...line, weights, turns: line.turns.map((t) => t.map(() => rescored[k++])) };
}
