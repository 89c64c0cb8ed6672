// TACO's own list of the problems that need a special judge (`output_spj.jsonl` beside its test split:
// one {"idx", "special_judge", "case"} per problem, idx = the record's index in the split). TACO ships no
// checkers, so a listed problem's tests hold one answer among several: `verpo convert apps --special-judge
// FILE` marks it `meta.needs_checker` (the list decides over the statement cue of needs-checker.ts for the
// problems it lists), so a trainer can skip or down-weight it.

export interface SpecialJudgeEntry {
  special: boolean;
  /** TACO's own category of why (1, 2, 3; 0 when no special judge is needed). */
  case: number;
}

/** The list, by idx, from its JSONL text; a malformed line is an error naming the file's line. */
export function parseSpecialJudgeList(text: string, source: string): Map<number, SpecialJudgeEntry> {
  const out = new Map<number, SpecialJudgeEntry>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `${source} line ${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new Error(`${where}: not JSON`);
    }
    const r = v as { idx?: unknown; special_judge?: unknown; case?: unknown };
    if (r === null || typeof r !== 'object' || !Number.isInteger(r.idx) || (r.idx as number) < 0) throw new Error(`${where}: idx: expected an integer >= 0`);
    if (typeof r.special_judge !== 'boolean') throw new Error(`${where}: special_judge: expected true or false`);
    if (r.case !== undefined && !Number.isInteger(r.case)) throw new Error(`${where}: case: expected an integer`);
    if (out.has(r.idx as number)) throw new Error(`${where}: idx ${r.idx} is listed twice`);
    out.set(r.idx as number, { special: r.special_judge, case: (r.case as number | undefined) ?? 0 });
  });
  return out;
}

/** meta fields from the list for the record at `idx` (null: the list does not name it). */
export function specialJudgeMeta(list: ReadonlyMap<number, SpecialJudgeEntry> | undefined, idx: number): Record<string, unknown> | null {
  const e = list?.get(idx);
  if (e === undefined) return null;
  return e.special
    ? { needs_checker: true, needs_checker_why: `TACO's special-judge list (output_spj.jsonl) names it (case ${e.case}) and the record has no checker` }
    : {};
}
