// verl's custom reward function over HTTP (POST /verl/compute_score). The batch reward manager calls
// compute_score(data_sources, solution_strs, ground_truths, extra_infos, **reward_kwargs) once per batch,
// a prompt's n rollouts consecutive; the per-sample managers (naive, prime, dapo) call
// compute_score(data_source, solution_str, ground_truth, extra_info). The reply is what the function
// returns: one dict per sample with "score" (verl puts it on the last response token) and the same other
// keys for every sample (verl gathers each key into a per-sample list). Ground truths are verl's
// sandbox_fusion style (JSON text): {"inputs", "outputs", "fn_name"?, "assert_case"?}.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerpoServer } from '../../lib/server/app';
import { post, pythonNumberTypes, serve } from './helpers';

let server: VerpoServer;
beforeAll(async () => {
  server = await serve();
});
afterAll(async () => {
  await server.close();
});

const SUM_GT = JSON.stringify({ inputs: ['1 2\n', '5 7\n', '0 0\n'], outputs: ['3\n', '12\n', '0\n'] });
const CALL_GT = JSON.stringify({ fn_name: 'occurrencesOfElement', inputs: ['[1, 3, 1, 7]\n[1, 3, 2, 4]\n1', '[1, 2, 3]\n[10]\n5'], outputs: ['[0, -1, 2, -1]', '[-1]'] });
const SUM = '```python\na, b = map(int, input().split())\nprint(a + b)\n```';
const SUM_HALF = '```python\na, b = map(int, input().split())\nprint(a + b if a < 5 else 0)\n```';
const OCC = '```python\nclass Solution:\n    def occurrencesOfElement(self, nums: List[int], queries: List[int], x: int) -> List[int]:\n' +
  '        xs = [i for i, n in enumerate(nums) if n == x]\n        return [xs[k - 1] if k <= len(xs) else -1 for k in queries]\n```';
const KEYS = ['dense', 'error', 'outcome', 'pass_rate', 'score', 'verpo_advantage'];

/** The batch manager's call as JSON: positional arguments by name, reward_kwargs beside them. */
function batchCall(data_sources: string[], solution_strs: string[], ground_truths: string[], reward_kwargs: Record<string, unknown> = {}) {
  return { data_sources, solution_strs, ground_truths, extra_infos: solution_strs.map((_, i) => ({ index: i, split: 'train' })), ...reward_kwargs };
}

describe('POST /verl/compute_score (verl custom reward function)', () => {
  it('batch manager: consecutive rollouts of a problem form a group; one dict per sample, floats on the wire', async () => {
    const body = batchCall(['apps', 'apps', 'apps', 'livecodebench', 'livecodebench'], [SUM, SUM_HALF, 'no code at all', OCC, '```python\nprint(1)\n```'],
      [SUM_GT, SUM_GT, SUM_GT, CALL_GT, CALL_GT], { url: 'ignored: the Python shim\'s own setting' });
    const r = await post(server.url, '/verl/compute_score', body);
    expect(r.status).toBe(200);
    expect(r.json).toHaveLength(5);
    for (const s of r.json) expect(Object.keys(s).sort()).toEqual(KEYS);
    expect(r.json.map((s: { pass_rate: number }) => s.pass_rate)).toEqual([1, 2 / 3, 0, 1, 0]);
    expect(r.json.map((s: { error: string }) => s.error)).toEqual(['', '', '', '', '']);
    // VeRPO (the default): within each problem's group the full pass scores highest
    expect(r.json[0].score).toBeGreaterThan(r.json[1].score);
    expect(r.json[1].score).toBeGreaterThan(r.json[2].score);
    expect(r.json[3].score).toBeGreaterThan(r.json[4].score);
    const types = await pythonNumberTypes(r.text);
    expect(types.filter((t) => !t.endsWith(': float'))).toEqual([]);
    expect(types).toHaveLength(5 * 5);
  });

  it('reward_kwargs choose the scheme: pass-rate gives the fraction of tests passed as "score"', async () => {
    const r = await post(server.url, '/verl/compute_score', batchCall(['apps', 'apps'], [SUM, SUM_HALF], [SUM_GT, SUM_GT], { scheme: 'pass-rate' }));
    expect(r.json.map((s: { score: number }) => s.score)).toEqual([1, 2 / 3]);
    expect(r.text).toContain('"score":1.0');
  });

  it('per-sample managers: one call, one dict (its pass rate: a sample alone has no group)', async () => {
    const r = await post(server.url, '/verl/compute_score', { data_source: 'livecodebench', solution_str: OCC, ground_truth: CALL_GT, extra_info: { index: 7 } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ score: 1, pass_rate: 1, error: '' });
    expect(r.text).toContain('"score":1.0');
  });

  it('a ground truth that is empty or has no tests: score 0.0 and the reason, HTTP 200, the same keys as the others', async () => {
    const r = await post(server.url, '/verl/compute_score', batchCall(['x', 'apps'], [SUM, SUM], ['{"inputs": [], "outputs": []}', SUM_GT], { scheme: 'pass-rate' }));
    expect(r.status).toBe(200);
    expect(r.json[0]).toEqual({ score: 0, dense: 0, outcome: 0, pass_rate: 0, verpo_advantage: 0, error: expect.stringMatching(/^sample 0: label\.inputs: is empty/) });
    expect(r.json[1]).toMatchObject({ score: 1, error: '' });
    for (const s of r.json) expect(Object.keys(s).sort()).toEqual(KEYS);
  });

  it('a call of the wrong shape is a 400 naming the fields', async () => {
    const a = await post(server.url, '/verl/compute_score', { data_sources: ['a'], solution_strs: ['x', 'y'], ground_truths: [SUM_GT] });
    expect(a.status).toBe(400);
    expect(a.json.error).toMatch(/ground_truths: expected one ground truth per solution \(2\)/);
    const b = await post(server.url, '/verl/compute_score', { something: 1 });
    expect(b.status).toBe(400);
    expect(b.json.error).toMatch(/expected verl's batch call/);
  });
});

describe('POST /score with what trainers hold: "label" and "completions" in place of tests and rollouts', () => {
  it('a group from a raw ground truth and raw completions (plain and conversational) is scored by the same rules', async () => {
    const r = await post(server.url, '/score', {
      problems: [
        { id: 'lcb', label: CALL_GT, completions: [OCC, [{ role: 'assistant', content: OCC }], 'print(1)'] },
        { id: 'bad', label: '', completions: [SUM] },
        { id: 'both', label: SUM_GT, tests: [], completions: [SUM] },
      ],
      options: { scheme: 'pass-rate' },
    });
    expect(r.status).toBe(200);
    const [lcb, bad, both] = r.json.results;
    expect(lcb.rollouts.map((x: { reward: number }) => x.reward)).toEqual([1, 1, 0]);
    expect(r.text).toContain('"reward":1.0');
    expect(bad.error).toMatch(/^problems\[1\]: label: is empty/);
    expect(both.error).toMatch(/^problems\[2\]: label: give "tests" or "label", not both/);
  });
});
