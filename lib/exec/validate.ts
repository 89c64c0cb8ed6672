// Input validation for the executor: bad input is a TypeError/RangeError naming the field, thrown before
// anything runs (a malformed request must never turn into verdicts that look like the program's fault).
import { accessSync, constants, statSync } from 'node:fs';
import { cacheBytes, type CellCacheOptions } from './cell-cache';
import { COMPARATORS } from './compare';
import { LIMIT_KEYS, LIMIT_TABLE } from './limits';
import type { Checker, ExecutorOptions, Limits, RunRequest, TestCase, Tolerance } from './types';

export { DEFAULT_LIMITS } from './limits';
/** Limits that are counts (the others are amounts of time or memory and may be fractional). */
const INTEGER_LIMITS: (keyof Limits)[] = LIMIT_TABLE.filter((e) => e.integer).map((e) => e.key);
const PY_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

export function validateLimits(limits: unknown, field: string): Partial<Limits> {
  if (limits === undefined) return {};
  if (limits === null || typeof limits !== 'object' || Array.isArray(limits)) {
    throw new TypeError(`${field} must be an object, got ${describe(limits)}`);
  }
  const out: Partial<Limits> = {};
  for (const [k, v] of Object.entries(limits as Record<string, unknown>)) {
    if (!(LIMIT_KEYS as readonly string[]).includes(k)) throw new TypeError(`${field}.${k} is not a limit (known: ${LIMIT_KEYS.join(', ')})`);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${field}.${k} must be a finite number, got ${describe(v)}`);
    if (v <= 0) throw new RangeError(`${field}.${k} must be > 0, got ${v}`);
    if ((INTEGER_LIMITS as string[]).includes(k) && !Number.isInteger(v)) throw new RangeError(`${field}.${k} must be an integer, got ${v}`);
    out[k as keyof Limits] = v;
  }
  return out;
}

export function validateExecutorOptions(opts: unknown): ExecutorOptions {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new TypeError(`Executor options must be an object, got ${describe(opts)}`);
  }
  const o = opts as ExecutorOptions;
  if (o.concurrency !== undefined && (!Number.isInteger(o.concurrency) || o.concurrency < 1)) {
    throw new RangeError(`concurrency must be an integer >= 1, got ${describe(o.concurrency)}`);
  }
  if (o.python !== undefined) {
    if (typeof o.python !== 'string' || o.python === '') throw new TypeError(`python must be a non-empty path, got ${describe(o.python)}`);
    checkInterpreterPath(o.python);
  }
  validateLimits(o.limits, 'limits');
  for (const k of ['excerptBytes', 'maxReplyKb'] as const) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)) {
      throw new RangeError(`${k} must be a positive integer, got ${describe(v)}`);
    }
  }
  if (o.mode !== undefined && o.mode !== 'zygote' && o.mode !== 'spawn') {
    throw new TypeError(`mode must be 'zygote' or 'spawn', got ${describe(o.mode)}`);
  }
  if (o.scope !== undefined && o.scope !== 'rollout' && o.scope !== 'test') {
    throw new TypeError(`scope must be 'rollout' or 'test', got ${describe(o.scope)}`);
  }
  if (o.cache !== undefined && typeof o.cache !== 'boolean') {
    throw new TypeError(`cache must be a boolean, got ${describe(o.cache)}`);
  }
  const cacheMb = (o as CellCacheOptions).cacheMb;
  if (cacheMb !== undefined) cacheBytes(cacheMb);
  if (o.sitePackages !== undefined && typeof o.sitePackages !== 'boolean') {
    throw new TypeError(`sitePackages must be a boolean, got ${describe(o.sitePackages)}`);
  }
  for (const k of ['cxx', 'testlib'] as const) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'string' || v === '' || v.includes('\0'))) throw new TypeError(`${k} must be a non-empty path, got ${describe(v)}`);
  }
  if (o.cxxFlags !== undefined && (!Array.isArray(o.cxxFlags) || o.cxxFlags.some((f) => typeof f !== 'string' || f.includes('\0')))) {
    throw new TypeError(`cxxFlags must be an array of strings, got ${describe(o.cxxFlags)}`);
  }
  return o;
}

/** An interpreter given by path must exist and be executable; a bare name is looked up on PATH later. */
export function checkInterpreterPath(python: string): void {
  if (!python.includes('/')) return;
  let isFile = false;
  try {
    isFile = statSync(python).isFile();
    accessSync(python, constants.X_OK);
  } catch {
    throw new TypeError(`python: ${python} does not exist or is not executable`);
  }
  if (!isFile) throw new TypeError(`python: ${python} is not a file`);
}

/**
 * Nesting accepted in a call test's values (each argument, each keyword argument, the expected
 * value): the wire limit, MAX_DEPTH in lib/exec/python/protocol.py, whose encoder refuses a value
 * nested deeper (keep the two equal). `[[1]]` is nested 2 levels; a number, string or null 0.
 */
export const MAX_JSON_DEPTH = 400;

/** A node of the walk below: parent links make a node's path only when an error needs it. */
interface Frame {
  v: unknown;
  parent: Frame | null;
  key: string | number;
  depth: number;
  /** Set on the marker pushed after a container's children: leaving it takes it off the path. */
  leave?: object;
}

function pathOf(f: Frame, field: string): string {
  const keys: Array<string | number> = [];
  for (let x: Frame | null = f; x !== null && x.parent !== null; x = x.parent) keys.push(x.key);
  let out = field;
  for (let i = keys.length - 1; i >= 0; i--) out += typeof keys[i] === 'number' ? `[${keys[i]}]` : `.${keys[i]}`;
  return out;
}

/** The error for a value nested deeper than MAX_JSON_DEPTH (the same text in the contract's checks). */
export function tooDeep(depth: number, limit = MAX_JSON_DEPTH): string {
  return `nested ${depth} levels deep; at most ${limit} are allowed`;
}

/** An error about the value at `path`; `reason` is the message without the path (for the contract's LineError). */
export type ValueError = (TypeError | RangeError) & { path: string; reason: string };

function valueError(Ctor: typeof TypeError | typeof RangeError, path: string, sep: string, reason: string): ValueError {
  return Object.assign(new Ctor(`${path}${sep}${reason}`), { path, reason });
}

/**
 * JSON values only: null, booleans, finite numbers, strings, arrays and plain objects (no cycles),
 * nested at most `maxDepth` levels. Walked with an explicit stack (no recursion, whatever the depth:
 * a value nested a million levels is measured, not a stack overflow); errors name the path of the
 * offending value, and a value too deep is reported with its full depth.
 */
export function checkJson(v: unknown, field: string, maxDepth = Infinity): void {
  const onPath = new Set<object>();
  const stack: Frame[] = [{ v, parent: null, key: '', depth: 0 }];
  let deepest = 0;
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (f.leave !== undefined) {
      onPath.delete(f.leave);
      continue;
    }
    const x = f.v;
    if (x === null || typeof x === 'boolean' || typeof x === 'string') continue;
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) throw valueError(TypeError, pathOf(f, field), ' ', `must be JSON: ${x} is not a finite number`);
      continue;
    }
    if (typeof x !== 'object') throw valueError(TypeError, pathOf(f, field), ' ', `must be JSON: got ${typeof x}`);
    if (onPath.has(x)) throw valueError(TypeError, pathOf(f, field), ' ', 'must be JSON: it contains a cycle');
    const depth = f.depth + 1;
    if (depth > deepest) deepest = depth;
    onPath.add(x);
    stack.push({ v: null, parent: null, key: '', depth: 0, leave: x });
    if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) stack.push({ v: x[i], parent: f, key: i, depth });
    } else {
      const proto = Object.getPrototypeOf(x);
      if (proto !== Object.prototype && proto !== null) throw valueError(TypeError, pathOf(f, field), ' ', `must be JSON: got a ${proto?.constructor?.name ?? 'non-plain'} object`);
      const entries = Object.entries(x);
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ v: entries[i][1], parent: f, key: entries[i][0], depth });
    }
  }
  if (deepest > maxDepth) throw valueError(RangeError, field, ': ', tooDeep(deepest, maxDepth));
}

function checkTolerance(t: unknown, field: string): void {
  if (t === undefined) return;
  if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new TypeError(`${field} must be an object {abs?, rel?}`);
  for (const [k, v] of Object.entries(t as Tolerance)) {
    if (k !== 'abs' && k !== 'rel') throw new TypeError(`${field}.${k} is not a tolerance (use abs, rel)`);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${field}.${k} must be a finite number`);
    if (v < 0) throw new RangeError(`${field}.${k} must be >= 0, got ${v}`);
  }
}

