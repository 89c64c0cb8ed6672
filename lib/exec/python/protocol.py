"""verpo wire protocol: a type-tagged value codec and newline framing.

Shared by runner.py (the untrusted, sandboxed side) and judge.py (the trusted side). It holds no test
data, so loading it into the candidate's process reveals nothing.

Values travel as JSON with type tags, never pickle. Plain JSON carries only exact None, bool, str,
finite float, small int and list; every other type is an object {"t": tag, "v": ...}. Decoding only
ever builds trusted stdlib types, so an object from the candidate can never bring its own methods
(an always-true __eq__, a lying __str__) into the judge. Exact types only: a subclass of a builtin
(`class E(int)`) is refused by the encoder, except the stdlib collection types listed in
encode_value, which the decoder rebuilds as the genuine stdlib type.

The C accelerator `_json` is used directly: `import json` pulls in `re` and costs ~15 ms of start-up
per process, which is paid twice per test (candidate and judge).
"""

import math
import posix as _posix  # always loaded; `os` is not under -S and costs an import
import sys

try:
    import _json
except ImportError:  # pragma: no cover - CPython always ships it
    _json = None

MAX_DEPTH = 400  # nesting accepted on the wire; deeper values are refused rather than risking the C stack
_BIG_INT = 1 << 2000  # ~600 decimal digits: larger ints travel as hex (linear time, no str-digits limit)

# What one reply may make the trusted judge build (Codec(bounded=True)), decided while decoding, before any
# arithmetic on it, so that the judge's work per reply, and so the verdict, is the same on any host. Measured
# with CPython 3.11: at 2^18 bits str() of an int takes ~0.08 s and gcd ~0.08 s; at 2^20, 1.2 s and 1.3 s.
REPLY_INT_BITS = 1 << 18           # one int
REPLY_BIG_INT_BITS = 1 << 20       # every int sent as hex in one reply, together
PLAIN_INT_DIGITS = 640             # an int in plain JSON (our encoder never sends more than ~600 digits)
FRACTION_PART_BITS = 1 << 16       # each part of a Fraction (its constructor runs gcd: ~5 ms here)
DECIMAL_CHARS = 4096
DECIMAL_MAX_EXPONENT = 78913       # |adjusted exponent| of a Decimal: int(d) stays within REPLY_INT_BITS
HASH_GROUP_MAX = 64                # distinct keys of one set or dict that share one hash (quadratic inserts)
NAMEDTUPLE_CLASSES_PER_REPLY = 32  # distinct namedtuple classes one reply may make the judge create...
NAMEDTUPLE_CACHE = 256             # ...and classes kept across replies (a long-lived judge stays bounded)
SNAPSHOT_NODES = 100_000          # objects in one snapshot of a program object graph (judge-side equality)
HANDLE_ID_MAX = (1 << 31) - 1      # handle ids are 1..HANDLE_ID_MAX
HANDLE_CLASS_CHARS = 200           # a handle's class name
HANDLE_HINTS = 64                  # method names a handle may announce ("m"), each...
HANDLE_HINT_CHARS = 100            # ...at most this long
_FACTORIES = {'int': int, 'float': float, 'str': str, 'list': list, 'dict': dict, 'set': set,
              'tuple': tuple, 'bool': bool, 'frozenset': frozenset, 'bytes': bytes}


class EncodeError(Exception):
    """The value is not plain data (or is cyclic / too deep) and cannot be sent."""


class DecodeError(Exception):
    """The bytes received are not a well-formed message."""


def _builtin_types():
    """The builtin classes that may travel as values: data types, a few other classes, and every exception
    class in builtins. Taken from the builtins module when this module loads (before any program runs)."""
    import builtins
    names = ('int', 'float', 'str', 'bool', 'bytes', 'bytearray', 'list', 'tuple', 'dict', 'set', 'frozenset',
             'complex', 'object', 'range', 'type', 'slice', 'memoryview', 'enumerate', 'zip', 'map', 'filter',
             'reversed', 'property', 'staticmethod', 'classmethod', 'super')
    out = {n: getattr(builtins, n) for n in names}
    for c in (type(None), type(Ellipsis), type(NotImplemented)):
        out[c.__name__] = c
    for c in vars(builtins).values():
        if isinstance(c, type) and issubclass(c, BaseException):
            out[c.__name__] = c  # its own name: aliases (IOError is OSError) travel as the class's name
    return out


