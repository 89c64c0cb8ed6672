'use strict';
// Reward kernel throughput, native vs JS, against a memory-read floor (summing the same bytes
// natively), all measured in the same run. Prints a markdown section.
const { computeRewards, computeRewardsAsync } = require('../dist');
const { native } = require('../dist/native/load');
const { timeIt, fmt } = require('./stats');

const SIZES = [
  { groups: 4, rows: 8, tests: 32 },
  { groups: 16, rows: 16, tests: 40 },
  { groups: 64, rows: 16, tests: 100 },
  { groups: 256, rows: 16, tests: 256 },
  { groups: 512, rows: 16, tests: 512 },
  { groups: 512, rows: 16, tests: 2048 },
];

function batchOf({ groups, rows, tests }) {
  let s = 12345;
  const passed = new Uint8Array(groups * rows * tests);
  for (let i = 0; i < passed.length; ++i) {
    s = (s * 1103515245 + 12345) >>> 0;
    passed[i] = (s >>> 16) % 100 < 60 ? 1 : 0;
  }
  return { passed, rows: new Uint32Array(groups).fill(rows), tests: new Uint32Array(groups).fill(tests) };
}

async function main() {
  const addon = native();
  if (!addon) throw new Error('the reward benchmark needs the native addon (npm install builds it)');
  const lines = [
    '## Reward kernels (scheme verpo, advantage verpo)',
    '',
    'Cells/s, median of repeated runs. "floor" sums the same bytes natively (the memory-read',
    'baseline); "native/floor" is the kernel time over the floor time (lower is better; target <= 3).',
    '',
    '| cells | shape (groups x rows x tests) | JS sync | native sync | native async (all cores) | memory-read floor | native / JS | native / floor |',
    '|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const size of SIZES) {
    const batch = batchOf(size);
    const cells = batch.passed.length;
    const out = {
      reward: new Float64Array(size.groups * size.rows), dense: new Float64Array(size.groups * size.rows),
      outcome: new Float64Array(size.groups * size.rows), advantage: new Float64Array(size.groups * size.rows),
      weight: new Float64Array(size.groups * size.tests), rho: new Float64Array(size.groups * size.tests),
    };
    const js = await timeIt(() => computeRewards(batch, { backend: 'js', out }));
    const nat = await timeIt(() => computeRewards(batch, { backend: 'native', out }));
    const asy = await timeIt(() => computeRewardsAsync(batch, { backend: 'native', out }));
    let sink = 0;
    const floor = await timeIt(() => { sink += addon.sumBytes(batch.passed); });
    if (sink < 0) throw new Error('unreachable');
    const rate = (t) => cells / (t.medianMs / 1e3);
    lines.push(`| ${fmt(cells)} | ${size.groups} x ${size.rows} x ${size.tests} | ${fmt(rate(js))} | ${fmt(rate(nat))} | ${fmt(rate(asy))} | ${fmt(rate(floor))} | ${(js.medianMs / nat.medianMs).toFixed(1)}x | ${(nat.medianMs / floor.medianMs).toFixed(2)} |`);
    process.stderr.write(lines[lines.length - 1] + '\n');
  }
  return lines.join('\n') + '\n';
}

module.exports = { main };
if (require.main === module) main().then((s) => process.stdout.write(s), (e) => { console.error(e); process.exit(1); });