function checkString(v: unknown, field: string, nonEmpty = false): void {
  if (typeof v !== 'string') throw new TypeError(`${field} must be a string, got ${describe(v)}`);
  if (nonEmpty && v.trim() === '') throw new TypeError(`${field} must not be empty`);
}

export function validateTest(t: unknown, field: string): TestCase {
  if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new TypeError(`${field} must be an object, got ${describe(t)}`);
  const test = t as TestCase;
  switch (test.type) {
    case 'assert':
      checkString(test.code, `${field}.code`, true);
      for (const k of ['sandboxed', 'coverage'] as const) {
        if (test[k] !== undefined && typeof test[k] !== 'boolean') throw new TypeError(`${field}.${k} must be a boolean, got ${describe(test[k])}`);
      }
      if (test.coverage === true && test.sandboxed !== true) throw new TypeError(`${field}.coverage needs sandboxed: true`);
      if (test.group !== undefined && !(Number.isSafeInteger(test.group) && test.sandboxed === true)) {
        throw new TypeError(`${field}.group must be an integer, on a sandboxed test, got ${describe(test.group)}`);
      }
      break;
    case 'call':
      if (typeof test.fn !== 'string' || !PY_IDENTIFIER.test(test.fn)) {
        throw new TypeError(`${field}.fn must be a Python identifier, got ${describe(test.fn)}`);
      }
      if (!Array.isArray(test.args)) throw new TypeError(`${field}.args must be an array, got ${describe(test.args)}`);
      // each argument travels as its own value: the depth limit applies to each (as on the wire)
      test.args.forEach((a, i) => checkJson(a, `${field}.args[${i}]`, MAX_JSON_DEPTH));
      if (test.kwargs !== undefined) {
        if (test.kwargs === null || typeof test.kwargs !== 'object' || Array.isArray(test.kwargs) ||
            ![Object.prototype, null].includes(Object.getPrototypeOf(test.kwargs))) {
          throw new TypeError(`${field}.kwargs must be an object`);
        }
        for (const k of Object.keys(test.kwargs)) {
          if (!PY_IDENTIFIER.test(k)) throw new TypeError(`${field}.kwargs key ${JSON.stringify(k)} is not a Python identifier`);
        }
        for (const [k, x] of Object.entries(test.kwargs)) checkJson(x, `${field}.kwargs.${k}`, MAX_JSON_DEPTH);
      }
      if (!('expected' in test) || test.expected === undefined) throw new TypeError(`${field}.expected is required (JSON; use null for None)`);
      checkJson(test.expected, `${field}.expected`, MAX_JSON_DEPTH);
      checkTolerance(test.tolerance, `${field}.tolerance`);
      break;
    case 'stdio':
      checkString(test.stdin, `${field}.stdin`);
      checkString(test.stdout, `${field}.stdout`);
      if (test.compare !== undefined && !COMPARATORS.includes(test.compare)) {
        throw new TypeError(`${field}.compare must be one of ${COMPARATORS.join(', ')}, got ${describe(test.compare)}`);
      }
      if (test.case !== undefined && test.case !== 'sensitive' && test.case !== 'insensitive') {
        throw new TypeError(`${field}.case must be 'sensitive' or 'insensitive', got ${describe(test.case)}`);
      }
      checkTolerance(test.tolerance, `${field}.tolerance`);
      break;
    default:
      throw new TypeError(`${field}.type must be 'assert', 'call' or 'stdio', got ${describe((test as { type?: unknown }).type)}`);
  }
  return test;
}