BUILTIN_TYPES = _builtin_types()
_EXT_TAGS = ('handle', 'oref', 'onode', 'mref')  # decoded by the Codec's resolve callback, per side


def instance_attrs(obj):
    """An object's data: its instance __dict__ (string keys) and the slots it has set, as (name, value) pairs
    in order. Dunder names are left out (they are Python's, not the object's data). Read with
    object.__getattribute__, so a class's own __getattribute__ or __getattr__ is not consulted."""
    items = []
    try:
        d = object.__getattribute__(obj, '__dict__')
    except AttributeError:
        d = None
    if type(d) is dict:
        for k, v in list(d.items()):
            if type(k) is str and not (k.startswith('__') and k.endswith('__')):
                items.append((k, v))
    for cls in type(obj).__mro__:
        slots = cls.__dict__.get('__slots__')
        if not slots:
            continue
        for name in ((slots,) if isinstance(slots, str) else slots):
            if type(name) is not str or name.endswith('__'):
                continue  # __dict__, __weakref__
            if name.startswith('__'):
                name = '_%s%s' % (cls.__name__.lstrip('_'), name)  # a private slot's mangled name
            try:
                items.append((name, object.__getattribute__(obj, name)))
            except AttributeError:
                pass  # an empty slot
    return items


def _type_name(t):
    mod = getattr(t, '__module__', None)
    name = getattr(t, '__qualname__', None) or getattr(t, '__name__', '?')
    return name if mod in (None, 'builtins') else '%s.%s' % (mod, name)


def encode_value(v, ref_of=None, fallback=None):
    """Value -> JSON-able tree. ref_of(v) may return a tree to send instead of v (the judge's references to
    program names and objects, the runner's references back to rebuilt arguments); fallback(v), when given,
    makes the tree of a value that is not data (the runner's handles); without it such a value is refused."""
    active = set()  # ids of containers on the current path: cycle detection

    def enc(v, depth):
        t = type(v)
        if v is None or t is bool or t is str:
            return v
        if t is int:
            return v if -_BIG_INT < v < _BIG_INT else {'t': 'int', 'v': hex(v)}
        if t is float:
            return v if math.isfinite(v) else {'t': 'float', 'v': repr(v)}
        if depth > MAX_DEPTH:
            raise EncodeError('value nested deeper than %d levels' % MAX_DEPTH)
        if ref_of is not None:
            tree = ref_of(v)
            if tree is not None:
                return tree
        if t in (bytes, bytearray):
            return {'t': t.__name__, 'v': v.hex()}
        if t is complex:
            return {'t': 'complex', 'v': [enc(v.real, depth + 1), enc(v.imag, depth + 1)]}
        if t is range:
            return {'t': 'range', 'v': [v.start, v.stop, v.step]}
        if t is type and BUILTIN_TYPES.get(v.__name__) is v:
            return {'t': 'type', 'v': v.__name__}
        key = id(v)
        if key in active:
            raise EncodeError('value contains a reference cycle')
        active.add(key)
        try:
            d = depth + 1
            if t is list:
                return [enc(x, d) for x in v]
            if t is tuple:
                return {'t': 'tuple', 'v': [enc(x, d) for x in v]}
            if t is dict:
                return {'t': 'dict', 'v': [[enc(k, d), enc(x, d)] for k, x in v.items()]}
            if t is set or t is frozenset:
                return {'t': t.__name__, 'v': [enc(x, d) for x in v]}
            return enc_stdlib(v, t, d)
        finally:
            active.discard(key)

    def enc_stdlib(v, t, d):
        # Only types whose module is already loaded can be instances; never import on behalf of a value.
        col = sys.modules.get('collections')
        if col is not None:
            if t is col.OrderedDict:
                return {'t': 'odict', 'v': [[enc(k, d), enc(x, d)] for k, x in dict.items(v)]}
            if t is col.Counter:
                return {'t': 'counter', 'v': [[enc(k, d), enc(x, d)] for k, x in dict.items(v)]}
            if t is col.defaultdict:
                f = v.default_factory
                fname = next((n for n, c in _FACTORIES.items() if c is f), None)
                if f is not None and fname is None:
                    if fallback is not None:
                        return fallback(v)
                    raise EncodeError('defaultdict with a custom default_factory cannot be sent')
                return {'t': 'ddict', 'f': fname, 'v': [[enc(k, d), enc(x, d)] for k, x in dict.items(v)]}
            if t is col.deque:
                return {'t': 'deque', 'm': v.maxlen, 'v': [enc(x, d) for x in v]}
        if t.__bases__ == (tuple,) and isinstance(getattr(t, '_fields', None), tuple):
            # a namedtuple: rebuilt judge-side by collections.namedtuple, so no candidate method survives
            return {'t': 'ntuple', 'n': t.__name__, 'f': [str(f) for f in t._fields],
                    'v': [enc(x, d) for x in tuple.__iter__(v)]}
        dec = sys.modules.get('decimal')
        if dec is not None and t is dec.Decimal:
            return {'t': 'decimal', 'v': str(v)}
        fr = sys.modules.get('fractions')
        if fr is not None and t is fr.Fraction:
            return {'t': 'fraction', 'v': [enc(v.numerator, d), enc(v.denominator, d)]}
        if fallback is not None:
            return fallback(v)
        raise EncodeError('a value of type %s cannot be sent (only exact builtin data types; '
                          'subclasses, instances, functions and generators are refused)' % _type_name(t))

    try:
        return enc(v, 0)
    except RecursionError:
        raise EncodeError('value nested too deeply') from None


