// The async form under many concurrent calls, and loading in worker threads.
import * as path from 'path';
import { Worker } from 'worker_threads';
import { describe, expect, it } from 'vitest';
import { computeRewards, computeRewardsAsync } from '../../lib';
import { BACKENDS, hasNative } from './backends';
import { randomGroup, rng, toBatch } from './random';

describe.each(BACKENDS)('async (%s)', (backend) => {
  it('200 concurrent calls each equal their synchronous result, bit for bit', async () => {
    const rand = rng(11);
    const batches = Array.from({ length: 200 }, () => toBatch(Array.from({ length: 1 + Math.floor(rand() * 5) }, () => randomGroup(rand, rand() < 0.3))));
    const results = await Promise.all(batches.map((b) => computeRewardsAsync(b, { backend })));
    results.forEach((r, i) => {
      const s = computeRewards(batches[i], { backend });
      expect(Array.from(r.advantage)).toEqual(Array.from(s.advantage));
      expect(Array.from(r.weight)).toEqual(Array.from(s.weight));
    });
  });

  it('a large batch split across cores equals the synchronous result', async () => {
    const G = 256, R = 16, M = 256;
    const rand = rng(12);
    const passed = new Uint8Array(G * R * M).map(() => (rand() < 0.6 ? 1 : 0));
    const batch = { passed, rows: new Uint32Array(G).fill(R), tests: new Uint32Array(G).fill(M) };
    const a = await computeRewardsAsync(batch, { backend });
    const s = computeRewards(batch, { backend });
    expect(Buffer.from(a.advantage.buffer).equals(Buffer.from(s.advantage.buffer))).toBe(true);
    expect(Buffer.from(a.dense.buffer).equals(Buffer.from(s.dense.buffer))).toBe(true);
  });

  it('an error in one chunk rejects, and the other work still completes cleanly', async () => {
    const G = 64, R = 8, M = 1024;
    const passed = new Uint8Array(G * R * M).fill(1);
    passed[passed.length - 3] = 7;
    const batch = { passed, rows: new Uint32Array(G).fill(R), tests: new Uint32Array(G).fill(M) };
    await expect(computeRewardsAsync(batch, { backend })).rejects.toThrow(/is 7 \(group 63, row 7, test 1021\)/);
  });
});

describe('worker threads', () => {
  it('the package loads and computes in several worker threads at once (native when available)', async () => {
    const entry = path.resolve(__dirname, '..', '..', 'dist', 'index.js');
    const code = `
      const { parentPort } = require('worker_threads');
      const v = require(${JSON.stringify(entry)});
      const o = v.computeRewards({ passed: new Uint8Array([1,1,1,0,0, 1,1,0,0,0, 1,1,1,1,1, 1,0,0,0,0]),
        rows: new Uint32Array([4]), tests: new Uint32Array([5]) });
      v.computeRewardsAsync({ passed: new Uint8Array([1,0]), rows: new Uint32Array([2]), tests: new Uint32Array([1]) })
        .then((a) => parentPort.postMessage({ backend: o.backend, adv: Array.from(o.advantage), asyncAdv: Array.from(a.advantage) }));`;
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => new Promise<{ backend: string; adv: number[]; asyncAdv: number[] }>((resolve, reject) => {
        const w = new Worker(code, { eval: true });
        w.once('message', (m) => { resolve(m); void w.terminate(); });
        w.once('error', reject);
      })),
    );
    for (const r of runs) {
      expect(r.backend).toBe(hasNative ? 'native' : 'js');
      expect(r.adv[2]).toBeCloseTo(1.3043, 4);
      expect(r.asyncAdv[0]).toBeGreaterThan(0);
    }
  });
});

describe.each(BACKENDS)('async with caller buffers that change meanwhile (%s)', (backend) => {
  it('transferring the output buffer during the call neither crashes nor corrupts the result', async () => {
    const rand = rng(21);
    const batch = toBatch(Array.from({ length: 64 }, () => randomGroup(rand, false)));
    const expected = computeRewards(batch, { backend });
    const reward = new Float64Array(expected.reward.length);
    const p = computeRewardsAsync(batch, { backend, out: { reward } });
    structuredClone(reward.buffer, { transfer: [reward.buffer] }); // detaches the caller's array
    await expect(p).rejects.toThrow(); // nowhere to put the result: an error, not silence
    const again = await computeRewardsAsync(batch, { backend });
    expect(Array.from(again.reward)).toEqual(Array.from(expected.reward));
  });

  it('a resizable input buffer shrunk during the call does not reach the kernel', async () => {
    const rand = rng(22);
    const b = toBatch(Array.from({ length: 64 }, () => randomGroup(rand, false)));
    const ab = new (ArrayBuffer as unknown as { new (n: number, o: { maxByteLength: number }): ArrayBuffer & { resize(n: number): void } })(
      b.passed.length, { maxByteLength: b.passed.length });
    const passed = new Uint8Array(ab);
    passed.set(b.passed);
    const expected = computeRewards({ ...b, passed }, { backend });
    const p = computeRewardsAsync({ ...b, passed }, { backend });
    ab.resize(0);
    const o = await p;
    expect(Array.from(o.advantage)).toEqual(Array.from(expected.advantage));
  });
});
