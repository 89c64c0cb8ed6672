// JSON whose reward numbers are always floats. JSON.stringify writes 1.0 as `1`, which Python's json reads
// as an int: OpenRLHF builds torch.tensor([reward]) from each reply, so a batch whose rewards are all
// whole numbers becomes an int64 tensor and `rewards.std()` raises. Numbers under the keys named here are
// written with a fraction (`1.0`, `0.0`, `-2.0`); every other value is written as JSON.stringify writes it.

/** Keys whose numbers (at any depth of arrays below them) are floats in every reply to a trainer. */
export const FLOAT_KEYS: ReadonlySet<string> = new Set([
  // /score results and the verl / TRL routes
  'reward', 'rewards', 'dense', 'outcome', 'advantage', 'weights', 'score', 'scores', 'pass_rate', 'verpo_advantage',
  // OpenRLHF's extra_logs (each becomes a tensor too)
  'all_passed', 'label_error',
  // SandboxFusion's CommandRunResult
  'execution_time',
]);

/** A finite number as a JSON float: an integer value gets ".0" (1e21 and above already have an exponent). */
export function floatText(x: number): string {
  if (!Number.isFinite(x)) return 'null';
  const s = JSON.stringify(x);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

function write(v: unknown, float: boolean, keys: ReadonlySet<string>, out: string[]): void {
  if (typeof v === 'number') {
    out.push(float ? floatText(v) : JSON.stringify(v));
  } else if (Array.isArray(v)) {
    out.push('[');
    v.forEach((x, i) => {
      if (i > 0) out.push(',');
      write(x === undefined || typeof x === 'function' ? null : x, float, keys, out);
    });
    out.push(']');
  } else if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
    out.push('{');
    let first = true;
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || typeof x === 'function') continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(k), ':');
      write(x, keys.has(k), keys, out);
    }
    out.push('}');
  } else {
    out.push(JSON.stringify(v) ?? 'null');
  }
}

/** JSON text of `value` with the numbers under `keys` written as floats. */
export function stringifyFloats(value: unknown, keys: ReadonlySet<string> = FLOAT_KEYS): string {
  const out: string[] = [];
  write(value, false, keys, out);
  return out.join('');
}
