// Problems whose statement accepts several answers need a checker (a special judge): their tests hold one
// answer, so a correct program that prints another one would be scored wrong. Without a checker in the
// record, converters mark such problems (`meta.needs_checker`) so a trainer can skip or down-weight them.
// The cue is the statement's own wording, as contest statements say it ("If there are multiple answers,
// print any of them"). Measured on 30 CodeContests graph problems: it marks all 8 whose reference solution
// fails only because it prints another valid answer, and 5 more whose reference happens to match.

const SEVERAL_ANSWERS = new RegExp([
  String.raw`(?:multiple|several|many|more than one)\s+(?:possible\s+|valid\s+|correct\s+|optimal\s+)?(?:answers|solutions|ways|outputs)`,
  String.raw`(?:print|output)\s+any\b`,
  String.raw`any\s+(?:one\s+)?of\s+them`,
  String.raw`any\s+(?:such|valid|correct|optimal)\b`,
].join('|'), 'i');

/** The phrase of `statement` that says several answers are accepted, or null. */
export function severalAnswersCue(statement: string | undefined): string | null {
  if (!statement) return null;
  const m = SEVERAL_ANSWERS.exec(statement);
  return m ? m[0].replace(/\s+/g, ' ') : null;
}

/** meta fields for a problem without a checker whose statement accepts several answers ({} otherwise). */
export function needsCheckerMeta(statement: string | undefined): Record<string, unknown> {
  const cue = severalAnswersCue(statement);
  return cue === null ? {} : { needs_checker: true, needs_checker_why: `the statement accepts several answers ("${cue}") and the record has no checker` };
}
