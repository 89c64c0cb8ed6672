// OpenRLHF's remote reward (trainer-integration.md §1.4), as openrlhf/utils/agent.py sends it: one sample
// per request ({"query": [prompt + response], "prompts": [prompt], "labels": [label]}), empty lists on
// secondary servers; {"rewards", "scores", "extra_logs"} back, each number of which OpenRLHF turns into a
// tensor (torch.tensor([reward]) in samples_generator.py): they must arrive as Python floats.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerpoServer } from '../../lib/server/app';
import { extractProgram, responseOf, testsFromLabel } from '../../lib/server/labels';
import { post, pythonNumberTypes, serve } from './helpers';

let server: VerpoServer;
beforeAll(async () => {
  server = await serve();
});
afterAll(async () => {
  await server.close();
});

const PROMPT = '<|user|>Read two integers and print their sum.<|assistant|>';
const APPS_LABEL = JSON.stringify({ inputs: ['1 2\n', '5 7\n', '0 0\n'], outputs: ['3\n', '12\n', '0\n'] });
const GOOD = `${PROMPT}Here:\n\`\`\`python\na, b = map(int, input().split())\nprint(a + b)\n\`\`\`<|end|>`;

/** What OpenRLHF's _fetch_rewards_via_http posts for one sample. */
const oneSample = (query: string, prompt: string, label: unknown) => ({ query: [query], prompts: [prompt], labels: [label] });

