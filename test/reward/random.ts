// Seeded random ragged batches that reach every code path: 1 row, 1 test, all-pass, all-fail,
// sigma = 0, widths around the 8-lane boundary, multi-turn layouts.
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

export interface RandomGroup { P: number[][]; traj: number[] | null }

export function randomGroup(rand: () => number, multiTurn: boolean): RandomGroup {
  const shape = rand();
  const R = shape < 0.1 ? 1 : 1 + Math.floor(rand() * 20);
  const M = shape > 0.9 ? 1 : 1 + Math.floor(rand() * 40);
  const kind = rand();
  const density = rand();
  const P = Array.from({ length: R }, () =>
    Array.from({ length: M }, () => (kind < 0.08 ? 1 : kind < 0.16 ? 0 : rand() < density ? 1 : 0)));
  if (kind >= 0.16 && kind < 0.22 && R % 2 === 0) {
    // sigma = 0 with rho strictly inside (0, 1): every column passed by exactly half the rows
    for (let j = 0; j < M; ++j) for (let r = 0; r < R; ++r) P[r][j] = (r + j) % 2;
  }
  let traj: number[] | null = null;
  if (multiTurn) {
    const n = 1 + Math.floor(rand() * R);
    traj = Array.from({ length: R }, (_, r) => (r < n ? r : Math.floor(rand() * n)));
    traj.sort((a, b) => a - b);
  }
  return { P, traj };
}

export function toBatch(groups: RandomGroup[]) {
  const multi = groups.some((g) => g.traj);
  return {
    passed: new Uint8Array(groups.flatMap((g) => g.P.flat())),
    rows: new Uint32Array(groups.map((g) => g.P.length)),
    tests: new Uint32Array(groups.map((g) => g.P[0].length)),
    ...(multi ? { trajectory: new Uint32Array(groups.flatMap((g) => g.traj ?? g.P.map((_, i) => i))) } : {}),
  };
}
