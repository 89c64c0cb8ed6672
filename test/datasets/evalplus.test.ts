// evalplus MBPP+ / HumanEval+ -> contract lines (expected outputs from the canonical solutions, run once in
// the sandbox and cached), and dataset files that are one pretty-printed JSON document.
import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { convertCommand } from '../../lib/cli/convert';
import {
  convertDataset, convertDatasetFile, convertEvalPlusRecords, type ContractLine, type DatasetKind, type DatasetRecordError,
  type EvalPlusExecutor, type EvalPlusSkippedInput, type EvalPlusStats,
} from '../../lib/datasets';
import { evalPlusInputs } from '../../lib/datasets/evalplus';
import { parseRecords } from '../../lib/datasets/records';
import type { Executor as ExecutorType, RunRequest, RunResult } from '../../lib/exec';
import { expectValidLine } from './convert-helpers';
import { executorOrSkip } from './executor-or-skip';

const dir = mkdtempSync(path.join(tmpdir(), 'verpo-evalplus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FULL = process.env.VERPO_E2E_FULL === '1';
const SAMPLE = path.resolve(__dirname, '..', 'fixtures', 'realworld', 'mbppplus_v0.1.0_sample40.jsonl');
type Row = { task_id: string; entry_point: string; canonical_solution: string; prompt: string; base_input: unknown[]; plus_input: unknown[] };
const sampleRows = readFileSync(SAMPLE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);

// The executor is loaded lazily so that this file still collects (and skips those tests) where it cannot be built.
const Executor = await executorOrSkip('evalplus tests that run programs');

async function fileLines(kind: DatasetKind, file: string, options = {}): Promise<{ lines: ContractLine[]; errors: DatasetRecordError[] }> {
  const errors: DatasetRecordError[] = [];
  const lines: ContractLine[] = [];
  for await (const l of convertDatasetFile(kind, file, { onError: (e) => errors.push(e), ...options })) lines.push(l);
  return { lines, errors };
}

const mbppRow = (id: number) => ({ task_id: id, text: `problem ${id}`, code: 'def f():\n    return 1\n', test_list: ['assert f() == 1'] });

describe('a dataset file that is one pretty-printed JSON document', () => {
  it('reads one pretty-printed record object (plain or gzipped), as every converter sees it', async () => {
    const text = JSON.stringify(mbppRow(7), null, 2) + '\n';
    expect(text.split('\n').length).toBeGreaterThan(4);
    for (const [name, bytes] of [['one.json', Buffer.from(text)], ['one.json.gz', gzipSync(Buffer.from(text))]] as const) {
      const file = path.join(dir, name);
      writeFileSync(file, bytes);
      const { lines, errors } = await fileLines('mbpp', file);
      expect(errors).toEqual([]);
      expect(lines.map((l) => [l.id, l.tests.length])).toEqual([['mbpp/7', 1]]);
    }
    expect([...convertDataset('mbpp', text)].map((l) => l.id)).toEqual(['mbpp/7']);
    const taco = { question: 'q', solutions: JSON.stringify(['print(1)']), input_output: JSON.stringify({ inputs: [''], outputs: ['1\n'] }) };
    const tacoFile = path.join(dir, 'taco-one.json');
    writeFileSync(tacoFile, JSON.stringify(taco, null, 4));
    const apps = await fileLines('apps', tacoFile);
    expect(apps.errors).toEqual([]);
    expect(apps.lines.map((l) => l.tests)).toEqual([[{ type: 'stdio', stdin: '', stdout: '1\n' }]]);
  });

  it('reads a pretty-printed array element by element: one bad element is one bad record', async () => {
    const good = JSON.stringify([mbppRow(1), mbppRow(2)], null, 2);
    const file = path.join(dir, 'arr.json');
    writeFileSync(file, good.replace('"problem 2"', '"problem 2" oops'));
    const { lines, errors } = await fileLines('mbpp', file);
    expect(lines.map((l) => l.id)).toEqual(['mbpp/1']);
    expect(errors.map((e) => [e.ref.index, e.field])).toEqual([[1, 'record']]);
    expect(errors[0].message).toContain(file);
    // the in-memory reader numbers the same records
    expect([...parseRecords(good, 'mbpp')].map((r) => [r.ref.index, 'value' in r])).toEqual([[0, true], [1, true]]);
  });

  it('names the path when the document itself is broken', async () => {
    const objectLines = JSON.stringify(mbppRow(1), null, 2).split('\n').length;
    const cases: [string, string, RegExp][] = [
      ['cut.json', JSON.stringify(mbppRow(1), null, 2).slice(0, -3), /not a valid JSON document \(.*cut\.json: it ends before its last bracket closes\)/],
      ['two.json', JSON.stringify(mbppRow(1), null, 2) + '\n{', new RegExp(`not a valid JSON document \\(.*two\\.json: text after the document at line ${objectLines + 1} column 1\\)`)],
      ['mismatch.json', '[\n  {"task_id": 1]\n', /not a valid JSON array \(.*mismatch\.json: '\]' where '\}' closes at line 2 column 16\)/],
    ];
    for (const [name, text, message] of cases) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      const { lines, errors } = await fileLines('mbpp', file);
      expect(lines).toEqual([]);
      expect(errors.map((e) => e.field), name).toEqual(['file']);
      expect(errors[0].message, name).toMatch(message);
    }
  });

  it('still reads JSONL whose first line is broken line by line, and one-line objects as JSONL', async () => {
    const file = path.join(dir, 'broken-first.jsonl');
    writeFileSync(file, `{"task_id": 1, "text":\n${JSON.stringify(mbppRow(2))}\n${JSON.stringify(mbppRow(3))}\n`);
    const { lines, errors } = await fileLines('mbpp', file);
    expect(lines.map((l) => l.id)).toEqual(['mbpp/2', 'mbpp/3']);
    expect(errors.map((e) => [e.ref.line, e.field])).toEqual([[1, 'line']]);
    const jsonl = [...parseRecords(`${JSON.stringify(mbppRow(1))}\n${JSON.stringify(mbppRow(2))}\n`, 'mbpp')];
    expect(jsonl.map((r) => r.ref)).toEqual([{ dataset: 'mbpp', index: 0, line: 1 }, { dataset: 'mbpp', index: 1, line: 2 }]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Hand-made rows in evalplus's shapes (their text is written here; the task numbers pick evalplus's rules).

const row = (r: Record<string, unknown>) => JSON.stringify({ prompt: '"""A hand-made task."""\n', atol: 0, contract: '', assertion: '', ...r });
const inputsOf = (text: string, options = {}) => [...parseRecords(text, 'evalplus')].map((raw) => evalPlusInputs(raw, options));
const argsOf = (text: string, set = 0) => inputsOf(text)[0][set].inputs.map((i) => ('args' in i ? i.args : `skip: ${i.skip}`));

describe('evalplus inputs, deserialized as evalplus does', () => {
  it('keeps what Python\'s json reads: 1.0 a float, big ints exact, NaN/Infinity, key order, escapes', () => {
    const text = '{"task_id": "HumanEval/900", "prompt": "def f(x):\\n", "entry_point": "f", "canonical_solution": "    return x\\n", "atol": 0, ' +
      '"base_input": [[1.0], [12345678901234567890123], [NaN, Infinity, -Infinity], [{"2": "b", "1": "a", "2": "c"}], ["q\\"\\u00e9\\n\\ud83d\\ude00"], [-0.0, 1e5, 2E-3]], "plus_input": []}';
    expect(() => JSON.parse(text)).toThrow(); // NaN is not JSON, but evalplus's files (Python's json) may hold it
    expect(argsOf(text)).toEqual([
      '(1.0,)', '(12345678901234567890123,)', "(float('nan'), float('inf'), float('-inf'))", '({"2": "c", "1": "a"},)',
      '("q\\"é\\n😀",)', '(-0.0, 1e5, 2E-3)',
    ]);
  });

  it('applies MBPP+\'s per-task rules: tuples, nested tuples, sets (and {} for an empty one), complex, all-tuple', () => {
    const mbpp = (id: number, base: unknown[]) => row({ task_id: `Mbpp/${id}`, entry_point: 'f', canonical_solution: 'def f(*a):\n    return 0\n', base_input: base, plus_input: [] });
    expect(argsOf(mbpp(421, [[['ID', 'is', 4]], [[]]]))).toEqual(['(("ID", "is", 4),)', '((),)']);
    expect(argsOf(mbpp(63, [[[[1, 2], [3, 4]]]]))).toEqual(['([(1, 2), (3, 4)],)']);
    expect(argsOf(mbpp(75, [[[[1, 2]], 3]]))).toEqual(['([(1, 2)], 3)']);
    expect(argsOf(mbpp(115, [[[[1, 2], [], {}]]]))).toEqual(['([{1, 2}, {}, {}],)']);
    expect(argsOf(mbpp(124, [[3, '1+2j']]))).toEqual(['(float(3), complex("1+2j"))']);
    expect(argsOf(mbpp(259, [[[[1, 2]], [[3, 4]]]]))).toEqual(['(((1, 2),), ((3, 4),))']);
    expect(argsOf(mbpp(580, [[[1, [2, [3]]], { k: [1] }]]))).toEqual(['((1, (2, (3,))), {"k": [1]})']);
    expect(argsOf(mbpp(722, [[{ a: [1, 2] }, 5]]))).toEqual(['({"a": (1, 2)}, 5)']);
    expect(argsOf(mbpp(798, [[[1, 2]]]))).toEqual(['([1, 2],)']); // no rule: plain JSON
    // what Python would refuse is an input without a test, with the reason
    expect(argsOf(mbpp(421, [[5]]))).toEqual(["skip: evalplus's deserialization of this task's inputs fails on it: 'int' object is not iterable"]);
    expect(argsOf(mbpp(115, [[[[[1]]]]]))).toEqual(["skip: evalplus's deserialization of this task's inputs fails on it: unhashable type: 'list'"]);
    expect(argsOf(mbpp(798, [7]))).toEqual(["skip: it is not an argument list: fn(*input) fails ('int' object is not iterable)"]);
    let deep: unknown = 1;
    for (let i = 0; i < 120; i++) deep = [deep];
    expect(argsOf(mbpp(798, [[deep]]))).toEqual(['skip: its arguments are nested deeper than 100 levels']);
  });

  it('picks base, plus or both', () => {
    const text = row({ task_id: 'Mbpp/798', entry_point: 'f', canonical_solution: 'def f(x):\n    return x\n', base_input: [[1]], plus_input: [[2], [3]] });
    expect(inputsOf(text)[0].map((s) => [s.set, s.inputs.length])).toEqual([['base', 1], ['plus', 2]]);
    expect(inputsOf(text, { evalplusTests: 'plus' })[0].map((s) => [s.set, s.inputs.length])).toEqual([['plus', 2]]);
    expect(() => convertEvalPlusRecords([], { evalplusTests: 'extra' as 'all' })).toThrow("evalplusTests must be 'base', 'plus' or 'all'");
  });

  it('reports malformed records by line and field, and refuses the synchronous converters', async () => {
    const text = [
      row({ task_id: 'Mbpp/1', entry_point: 'f', canonical_solution: 'def f():\n  pass\n', base_input: [] }),
      row({ task_id: 'mbpp-1', entry_point: 'f', canonical_solution: '', base_input: [], plus_input: [] }),
      row({ task_id: 'Mbpp/2', entry_point: 'not a name', canonical_solution: '', base_input: [], plus_input: [] }),
      row({ task_id: 'Mbpp/3', entry_point: 'f', canonical_solution: '', base_input: [], plus_input: [], atol: -1 }),
      '{"task_id": "Mbpp/4", oops}',
    ].join('\n');
    const errors: DatasetRecordError[] = [];
    const c = convertEvalPlusRecords(parseRecords(text, 'evalplus'), { evalplusCache: false, onError: (e) => errors.push(e) });
    const lines = [];
    for await (const l of c) lines.push(l);
    expect(lines).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([
      'evalplus line 1: plus_input: expected a value, got missing',
      'evalplus line 2: task_id: expected Mbpp/<n> (MBPP+) or HumanEval/<n> (HumanEval+), got "mbpp-1"',
      'evalplus line 3: entry_point: expected a Python name, got "not a name"',
      'evalplus line 4: atol: expected a number >= 0, got number -1',
      expect.stringMatching(/^evalplus line 5: line: not valid JSON/),
    ]);
    expect(c.stats).toMatchObject({ records: 5, converted: 0, skipped: 5, canonicalRuns: 0 });
    expect(() => convertDataset('evalplus', text)).toThrow(/use convertDatasetFile/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Through the sandbox: expected outputs from the canonical solutions, the grader's comparison, the cache.

const LIMIT_NAMES = { cpu_ms: 'cpuMs', wall_ms: 'wallMs', memory_mb: 'memoryMb', output_kb: 'outputKb' } as const;

async function collect(c: AsyncIterable<ContractLine>): Promise<ContractLine[]> {
  const out: ContractLine[] = [];
  for await (const l of c) out.push(l);
  return out;
}

/** An executor that counts the runs it is asked for (and passes them on to a real one, when given). */
function counting(inner?: EvalPlusExecutor): EvalPlusExecutor & { requests: RunRequest[] } {
  const requests: RunRequest[] = [];
  return {
    requests,
    run: (r: RunRequest): Promise<RunResult> => {
      requests.push(r);
      if (inner === undefined) throw new Error('nothing should run');
      return inner.run(r);
    },
  };
}

describe.skipIf(Executor === null)('evalplus through the sandbox', () => {
  let ex: ExecutorType;
  beforeAll(() => {
    ex = new Executor!({ concurrency: availableParallelism() });
  });
  afterAll(async () => {
    await ex?.close();
  });
  const run = (l: ContractLine, code: string, tests = l.tests) => ex.run({
    language: 'python', code, setup: l.setup, tests,
    limits: l.limits && Object.fromEntries(Object.entries(l.limits).map(([k, v]) => [LIMIT_NAMES[k as keyof typeof LIMIT_NAMES], v])),
  });
  const verdicts = async (l: ContractLine, code: string, tests = l.tests) => (await run(l, code, tests)).tests.map((t) => t.verdict);
  /** The tests a default run scores: every base test and every 10th plus test (all of them with VERPO_E2E_FULL=1). */
  const sampled = (l: ContractLine) => (FULL ? l.tests : l.tests.filter((_, j) => j < (l.meta!.base_tests as number) || (j - (l.meta!.base_tests as number)) % 10 === 0));

  describe('MBPP+ v0.1.0, 40 real rows', () => {
    const cacheDir = path.join(dir, 'cache-sample');
    let lines: ContractLine[] = [];
    let stats: EvalPlusStats;
    const skips: EvalPlusSkippedInput[] = [];
    beforeAll(async () => {
      const c = convertDatasetFile('evalplus', SAMPLE, { withSolutions: true, evalplusCache: cacheDir, onSkippedInput: (s) => skips.push(s) });
      lines = await collect(c);
      stats = c.stats as EvalPlusStats;
    }, 600_000);

    it('converts every row: one test per base and plus input, counted in meta, schema-valid', () => {
      const inputs = sampleRows.reduce((n, r) => n + r.base_input.length + r.plus_input.length, 0);
      expect(stats).toMatchObject({ records: 40, converted: 40, skipped: 0, rollouts: 40, tests: inputs, inputs, inputsSkipped: 0, cacheHits: 0, cacheMisses: 80 });
      expect(stats.canonicalRuns).toBeGreaterThanOrEqual(80);
      expect(skips).toEqual([]);
      lines.forEach((l, i) => {
        const r = sampleRows[i];
        expectValidLine(l);
        expect(l.id).toBe(`mbpp-plus/${r.task_id.split('/')[1]}`);
        expect(l.rollouts).toEqual([r.prompt + r.canonical_solution]);
        expect(l.meta).toMatchObject({
          dataset: 'mbpp-plus', task_id: r.task_id, entry_point: r.entry_point, base_inputs: r.base_input.length, base_tests: r.base_input.length,
          plus_inputs: r.plus_input.length, plus_tests: r.plus_input.length, skipped_inputs: [], solution_correct: [true],
        });
        expect(l.limits!.cpu_ms).toBeGreaterThanOrEqual(4000);
        for (const t of l.tests) expect((t as { code: string }).code).toMatch(new RegExp(`^assert _verpo_evalplus_match\\(${r.entry_point}\\(\\*\\(`));
      });
      // Mbpp/421's inputs are tuples, as evalplus deserializes them
      expect((lines[0].tests[0] as { code: string }).code).toBe('assert _verpo_evalplus_match(concatenate_tuple(*(("ID", "is", 4, "UTS"),)), "ID-is-4-UTS")\n');
    });

    it(`every canonical solution is AC on every test it was converted with (${FULL ? 'all tests' : 'base tests and every 10th plus test; VERPO_E2E_FULL=1 for all'})`, async () => {
      const failures: string[] = [];
      let ran = 0;
      await Promise.all(lines.map(async (l) => {
        const tests = sampled(l);
        ran += tests.length;
        const r = await run(l, l.rollouts![0], tests);
        r.tests.forEach((t, j) => { if (t.verdict !== 'AC') failures.push(`${l.id} test ${j}: ${t.verdict} ${t.detail ?? ''}`); });
      }));
      expect(failures).toEqual([]);
      expect(ran).toBeGreaterThan(FULL ? 4000 : 500);
    }, 900_000);

    it('a wrong program is not: a body of `return None` fails on every row, and edits fail where evalplus would', async () => {
      const none = await Promise.all(lines.map(async (l) => (await verdicts(l, `def ${l.meta!.entry_point as string}(*args):\n    return None\n`, sampled(l))).some((v) => v !== 'AC')));
      expect(none.every(Boolean)).toBe(true);
      // Mbpp/276 (atol 1e-4): pi to 5 digits is wrong, a relative error of 1e-12 is within the tolerance, an int is the wrong type
      const cyl = lines.find((l) => l.id === 'mbpp-plus/276')!;
      const v = await verdicts(cyl, 'def volume_cylinder(r, h):\n    return 3.14159 * r * r * h\n');
      expect(v.filter((x) => x === 'WA').length).toBeGreaterThan(cyl.tests.length / 2);
      expect(new Set(await verdicts(cyl, 'import math\ndef volume_cylinder(r, h):\n    return math.pi * r * r * h * (1 + 1e-12)\n'))).toEqual(new Set(['AC']));
      expect((await verdicts(cyl, 'import math\ndef volume_cylinder(r, h):\n    return round(math.pi * r * r * h)\n')).some((x) => x === 'WA')).toBe(true);
      // Mbpp/421: the argument is a tuple (a program that insists on one passes), a list-returning variant fails
      const tup = lines[0];
      expect(new Set(await verdicts(tup, tup.rollouts![0].replace('def concatenate_tuple(test_tup):', 'def concatenate_tuple(test_tup):\n    assert type(test_tup) is tuple')))).toEqual(new Set(['AC']));
      expect((await verdicts(tup, 'def concatenate_tuple(t):\n    return list(map(str, t))\n')).every((x) => x === 'WA')).toBe(true);
    }, 600_000);

    it('the cache makes a second conversion execute nothing, with the same lines', async () => {
      const spy = counting();
      const c = convertDatasetFile('evalplus', SAMPLE, { withSolutions: true, evalplusCache: cacheDir, evalplusExecutor: spy });
      const again = await collect(c);
      expect(spy.requests).toEqual([]);
      expect(c.stats).toMatchObject({ cacheHits: 80, cacheMisses: 0, canonicalRuns: 0, converted: 40 });
      expect(again).toEqual(lines);
      // --evalplus-tests base reads its own part of the cache, and the command line says so
      const out = path.join(dir, 'base.jsonl');
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      let code: number;
      let said: string[];
      try {
        code = await convertCommand(['evalplus', SAMPLE, '--evalplus-tests', 'base', '--evalplus-cache', cacheDir, '-o', out]);
      } finally {
        said = err.mock.calls.map((c) => String(c[0]));
        err.mockRestore();
      }
      expect(code).toBe(0);
      const base = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ContractLine);
      expect(base.map((l) => l.tests)).toEqual(lines.map((l) => l.tests.slice(0, l.meta!.base_tests as number)));
      const baseInputs = sampleRows.reduce((n, r) => n + r.base_input.length, 0);
      expect(said.join('')).toContain(`${baseInputs} inputs, 0 without a test; expected outputs: 40 input sets from the cache, 0 computed (0 sandboxed runs of canonical solutions)`);
    }, 120_000);
  });

  describe('hand-made rows: skipped inputs, special oracles, HumanEval+', () => {
    const cacheDir = path.join(dir, 'cache-hand');
    const text = [
      row({
        task_id: 'Mbpp/9001', entry_point: 'pick',
        canonical_solution: [
          'import math', 'def pick(x):', "    if x == 'raise':", "        raise ValueError('no such thing')", "    if x == 'object':", '        return object()',
          "    if x == 'gen':", '        return (i for i in range(3))', "    if x == 'nan':", '        return [1.0, math.nan]',
          "    if x == 'inf':", '        return -math.inf', "    if x == 'big':", '        return 3 ** 200', "    print('noise')", '    return x', '',
        ].join('\n'),
        base_input: 'BASE', plus_input: [['object'], ['gen'], ['nan'], ['inf'], ['big'], [{ 2: [1], b: [2] }], 5],
      }).replace('"BASE"', '[["a"], [1.0], [12345678901234567890123], ["raise"]]'), // lexemes JSON.stringify would lose
      row({
        task_id: 'Mbpp/2', entry_point: 'similar_elements', canonical_solution: 'def similar_elements(a, b):\n    return tuple(sorted(set(a) & set(b)))\n',
        base_input: [[[3, 4, 5, 6], [5, 7, 4, 10]]], plus_input: [[[1, 2, 3], [3, 2]]],
      }),
      row({
        task_id: 'Mbpp/787', entry_point: 'text_match_three', canonical_solution: "import re\ndef text_match_three(text):\n    return re.search('ab{3}', text)\n",
        base_input: [['xabbbx'], ['ac']], plus_input: [],
      }),
      row({
        task_id: 'Mbpp/124', entry_point: 'angle_complex', canonical_solution: 'import cmath\ndef angle_complex(a, b):\n    return cmath.phase(a + b)\n',
        base_input: [[0, '1j'], [2, '1+2j']], plus_input: [],
      }),
      row({ task_id: 'Mbpp/9002', entry_point: 'f', canonical_solution: 'def f(x):\n    return x +\n', base_input: [[1]], plus_input: [] }),
      JSON.stringify({
        task_id: 'HumanEval/32', entry_point: 'find_zero', atol: 1e-6, contract: '', test: '',
        prompt: 'import math\n\n\ndef poly(xs: list, x: float):\n    return sum(c * math.pow(x, i) for i, c in enumerate(xs))\n\n\ndef find_zero(xs: list):\n    """A root of a linear polynomial."""\n',
        canonical_solution: '    return -xs[0] / xs[1]\n', base_input: [[[-2, 1]], [[3, -1.5]]], plus_input: [[[1, 4]]],
      }),
    ].join('\n');
    const file = path.join(dir, 'hand.jsonl');
    let lines: ContractLine[] = [];
    let stats: EvalPlusStats;
    const skips: EvalPlusSkippedInput[] = [];
    const errors: DatasetRecordError[] = [];
    const byId = (id: string) => lines.find((l) => l.id === id)!;
    beforeAll(async () => {
      writeFileSync(file, text + '\n');
      const c = convertDatasetFile('evalplus', file, { withSolutions: true, evalplusCache: cacheDir, onSkippedInput: (s) => skips.push(s), onError: (e) => errors.push(e) });
      lines = await collect(c);
      stats = c.stats as EvalPlusStats;
    }, 300_000);

    it('reports each skipped input with its reason, in the stats and in the line\'s meta', () => {
      expect(skips.map((s) => [s.id, s.set, s.index, s.reason])).toEqual([
        ['mbpp-plus/9001', 'base', 3, 'the canonical solution raised ValueError: no such thing'],
        ['mbpp-plus/9001', 'plus', 0, 'the canonical solution returns an object of type object, not builtin data'],
        ['mbpp-plus/9001', 'plus', 1, 'the canonical solution returns an object of type generator, not builtin data'],
        ['mbpp-plus/9001', 'plus', 2, "the expected output holds a NaN, which evalplus's comparison never matches"],
        ['mbpp-plus/9001', 'plus', 6, "it is not an argument list: fn(*input) fails ('int' object is not iterable)"],
        ['mbpp-plus/787', 'base', 0, 'the canonical solution returns an object of type re.Match, not builtin data'],
        ['mbpp-plus/9002', 'base', 0, expect.stringMatching(/^the canonical solution does not compile: .*SyntaxError/)],
      ]);
      expect(errors.map((e) => [e.ref.line, e.field, e.reason])).toEqual([[5, 'base_input', expect.stringMatching(/^every input was skipped \(base\[0\]: the canonical solution does not compile/)]]);
      expect(stats).toMatchObject({ records: 6, converted: 5, skipped: 1, inputs: 21, inputsSkipped: 7, tests: 14 });
      expect(byId('mbpp-plus/9001').meta).toMatchObject({ base_inputs: 4, base_tests: 3, plus_inputs: 7, plus_tests: 3 });
      expect((byId('mbpp-plus/9001').meta!.skipped_inputs as unknown[]).length).toBe(5);
      for (const l of lines) expectValidLine(l);
    });

    it('writes expected outputs as exact literals (ints, -inf, dict order) and the canonical solutions pass them', async () => {
      const pick = byId('mbpp-plus/9001');
      expect(pick.tests.map((t) => (t as { code: string }).code.trim())).toEqual([
        'assert _verpo_evalplus_match(pick(*("a",)), "a")',
        'assert _verpo_evalplus_match(pick(*(1.0,)), 1.0)',
        'assert _verpo_evalplus_match(pick(*(12345678901234567890123,)), 12345678901234567890123)',
        "assert _verpo_evalplus_match(pick(*(\"inf\",)), float('-inf'))",
        `assert _verpo_evalplus_match(pick(*("big",)), ${(3n ** 200n).toString()})`,
        'assert _verpo_evalplus_match(pick(*({"2": [1], "b": [2]},)), {"2": [1], "b": [2]})',
      ]);
      for (const l of lines) expect(new Set(await verdicts(l, l.rollouts![0])), l.id).toEqual(new Set(['AC']));
    }, 120_000);

    it('compares as evalplus: ints exactly, floats within 1e-6 when atol is 0, sets for set tasks, "not None", roots', async () => {
      const pick = byId('mbpp-plus/9001');
      const variant = (body: string) => `import math\ndef pick(x):\n${body}\n    return x\n`;
      // the float 1.0 passes as 1.0 + 1e-9 (1e-6 enforced), as the int 1 (1 == 1.0), not as 1.001; an int may not be off by one
      expect(await verdicts(pick, variant("    if x == 1.0:\n        return 1.0 + 1e-9\n    if x == 'inf':\n        return -math.inf\n    if x == 'big':\n        return 3 ** 200"))).toEqual(Array(6).fill('AC'));
      expect((await verdicts(pick, variant("    if x == 1.0:\n        return 1\n    if x == 'inf':\n        return -math.inf\n    if x == 'big':\n        return 3 ** 200")))[1]).toBe('AC');
      expect((await verdicts(pick, variant("    if x == 1.0:\n        return 1.001")))[1]).toBe('WA');
      expect((await verdicts(pick, variant('    if x == 12345678901234567890123:\n        return x + 1')))[2]).toBe('WA');
      expect((await verdicts(pick, variant("    if x == 'inf':\n        return math.inf")))[3]).toBe('WA');
      // Mbpp/2: tuple arguments, and the output compared as a set
      const sim = byId('mbpp-plus/2');
      expect(await verdicts(sim, 'def similar_elements(a, b):\n    assert type(a) is tuple\n    return tuple(sorted(set(a) & set(b), reverse=True))\n')).toEqual(['AC', 'AC']);
      expect(await verdicts(sim, 'def similar_elements(a, b):\n    return (min(set(a) & set(b)),)\n')).toEqual(['WA', 'WA']);
      // Mbpp/787: only "is it None" counts (the match object itself cannot be compared, so that input has no test)
      const tm = byId('mbpp-plus/787');
      expect(tm.tests.map((t) => (t as { code: string }).code.trim())).toEqual(['assert _verpo_evalplus_not_none(text_match_three(*("ac",)), False)']);
      expect(await verdicts(tm, 'def text_match_three(text):\n    return None\n')).toEqual(['AC']);
      expect(await verdicts(tm, 'def text_match_three(text):\n    return "found"\n')).toEqual(['WA']);
      // Mbpp/124: float and complex arguments
      const ang = byId('mbpp-plus/124');
      expect((ang.tests[0] as { code: string }).code).toContain('angle_complex(*(float(0), complex("1j")))');
      expect(await verdicts(ang, 'import math\ndef angle_complex(a, b):\n    assert type(a) is float and type(b) is complex\n    return math.atan2((a + b).imag, (a + b).real)\n')).toEqual(['AC', 'AC']);
      // HumanEval/32: any root within atol passes; the prompt's imports are in setup
      const fz = byId('humaneval-plus/32');
      expect(fz.setup!.startsWith('import math\n')).toBe(true);
      expect(fz.meta).toMatchObject({ dataset: 'humaneval-plus', oracle: 'find-zero', atol: 1e-6 });
      expect(await verdicts(fz, 'def find_zero(xs):\n    return -xs[0] / xs[1] + 1e-9\n')).toEqual(['AC', 'AC', 'AC']);
      expect(await verdicts(fz, 'def find_zero(xs):\n    return 0.0\n')).toEqual(['WA', 'WA', 'WA']);
    }, 300_000);

    it('recomputes what the cache lacks or holds corrupt, and runs nothing for the rest', async () => {
      const files = readdirSync(cacheDir, { recursive: true }).map(String).filter((f) => f.endsWith('.json'));
      expect(files.length).toBeGreaterThan(0);
      writeFileSync(path.join(cacheDir, files[0]), '{"version": 1, "outcomes": [{"v": {"x": 1}, "ms": 0}]}');
      const spy = counting(ex);
      const c = convertDatasetFile('evalplus', file, { withSolutions: true, evalplusCache: cacheDir, evalplusExecutor: spy, onError: () => undefined });
      expect(await collect(c)).toEqual(lines);
      // only the corrupt entry is computed again (a program that does not compile is a fact of the row, kept too)
      expect(c.stats).toMatchObject({ cacheMisses: 1, cacheHits: 8 });
      expect(spy.requests.length).toBeGreaterThan(0);
    }, 120_000);
  });
});
