// OpenRLHF's remote reward (trainer-integration.md §1.4): one sample per request, empty lists on
// secondary servers, {"rewards", "scores", "extra_logs"} back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerpoServer } from '../../lib/server/app';
import { extractProgram, responseOf, testsFromLabel } from '../../lib/server/labels';
import { post, serve } from './helpers';

let server: VerpoServer;
beforeAll(async () => {
  server = await serve();
});
afterAll(async () => {
  await server.close();
});

const PROMPT = '<|user|>Read two integers and print their sum.<|assistant|>';
const APPS_LABEL = JSON.stringify({ inputs: ['1 2\n', '5 7\n', '0 0\n'], outputs: ['3\n', '12\n', '0\n'] });

describe('POST /get_reward (OpenRLHF)', () => {
  it('answers the empty lists OpenRLHF sends to secondary servers with empty lists', async () => {
    const r = await post(server.url, '/get_reward', { query: [], prompts: [], labels: [] });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ rewards: [], scores: [], extra_logs: { pass_rate: [], all_passed: [] } });
  });

  it('one sample: prompt + fenced response scored against an APPS-style label', async () => {
    const good = `${PROMPT}Here:\n\`\`\`python\na, b = map(int, input().split())\nprint(a + b)\n\`\`\`<|end|>`;
    const r = await post(server.url, '/get_reward', { query: [good], prompts: [PROMPT], labels: [APPS_LABEL] });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ rewards: [1], scores: [1], extra_logs: { pass_rate: [1], all_passed: [1] } });
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

  it('labels that do not match the queries, or name no tests: 400 with the reason', async () => {
    const a = await post(server.url, '/get_reward', { query: ['x'], prompts: ['p'] });
    expect(a.status).toBe(400);
    expect(a.json.error).toMatch(/labels: expected one label per query \(1\)/);
    const b = await post(server.url, '/get_reward', { query: ['x'], labels: ['{"inputs": [], "outputs": []}'] });
    expect(b.status).toBe(400);
    expect(b.json.error).toMatch(/labels\[0\]: label: has no tests/);
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
