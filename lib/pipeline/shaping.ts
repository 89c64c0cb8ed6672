// Reward shaping options of the pipeline (issue 14): static analysis with Ruff reported per rollout and,
// with a style weight, rewarded. Profiles as the RLVR study on MBPP compares them: `tests` (the scheme's
// reward alone; the default), `lint` (the style score alone; tests still run and are reported), `combined`
// (the scheme's reward + the style score).
import { checkLintConfig, Linter, type LintConfig } from '../lint/ruff';

export const REWARD_PROFILES = ['tests', 'lint', 'combined'] as const;
export type RewardProfile = (typeof REWARD_PROFILES)[number];

export interface ShapingOptions {
  /** Lint each Python rollout with Ruff and report it (`lint` on each output row): true, or a configuration. */
  lint?: boolean | LintConfig;
  /** lambda_style >= 0: reward += lambda_style * style score (default 0: reported, not rewarded; 1 under the
   *  lint and combined profiles). A weight > 0 turns lint on. */
  styleWeight?: number;
  /** Default 'tests'. */
  rewardProfile?: RewardProfile;
}

/** What a group's scoring does with lint: off, reported only, or rewarded (and the base reward's weight). */
export interface Shaping {
  linter: Linter | null;
  styleWeight: number;
  baseWeight: number;
}

/** Checks the options (errors name them: `options.styleWeight`, `options.lint.select[0]`). */
export function checkShapingOptions(o: ShapingOptions): void {
  if (o.styleWeight !== undefined && !(typeof o.styleWeight === 'number' && Number.isFinite(o.styleWeight) && o.styleWeight >= 0)) {
    throw new RangeError(`options.styleWeight is ${String(o.styleWeight)}: expected a finite number >= 0`);
  }
  if (o.rewardProfile !== undefined && !(REWARD_PROFILES as readonly unknown[]).includes(o.rewardProfile)) {
    throw new TypeError(`options.rewardProfile is ${JSON.stringify(o.rewardProfile)}: expected one of ${REWARD_PROFILES.join(', ')}`);
  }
  if (o.lint !== undefined && o.lint !== false) checkLintConfig(o.lint, 'options.lint');
  shaping(o); // Ruff itself checks the rule selectors
}

const linters = new Map<string, Linter>();

/** The shaping of a set of options; linters are made once per configuration (a handful: kept). */
export function shaping(o: ShapingOptions): Shaping {
  const profile = o.rewardProfile ?? 'tests';
  const styleWeight = o.styleWeight ?? (profile === 'tests' ? 0 : 1);
  const baseWeight = profile === 'lint' ? 0 : 1;
  const on = (o.lint !== undefined && o.lint !== false) || styleWeight > 0 || profile !== 'tests';
  if (!on) return { linter: null, styleWeight, baseWeight };
  const cfg = o.lint === undefined || o.lint === true || o.lint === false ? {} : o.lint;
  const key = JSON.stringify(cfg);
  let linter = linters.get(key);
  if (linter === undefined) {
    linter = new Linter(cfg, 'options.lint');
    if (linters.size < 16) linters.set(key, linter);
  }
  return { linter, styleWeight, baseWeight };
}