_namedtuples = {}


def _pairs(v):
    if type(v) is not list or any(type(p) is not list or len(p) != 2 for p in v):
        raise DecodeError('bad mapping payload')
    return v


def _check_hashes(keys):
    """Refuse a set or dict payload whose keys make inserting them quadratic: more than HASH_GROUP_MAX
    distinct keys with one hash (e.g. ints that differ by multiples of 2**61 - 1). One extra hash per key;
    equal keys (duplicates) cost one comparison against a group's first members."""
    groups = {}
    for k in keys:
        try:
            h = hash(k)
        except TypeError:
            return  # unhashable: building the set or dict fails anyway, as a malformed payload
        group = groups.get(h)
        if group is None:
            groups[h] = [k]
        elif not any(type(g) is type(k) and g == k for g in group):
            group.append(k)
            if len(group) > HASH_GROUP_MAX:
                raise DecodeError('more than %d distinct keys of one set or dict share one hash' % HASH_GROUP_MAX)


def _check_handle(d):
    """A handle's shape, before the receiving side looks it up: a small positive id, a class name and method
    hints within their bounds (the class name and hints are only sent by the runner)."""
    hid, c, m = d.get('v'), d.get('c'), d.get('m')
    if type(hid) is not int or not 0 < hid <= HANDLE_ID_MAX:
        raise DecodeError('bad handle id')
    if c is not None and (type(c) is not str or len(c) > HANDLE_CLASS_CHARS):
        raise DecodeError('bad handle class name')
    if m is not None and (type(m) is not list or len(m) > HANDLE_HINTS
                          or any(type(n) is not str or len(n) > HANDLE_HINT_CHARS for n in m)):
        raise DecodeError('bad handle method hints')