/** A request's checker (field `checker`, or the contract's own name for it). */
export function validateChecker(c: unknown, field: string): Checker {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new TypeError(`${field} must be an object {language, source}, got ${describe(c)}`);
  const k = c as Checker;
  for (const key of Object.keys(k)) if (key !== 'language' && key !== 'source') throw new TypeError(`${field}.${key} is not a checker field (use language, source)`);
  if (k.language !== 'python' && k.language !== 'cpp') throw new TypeError(`${field}.language must be 'python' or 'cpp', got ${describe(k.language)}`);
  checkString(k.source, `${field}.source`, true);
  return k;
}

export function validateRequest(req: unknown): RunRequest {
  if (req === null || typeof req !== 'object' || Array.isArray(req)) throw new TypeError(`run: request must be an object, got ${describe(req)}`);
  const r = req as RunRequest;
  if (r.language !== 'python' && r.language !== 'cpp') throw new TypeError(`language must be 'python' or 'cpp', got ${describe(r.language)}`);
  checkString(r.code, 'code');
  if (r.setup !== undefined && r.setup !== null) checkString(r.setup, 'setup');
  if (r.language === 'cpp' && typeof r.setup === 'string' && r.setup !== '') throw new TypeError("setup is Python code: a 'cpp' program has none");
  if (!Array.isArray(r.tests)) throw new TypeError(`tests must be an array, got ${describe(r.tests)}`);
  if (r.tests.length === 0) throw new RangeError('tests must not be empty');
  r.tests.forEach((t, i) => validateTest(t, `tests[${i}]`));
  if (r.checker !== undefined) validateChecker(r.checker, 'checker');
  r.tests.forEach((t, i) => {
    const prev = r.tests[i - 1];
    if (t.type === 'assert' && t.group !== undefined && prev?.type === 'assert' && prev.group === t.group && (t.coverage === true) !== (prev.coverage === true)) {
      throw new TypeError(`tests[${i}].coverage differs from tests[${i - 1}]'s: the tests of one group run in one pair of processes, traced or not`);
    }
    if (r.language === 'cpp' && t.type !== 'stdio') throw new TypeError(`tests[${i}].type is '${t.type}': a 'cpp' program takes stdio tests only`);
    if (t.type === 'stdio' && t.compare === 'checker' && r.checker === undefined)
      throw new TypeError(`tests[${i}].compare is 'checker' but the request has no checker`);
  });
  validateLimits(r.limits, 'limits');
  if (r.cache !== undefined && typeof r.cache !== 'boolean') throw new TypeError(`cache must be a boolean, got ${describe(r.cache)}`);
  if (r.stopAfterFailure !== undefined && typeof r.stopAfterFailure !== 'boolean') {
    throw new TypeError(`stopAfterFailure must be a boolean, got ${describe(r.stopAfterFailure)}`);
  }
  return r;
}
