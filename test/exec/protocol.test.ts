// The type-tagged wire codec (lib/exec/python/protocol.py), exercised in a real Python interpreter:
// exact round trips of every supported type, and refusal of everything that could carry behaviour.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { resolvePython } from '../../lib/exec/interpreter';

const PROTOCOL = path.resolve(__dirname, '..', '..', 'lib', 'exec', 'python', 'protocol.py');

/** Run `body` with `proto` (the loaded protocol module) in scope; it must print one JSON line. */
function py(body: string): unknown {
  const prelude = [
    'import sys, json; sys.set_int_max_str_digits(0)',
    `proto = type(sys)("verpo_protocol"); exec(compile(open(${JSON.stringify(PROTOCOL)}).read(), "protocol.py", "exec"), proto.__dict__)`,
    'codec = proto.Codec()',
    'def rt(v): return codec.loads(codec.dumps({"v": proto.encode_value(v)}))["v"]',
    'def refused(v):',
    '    try: proto.encode_value(v); return False',
    '    except proto.EncodeError: return True',
    'def bad(line):',
    '    try: codec.loads(line); return False',
    '    except proto.DecodeError: return True',
  ].join('\n');
  const out = execFileSync(resolvePython(), ['-S', '-c', `${prelude}\n${body}`], { encoding: 'utf8' });
  return JSON.parse(out);
}

describe('type-tagged codec', () => {
  it('round-trips builtin data exactly, type included', () => {
    const r = py(`
import math, collections, decimal, fractions
P = collections.namedtuple('P', 'x y')
vals = [None, True, False, 0, -7, 10**5000, -(10**5000), 1.5, -0.0, 1e308, 'héllo\\n"\\u2028', '\\ud800',
        b'\\x00\\xff', bytearray(b'ab'), (1, (2,)), [1, [2, (3,)]], {1: 'a', (1, 2): [3], 'k': {'n': None}},
        {1, 2}, frozenset({'a'}), 1+2j, range(1, 10, 3), collections.OrderedDict(a=1), collections.Counter('aab'),
        collections.defaultdict(list, {1: [2]}), collections.deque([1, 2], 5), P(1, 2), decimal.Decimal('1.10'),
        fractions.Fraction(1, 3), []]
ok = []
for v in vals:
    w = rt(v)
    ok.append(type(w) is type(v) or (type(v).__name__ == 'P' and type(w).__name__ == 'P' and w._fields == v._fields)) 
    ok[-1] = ok[-1] and w == v and repr(w) == repr(v)
nan = rt(float('nan')); inf = rt(float('-inf'))
dd = rt(collections.defaultdict(list))
print(json.dumps({"ok": ok, "nan": math.isnan(nan), "inf": inf == float('-inf'), "dd": dd['x'] == []}))
`) as { ok: boolean[]; nan: boolean; inf: boolean; dd: boolean };
    expect(r.ok.every(Boolean), JSON.stringify(r.ok)).toBe(true);
    expect(r.nan && r.inf && r.dd).toBe(true);
  });

  it('refuses subclasses of builtins, instances, functions, generators, cycles and deep nesting', () => {
    const r = py(`
class E(int):
    __eq__ = lambda s, o: True
    __hash__ = int.__hash__
class S(str): pass
class L(list): pass
class D(dict): pass
class O: pass
cyc = []; cyc.append(cyc)
deep = []
for _ in range(1000): deep = [deep]
import collections
print(json.dumps([refused(E(0)), refused(S('a')), refused(L()), refused(D()), refused(O()), refused(len),
                  refused(lambda: 1), refused(x for x in []), refused(cyc), refused(deep), refused([E(1)]),
                  refused({E(1): 1}), refused(collections.defaultdict(lambda: 1)), refused(iter([1]))]))
`) as boolean[];
    expect(r).toEqual(new Array(r.length).fill(true));
  });

  it('rejects malformed input instead of building objects from it', () => {
    const r = py(`
print(json.dumps([bad(b'{"v": {"t": "nope", "v": 1}}\\n'), bad(b'{"v": {"t": "dict", "v": [[[1], 2]]}}\\n'),
                  bad(b'{"v": {"t": "float", "v": "1e5"}}\\n'), bad(b'NaN\\n'), bad(b'[1] [2]\\n'), bad(b'\\xff\\n'),
                  bad(b'{"v": {"t": "ref", "v": "f"}}\\n'), bad(b'[' * 100000 + b']' * 100000),
                  bad(b'{"v": {"t": "ntuple", "n": "import os", "f": ["a"], "v": [1]}}\\n')]))
`) as boolean[];
    expect(r).toEqual(new Array(r.length).fill(true));
  });

  it('bounds what one reply may make the judge build, before any arithmetic (the judge\'s decoder)', () => {
    const r = py(`
import collections, decimal, fractions
judge = proto.Codec(bounded=True)
def jrt(v): return judge.loads(codec.dumps({"v": proto.encode_value(v)}))["v"]
def jbad(v):
    try: jrt(v); return False
    except proto.DecodeError: return True
def jbad_line(line):
    try: judge.loads(line); return False
    except proto.DecodeError: return True
P = collections.namedtuple('P', 'x y')
fine = [2**200000, -(2**200000), 10**600, {i: i for i in range(1000)}, {(i, -i) for i in range(1000)},
        fractions.Fraction(3**1000, 2**1000), decimal.Decimal('1.5e-300'), [P(1, 2)] * 50, {-1, -2}]
ok = [jrt(v) == v and type(jrt(v)) is type(v) for v in fine]
M = (1 << 61) - 1
refused = [jbad(2**(1 << 19)),                                     # one int past REPLY_INT_BITS
           jbad([2**250000] * 5),                                  # ints past the reply's budget, together
           jbad({i * M for i in range(1, 1000)}),                  # distinct keys sharing one hash
           jbad(collections.Counter({i * M: 1 for i in range(1, 100)})),
           jbad(fractions.Fraction(2**70000 + 1, 3)),              # gcd on a huge part
           jbad(decimal.Decimal('1e100000')),                      # int(d) would be huge
           jbad([collections.namedtuple('N%d' % i, 'a')(i) for i in range(40)]),  # a class per value
           not bad(b'{"v": ' + b'7' * 100000 + b'}') and jbad_line(b'{"v": ' + b'7' * 100000 + b'}')]  # a plain-JSON int of 100k digits
print(json.dumps([ok, refused, sys.get_int_max_str_digits()]))
`);
    const [ok, refused, digits] = r as [boolean[], boolean[], number];
    expect(ok).toEqual(new Array(ok.length).fill(true));
    expect(refused).toEqual(new Array(refused.length).fill(true));
    expect(digits, 'the decoder gives the int_max_str_digits setting back').toBe(0);
  });

  it('keeps a bounded cache of namedtuple classes across replies', () => {
    const r = py(`
import collections
judge = proto.Codec(bounded=True)
for i in range(2000):
    judge.loads(codec.dumps({"v": proto.encode_value(collections.namedtuple('N%d' % i, 'a')(i))}))
print(json.dumps([len(proto._namedtuples), proto.NAMEDTUPLE_CACHE]))
`) as number[];
    expect(r[0]).toBeLessThanOrEqual(r[1]);
  });
});
