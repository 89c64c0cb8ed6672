// One table of limits (lib/exec/limits.ts) read by the validators, the contract, the CLI and the server:
// each reader agrees with it, and the native fallbacks (policy.hpp, for callers without this library) hold
// the same defaults.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, defaultTmpfsMb, LIMIT_CEILINGS, LIMIT_TABLE, LINE_LIMITS } from '../../lib/exec/limits';
import { validateLimits } from '../../lib/exec/validate';
import { checkLine } from '../../lib/pipeline/contract';
import { limitOptions, UsageError } from '../../lib/cli/options';
import { serveOptions } from '../../lib/cli/serve';

const ROOT = path.resolve(__dirname, '..', '..');
const tests = [{ type: 'stdio', stdin: '', stdout: '' }];

describe('the limits table', () => {
  it('the native fallbacks hold the table\'s defaults', () => {
    const policy = readFileSync(path.join(ROOT, 'native', 'core', 'exec', 'policy.hpp'), 'utf8');
    expect(Number(/kDefaultTmpfsInodes = (\d+)/.exec(policy)?.[1])).toBe(DEFAULT_LIMITS.inodes);
    // the tmpfs rule: memory + 1/8 + 16 MiB, in both
    expect(policy).toContain('memory_mb + memory_mb / 8 + 16');
    expect(defaultTmpfsMb(512)).toBe(512 + 64 + 16);
  });

  it('the contract accepts exactly the per-line limits, by their JSONL names, and so does the schema', () => {
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'schema', 'verpo-input.schema.json'), 'utf8'));
    expect(Object.keys(schema.$defs.limits.properties).sort()).toEqual(Object.keys(LINE_LIMITS).sort());
    const limits = Object.fromEntries(Object.keys(LINE_LIMITS).map((k) => [k, 7]));
    const p = checkLine({ id: 'p', tests, rollouts: ['x'], limits });
    expect(p.limits).toEqual(Object.fromEntries(Object.values(LINE_LIMITS).map((k) => [k, 7])));
    for (const e of LIMIT_TABLE.filter((x) => !x.perLine)) {
      expect(() => checkLine({ id: 'p', tests, rollouts: ['x'], limits: { [e.jsonl]: 8 } })).toThrow(`limits.${e.jsonl}: unknown limit`);
    }
  });

  it('the executor\'s validator knows every key and which are whole numbers', () => {
    for (const e of LIMIT_TABLE) {
      expect(validateLimits({ [e.key]: 3 }, 'limits')).toEqual({ [e.key]: 3 });
      if (e.integer) expect(() => validateLimits({ [e.key]: 2.5 }, 'limits')).toThrow(`limits.${e.key} must be an integer`);
    }
    expect(() => validateLimits({ cpu_ms: 3 }, 'limits')).toThrow(/limits\.cpu_ms is not a limit/);
  });

  it('score, run and serve take one flag per limit', () => {
    const values = Object.fromEntries(LIMIT_TABLE.map((e) => [e.flag, '9']));
    expect(limitOptions(values)).toEqual(Object.fromEntries(LIMIT_TABLE.map((e) => [e.key, 9])));
    expect(() => limitOptions({ inodes: '1.5' })).toThrow(UsageError);
    const served = serveOptions(LIMIT_TABLE.flatMap((e) => [`--${e.flag}`, '11']));
    expect(served.limits).toEqual(Object.fromEntries(LIMIT_TABLE.map((e) => [e.key, 11])));
  });

  it('the server\'s ceilings are the table\'s, for the limits a group may set', () => {
    expect(LIMIT_CEILINGS).toEqual({ cpu_ms: 60_000, wall_ms: 180_000, memory_mb: 4096, output_kb: 65_536 });
    for (const k of Object.keys(LIMIT_CEILINGS)) expect(LINE_LIMITS[k]).toBeDefined();
  });
});