describe('POST /get_reward (OpenRLHF)', () => {
  it('answers the empty lists OpenRLHF sends to secondary servers with empty lists', async () => {
    const r = await post(server.url, '/get_reward', { query: [], prompts: [], labels: [] });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ rewards: [], scores: [], extra_logs: { pass_rate: [], all_passed: [], label_error: [] }, errors: [] });
  });

  it('one sample: prompt + fenced response scored against an APPS-style label; every number a float on the wire', async () => {
    const r = await post(server.url, '/get_reward', oneSample(GOOD, PROMPT, APPS_LABEL));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ rewards: [1], scores: [1], extra_logs: { pass_rate: [1], all_passed: [1], label_error: [0] }, errors: [null] });
    // JSON.stringify would write `1`: the text carries 1.0, so torch.tensor([reward]) is a float tensor
    expect(r.text).toContain('"rewards":[1.0]');
    expect(r.text).toContain('"all_passed":[1.0]');
    expect(r.text).toContain('"label_error":[0.0]');
    expect(await pythonNumberTypes(r.text)).toEqual([
      '$.rewards[0]: float', '$.scores[0]: float',
      '$.extra_logs.pass_rate[0]: float', '$.extra_logs.all_passed[0]: float', '$.extra_logs.label_error[0]: float',
    ]);
  });

  it('a batch of whole-number rewards (all 1.0 and 0.0): every reward a Python float, as the tensor step needs', async () => {
    const wrong = `${PROMPT}\`\`\`python\nprint(42)\n\`\`\``;
    const replies = await Promise.all([GOOD, wrong, GOOD, wrong].map((q) => post(server.url, '/get_reward', oneSample(q, PROMPT, APPS_LABEL))));
    const rewards = replies.map((r) => r.json.rewards[0]);
    expect(rewards).toEqual([1, 0, 1, 0]);
    for (const r of replies) expect(r.text).toMatch(/"rewards":\[(1|0)\.0\]/);
    // the four replies as Python reads them (one interpreter for all four)
    const types = await pythonNumberTypes(`[${replies.map((r) => r.text).join(',')}]`);
    expect(types).toHaveLength(4 * 5);
    expect(types.filter((t) => !t.endsWith(': float'))).toEqual([]);
  });

  it('partial credit, several samples, and a contract-style label', async () => {
    const partial = `${PROMPT}\`\`\`python\na, b = map(int, input().split())\nprint(a + b if a < 5 else 0)\n\`\`\``;
    const wrong = `${PROMPT}\`\`\`python\nprint(42)\n\`\`\``;
    const label = { tests: [{ type: 'call', fn: 'f', args: [2], expected: 4 }, { type: 'call', fn: 'f', args: [3], expected: 6 }] };
    const r = await post(server.url, '/get_reward', {
      query: [partial, wrong, '```python\ndef f(x):\n    return 4\n```'], prompts: [PROMPT, PROMPT, ''], labels: [APPS_LABEL, APPS_LABEL, JSON.stringify(label)],
    });
    expect(r.status).toBe(200);
    [2 / 3, 0, 0.5].forEach((want, i) => {
      expect(r.json.rewards[i]).toBeCloseTo(want, 12);
      expect(r.json.scores[i]).toBeCloseTo(want, 12);
      expect(r.json.extra_logs.pass_rate[i]).toBeCloseTo(want, 12);
    });
    expect(r.json.extra_logs.all_passed).toEqual([0, 0, 0]);
  });

  it('a label that is empty or names no tests: 200 (OpenRLHF retries any other status five times), reward 0.0, label_error 1.0 and the reason', async () => {
    const cases: [unknown, RegExp][] = [
      ['', /labels\[0\]: label: is empty/],
      [null, /labels\[0\]: label: is missing/],
      ['{"inputs": [], "outputs": []}', /labels\[0\]: label\.inputs: is empty: the problem has no tests/],
      ['{"tests": []}', /labels\[0\]: label\.tests: is empty/],
      ['{"prompt": "no tests here"}', /labels\[0\]: label: has no tests/],
      ['not json', /labels\[0\]: label: expected JSON text/],
    ];
    for (const [label, reason] of cases) {
      const r = await post(server.url, '/get_reward', oneSample(GOOD, PROMPT, label));
      expect(r.status, JSON.stringify(label)).toBe(200);
      expect(r.json.rewards).toEqual([0]);
      expect(r.text).toContain('"rewards":[0.0]');
      expect(r.json.extra_logs).toEqual({ pass_rate: [0], all_passed: [0], label_error: [1] });
      expect(r.json.errors[0]).toMatch(reason);
    }
    // in a request of several samples, the others are still scored
    const mixed = await post(server.url, '/get_reward', { query: [GOOD, GOOD], prompts: [PROMPT, PROMPT], labels: ['{"tests": []}', APPS_LABEL] });
    expect(mixed.json.rewards).toEqual([0, 1]);
    expect(mixed.json.errors[1]).toBeNull();
  });

  it('a request of the wrong shape (no labels: --data.label_key unset) stays a 400 naming the fix', async () => {
    const a = await post(server.url, '/get_reward', { query: ['x'], prompts: ['p'] });
    expect(a.status).toBe(400);
    expect(a.json.error).toMatch(/labels: expected one label per query \(1\); set --data.label_key/);
  });

  it('helpers: response after the prompt, program from the last python fence, tests from labels', () => {
    expect(responseOf('PROMPTanswer', 'PROMPT')).toBe('answer');
    expect(responseOf('other', 'PROMPT')).toBe('other');
    expect(extractProgram('a\n```\nx=1\n```\n```python\ny=2\n```\n```text\nz\n```')).toBe('y=2\n');
    expect(extractProgram('```\nx=1\n```')).toBe('x=1\n');
    expect(extractProgram('print(1)')).toBe('print(1)');
    const call = testsFromLabel({ inputs: [[1, 2]], outputs: [[3]], fn_name: 'add' });
    expect(call.tests).toEqual([{ type: 'call', fn: 'add', args: [1, 2], expected: 3 }]);
    expect(call.setup).toMatch(/Solution\(\)\.add/);
    expect(testsFromLabel({ inputs: ['[1, 2]\n"x"\n'], outputs: [[3]], fn_name: 'f' }).tests)
      .toEqual([{ type: 'call', fn: 'f', args: [[1, 2], 'x'], expected: 3 }]);
    expect(testsFromLabel({ assert_case: ['assert f() == 1'] }).tests).toEqual([{ type: 'assert', code: 'assert f() == 1' }]);
  });
});
