// The spec runs once per backend (bufferutil style). Native runs whenever the addon loaded; in CI
// (CI=true) a missing addon is a failure, not a silent JS-only run.
import { native, nativeLoadError } from '../../lib/native/load';
import type { Backend } from '../../lib/reward/types';

export const hasNative = native() !== null;
export const BACKENDS: Backend[] = hasNative ? ['native', 'js'] : ['js'];
export const nativeMissingReason = nativeLoadError();

/** Cells of a row-major matrix, for building batches by hand. */
export function cells(rows: number[][]): Uint8Array {
  return new Uint8Array(rows.flat());
}

export function single(P: number[][], extra: { trajectory?: number[]; rho?: number[] } = {}) {
  return {
    passed: cells(P),
    rows: new Uint32Array([P.length]),
    tests: new Uint32Array([P[0].length]),
    ...(extra.trajectory ? { trajectory: new Uint32Array(extra.trajectory) } : {}),
    ...(extra.rho ? { rho: new Float64Array(extra.rho) } : {}),
  };
}
