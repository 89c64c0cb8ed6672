// Static analysis of each rollout with Ruff (its WebAssembly build, in-process: no Python, no subprocess),
// as the RLVR study on MBPP rewards it: violations by rule code and by severity class, and a style score in
// [-1, 0]. The rule selection, the severity classes and their weights are a documented decision (README,
// "Reward shaping"), each configurable.
import { createRequire } from 'node:module';

export type Severity = 'error' | 'warning' | 'style';

export interface LintConfig {
  /** Ruff rule selectors (default: E, W, F, B, PLE, PLW). */
  select?: string[];
  /** Selectors left out (default: E501, line length: generated code is not laid out for a reader). */
  ignore?: string[];
  /** Penalty of one violation by severity (default error 1, warning 0.5, style 0.1). */
  weights?: Partial<Record<Severity, number>>;
  /** The penalty at which the score reaches -1 (default 5: five errors, ten warnings or fifty style issues). */
  saturation?: number;
}

export interface LintResult {
  /** -min(1, sum of the violations' penalties / saturation): 0 for a clean program. */
  score: number;
  violations: number;
  by_severity: Record<Severity, number>;
  /** Violations by rule code (`invalid-syntax` for code Ruff cannot parse). */
  codes: Record<string, number>;
}

export const DEFAULT_LINT: Readonly<Required<Omit<LintConfig, 'weights'>> & { weights: Record<Severity, number> }> = Object.freeze({
  select: ['E', 'W', 'F', 'B', 'PLE', 'PLW'],
  ignore: ['E501'],
  weights: { error: 1, warning: 0.5, style: 0.1 },
  saturation: 5,
});

/** The severity class of a rule code: errors are what breaks a program (pyflakes F, syntax E9 and Ruff's
 *  own parse errors, pylint PLE), warnings likely bugs (bugbear B, pylint PLW), style the rest. */
export function severityOf(code: string | null): Severity {
  if (code === null || code === 'invalid-syntax' || /^(F|E9|PLE)\d/.test(code)) return 'error';
  if (/^(B|PLW)\d/.test(code)) return 'warning';
  return 'style';
}

interface RuffWorkspace {
  check(contents: string): Array<{ code: string | null }>;
}
interface RuffModule {
  Workspace: new (options: unknown, encoding: number) => RuffWorkspace;
}

let ruff: RuffModule | null | undefined;
let ruffError = '';

/** Ruff's module, loaded on first use (its WebAssembly compiles in ~0.5 s), or null with the reason. */
function loadRuff(): RuffModule | null {
  if (ruff !== undefined) return ruff;
  try {
    ruff = createRequire(__filename)('@astral-sh/ruff-wasm-nodejs') as RuffModule;
  } catch (e) {
    ruff = null;
    ruffError = (e as Error).message.split('\n')[0];
  }
  return ruff;
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** Checks a lint configuration; errors name the field (`lint.select[2]`). */
export function checkLintConfig(cfg: unknown, field = 'lint'): LintConfig {
  if (cfg === undefined || cfg === true) return {};
  if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) throw new TypeError(`${field} must be true or an object {select, ignore, weights, saturation}, got ${describe(cfg)}`);
  const c = cfg as LintConfig;
  for (const k of Object.keys(c)) {
    if (!['select', 'ignore', 'weights', 'saturation'].includes(k)) throw new TypeError(`${field}.${k} is not a lint option (select, ignore, weights, saturation)`);
  }
  for (const k of ['select', 'ignore'] as const) {
    const v = c[k];
    if (v === undefined) continue;
    if (!Array.isArray(v)) throw new TypeError(`${field}.${k} must be an array of Ruff rule selectors, got ${describe(v)}`);
    v.forEach((x, i) => {
      if (typeof x !== 'string' || !/^[A-Z]+[0-9]*$/.test(x)) throw new TypeError(`${field}.${k}[${i}] is ${JSON.stringify(x)}: expected a Ruff rule selector such as F, E9 or F821`);
    });
  }
  if (c.weights !== undefined) {
    if (c.weights === null || typeof c.weights !== 'object' || Array.isArray(c.weights)) throw new TypeError(`${field}.weights must be an object {error, warning, style}`);
    for (const [k, v] of Object.entries(c.weights)) {
      if (!['error', 'warning', 'style'].includes(k)) throw new TypeError(`${field}.weights.${k} is not a severity (error, warning, style)`);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${field}.weights.${k} is ${String(v)}: expected a finite number >= 0`);
    }
  }
  if (c.saturation !== undefined && !(typeof c.saturation === 'number' && Number.isFinite(c.saturation) && c.saturation > 0)) {
    throw new RangeError(`${field}.saturation is ${String(c.saturation)}: expected a finite number > 0`);
  }
  return c;
}

/** One configuration's linter. Ruff itself rejects a selector it does not know (a TypeError naming it). */
export class Linter {
  private readonly ws: RuffWorkspace;
  private readonly weights: Record<Severity, number>;
  private readonly saturation: number;

  constructor(config: LintConfig = {}, field = 'lint') {
    const cfg = checkLintConfig(config, field);
    const mod = loadRuff();
    if (mod === null) throw new Error(`lint: Ruff's WebAssembly build (@astral-sh/ruff-wasm-nodejs) does not load: ${ruffError}`);
    try {
      // position encoding 1 (UTF-16): Ruff's own choice for JavaScript hosts; only codes are read here
      this.ws = new mod.Workspace({ lint: { select: cfg.select ?? DEFAULT_LINT.select, ignore: cfg.ignore ?? DEFAULT_LINT.ignore } }, 1);
    } catch (e) {
      const m = /Unknown rule selector `([^`]*)` in `(select|ignore)`/.exec(String(e));
      if (m) throw new TypeError(`${field}.${m[2]}: unknown Ruff rule selector ${JSON.stringify(m[1])}`);
      throw e;
    }
    this.weights = { ...DEFAULT_LINT.weights, ...(cfg.weights ?? {}) };
    this.saturation = cfg.saturation ?? DEFAULT_LINT.saturation;
  }

  lint(program: string): LintResult {
    const by_severity: Record<Severity, number> = { error: 0, warning: 0, style: 0 };
    const codes: Record<string, number> = {};
    let violations = 0;
    for (const d of this.ws.check(program)) {
      const code = d.code ?? 'invalid-syntax';
      codes[code] = (codes[code] ?? 0) + 1;
      by_severity[severityOf(code)]++;
      violations++;
    }
    const penalty = by_severity.error * this.weights.error + by_severity.warning * this.weights.warning + by_severity.style * this.weights.style;
    // `+ 0` keeps a clean program's score +0, not -0, in JSON and comparisons
    return { score: -Math.min(1, penalty / this.saturation) + 0, violations, by_severity, codes };
  }
}
