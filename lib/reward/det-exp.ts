// Mirror of native/core/reward/det_exp.hpp: exp() by a fixed sequence of double operations, so
// both backends get bit-identical results (V8's Math.exp and libm's exp may differ by an ulp).
const bits = new DataView(new ArrayBuffer(8));

function pow2Exact(k: number): number {
  bits.setUint32(0, (k + 1023) << 20 >>> 0);
  bits.setUint32(4, 0);
  return bits.getFloat64(0);
}

const INV_LN2 = 1.4426950408889634;
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;

export function detExp(x: number): number {
  if (x !== x) return x;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019412) return 0;
  const k = Math.floor(x * INV_LN2 + 0.5);
  const r = (x - k * LN2_HI) - k * LN2_LO;
  let p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  if (k < -1021) return (p * pow2Exact(k + 60)) * pow2Exact(-60);
  if (k > 1023) return (p * pow2Exact(k - 60)) * pow2Exact(60);
  return p * pow2Exact(k);
}
