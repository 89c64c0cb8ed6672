'use strict';
// Timing helpers shared by the benchmarks: medians of repeated runs, never a single sample.

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs fn (sync or async) until it has `reps` samples and at least `minMs` of total time. */
async function timeIt(fn, { reps = 7, minMs = 150, maxReps = 200 } = {}) {
  const samples = [];
  let total = 0;
  await fn(); // warm-up
  while ((samples.length < reps || total < minMs) && samples.length < maxReps) {
    const t0 = process.hrtime.bigint();
    await fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    samples.push(ms);
    total += ms;
  }
  return { medianMs: median(samples), samples: samples.length };
}

function fmt(n, digits = 3) {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1e9) return (n / 1e9).toFixed(2) + 'G';
  if (Math.abs(n) >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (Math.abs(n) >= 1e3) return (n / 1e3).toFixed(1) + 'k';
  return n.toPrecision(digits);
}

module.exports = { median, timeIt, fmt };