def _make_hook(resolve_ref, bounded=False, resolve=None):
    """The object hook, and a function that resets its per-message state (bounded: the reply budget).
    resolve(tag, d) builds the values of the handle/oref/onode/mref tags (each side its own); without it
    they are refused."""
    state = {'bits': 0, 'classes': 0}

    def reset():
        state['bits'] = 0
        state['classes'] = 0

    def hook(d):
        if 't' not in d:
            return d  # message envelope
        tag, v = d['t'], d.get('v')
        try:
            if tag == 'tuple':
                return tuple(v)
            if tag == 'dict':
                if bounded:
                    _check_hashes(p[0] for p in _pairs(v))
                return {k: x for k, x in _pairs(v)}
            if tag == 'set' or tag == 'frozenset':
                if type(v) is not list:
                    raise DecodeError('bad %s payload' % tag)
                if bounded:
                    _check_hashes(v)
                return set(v) if tag == 'set' else frozenset(v)
            if tag == 'int':
                if bounded:
                    if type(v) is not str or len(v) > REPLY_INT_BITS // 4 + 3:
                        raise DecodeError('an int larger than %d bits' % REPLY_INT_BITS)
                    state['bits'] += 4 * len(v)
                    if state['bits'] > REPLY_BIG_INT_BITS:
                        raise DecodeError('ints of more than %d bits in one reply' % REPLY_BIG_INT_BITS)
                return int(v, 16)
            if tag == 'float':
                if v not in ('nan', 'inf', '-inf'):
                    raise DecodeError('bad float')
                return float(v)
            if tag == 'bytes':
                return bytes.fromhex(v)
            if tag == 'bytearray':
                return bytearray.fromhex(v)
            if tag == 'complex':
                re_, im = v
                if type(re_) not in (int, float) or type(im) not in (int, float):
                    raise DecodeError('bad complex')
                return complex(re_, im)
            if tag == 'range':
                if type(v) is not list or len(v) != 3 or any(type(x) is not int for x in v):
                    raise DecodeError('bad range')
                return range(*v)
            if tag == 'ref':
                if resolve_ref is None or type(v) is not str:
                    raise DecodeError('unexpected reference')
                return resolve_ref(v)
            if tag == 'type':
                cls = BUILTIN_TYPES.get(v) if type(v) is str else None
                if cls is None:
                    raise DecodeError('not a builtin class that may be sent: %r' % (v,))
                return cls
            if tag in _EXT_TAGS:
                if resolve is None:
                    raise DecodeError('unexpected %s' % tag)
                if tag == 'handle' or tag == 'mref':
                    _check_handle(d)
                return resolve(tag, d)
            import collections  # only reached for the rarer stdlib types
            if bounded and tag in ('odict', 'counter', 'ddict'):
                _check_hashes(p[0] for p in _pairs(v))
            if tag == 'odict':
                return collections.OrderedDict(_pairs(v))
            if tag == 'counter':
                c = collections.Counter()
                for k, x in _pairs(v):
                    c[k] = x
                return c
            if tag == 'ddict':
                f = d.get('f')
                if f is not None and f not in _FACTORIES:
                    raise DecodeError('bad defaultdict factory')
                return collections.defaultdict(_FACTORIES.get(f), _pairs(v))
            if tag == 'deque':
                m = d.get('m')
                if m is not None and (type(m) is not int or m < 0):
                    raise DecodeError('bad deque maxlen')
                return collections.deque(v, m)
            if tag == 'ntuple':
                name, fields = d.get('n'), d.get('f')
                if type(name) is not str or type(fields) is not list or any(type(f) is not str for f in fields):
                    raise DecodeError('bad namedtuple')
                key = (name, tuple(fields))
                cls = _namedtuples.get(key)
                if cls is None:
                    if bounded:
                        state['classes'] += 1
                        if state['classes'] > NAMEDTUPLE_CLASSES_PER_REPLY or len(fields) > 256 or len(name) > 200:
                            raise DecodeError('more than %d distinct namedtuple classes (or an oversized one) in one reply'
                                              % NAMEDTUPLE_CLASSES_PER_REPLY)
                    cls = collections.namedtuple(name, fields)
                    while len(_namedtuples) >= NAMEDTUPLE_CACHE:
                        del _namedtuples[next(iter(_namedtuples))]  # the oldest
                    _namedtuples[key] = cls
                return cls(*v)
            if tag == 'decimal':
                import decimal
                if type(v) is not str or (bounded and len(v) > DECIMAL_CHARS):
                    raise DecodeError('bad or oversized decimal')
                x = decimal.Decimal(v)
                if bounded and x.is_finite() and abs(x.adjusted()) > DECIMAL_MAX_EXPONENT:
                    raise DecodeError('a Decimal with an exponent beyond %d' % DECIMAL_MAX_EXPONENT)
                return x
            if tag == 'fraction':
                import fractions
                n, q = v
                if type(n) is not int or type(q) is not int:
                    raise DecodeError('bad fraction')
                if bounded and max(n.bit_length(), q.bit_length()) > FRACTION_PART_BITS:
                    raise DecodeError('a Fraction with a part larger than %d bits' % FRACTION_PART_BITS)
                return fractions.Fraction(n, q)
        except DecodeError:
            raise
        except Exception as e:  # TypeError (unhashable key), ValueError, ...: the payload is malformed
            raise DecodeError('bad %r payload: %s' % (tag, e)) from None
        raise DecodeError('unknown type tag %r' % (tag,))
    return hook, reset


def _plain_int(text):
    """parse_int for a bounded decoder on an interpreter without int_max_str_digits (before 3.11)."""
    if len(text) > PLAIN_INT_DIGITS + 1:
        raise DecodeError('an int of more than %d digits in plain JSON' % PLAIN_INT_DIGITS)
    return int(text)


def _reject_constant(name):
    raise DecodeError('non-standard JSON constant %s' % name)


class _ScanContext:
    strict = True
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = staticmethod(_reject_constant)

    def __init__(self, hook, parse_int=int):
        self.object_hook = hook
        self.parse_int = parse_int
        self.memo = {}


