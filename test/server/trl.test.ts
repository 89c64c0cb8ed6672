// TRL's reward-function convention over HTTP (POST /trl/reward): GRPOTrainer calls
// reward_func(prompts=..., completions=..., completion_ids=..., **columns) with each prompt repeated
// num_generations times consecutively; completions are strings (standard format) or lists of messages
// (conversational), and with tools they hold assistant turns, tool calls and tool results, possibly
// ending with a tool result. The body is that call's JSON-able arguments; the reply's rewards are what the
// function returns: floats, or None (null) for a sample that cannot be scored (TRL: NaN, left out).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerpoServer } from '../../lib/server/app';
import { programOfCompletion } from '../../lib/server/labels';
import { post, pythonNumberTypes, serve } from './helpers';

let server: VerpoServer;
beforeAll(async () => {
  server = await serve();
});
afterAll(async () => {
  await server.close();
});

const RIGHT = 'a, b = map(int, input().split())\nprint(a + b)\n';
const WRONG = 'a, b = map(int, input().split())\nprint(a - b)\n';
const SUM_TESTS = JSON.stringify({ inputs: ['1 2\n', '5 7\n'], outputs: ['3\n', '12\n'] });
const DOUBLE = 'def double(x):\n    return 2 * x\n';
const DOUBLE_TESTS = JSON.stringify([{ input: '3', output: '6', testtype: 'functional', metadata: { func_name: 'double' } },
  { input: '-1', output: '-2', testtype: 'functional', metadata: { func_name: 'double' } }]);
const fenced = (code: string) => `Sure.\n\`\`\`python\n${code}\`\`\``;

/** What a JSON shim would send for one reward_func call: the call's keyword arguments. */
function trlCall(prompts: unknown[], completions: unknown[], columns: Record<string, unknown[]>) {
  return { prompts, completions, completion_ids: completions.map((_, i) => [101 + i, 102, 103]), ...columns };
}

describe('POST /trl/reward (TRL GRPOTrainer reward function)', () => {
  it('standard format: string prompts and completions, two generations per prompt, rewards as floats', async () => {
    const prompts = ['Add two numbers.', 'Add two numbers.', 'Double it.', 'Double it.'];
    const completions = [fenced(RIGHT), fenced(WRONG), fenced(DOUBLE), 'def double(x):\n    return x\n'];
    const body = trlCall(prompts, completions, { ground_truth: [SUM_TESTS, SUM_TESTS, DOUBLE_TESTS, DOUBLE_TESTS], task: ['a', 'a', 'b', 'b'] });
    const r = await post(server.url, '/trl/reward?scheme=pass-rate', body);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ rewards: [1, 0, 1, 0], errors: [null, null, null, null] });
    expect(r.text).toContain('"rewards":[1.0,0.0,1.0,0.0]');
    expect(await pythonNumberTypes(r.text)).toEqual(['$.rewards[0]: float', '$.rewards[1]: float', '$.rewards[2]: float', '$.rewards[3]: float']);
    // VeRPO by default: each prompt's generations are scored as one group (the right one above the wrong one)
    const v = await post(server.url, '/trl/reward', body);
    expect(v.json.rewards[0]).toBeGreaterThan(v.json.rewards[1]);
    expect(v.json.rewards[2]).toBeGreaterThan(v.json.rewards[3]);
  });

  it('conversational format: the program is in the assistant message', async () => {
    const prompt = [{ role: 'system', content: 'Answer in Python.' }, { role: 'user', content: 'Add two numbers.' }];
    const completions = [[{ role: 'assistant', content: fenced(RIGHT) }], [{ role: 'assistant', content: fenced(WRONG) }]];
    const r = await post(server.url, '/trl/reward?scheme=pass-rate', trlCall([prompt, prompt], completions, { ground_truth: [SUM_TESTS, SUM_TESTS] }));
    expect(r.json.rewards).toEqual([1, 0]);
  });

  it('tool calling: the last assistant message that has code, also when the completion ends with a tool result', async () => {
    const toolCall = (code: string) => ({ type: 'function', function: { name: 'run_python', arguments: { code } } });
    const prompt = [{ role: 'user', content: 'Add two numbers; you may run code first.' }];
    const completions = [
      // tried a wrong version, saw the tool's output, answered with the right one
      [{ role: 'assistant', content: `Let me try.\n${fenced(WRONG)}`, tool_calls: [toolCall(WRONG)] },
        { role: 'tool', name: 'run_python', content: '-1' },
        { role: 'assistant', content: `Fixed:\n${fenced(RIGHT)}` }],
      // cut off after the tool result (max_completion_length): the program is the one it ran
      [{ role: 'assistant', content: fenced(RIGHT), tool_calls: [toolCall(RIGHT)] }, { role: 'tool', name: 'run_python', content: '3' }],
      // a final assistant turn without code: the earlier turn that has code
      [{ role: 'assistant', content: fenced(RIGHT), tool_calls: [toolCall(RIGHT)] }, { role: 'tool', name: 'run_python', content: '3' },
        { role: 'assistant', content: 'That prints the sum.' }],
      // content as a list of parts
      [{ role: 'assistant', content: [{ type: 'text', text: 'Here:\n```python\n' }, { type: 'text', text: `${WRONG}\`\`\`` }] }],
    ];
    const r = await post(server.url, '/trl/reward?scheme=pass-rate', trlCall(completions.map(() => prompt), completions, { ground_truth: completions.map(() => SUM_TESTS) }));
    expect(r.json).toEqual({ rewards: [1, 1, 1, 0], errors: [null, null, null, null] });
    expect(programOfCompletion(completions[0])).toBe(RIGHT);
    expect(programOfCompletion([{ role: 'assistant', content: 'print(1)' }, { role: 'tool', content: '1' }])).toBe('print(1)');
  });

  it('the column holding the tests is named with ?label_key=; a missing column is a 400 naming it', async () => {
    const body = trlCall(['p'], [fenced(RIGHT)], { tests: [SUM_TESTS] });
    expect((await post(server.url, '/trl/reward?label_key=tests&scheme=pass-rate', body)).json.rewards).toEqual([1]);
    const missing = await post(server.url, '/trl/reward', body);
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatch(/ground_truth: expected the dataset column with each problem's tests.*\?label_key=/);
    const badOption = await post(server.url, '/trl/reward?label_key=tests&scheme=nope', body);
    expect(badOption.status).toBe(400);
    expect(badOption.json.error).toMatch(/scheme: "nope" is not one of/);
  });

  it('a sample whose label is empty or has no tests: None (TRL leaves NaN out), the reason, 200; the others are scored', async () => {
    const prompts = ['p1', 'p1', 'p2'];
    const r = await post(server.url, '/trl/reward?scheme=pass-rate', trlCall(prompts, [fenced(RIGHT), fenced(RIGHT), fenced(RIGHT)], { ground_truth: ['', '', SUM_TESTS] }));
    expect(r.status).toBe(200);
    expect(r.json.rewards).toEqual([null, null, 1]);
    expect(r.json.errors[0]).toMatch(/^samples 0\.\.1: label: is empty/);
    expect(r.json.errors[2]).toBeNull();
    expect(r.text).toContain('"rewards":[null,null,1.0]');
  });

  it('an empty batch, and prompts that do not match the completions', async () => {
    expect((await post(server.url, '/trl/reward', trlCall([], [], { ground_truth: [] }))).json).toEqual({ rewards: [], errors: [] });
    const r = await post(server.url, '/trl/reward', trlCall(['a'], ['x', 'y'], { ground_truth: ['', ''] }));
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/prompts: expected one prompt per completion \(2\)/);
  });
});
