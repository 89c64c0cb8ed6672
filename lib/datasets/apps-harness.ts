// The harness of APPS's (and TACO's) own grader for stdin programs, used only where it changes a verdict.
// That grader does not run a program as a script: it makes every line that is not a top-level import the
// body of a function `code()` and calls it, so a top-level `return` (ending the program early) is valid
// there, and ~3% of APPS's reference solutions rely on it. Run as a script such a program is a SyntaxError.
// verpo runs every program as a script; for a line with `harness: "apps"`, a program that does not compile
// *because of* a top-level `return` runs as that grader runs it. Programs that compile are never rewritten:
// the wrapping changes scoping (top-level names become locals, so `global x` breaks), which would make
// correct programs fail that pass as scripts.

/** The dataset harnesses a line may name. */
export const HARNESSES = ['apps'] as const;
export type Harness = (typeof HARNESSES)[number];

/** Whether a failed syntax check is the one the APPS harness resolves. */
export function needsAppsHarness(compileMessage: string | undefined): boolean {
  return compileMessage !== undefined && /SyntaxError: 'return' outside function/.test(compileMessage);
}

/** The program as APPS's grader runs it: top-level import lines before the first other line stay at the top;
 *  from that line on, every line (imports included) is indented by a tab into `def code():`, which is then
 *  called. `stdin`/`stdout` are bound at the top as the grader binds them. */
export function appsHarnessProgram(program: string): string {
  const out = ['import sys', 'stdin = sys.stdin', 'stdout = sys.stdout'];
  let started = false;
  for (const line of program.replace(/\r\n/g, '\n').split('\n')) {
    const isImport = line.startsWith('import ') || line.startsWith('from ');
    if (!started && isImport) {
      out.push(line);
      continue;
    }
    if (!started) {
      out.push('def code():');
      started = true;
    }
    out.push('\t' + line);
  }
  if (!started) return program; // imports only: nothing to wrap
  out.push('code()');
  return out.join('\n') + '\n';
}