class Codec:
    """Serialises whole messages (dict envelopes holding tagged values) to one ASCII line."""

    def __init__(self, resolve_ref=None, plain=False, bounded=False, resolve=None):
        # plain=True: ordinary JSON (objects stay dicts), for the test spec the judge reads on stdin.
        # bounded=True: the judge's decoder of replies, with the REPLY_* bounds above.
        # resolve: builds handles and object references (judge.py and runner.py each pass their own).
        hook, self._reset = (None, None) if plain else _make_hook(resolve_ref, bounded, resolve)
        # Plain-JSON ints longer than PLAIN_INT_DIGITS: refused through int_max_str_digits while a bounded
        # decoder scans (C speed, 3.11+), else through a parse_int of ours.
        self._digits = PLAIN_INT_DIGITS if bounded and hasattr(sys, 'set_int_max_str_digits') else 0
        parse_int = _plain_int if bounded and not self._digits else int
        self._scan = None
        self._fallback_decoder = None
        if _json is not None:
            try:
                self._scan = _json.make_scanner(_ScanContext(hook, parse_int))
                self._encode = _json.make_encoder(None, self._refuse, _json.encode_basestring_ascii, None,
                                                  ':', ',', False, False, False)
            except Exception:  # a future CPython may change the private signatures
                self._scan = None
        if self._scan is None:
            import json
            self._fallback_decoder = json.JSONDecoder(object_hook=hook, parse_constant=_reject_constant,
                                                      parse_int=parse_int)
            self._fallback_encoder = json.JSONEncoder(separators=(',', ':'), allow_nan=False)

    @staticmethod
    def _refuse(o):
        raise EncodeError('not JSON: %s' % _type_name(type(o)))

    def dumps(self, tree):
        """A JSON-able tree (from encode_value and plain envelopes) -> bytes ending in a newline."""
        try:
            if self._scan is not None:
                s = ''.join(self._encode(tree, 0))
            else:
                s = self._fallback_encoder.encode(tree)
        except (ValueError, RecursionError) as e:
            raise EncodeError(str(e)) from None
        return s.encode('ascii') + b'\n'

    def loads(self, data):
        """bytes or str -> decoded message; DecodeError on anything malformed."""
        if self._reset is not None:
            self._reset()
        saved = 0
        if self._digits:
            saved = sys.get_int_max_str_digits()
            sys.set_int_max_str_digits(self._digits)
        try:
            s = data.decode('utf-8') if isinstance(data, (bytes, bytearray)) else data
            s = s.strip()
            if self._scan is not None:
                obj, end = self._scan(s, 0)
            else:
                obj, end = self._fallback_decoder.raw_decode(s)
            if end != len(s):
                raise DecodeError('trailing data after message')
            return obj
        except DecodeError:
            raise
        except StopIteration:
            raise DecodeError('not a JSON value') from None
        except (ValueError, TypeError, RecursionError, MemoryError, UnicodeDecodeError) as e:
            raise DecodeError('%s: %s' % (type(e).__name__, e)) from None
        finally:
            if self._digits:
                sys.set_int_max_str_digits(saved)


class Channel:
    """Newline-framed messages over a stream socket/pipe fd, with a cap on one message's size.
    Plain reads into a bytearray (no io objects): a forked runner gets it ready-made and cheap to use."""

    def __init__(self, fd, codec, max_bytes):
        self.fd = fd
        self.codec = codec
        self.max_bytes = max_bytes
        self._buf = bytearray()
        self._scanned = 0  # bytes of _buf known to hold no newline

    def send(self, msg):
        data = self.codec.dumps(msg)
        view = memoryview(data)
        while view:
            n = _posix.write(self.fd, view)
            view = view[n:]

    def recv(self):
        """Next message, or None at end of stream. Raises MessageTooLarge / DecodeError."""
        buf = self._buf
        while True:
            nl = buf.find(b'\n', self._scanned)
            if nl >= 0:
                if nl > self.max_bytes:
                    raise MessageTooLarge(self.max_bytes)
                line = bytes(buf[:nl + 1])
                del buf[:nl + 1]
                self._scanned = 0
                return self.codec.loads(line)
            self._scanned = len(buf)
            if len(buf) > self.max_bytes:
                raise MessageTooLarge(self.max_bytes)
            chunk = _posix.read(self.fd, 1 << 16)
            if not chunk:
                return None  # end of stream (a peer that died mid-message included)
            buf += chunk

class MessageTooLarge(Exception):
    def __init__(self, limit):
        super().__init__('message larger than %d bytes' % limit)
        self.limit = limit
