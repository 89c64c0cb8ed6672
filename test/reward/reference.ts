// An independent, deliberately naive reference of reward-math.md §A.4 (straight from the
// equations: O(M^2) density, no levels, no lanes), used to check both backends.
export interface RefOptions {
  scheme: 'verpo' | 'verpo-difficulty' | 'pass-rate' | 'binary';
  advantage: 'verpo' | 'grpo' | 'dr-grpo' | 'rloo';
  alpha: number; beta: number; gamma: number; delta: number;
}

export function referenceGroup(P: number[][], traj: number[] | null, o: RefOptions, rhoGiven?: number[]) {
  const R = P.length, M = P[0].length;
  const t = traj ?? P.map((_, i) => i);
  const rho = rhoGiven ?? Array.from({ length: M }, (_, j) => P.reduce((s, row) => s + row[j], 0) / R);
  const w = rho.map((r) => Math.exp(-o.alpha * r));
  const mean = rho.reduce((a, b) => a + b, 0) / M;
  const sigma = Math.sqrt(rho.reduce((a, r) => a + (r - mean) ** 2, 0) / M) / 2;
  const N = rho.map((rj) => (sigma <= 1e-12 ? M : rho.reduce((a, rk) => a + Math.exp(-((rj - rk) ** 2) / (2 * sigma * sigma)), 0)));
  let weight: number[];
  if (o.scheme === 'verpo') weight = w.map((x, j) => x / (N[j] + o.delta));
  else if (o.scheme === 'verpo-difficulty') weight = w;
  else if (o.scheme === 'pass-rate') weight = rho.map(() => 1 / M);
  else weight = rho.map(() => NaN);
  const ones = P.map((row) => row.reduce((a, b) => a + b, 0));
  const dense = P.map((row, i) =>
    o.scheme === 'binary' ? (ones[i] === M ? 1 : 0) : o.scheme === 'pass-rate' ? ones[i] / M : row.reduce((a, p, j) => a + p * weight[j], 0));
  const nT = Math.max(...t) + 1;
  const turns = Array.from({ length: nT }, (_, k) => t.filter((x) => x === k).length);
  const last = Array.from({ length: nT }, (_, k) => t.lastIndexOf(k));
  const trajOut = turns.map((n, k) => (ones[last[k]] === M ? o.gamma ** n : 0));
  const outcome = t.map((k) => trajOut[k]);
  const reward = dense.map((d, i) => (o.scheme === 'binary' ? outcome[i] : o.scheme === 'pass-rate' ? d : outcome[i] + o.beta * d));
  const avg = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  let advantage: number[];
  if (o.advantage === 'verpo') {
    const mt = avg(trajOut), md = avg(dense);
    advantage = dense.map((d, i) => trajOut[t[i]] - mt + o.beta * (d - md));
  } else {
    const m = avg(reward);
    if (R < 2) advantage = reward.map(() => 0);
    else if (o.advantage === 'dr-grpo') advantage = reward.map((r) => r - m);
    else if (o.advantage === 'rloo') advantage = reward.map((r) => ((r - m) * R) / (R - 1));
    else {
      const sd = Math.sqrt(reward.reduce((a, r) => a + (r - m) ** 2, 0) / (R - 1));
      advantage = reward.map((r) => (r - m) / (sd + 1e-6));
    }
  }
  return { rho, weight, dense, outcome, reward, advantage };
}
