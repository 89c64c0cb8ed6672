// stdio comparators: exact, whitespace-normalised (the default) and float-tolerant; never lenient.
import { describe, expect, it } from 'vitest';
import { compareOutput } from '../../lib/exec/compare';

describe('exact', () => {
  it('accepts identical bytes only', () => {
    expect(compareOutput('1 2\n', '1 2\n', 'exact').ok).toBe(true);
    expect(compareOutput(Buffer.from('1 2\n'), '1 2\n', 'exact').ok).toBe(true);
    expect(compareOutput('1 2', '1 2\n', 'exact').ok).toBe(false);
    expect(compareOutput('1 2\r\n', '1 2\n', 'exact').ok).toBe(false);
    expect(compareOutput('1 2 \n', '1 2\n', 'exact').ok).toBe(false);
  });
  it('reports the first differing position', () => {
    const r = compareOutput('ab\ncd\n', 'ab\nce\n', 'exact');
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('line 2, column 2');
    expect(r.detail).toContain('offset 4');
  });
});

describe('whitespace (default)', () => {
  it('ignores CRLF, trailing spaces per line, trailing blank lines and a missing final newline', () => {
    expect(compareOutput('1 2\r\n3\r\n', '1 2\n3\n').ok).toBe(true);
    expect(compareOutput('1 2   \n3\t\n', '1 2\n3\n').ok).toBe(true);
    expect(compareOutput('1 2\n3\n\n\n', '1 2\n3\n').ok).toBe(true);
    expect(compareOutput('1 2\n3', '1 2\n3\n').ok).toBe(true);
  });
  it('does not ignore leading spaces, inner spaces, case or missing/extra lines', () => {
    expect(compareOutput(' 1 2\n', '1 2\n').ok).toBe(false);
    expect(compareOutput('1  2\n', '1 2\n').ok).toBe(false);
    expect(compareOutput('YES\n', 'yes\n').ok).toBe(false);
    const extra = compareOutput('1\n2\n3\n', '1\n2\n');
    expect(extra.ok).toBe(false);
    expect(extra.detail).toContain('line 3');
    expect(extra.detail).toContain('extra line');
    const missing = compareOutput('1\n', '1\n2\n');
    expect(missing.ok).toBe(false);
    expect(missing.detail).toContain('missing line');
  });
  it('never accepts a prefix of the expected output', () => {
    expect(compareOutput('', '42\n').ok).toBe(false);
    expect(compareOutput('4', '42\n').ok).toBe(false);
  });
  it('names the line and column of the first mismatch', () => {
    const r = compareOutput('hello\nworld\n', 'hello\nword\n');
    expect(r.detail).toMatch(/^line 2, column 4: expected "word", got "world"$/);
  });
});

describe('float', () => {
  it('compares numeric tokens within absolute or relative tolerance', () => {
    expect(compareOutput('0.3333333\n', '0.333333333333\n', 'float').ok).toBe(true);
    expect(compareOutput('0.34\n', '0.333333\n', 'float').ok).toBe(false);
    expect(compareOutput('1000000.5\n', '1000000\n', 'float', { abs: 0, rel: 1e-6 }).ok).toBe(true);
    expect(compareOutput('1000002\n', '1000000.0\n', 'float', { abs: 0, rel: 1e-6 }).ok).toBe(false);
    expect(compareOutput('1.05\n', '1\n', 'float', { abs: 0.1 }).ok).toBe(true);
    expect(compareOutput('3.0\n', '3\n', 'float').ok).toBe(true);
    expect(compareOutput('1e-9 2\n', '0 2\n', 'float').ok).toBe(true);
  });
  it('compares integer tokens exactly, beyond double precision', () => {
    expect(compareOutput('12345678901234567891\n', '12345678901234567890\n', 'float').ok).toBe(false);
    expect(compareOutput('12345678901234567890\n', '12345678901234567890\n', 'float').ok).toBe(true);
  });
  it('compares non-numeric tokens exactly and counts tokens', () => {
    expect(compareOutput('YES 1.0\n', 'YES 1\n', 'float').ok).toBe(true);
    expect(compareOutput('yes 1.0\n', 'YES 1\n', 'float').ok).toBe(false);
    const r = compareOutput('1.0 2.0 3.0\n', '1 2\n', 'float');
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('token 3');
    expect(compareOutput('nan\n', 'nan\n', 'float').ok).toBe(true);
    expect(compareOutput('inf\n', '1e308\n', 'float').ok).toBe(false);
  });
  it('reports the token and line of the first mismatch', () => {
    const r = compareOutput('1 2\n3 5\n', '1 2\n3 4\n', 'float');
    expect(r.detail).toContain('token 4 (line 2)');
    expect(r.detail).toContain('expected "4", got "5"');
  });
});

describe('the judges\' comparators (testlib\'s standard checkers)', () => {
  it('tokens (wcmp): any whitespace between tokens, tokens exactly', () => {
    expect(compareOutput('1  2\n\n3   \n', '1 2 3', 'tokens').ok).toBe(true);
    expect(compareOutput('  1\t2\r\n3', '1 2\n3\n', 'tokens').ok).toBe(true);
    expect(compareOutput('1 2 4', '1 2 3', 'tokens').detail).toContain('token 3');
    expect(compareOutput('1.0', '1', 'tokens').ok).toBe(false);
    expect(compareOutput('1 2', '1 2 3', 'tokens').detail).toContain('end of output');
    expect(compareOutput('YES', 'yes', 'tokens').ok).toBe(false);
  });
  it('tokens-float (and its older name float): numbers within the tolerance, integers always exactly', () => {
    for (const mode of ['tokens-float', 'float'] as const) {
      expect(compareOutput('0.3333333 x\n', '0.333333333 x', mode).ok).toBe(true);
      expect(compareOutput('0.3334', '0.333333333', mode).ok).toBe(false);
      expect(compareOutput('1000001', '1000000', mode).ok, 'a wrong count is never close').toBe(false);
      expect(compareOutput('1e-7', '0', mode).ok).toBe(true);
      expect(compareOutput('2.5', '2.5000001', mode, { abs: 1e-9, rel: 0 }).ok).toBe(false);
    }
  });
  it('lines (lcmp): line by line, each line\'s tokens', () => {
    expect(compareOutput('1  2 \n3\n\n', '1 2\n3', 'lines').ok).toBe(true);
    expect(compareOutput('1 2 3\n', '1 2\n3\n', 'lines').ok, 'tokens on the wrong line').toBe(false);
    expect(compareOutput('1 2\n4\n', '1 2\n3\n', 'lines').detail).toContain('line 2, token 1');
    expect(compareOutput('1 2\n', '1 2\n3\n', 'lines').ok).toBe(false);
  });
  it("case: 'insensitive' folds ASCII case in every comparator, and only ASCII", () => {
    expect(compareOutput('YES\nNo', 'yes\nNO\n', 'tokens', undefined, 'insensitive').ok).toBe(true);
    expect(compareOutput('Yes', 'yes', 'whitespace', undefined, 'insensitive').ok).toBe(true);
    expect(compareOutput('YES 1.0000001', 'yes 1', 'tokens-float', undefined, 'insensitive').ok).toBe(true);
    expect(compareOutput('Yes\n', 'yes\n', 'exact', undefined, 'insensitive').ok).toBe(true);
    expect(compareOutput('NO', 'yes', 'tokens', undefined, 'insensitive').ok).toBe(false);
    expect(compareOutput('É', 'é', 'tokens', undefined, 'insensitive').ok).toBe(false);
  });
});
