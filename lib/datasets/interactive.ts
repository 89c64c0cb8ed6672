// Interactive problems (the program talks with a jury's interactor) cannot be judged by stdio tests: a
// record's tests hold one transcript of the jury's side. verpo has no interactor runs (a known gap), so
// every converter refuses them, with this reason, rather than scoring correct programs wrong.

const INTERACTIVE = /(?<![-\w])interactive problem\b|^\s*Interaction\s*$/im;

/** Why an interactive record is skipped. */
export const INTERACTIVE_REASON =
  "an interactive problem: its tests are one transcript of the jury's side, which stdio tests cannot judge (it needs an interactor)";

/** True when the statement says the problem is interactive (Codeforces' "This is an interactive problem",
 *  or an "Interaction" section). */
export function isInteractive(statement: string | undefined): boolean {
  return statement !== undefined && INTERACTIVE.test(statement);
}
