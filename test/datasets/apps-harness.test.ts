// APPS's grader harness (lib/datasets/apps-harness.ts): a stdin program with a top-level `return` is valid
// under APPS's and TACO's own grader, which runs it as a function body; verpo runs such a program that way
// (and only such a program) on lines that carry `harness: "apps"`, as the APPS converter writes them.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertDatasetFile, type ContractLine } from '../../lib/datasets';
import { appsHarnessProgram, needsAppsHarness } from '../../lib/datasets/apps-harness';
import { scoreAll } from '../../lib/pipeline/score';

const FILE = path.resolve(__dirname, '..', 'fixtures', 'datasets', 'apps-top-level-return.jsonl');

async function converted(): Promise<ContractLine> {
  const out: ContractLine[] = [];
  for await (const l of convertDatasetFile('apps', FILE, { withSolutions: true })) out.push(l);
  expect(out).toHaveLength(1);
  return out[0];
}

describe('the APPS harness', () => {
  it('wraps every line after the leading imports into code(), which is then called', () => {
    const p = appsHarnessProgram('import sys\nfrom math import gcd\nx = 1\nif x:\n    print(x)\n    return\nimport os\n');
    expect(p).toBe('import sys\nstdin = sys.stdin\nstdout = sys.stdout\nimport sys\nfrom math import gcd\ndef code():\n\tx = 1\n\tif x:\n\t    print(x)\n\t    return\n\timport os\n\t\ncode()\n');
  });

  it('applies only to the syntax error it resolves', () => {
    expect(needsAppsHarness("SyntaxError: 'return' outside function (solution.py, line 9)")).toBe(true);
    expect(needsAppsHarness('SyntaxError: invalid syntax (solution.py, line 2)')).toBe(false);
    expect(needsAppsHarness(undefined)).toBe(false);
  });

  it('the converter marks stdin problems, and their reference solutions are all AC through the pipeline', async () => {
    const line = await converted();
    expect(line.harness).toBe('apps');
    const [out] = await scoreAll([{ ...line, rollouts: [...line.rollouts!, 'print(6)\n'] }], { cache: false });
    expect(out.error).toBeNull();
    // the top-level return, the plain one, the global statement (which the wrapping would break: it is
    // never wrapped, as it compiles), and a wrong program
    expect(out.rollouts!.map((r) => r.verdicts)).toEqual([['AC', 'AC', 'AC'], ['AC', 'AC', 'AC'], ['AC', 'AC', 'AC'], ['AC', 'WA', 'WA']]);
  });

  it('without the harness, the same program is a compile error, as for a script', async () => {
    const line = await converted();
    const { harness: _, ...plain } = line;
    const [out] = await scoreAll([plain], { cache: false });
    expect(out.rollouts![0].verdicts).toEqual(['CE', 'CE', 'CE']);
  });
});
