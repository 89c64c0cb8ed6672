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

  it('sends the whitelisted builtin classes as themselves, both ways, and nothing else as a class', () => {
    const r = py(`
import builtins
class O: pass
judge = proto.Codec(bounded=True)
sent = [int, float, str, bool, bytes, bytearray, list, tuple, dict, set, frozenset, complex, type(None), object,
        range, type, ValueError, KeyError, BaseException, StopIteration, OSError, ExceptionGroup]
same = [rt(c) is c and judge.loads(codec.dumps({"v": proto.encode_value(c)}))["v"] is c for c in sent]
tags = [proto.encode_value([int, {str: OSError}]), proto.encode_value(IOError)]
print(json.dumps([same, tags, refused(O), refused(type('int', (), {})), refused(__import__('collections').OrderedDict),
                  bad(b'{"v": {"t": "type", "v": "posix"}}\\n'), bad(b'{"v": {"t": "type", "v": "O"}}\\n'),
                  bad(b'{"v": {"t": "type", "v": 3}}\\n')]))
`) as [boolean[], unknown[], ...boolean[]];
    const [same, tags, ...refusals] = r;
    expect(same).toEqual(new Array(same.length).fill(true));
    expect(tags).toEqual([[{ t: 'type', v: 'int' }, { t: 'dict', v: [[{ t: 'type', v: 'str' }, { t: 'type', v: 'OSError' }]] }],
      { t: 'type', v: 'OSError' }]);
    expect(refusals).toEqual(new Array(refusals.length).fill(true));
  });

  it('hands what is not data to the fallback (the runner\'s handles), still refusing cycles and deep nesting', () => {
    const r = py(`
import collections
class O: pass
class E(int): pass
seen = []
def fb(v):
    seen.append(type(v).__name__)
    return {'t': 'handle', 'v': len(seen), 'c': type(v).__name__}
o = O()
tree = proto.encode_value([o, (E(3), {'k': len}), collections.defaultdict(lambda: 0), iter([])], fallback=fb)
first = seen[:]
cyc = [o]; cyc.append(cyc)
deep = o
for _ in range(500): deep = [deep]
def refused_fb(v):
    try: proto.encode_value(v, fallback=fb); return False
    except proto.EncodeError: return True
print(json.dumps([tree, first, refused_fb(cyc), refused_fb(deep), proto.encode_value([1, o], ref_of=lambda v: {'t': 'ref', 'v': 'f'} if v is o else None)]))
`) as unknown[];
    expect(r[0]).toEqual([{ t: 'handle', v: 1, c: 'O' }, { t: 'tuple', v: [{ t: 'handle', v: 2, c: 'E' }, { t: 'dict', v: [['k', { t: 'handle', v: 3, c: 'builtin_function_or_method' }]] }] },
      { t: 'handle', v: 4, c: 'defaultdict' }, { t: 'handle', v: 5, c: 'list_iterator' }]);
    expect(r[1]).toEqual(['O', 'E', 'builtin_function_or_method', 'defaultdict', 'list_iterator']);
    expect(r.slice(2, 4)).toEqual([true, true]);
    expect(r[4], 'ref_of returns the tree to send').toEqual([1, { t: 'ref', v: 'f' }]);
  });

  it('decodes handle, oref, onode and mref tags only through the side\'s resolve callback, with bounded shapes', () => {
    const r = py(`
got = []
def resolve(tag, d):
    got.append([tag, d.get('v')])
    return ('resolved', tag, d.get('v'))
side = proto.Codec(bounded=True, resolve=resolve)
def sbad(line):
    try: side.loads(line); return False
    except proto.DecodeError: return True
line = codec.dumps({"v": [{'t': 'handle', 'v': 1, 'c': 'solution.Node', 'm': ['twoSum']}, {'t': 'oref', 'v': 0, 'c': 'ListNode'},
                          {'t': 'onode', 'v': 0, 'c': 'ListNode', 'd': [['val', 1]]}, {'t': 'mref', 'v': 2, 'n': 'f'}]})
ok = side.loads(line)["v"]
first = got[:]
H = lambda **kw: codec.dumps({"v": dict({'t': 'handle', 'v': 1, 'c': 'C'}, **kw)})
shapes = [sbad(H(v=0)), sbad(H(v=-1)), sbad(H(v=2**31)), sbad(H(v='1')), sbad(H(v=True)), sbad(H(c='x' * 201)), sbad(H(c=5)),
          sbad(H(m=['a'] * 65)), sbad(H(m=['a' * 101])), sbad(H(m='abc')), sbad(H(m=[1]))]
fine = [not sbad(H(c='x' * 200, m=['a' * 100] * 64)), not sbad(H(v=2**31 - 1))]
none = [bad(line), proto.Codec(bounded=True).loads(codec.dumps({"v": 1}))["v"] == 1,
        all(bad(codec.dumps({"v": {'t': t, 'v': 1, 'c': 'C', 'n': 'f'}})) for t in ('handle', 'oref', 'onode', 'mref'))]
print(json.dumps([[list(x) for x in ok], first, shapes, fine, none]))
`) as unknown[][];
    expect(r[0]).toEqual([['resolved', 'handle', 1], ['resolved', 'oref', 0], ['resolved', 'onode', 0], ['resolved', 'mref', 2]]);
    expect(r[1]).toEqual([['handle', 1], ['oref', 0], ['onode', 0], ['mref', 2]]);
    expect(r[2]).toEqual(new Array(r[2].length).fill(true));
    expect(r[3]).toEqual([true, true]);
    expect(r[4], 'without a resolve callback these tags are malformed').toEqual([true, true, true]);
  });

  it('reads an object\'s data as its instance __dict__ and set slots, without its own attribute hooks', () => {
    const r = py(`
class A:
    def __init__(self):
        self.x = 1; self.y = [2]; object.__getattribute__(self, '__dict__')['__weird__'] = 3
    def __getattribute__(self, name):
        raise RuntimeError('never consulted')
class S:
    __slots__ = ('a', '__p', 'unset')
    def __init__(self):
        self.a = 1; self.__p = 2
class T(S):
    __slots__ = 'b'
    def __init__(self):
        super().__init__(); self.b = 'b'
print(json.dumps([proto.instance_attrs(A()), proto.instance_attrs(T()), proto.instance_attrs(3), proto.instance_attrs(len)]))
`) as unknown[];
    expect(r).toEqual([[['x', 1], ['y', [2]]], [['b', 'b'], ['a', 1], ['_S__p', 2]], [], []]);
  });
});
