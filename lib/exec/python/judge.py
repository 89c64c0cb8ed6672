"""verpo judge: the TRUSTED side of an `assert` or `call` test. It never imports or executes candidate code.

It reads one test (JSON) on stdin, runs the trusted setup and test code in its own interpreter, and
forwards every use of a name the program defines to the sandboxed runner over fd 3. Candidate
functions are proxies whose calls travel as type-tagged JSON; their results come back as trusted
builtin values built by our own decoder, so an always-equal object, a patched builtin or a forged
marker in the candidate process cannot make an assertion here pass. Expected values, test code and
the verdict never leave this process; the verdict is one JSON line on the original stdout:
    {"verdict": "AC"|"WA"|"RE"|"OLE"|"IE", "detail": str|null, "exc": str?, "gone": bool?, "calls": int}
AC only when the test code ran to completion with no fault recorded against the candidate.

The executor starts it as `python -c BOOT` with its code on stdin: one line holding a length, then
marshalled (judge, protocol) code objects compiled once per Executor, then the test (see
lib/exec/interpreter.ts). Run as a script (`python judge.py < test.json`) it behaves the same.

Name resolution in the test namespace: names the setup/test code define > builtins > the program's
top-level names (so a program that shadows or patches `len` cannot change what the test's `len` is).

A program object that is not data (an instance of its class, an re.Match, a generator...) stays in the
sandbox; the test holds a ProgramObject, a handle to it: attribute reads and writes, calls, len, iteration,
indexing and str() are requests. Equality is decided here, on a snapshot of the object's data, never by the
program's __eq__; the truth value of a program object is not judged in test code (see ProgramObject).
"""

import builtins
import posix
import sys

CHANNEL_FD = 3
DEFAULT_MAX_REPLY = 16 << 20
TEXT_CAP = 400
# The warm judge's compiled test and setup code, by text: sized for a trainer's step (every test of every problem
# of the step, which each slot's judge sees once per rollout of it), not for one problem. A code object takes ~9x
# its text; 4 MiB of text is ~35k HumanEval tests and ~40 MB here, well under the judge's recycling bound.
CODE_CACHE_ENTRIES = 16384
CODE_CACHE_TEXT_BYTES = 4 << 20  # the texts' total length (str length) the cache holds
CODE_CACHE_MAX_TEXT = 64 << 10  # a text longer than this is compiled each time
READY_NAMES_MAX = 256  # as runner.py: the most program names `ready` may list
# stdlib modules the program imported that the judge may import for the test under the same name
_NO_IMPORT = frozenset(('antigravity', 'this', 'idlelib', 'tkinter', 'turtle', 'turtledemo', 'webbrowser',
                        'pydoc', 'ensurepip', 'venv', 'lib2to3', '__main__', 'pdb', 'code'))
# Exceptions with control-flow meaning in the judge's own code: a StopIteration raised by a proxied call
# inside `all(map(f, xs))` would end the test's iteration early and pass it (PEP 479's reasoning). A
# program's exception of these classes reaches the test as a CandidateControlFlowError (a RuntimeError, as
# PEP 479 turns a StopIteration leaking from a generator into one), an error of the call.
_NOT_REBUILT = (SystemExit, KeyboardInterrupt, GeneratorExit, StopIteration, StopAsyncIteration)
# Modules the judge may import lazily: loaded when a warm judge starts, before any program has run.
_PRELOADED = ('collections', 'decimal', 'fractions', 'traceback', 'importlib', 'math')
TEST_MODULE = '__verpo_test__'  # __name__ of the namespace setup and test code run in (their classes' __module__)
# Classes whose instances CPython makes always true, that no program can subclass or change: a handle of one
# is true wherever it is tested (MBPP's regex tasks `return re.search(...)` for `assert f(x)`). A runner that
# names another object so gains nothing it could not get by returning a real match.
ALWAYS_TRUE_CLASSES = frozenset(('re.Match',))


PR_GET_DUMPABLE, PR_SET_DUMPABLE = 3, 4


def harden():
    """PR_SET_DUMPABLE 0: no same-uid process may ptrace us or read /proc/<judge>/mem, environ, fds.
    Through _ctypes directly: `import ctypes` costs ~5 ms of start-up per test."""
    try:
        import _ctypes
        prctl = _ctypes.dlsym(_ctypes.dlopen(None), 'prctl')
        _ctypes.call_function(prctl, (PR_SET_DUMPABLE, 0, 0, 0, 0))
        return _ctypes.call_function(prctl, (PR_GET_DUMPABLE, 0, 0, 0, 0)) == 0
    except Exception:
        pass
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        return libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0
    except Exception:
        return False


def load_protocol():
    """From PROTOCOL_CODE when the executor's bootstrap passed precompiled code, else protocol.py beside us."""
    mod = type(sys)('verpo_protocol')
    code = globals().get('PROTOCOL_CODE')
    if code is None:
        here = (globals().get('__file__') or sys.argv[0]).rpartition('/')[0] or '.'
        path = here + '/protocol.py'
        mod.__file__ = path
        with open(path, 'rb') as f:
            code = compile(f.read(), path, 'exec')
    exec(code, mod.__dict__)
    return mod


def clip(s, n=TEXT_CAP):
    s = str(s)
    return s if len(s) <= n else s[:n] + '...'


class CandidateFault(BaseException):
    """The candidate broke the test in a way test code must not be able to catch (not an Exception):
    it died, returned something that cannot be sent, sent garbage, or an oversized reply."""


class CandidateError(Exception):
    """A candidate exception whose class has no builtin counterpart."""


class CandidateControlFlowError(RuntimeError):
    """A candidate exception with control-flow meaning (StopIteration, GeneratorExit...), as an ordinary error."""


class TestError(BaseException):
    """The test itself cannot be evaluated (e.g. it passes a lambda to the candidate): IE. Sticky and not an
    Exception, so a test's `except Exception:` cannot pass without the call having happened."""


class CandidateCallable:
    """Stands in for a function (or class) the program defines; calling it runs the real one remotely."""
    __slots__ = ('_remote', '_name')

    def __init__(self, remote, name):
        self._remote = remote
        self._name = name

    def __call__(self, *args, **kwargs):
        return self._remote.call(self._name, args, kwargs)

    @property
    def __name__(self):
        return self._name

    def __repr__(self):
        return '<candidate %s>' % self._name


def _not_judged(what):
    """The truth value of a program object: true inside functions of the trusted setup or of the test
    (`while node:` / `lambda node: ... if node else []`, helpers walking a linked list), a TypeError in the
    test's own top-level code, where it would decide an assertion: otherwise any object returned would pass
    `assert f(x)` (or `assert bool(f(x))`, or `all(...)` over them). The program's __bool__ and __len__ are
    never asked. Decided by the nearest frame of setup or test code on the stack (judge.py compiles them as
    <setup> and <test>; a C builtin such as all() or bool() leaves the caller's frame nearest)."""
    f = sys._getframe(1)
    while f is not None:
        name = f.f_code.co_filename
        if name == '<setup>':
            return True
        if name == '<test>':
            if f.f_code.co_name != '<module>':
                return True
            break
        f = f.f_back
    raise TypeError('the truth value of a program object (%s) is not judged: compare it with a value, '
                    'or test one of its attributes' % what)


def _ordering(self, other):
    raise TypeError('program objects (%r) have no order in the judge' % (self,))


class ProgramObject:
    """A handle to an object of the program's process: it never leaves the sandbox, and nothing of it runs
    here. Attribute reads (`h.val`), writes (`h.left = Node(2)`), deletes, calls, len(), iteration, indexing
    and str() are requests answered by the program (data comes back as trusted values, objects as handles,
    methods as ProgramMethod proxies, so `h.method(args)` is one round trip for the method names the handle
    announced). `x in h` iterates h here, comparing each item here: the program's __contains__ is a judgment
    and would see the test's value. `h == other` compares data here (Remote.equal). Hashable by identity;
    one proxy per program object, so `is` works; no order."""
    __slots__ = ('_verpo_remote', '_verpo_id', '_verpo_class', '_verpo_methods')

    def __init__(self, remote, hid, cls, methods):
        object.__setattr__(self, '_verpo_remote', remote)
        object.__setattr__(self, '_verpo_id', hid)
        object.__setattr__(self, '_verpo_class', cls)
        object.__setattr__(self, '_verpo_methods', methods)

    def __getattr__(self, name):
        if name.startswith('_verpo_') or (name.startswith('__') and name.endswith('__')):
            raise AttributeError(name)
        if name in self._verpo_methods:
            return ProgramMethod(self, name)
        return self._verpo_remote.get_attr(self, name)

    def __setattr__(self, name, value):
        if name.startswith('_verpo_'):
            raise AttributeError('%s is read-only' % name)
        self._verpo_forget(name)
        self._verpo_remote.handle_request({'op': 'setattr', 'h': self._verpo_id, 'name': name}, v=value)

    def __delattr__(self, name):
        if name.startswith('_verpo_'):
            raise AttributeError('%s is read-only' % name)
        self._verpo_forget(name)
        self._verpo_remote.handle_request({'op': 'delattr', 'h': self._verpo_id, 'name': name})

    def _verpo_forget(self, name):
        if name in self._verpo_methods:  # the test rebinds a method's name: read it from now on
            object.__setattr__(self, '_verpo_methods', self._verpo_methods - {name})

    def __call__(self, *args, **kwargs):
        return self._verpo_remote.call_object(self, None, args, kwargs)

    def __len__(self):
        return self._verpo_remote.handle_value(self, 'len')

    def __iter__(self):
        return self._verpo_remote.handle_value(self, 'iter')

    def __next__(self):
        return self._verpo_remote.next_item(self)

    def __getitem__(self, key):
        return self._verpo_remote.handle_value(self, 'getitem', k=key)

    def __contains__(self, x):
        for item in self:
            if item is x or item == x:
                return True
        return False

    def __str__(self):
        return self._verpo_remote.handle_value(self, 'str')

    def __repr__(self):
        return '<program object %s #%d>' % (self._verpo_class, self._verpo_id)

    def __eq__(self, other):
        return self._verpo_remote.equal(self, other)

    def __ne__(self, other):
        return not self._verpo_remote.equal(self, other)

    __hash__ = object.__hash__
    __lt__ = __le__ = __gt__ = __ge__ = _ordering

    def __bool__(self):
        return self._verpo_class in ALWAYS_TRUE_CLASSES or _not_judged(self._verpo_class)


class ProgramMethod:
    """`h.name` where that is a method of the program object h: calling it is one request (the method is
    looked up and called there). Its truth value is a program object's (not judged in test code)."""
    __slots__ = ('_verpo_owner', '_verpo_name')

    def __init__(self, owner, name):
        self._verpo_owner = owner
        self._verpo_name = name

    def __call__(self, *args, **kwargs):
        return self._verpo_owner._verpo_remote.call_object(self._verpo_owner, self._verpo_name, args, kwargs)

    @property
    def __name__(self):
        return self._verpo_name

    def __repr__(self):
        return '<program method %s of %r>' % (self._verpo_name, self._verpo_owner)

    def __bool__(self):
        return _not_judged('a method of %s' % self._verpo_owner._verpo_class)


_NO_DATA = object()  # a snapshot node without builtin data
_PROXIES = (CandidateCallable, ProgramObject, ProgramMethod)


class Remote:
    def __init__(self, proto, max_reply):
        self.proto = proto
        self.codec = proto.Codec(bounded=True, resolve=self._resolve)
        self.chan = proto.Channel(CHANNEL_FD, self.codec, max_reply)
        self.next_id = 0
        self.fault = None  # (verdict, detail, extra) once the candidate is at fault; sticky
        self.calls = 0
        self.ran = False  # a request ran program code since `ready` (its names may have changed)
        self.last_call = None
        self.ready_fns = frozenset()  # the program's top-level callables as of `ready`
        self.names = frozenset()  # ... as of its last message (kept for the rollout's next test; None: not known)
        self.handles = {}  # handle id -> its ProgramObject (one per program object)
        self.setup_classes = {}  # id -> class: top-level classes of the setup, whose instances go by value
        self._sent = None  # the test objects sent by value in the current request (k -> object)
        self.replies = []  # this test's replies, the first PROVENANCE_REPLIES (holds_program_value)
        self._busy = False

    def set_fault(self, verdict, detail, **extra):
        if self.fault is None:
            self.fault = (verdict, detail, extra)
        raise CandidateFault(detail)

    def malformed(self, e):
        self.set_fault('WA', 'malformed reply from the program (%s)' % clip(e, 100))

    def recv(self, what):
        try:
            msg = self.chan.recv()
        except self.proto.MessageTooLarge as e:
            self.set_fault('OLE', 'the program sent a %s larger than %d bytes' % (what, e.limit))
        except self.proto.DecodeError as e:
            self.set_fault('WA', 'malformed %s from the program: %s' % (what, clip(e)))
        except OSError as e:
            self.set_fault('RE', 'the program process ended (%s)' % e.strerror, gone=True)
        if msg is None:
            self.set_fault('RE', 'the program process ended before answering', gone=True)
        if type(msg) is not dict:
            self.set_fault('WA', 'malformed %s from the program' % what)
        return msg

    def _resolve(self, tag, d):
        """The decoder's callback for handles and object references in a reply (shapes checked by protocol.py)."""
        if tag == 'handle':
            hid, c = d['v'], d.get('c')
            if c is None:
                raise self.proto.DecodeError('a handle without its class')
            h = self.handles.get(hid)
            if h is None:
                h = ProgramObject(self, hid, c, frozenset(d.get('m') or ()))
                self.handles[hid] = h
            else:
                object.__setattr__(h, '_verpo_class', c)  # (a program may assign __class__)
            return h
        if tag == 'oref':  # one of this request's test objects, sent back (a call's result or write-back)
            k, sent = d.get('v'), self._sent
            if sent is None or type(k) is not int or not 0 <= k < len(sent):
                raise self.proto.DecodeError('an object reference this request did not send')
            return sent[k]
        raise self.proto.DecodeError('unexpected %s in a reply' % tag)

    def note_names(self, msg):
        """A message that lists the program's top-level callables as of now (`ready`, a `hello` reply, or any reply
        after which they differ from the last list the program sent): the latest list, kept for the rollout's next
        test in this process (PROGRAM_NAMES). `false`: they changed, but the list was too long to send."""
        fns = msg.get('fns')
        if type(fns) is list:
            self.names = frozenset(n for n in fns[:READY_NAMES_MAX] if type(n) is str)
        elif fns is False:
            self.names = None

    def wait_ready(self, continued=False, known=None):
        if continued:
            # The program runs already (an earlier test of its rollout started it): its names as of now. The last
            # test of this process left them (`known`) when it ended with a clean channel (every reply read, each
            # with the names when they had changed); else they are asked for.
            if known is None:
                self.note_names(self.request({'op': 'hello'}))
            else:
                self.names = known
            self.ready_fns = self.names or frozenset()
            return
        msg = self.recv('start-up message')
        if msg.get('op') == 'ready':
            self.note_names(msg)
            self.ready_fns = self.names or frozenset()
            return
        if msg.get('op') == 'compile_error' and type(msg.get('message')) is str and msg.get('where') != 'setup':
            # The runner compiled the sources before running any of them (scope rollout, where no separate
            # syntax check ran): CE. A program that sends this itself, from its top level, makes its own run CE.
            # (Never "the setup does not compile": judge() compiled the same setup before this, so that message
            # can only be the program's, and an IE is not a failure: a trainer may mask it. It is WA below.)
            self.set_fault('CE', clip(msg['message'], 8000))
        if msg.get('op') == 'load_error' and type(msg.get('exc')) is dict:
            exc = msg['exc']
            self.set_fault('RE', 'the program raised %s while loading: %s'
                           % (clip(exc.get('type'), 100), clip(exc.get('msg'))), exc=clip(exc.get('type'), 100))
        self.set_fault('WA', 'unexpected start-up message from the program')

    def note_setup(self, ns):
        """After the setup ran: its top-level classes (plain ones: only setup classes and object in their
        MRO), whose instances the test may pass to the program by value."""
        for name, v in list(ns.items()):
            if isinstance(v, type) and v.__qualname__ == name and judge_class(v):
                self.setup_classes[id(v)] = v

    def request(self, msg, may_raise=False, sent=None):
        """Send one request and return its reply. Only replies to requests that run program code (calls and
        operations on program objects; may_raise) may carry a program exception; one in a name lookup's reply
        is a protocol violation, so that a program cannot raise into the test's name resolution."""
        if self.fault is not None:
            raise CandidateFault(self.fault[1])
        if self._busy:  # a judge bug (a proxy used while a reply is decoded): never interleave messages
            raise TestError('the judge made a request inside another')
        self.next_id += 1
        msg['id'] = self.next_id
        data = self.codec.dumps(msg)
        self._busy = True
        self._sent = sent
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[posix.write(CHANNEL_FD, view):]
            except OSError as e:
                self.set_fault('RE', 'the program process ended (%s)' % e.strerror, gone=True)
            reply = self.recv('reply')
        finally:
            self._busy = False
            self._sent = None
        if len(self.replies) < PROVENANCE_REPLIES:
            self.replies.append(reply)  # (what the program sent: holds_program_value)
        self.note_names(reply)
        if reply.get('id') != self.next_id:
            self.set_fault('WA', 'out-of-order reply from the program')
        if reply.get('ok') is not True:
            if may_raise and type(reply.get('exc')) is dict:
                raise rebuild_exception(reply['exc'])
            if type(reply.get('unser')) is str:
                self.set_fault('WA', 'the program produced a value that cannot be judged: %s' % clip(reply['unser']))
            self.set_fault('WA', 'protocol violation by the program')
        return reply

    def encode_into(self, msg, **values):
        """Adds each value to msg, encoded. References: a program function by name, a program object by its
        handle, a method of one; an instance of a setup class by value, as one onode entry per object in
        msg["objs"] (a flat list, so a linked list of any length stays a few levels deep). Returns the objects
        sent by value, in oref order."""
        proto = self.proto
        sent, index = [], {}
        classes = self.setup_classes

        def ref_of(v):
            t = type(v)
            if t is CandidateCallable:
                return {'t': 'ref', 'v': v._name}
            if t is ProgramObject:
                if v._verpo_remote is not self:
                    raise proto.EncodeError('a program object of another test')
                return {'t': 'handle', 'v': v._verpo_id}
            if t is ProgramMethod:
                return {'t': 'mref', 'v': v._verpo_owner._verpo_id, 'n': v._verpo_name}
            if id(t) in classes:
                k = index.get(id(v))
                if k is None:
                    k = index[id(v)] = len(sent)
                    sent.append(v)
                return {'t': 'oref', 'v': k, 'c': t.__qualname__}
            return None

        try:
            for key, value in values.items():
                msg[key] = proto.encode_value(value, ref_of=ref_of)
            objs = []
            while len(objs) < len(sent):
                o = sent[len(objs)]
                objs.append({'t': 'onode', 'v': len(objs), 'c': type(o).__qualname__,
                             'd': [[n, proto.encode_value(x, ref_of=ref_of)] for n, x in proto.instance_attrs(o)]})
        except proto.EncodeError as e:
            if self.holds_program_value(values, sent):
                # the program's own value (returned, written back, raised) made it unsendable: its fault, never
                # the test's IE, which a trainer may mask (a value nested at the wire's limit, passed back inside
                # the test's call, is one level deeper)
                self.set_fault('WA', 'the test passes back a value of the program\'s that cannot be sent to it: %s' % clip(e))
            detail = 'the test passes an argument that cannot be sent to the program: %s' % clip(e)
            if self.fault is None:
                self.fault = ('IE', detail, {})
            raise TestError(detail) from None
        if objs:
            msg['objs'] = objs
        return sent

    def holds_program_value(self, values, sent):
        """Whether an argument that cannot be sent holds a container of one of this test's replies (the error path
        only: both walks are bounded by node counts and read types only)."""
        setup_classes = tuple(self.setup_classes.values())

        def children(x):
            items = _containers_in(x)
            if items is None and setup_classes and type(x) in setup_classes:
                items = [v for _, v in self.proto.instance_attrs(x)]
            return items

        def containers(roots):
            """The containers reachable from roots, each once (bounded by PROVENANCE_NODES nodes visited)."""
            seen, stack, budget = set(), list(roots), PROVENANCE_NODES
            while stack and budget > 0:
                x = stack.pop()
                budget -= 1
                items = children(x)
                if items is not None and id(x) not in seen:
                    seen.add(id(x))
                    stack.extend(items)
                    yield x, items

        # (empty ones left out: (), frozenset() and the like are shared singletons, and nothing in them is deep)
        mine = {id(x) for x, items in containers(self.replies) if items}
        return any(id(x) in mine for x, _ in containers(list(values.values()) + list(sent)))

    def call(self, name, args, kwargs):
        return self.call_request({'op': 'call', 'name': name}, name, args, kwargs)

    def call_object(self, h, method, args, kwargs):
        """A call of a program object (a function or class the program returned), or of one of its methods."""
        if method is None:
            msg, label = {'op': 'callh', 'h': h._verpo_id}, '<%s>' % h._verpo_class
        else:
            msg, label = {'op': 'callattr', 'h': h._verpo_id, 'name': method}, '%s.%s' % (h._verpo_class, method)
        return self.call_request(msg, label, args, kwargs)

    def call_request(self, msg, label, args, kwargs):
        self.calls += 1
        self.ran = True
        self.last_call = (label, None)
        sent = self.encode_into(msg, args=list(args), kwargs=dict(kwargs))
        reply = self.request(msg, may_raise=True, sent=sent)
        # Everything below reads program-controlled data. A malformed reply must become a sticky fault,
        # never an ordinary exception that test code could catch (`except ValueError:`) and pass on.
        try:
            value = reply.get('v')
            mut, kmut, omut = reply.get('mut') or [], reply.get('kmut') or [], reply.get('omut') or []
            if type(mut) is not list or type(kmut) is not list or type(omut) is not list:
                raise TypeError('bad mutation list')
            for item in mut:
                i, new = item
                if type(i) is int and 0 <= i < len(args):
                    write_back(args[i], new)
            for item in kmut:
                k, new = item
                if type(k) is str and k in kwargs:
                    write_back(kwargs[k], new)
            for item in omut:
                k, pairs = item
                if type(k) is not int or not 0 <= k < len(sent):
                    raise TypeError('bad object write-back')
                restore_attrs(sent[k], pairs)
        except Exception as e:
            self.malformed(e)
        self.last_call = (label, value)
        return value

    def handle_request(self, msg, **values):
        """An operation on a program object (it runs program code there, so it may raise the program's
        exception); values are encoded as arguments are."""
        self.ran = True
        sent = self.encode_into(msg, **values) if values else None
        return self.request(msg, may_raise=True, sent=sent)

    def get_attr(self, h, name):
        reply = self.handle_request({'op': 'getattr', 'h': h._verpo_id, 'name': name})
        kind = reply.get('kind')
        if kind == 'method':
            return ProgramMethod(h, name)
        if kind != 'value':
            self.malformed('bad attribute reply')
        return reply.get('v')

    def handle_value(self, h, op, **values):
        """len / iter / getitem / str of a program object, each checked for the type Python requires."""
        value = self.handle_request({'op': op, 'h': h._verpo_id}, **values).get('v')
        if op == 'len' and not (type(value) is int and 0 <= value <= sys.maxsize):
            self.malformed('len() that is not a size')
        if op == 'iter' and type(value) is not ProgramObject:
            self.malformed('iter() that is not an iterator')
        if op == 'str' and type(value) is not str:
            self.malformed('str() that is not a str')
        return value

    def next_item(self, h):
        """The next item of a program iterator. Its end (the program's StopIteration, here and only here)
        ends the iteration in the test; any other exception of the program is an error of the call."""
        reply = self.handle_request({'op': 'next', 'h': h._verpo_id})
        if reply.get('stop') is True:
            raise StopIteration
        return reply.get('v')

    def snapshot(self, roots):
        """hid -> (class name, {attr: value} or None for an opaque object, builtin data or _NO_DATA) for every
        object reachable from the roots, in one request. More than SNAPSHOT_NODES objects, a duplicate, a
        missing root: malformed."""
        reply = self.handle_request({'op': 'snap', 'hs': [h._verpo_id for h in roots]})
        try:
            nodes = reply.get('nodes')
            if type(nodes) is not list or len(nodes) > self.proto.SNAPSHOT_NODES:
                raise ValueError('a snapshot of more than %d objects' % self.proto.SNAPSHOT_NODES)
            snap = {}
            for node in nodes:
                if type(node) is not list or not 1 <= len(node) <= 3 or type(node[0]) is not ProgramObject:
                    raise ValueError('bad snapshot node')
                h = node[0]
                attrs = None
                if len(node) > 1:
                    if type(node[1]) is not list:
                        raise ValueError('bad snapshot attributes')
                    attrs = {}
                    for pair in node[1]:
                        if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str or pair[0] in attrs:
                            raise ValueError('bad snapshot attribute')
                        attrs[pair[0]] = pair[1]
                if h._verpo_id in snap:
                    raise ValueError('an object twice in a snapshot')
                snap[h._verpo_id] = (h._verpo_class, attrs, node[2] if len(node) == 3 else _NO_DATA)
            for h in roots:
                if h._verpo_id not in snap:
                    raise ValueError('a snapshot without its object')
        except Exception as e:
            self.malformed(e)
        return snap

    def equal(self, a, b):
        """a == b for a program object a: compared here, on the data of both (never the program's __eq__).
        Program objects are equal when their classes have the same name and their instance attributes (and
        builtin data, for a subclass of a builtin) are equal, recursively; a program object of a C type (a
        function, a generator, an re.Match) only to itself. A setup or test class's instance compares the same
        way (its attributes against the program object's); anything else is not equal."""
        if a is b:
            return True
        if type(b) is not ProgramObject and not judge_class(type(b)):
            return False
        roots = program_objects_in(a, b)
        snap = self.snapshot(roots)
        return graphs_equal(a, b, snap, self)

    def resolve(self, name):
        """A program-defined top-level name -> proxy, trusted module, or decoded value; KeyError if absent.
        A name `ready` listed as callable needs no round trip until program code runs (which may rebind it)."""
        if not self.ran and name in self.ready_fns and self.fault is None:
            return CandidateCallable(self, name), True
        reply = self.request({'op': 'get', 'name': name})
        kind = reply.get('kind')
        if kind == 'callable':
            return CandidateCallable(self, name), True
        if kind == 'value':
            return reply.get('v'), False
        if kind == 'module':
            try:
                return import_for_test(reply.get('v')), True
            except Exception:  # unknown, refused or broken module name: the name is just not available
                raise KeyError(name) from None
        raise KeyError(name)


_JUDGE_CLASSES = {}


PROVENANCE_REPLIES = 4096  # replies a test keeps for holds_program_value
PROVENANCE_NODES = 1 << 20  # nodes each of its walks visits at most


def _containers_in(x):
    """The items of a container (keys and values of a dict), by its type alone; None for anything else (a program
    object's proxy among them: nothing of it is asked)."""
    t = type(x)
    if issubclass(t, dict):
        return list(dict.keys(x)) + list(dict.values(x))
    if issubclass(t, (list, tuple, set, frozenset)) or (t.__name__ == 'deque' and t.__module__ == 'collections'):
        return list(x)
    return None


def judge_class(cls):
    """A plain class of the setup or test code (only such classes and object in its MRO): its instances are
    compared with program objects structurally, and a setup one's instances travel to the program by value."""
    entry = _JUDGE_CLASSES.get(id(cls))
    if entry is None or entry[0] is not cls:
        try:
            known = (getattr(cls, '__module__', None) == TEST_MODULE
                     and all(c is object or c.__module__ == TEST_MODULE for c in cls.__mro__))
        except Exception:
            known = False
        if len(_JUDGE_CLASSES) > 4096:
            _JUDGE_CLASSES.clear()
        entry = _JUDGE_CLASSES[id(cls)] = (cls, known)  # (the class is kept: its id is not reused meanwhile)
    return entry[1]


def _children(x):
    """The values inside a trusted container (for the walks below), or None for a leaf."""
    if isinstance(x, dict):
        return [v for kv in x.items() for v in kv]
    if isinstance(x, (list, tuple, set, frozenset)):
        return x
    col = sys.modules.get('collections')
    if col is not None and isinstance(x, col.deque):
        return x
    if judge_class(type(x)):
        return [v for _, v in instance_attrs_of(x)]
    return None


def instance_attrs_of(x):
    return _PROTO.instance_attrs(x)


def program_objects_in(*values):
    """The program objects reachable from judge-side values (through containers and setup objects), without
    recursion: the roots of one snapshot."""
    found, seen, stack = [], set(), list(values)
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if type(x) is ProgramObject:
            found.append(x)
            continue
        kids = _children(x)
        if kids is not None:
            stack.extend(kids)
    return found


def graphs_equal(a, b, snap, remote):
    """Structural equality of two judge-side values whose program objects are in snap. Iterative, with a memo
    of the pairs of objects met, so cycles end (a pair met again is taken as equal, as for any coinductive
    equality) and a 10,000-node list needs no deep recursion."""
    def view(x):
        t = type(x)
        if t is ProgramObject:
            node = snap.get(x._verpo_id)
            if node is None:
                remote.malformed('a snapshot without a reachable object')
            return node
        if judge_class(t):
            return ('solution.' + t.__qualname__, dict(instance_attrs_of(x)), _NO_DATA)
        return None

    memo = set()
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y:
            continue
        vx, vy = view(x), view(y)
        if vx is not None or vy is not None:
            if vx is None or vy is None:
                return False
            key = (id(x), id(y))
            if key in memo:
                continue
            memo.add(key)
            (cx, ax, dx), (cy, ay, dy) = vx, vy
            if cx != cy or ax is None or ay is None or ax.keys() != ay.keys() or (dx is _NO_DATA) != (dy is _NO_DATA):
                return False
            if dx is not _NO_DATA:
                stack.append((dx, dy))
            stack.extend((ax[k], ay[k]) for k in ax)
            continue
        tx, ty = type(x), type(y)
        if (tx is list and ty is list) or (tx is tuple and ty is tuple):
            if len(x) != len(y):
                return False
            key = (id(x), id(y))
            if key not in memo:
                memo.add(key)
                stack.extend(zip(x, y))
        elif tx is dict and ty is dict:
            if x.keys() != y.keys():
                return False
            key = (id(x), id(y))
            if key not in memo:
                memo.add(key)
                stack.extend((x[k], y[k]) for k in x)
        elif not (x == y):  # trusted leaves (and containers of other types: their own equality)
            return False
    return True


_MISSING = object()


def restore_attrs(orig, pairs):
    """A test object sent by value, after the program changed its copy: the same attributes as the copy now
    has (values may be the test's other objects, data, or program objects). Containers are updated in place,
    as arguments are, so a test's reference to one sees the change."""
    if type(pairs) is not list:
        raise TypeError('bad object write-back')
    new = {}
    for pair in pairs:
        name, value = pair
        if type(name) is not str or (name.startswith('__') and name.endswith('__')) or name in new:
            raise TypeError('bad attribute name in a write-back')
        new[name] = value
    current = dict(instance_attrs_of(orig))
    for name in current:
        if name not in new:
            object.__delattr__(orig, name)
    for name, value in new.items():
        old = current.get(name, _MISSING)
        if type(old) is type(value) and type(old) in (list, dict, set, bytearray):
            write_back(old, value)
        else:
            object.__setattr__(orig, name, value)


def write_back(orig, new):
    """Make an argument's in-place mutation by the program visible to the test (top level only).
    Both sides are trusted types here (new was built by our decoder), so these operations cannot fail."""
    t = type(orig)
    if t is not type(new):
        return
    if t is list or t is bytearray:
        orig[:] = new
    elif t is dict or t is set:
        orig.clear()
        orig.update(new)


def import_for_test(name):
    if type(name) is not str or not name:
        raise KeyError(name)
    top = name.partition('.')[0]
    if top not in getattr(sys, 'stdlib_module_names', ()) or top in _NO_IMPORT:
        raise KeyError(name)
    import importlib
    return importlib.import_module(name)


def rebuild_exception(info):
    """The candidate's exception as the nearest builtin class, so `except ValueError:` in a test works."""
    mro = info.get('mro') if type(info.get('mro')) is list else []
    msg = clip(info.get('msg'), 2000)
    exc = None
    for n in mro:
        cls = getattr(builtins, n, None) if type(n) is str else None
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            continue
        if issubclass(cls, _NOT_REBUILT):
            exc = CandidateControlFlowError('%s: %s' % (cls.__name__, msg) if msg else cls.__name__)
            break
        try:
            exc = cls(msg)
            break
        except Exception:
            continue  # e.g. UnicodeDecodeError needs five arguments: fall back to its base
    if exc is None:
        exc = CandidateError(msg)
    exc.verpo_candidate = clip(info.get('type'), 100)
    return exc


class TestNamespace(dict):
    """Test globals: on a miss, builtins first, then the program's top-level names (via the runner)."""

    def __init__(self, remote):
        super().__init__()
        self._remote = remote

    def __missing__(self, name):
        if hasattr(builtins, name) or name.startswith('__'):
            raise KeyError(name)
        value, cacheable = self._remote.resolve(name)
        if cacheable:
            self[name] = value
        return value


def test_line(tb, code):
    """The line of test code where an exception left it, for the detail."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == '<test>':
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None:
        return ''
    lines = code.splitlines()
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ''
    return ' at test line %d: %s' % (line, clip(text, 200))


def describe_last_call(remote):
    if remote.last_call is None:
        return ''
    name, value = remote.last_call
    try:
        return '; last call %s(...) returned %s' % (name, brief(value, 200))
    except Exception:
        return ''


class _Full(Exception):
    pass


BRIEF_INT_BITS = 4096  # a larger int is described by its size: its decimal repr costs quadratic time


def brief(v, n=TEXT_CAP):
    """repr(v) cut to about n characters, built without ever making more than that: a reply may be 16 MiB,
    or hold an int whose decimal form alone would cost the judge seconds. Values here are trusted types
    (our decoder's, or the test's own)."""
    out = []
    left = [n]

    def put(text):
        if len(text) > left[0]:
            text = text[:left[0]]
        out.append(text)
        left[0] -= len(text)
        if left[0] <= 0:
            raise _Full()

    def items(opening, xs, closing, depth, pairs=False):
        put(opening)
        first = True
        for x in xs:
            if not first:
                put(', ')
            first = False
            if pairs:
                walk(x[0], depth + 1)
                put(': ')
                walk(x[1], depth + 1)
            else:
                walk(x, depth + 1)
        put(closing)

    def walk(x, depth):
        t = type(x)
        if depth > 20:
            put('...')
        elif t is int:
            put(repr(x) if x.bit_length() <= BRIEF_INT_BITS else '<int of %d bits>' % x.bit_length())
        elif t is str or t is bytes or t is bytearray:
            put(repr(x[:n]))
        elif t is list:
            items('[', x, ']', depth)
        elif isinstance(x, tuple):
            items(('(' if t is tuple else t.__name__ + '('), x, ',)' if t is tuple and len(x) == 1 else ')', depth)
        elif t is set or t is frozenset:
            if not x:
                put('%s()' % t.__name__)
            else:
                items('{' if t is set else 'frozenset({', x, '}' if t is set else '})', depth)
        elif isinstance(x, dict):
            items('{' if t is dict else t.__name__ + '({', x.items(), '}' if t is dict else '})', depth, pairs=True)
        elif t.__name__ == 'deque':
            items('deque([', x, '])', depth)
        else:
            put(repr(x))

    try:
        walk(v, 0)
    except _Full:
        return ''.join(out) + '...'
    except Exception:
        return '<%s>' % type(v).__name__
    return ''.join(out)


# --- comparison of a `call` test's return value with the expected JSON value ----------------------

def compare(got, exp, tol, path='result'):
    """None when equal; otherwise a description of the first mismatch.
    Rules: JSON null = None; true/false only bool; a JSON number matches an int or float (not bool)
    numerically (JSON cannot tell 1 from 1.0), with abs/rel tolerance when given, else exactly;
    a string only str; an array a list or tuple of equal length, element-wise; an object a dict
    whose keys are exactly the same strings."""
    te = type(exp)
    tg = type(got)
    if exp is None:
        return None if got is None else '%s: expected None, got %s' % (path, short(got))
    if te is bool:
        return None if tg is bool and got == exp else '%s: expected %s, got %s' % (path, exp, short(got))
    if te is int or te is float:
        if tg is not int and tg is not float:
            return '%s: expected the number %s, got %s' % (path, exp, short(got))
        if got == exp:
            return None
        if tol is not None:
            import math
            if math.isfinite(got) and abs(got - exp) <= max(tol[0], tol[1] * abs(exp)):
                return None
        return '%s: expected %s, got %s' % (path, brief(exp, 120), brief(got, 120))
    if te is str:
        return None if tg is str and got == exp else '%s: expected %s, got %s' % (path, short(exp), short(got))
    if te is list:
        if tg is not list and tg is not tuple:
            return '%s: expected a list, got %s' % (path, short(got))
        if len(got) != len(exp):
            return '%s: expected %d elements, got %d' % (path, len(exp), len(got))
        for i, (g, e) in enumerate(zip(got, exp)):
            d = compare(g, e, tol, '%s[%d]' % (path, i))
            if d is not None:
                return d
        return None
    if te is dict:
        if not isinstance(got, dict):
            return '%s: expected a dict, got %s' % (path, short(got))
        if set(got.keys()) != set(exp.keys()):
            return '%s: expected keys %s, got %s' % (path, short(sorted(exp)), short(list(got.keys())))
        for k in exp:
            d = compare(got[k], exp[k], tol, '%s[%r]' % (path, k))
            if d is not None:
                return d
        return None
    return '%s: unsupported expected value' % path


def short(v):
    try:
        return '%s %s' % (type(v).__name__, brief(v, 120))
    except Exception:
        return type(v).__name__


# --- one test -----------------------------------------------------------------------------------

_PROTO = None  # the protocol module (instance_attrs), set per test


# A rollout's process -> its top-level callables when its last test ended with a clean channel (one entry: a slot
# runs one rollout at a time; the supervisor numbers its processes and says which one a test continues).
PROGRAM_NAMES = {}


def judge(spec, proto, continued=False, process=None):
    global _PROTO
    _PROTO = proto
    known = PROGRAM_NAMES.pop(process, None) if continued and process is not None else None
    PROGRAM_NAMES.clear()  # (only this test's process may continue after it)
    kind = spec.get('kind')
    remote = Remote(proto, int(spec.get('maxReplyBytes') or DEFAULT_MAX_REPLY))
    ns = TestNamespace(remote)
    ns['__name__'] = TEST_MODULE
    ns['__builtins__'] = builtins
    setup = spec.get('setup')
    try:
        compiled_setup = compile_cached(setup, '<setup>') if setup else None
    except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError) as e:
        return {'verdict': 'IE', 'detail': 'setup code does not compile: %s' % clip(setup_compile_message(e), 2000)}
    try:
        code = spec.get('code') or ''
        compiled = compile_cached(code, '<test>') if kind == 'assert' else None
    except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError) as e:
        return {'verdict': 'IE', 'detail': 'test code does not compile: %s' % clip(e)}
    verdict = detail = exc_type = None
    try:
        if compiled_setup is not None:
            try:
                exec(compiled_setup, ns)
            except Exception as e:
                return {'verdict': 'IE', 'detail': 'setup code raised %s: %s' % (type(e).__name__, clip(e))}
            remote.note_setup(ns)
        remote.wait_ready(continued, known)
        if kind == 'assert':
            exec(compiled, ns)
        else:
            try:
                fn = remote.resolve(spec['fn'])[0]
            except KeyError:
                fn = None
            if type(fn) is not CandidateCallable:
                return finish(remote, 'WA', 'the program does not define a function %r' % spec['fn'])
            tol = spec.get('tolerance')
            tol = (float(tol.get('abs', 0)), float(tol.get('rel', 0))) if tol else None
            got = fn(*spec.get('args', []), **(spec.get('kwargs') or {}))
            mismatch = compare(got, spec.get('expected'), tol)
            if mismatch is not None:
                verdict, detail = 'WA', mismatch
        if verdict is None:
            verdict = 'AC'
    except CandidateFault:
        pass  # remote.fault holds the verdict
    except TestError as e:
        verdict, detail = 'IE', str(e)
    except BaseException as e:
        verdict, detail, exc_type = outcome_of_exception(e, code, remote)
    out = finish(remote, verdict, detail, exc_type)
    if process is not None and out.get('keep') and remote.names is not None:
        PROGRAM_NAMES[process] = remote.names
    return out


def setup_compile_message(e):
    """Setup code's compile error as the syntax check words it (runner.py format_compile_error, the file named as
    the program's process names it): the same IE detail in either scope."""
    if not isinstance(e, SyntaxError):
        return '%s: %s' % (type(e).__name__, e)
    text = (e.text or '').strip()
    return '%s: %s (setup.py, line %s)%s' % (type(e).__name__, e.msg, e.lineno, '\n    ' + text if text else '')


_CODE_CACHE = {}  # (filename, text) -> code, least recently used first
_CODE_CACHE_TEXT = [0]  # the total length of the texts in it


def compile_cached(text, filename):
    """Test and setup code compiled once per text: a warm judge sees the same tests for every rollout of a
    problem. Code objects are immutable and each test execs into a fresh namespace. Least recently used out first
    (a step's problems come back in the next step less often than a problem's rollouts within one)."""
    key = (filename, text)
    code = _CODE_CACHE.pop(key, None)
    if code is None:
        code = compile(text, filename, 'exec', dont_inherit=True)
        if len(text) > CODE_CACHE_MAX_TEXT:
            return code
        _CODE_CACHE_TEXT[0] += len(text)
        while _CODE_CACHE and (len(_CODE_CACHE) >= CODE_CACHE_ENTRIES or _CODE_CACHE_TEXT[0] > CODE_CACHE_TEXT_BYTES):
            oldest = next(iter(_CODE_CACHE))
            del _CODE_CACHE[oldest]
            _CODE_CACHE_TEXT[0] -= len(oldest[1])
    _CODE_CACHE[key] = code
    return code


def outcome_of_exception(e, code, remote):
    origin = getattr(e, 'verpo_candidate', None)
    where = test_line(e.__traceback__, code)
    if origin is not None:
        return 'RE', 'the program raised %s: %s%s' % (origin, clip(e), where), origin
    if isinstance(e, AssertionError):
        msg = (': %s' % clip(e)) if str(e) else ''
        return 'WA', 'assertion failed%s%s%s' % (where, msg, describe_last_call(remote)), None
    return 'WA', 'the test raised %s: %s%s%s' % (type(e).__name__, clip(e), where, describe_last_call(remote)), None


def finish(remote, verdict, detail, exc_type=None):
    out = {'verdict': verdict, 'detail': detail, 'calls': remote.calls}
    if remote.fault is not None:
        # a recorded fault overrides everything: a test cannot succeed past it by catching it
        fv, fd, extra = remote.fault
        out['verdict'], out['detail'] = fv, fd
        out.update(extra)
    elif verdict is None:
        out['verdict'], out['detail'] = 'IE', 'judge ended without a verdict'
    if exc_type is not None:
        out['exc'] = exc_type
    if remote.fault is None and out['verdict'] in ('AC', 'WA', 'RE'):
        # Every request was answered and nothing of the program's was at fault: the channel is clean, and the
        # supervisor may run the rollout's next test in the same process. Last key (zygote_run.cpp reads it).
        out['keep'] = True
    return out


_SPEC_CODEC = [None, None]  # (protocol module, its plain decoder of test specs)


def judge_bytes(data, proto, continued=False, process=None):
    """One test spec (JSON bytes) -> the verdict dict; never raises."""
    try:
        if _SPEC_CODEC[0] is not proto:  # (plain JSON keeps no state between messages: one decoder serves them all)
            _SPEC_CODEC[:] = [proto, proto.Codec(plain=True)]
        spec = _SPEC_CODEC[1].loads(data)
        if type(spec) is not dict or spec.get('kind') not in ('assert', 'call', 'pairs'):
            raise ValueError('bad test spec')
        if spec['kind'] == 'pairs':
            return judge_pairs(spec, proto)
        return judge(spec, proto, continued, process)
    except BaseException as e:  # a bug here must never look like a verdict about the program
        import traceback
        return {'verdict': 'IE', 'detail': 'judge failure: %s' % clip(''.join(
            traceback.format_exception(type(e), e, e.__traceback__)), 2000)}


PAIR_VERDICTS = ('AC', 'WA', 'RE', 'OLE', 'IE', 'CE', 'TLE', 'SKIPPED')
PAIR_ARCS_MAX = 200000  # per test
PAIR_TOTAL_BYTES = 256 << 20


def judge_pairs(spec, proto):
    """Model-written tests ran beside the program inside the sandbox (runner.py run_pairs): this judge runs no
    test code. It reads the test-side template's report of each test (the test's own outcome, its CPU, and when
    traced the arcs of the program's lines) and hands them on, checked; `complete` says every test reported."""
    n = int(spec.get('tests') or 0)
    chan = proto.Channel(CHANNEL_FD, proto.Codec(bounded=True), int(spec.get('maxReplyBytes') or DEFAULT_MAX_REPLY))
    # stopAfterFailure: SKIPPED is a true report only for a test after a failure of its own group
    stop = spec.get('stop') is True
    group_of = {}
    for g, members in enumerate(spec.get('groups') or []):
        for k in members:
            group_of[k] = g
    failed = set()
    tests, total, why = [], 0, None
    while len(tests) < n:
        try:
            msg = chan.recv()
        except (proto.MessageTooLarge, proto.DecodeError, OSError) as e:
            why = 'report unreadable: %s' % clip(e)
            break
        if msg is None:
            why = 'the sandbox ended before every test reported'
            break
        if type(msg) is not dict:
            why = 'malformed report'
            break
        if msg.get('op') == 'end':
            why = clip(msg.get('why') or 'ended early')
            break
        if msg.get('op') != 'test' or msg.get('k') != len(tests) or msg.get('verdict') not in PAIR_VERDICTS:
            why = 'malformed report'
            break
        g = group_of.get(len(tests), -1 - len(tests))
        if (msg['verdict'] == 'SKIPPED') != (stop and g in failed):
            why = 'malformed report (a test skipped without an earlier failure of its group, or run after one)'
            break
        if msg['verdict'] != 'AC':
            failed.add(g)
        out = {'verdict': msg['verdict']}
        for key, kind in (('detail', str), ('exc', str), ('limit', str), ('cpu_ms', int), ('wall_ms', int)):
            if type(msg.get(key)) is kind:
                out[key] = clip(msg[key], 2000) if kind is str else max(0, msg[key])
        arcs = msg.get('arcs')
        if arcs is not None:
            if type(arcs) is not list or len(arcs) % 2 or len(arcs) > 2 * PAIR_ARCS_MAX or not all(type(x) is int for x in arcs):
                why = 'malformed coverage'
                break
            total += 8 * len(arcs)
            out['arcs'] = arcs  # flat: line, next line, ... (-1: a frame's entry or exit)
        if total > PAIR_TOTAL_BYTES:
            why = 'coverage too large'
            break
        tests.append(out)
    result = {'verdict': 'AC', 'tests': tests, 'complete': len(tests) == n}
    if why is not None and len(tests) < n:
        result['detail'] = why
    return result


def main():
    harden()
    if hasattr(sys, 'set_int_max_str_digits'):
        sys.set_int_max_str_digits(0)  # as in the runner: big results can be printed and compared
    verdict_fd = posix.dup(1)
    posix.dup2(2, 1)  # anything the test code prints goes to stderr: stdout carries only the verdict
    proto = load_protocol()
    codec = proto.Codec()
    result = judge_bytes(sys.stdin.buffer.read(), proto)
    try:
        posix.close(CHANNEL_FD)  # the runner reads end-of-file and exits
    except OSError:
        pass
    posix.write(verdict_fd, codec.dumps(result))
    sys.stdout.flush()
    posix._exit(0)


CONTROL_FD = 0


def serve_forever():
    """The warm judge (one per supervisor slot, zygote mode): tests one after another on a private stream
    socket (fd 0) from the supervisor. Each request is `<n>\\n` + n bytes of test JSON, sent with the test's
    channel socket attached (SCM_RIGHTS), which becomes fd 3 for that test only (`<n> f<k>\\n` / `<n> c<k>\\n`:
    the test runs in process k of a rollout, new / running already: an earlier test of its rollout started it); the
    reply is the verdict line. Every test gets a fresh namespace (judge() builds one) and its own setup run; nothing
    of a test survives into the next but imported trusted modules and, for the next test of the same process, the
    program's names as it last sent them (PROGRAM_NAMES). It never runs candidate code, and is not dumpable."""
    import socket
    harden()
    import importlib
    for name in _PRELOADED:  # resolved now, before any program runs (the judge lives across programs)
        importlib.import_module(name)
    if hasattr(sys, 'set_int_max_str_digits'):
        sys.set_int_max_str_digits(0)
    posix.dup2(2, 1)  # test code's prints: never on the control socket
    proto = load_protocol()
    codec = proto.Codec()
    ctl = socket.socket(fileno=CONTROL_FD)
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(ctl, 1 << 16, 4)
        except OSError:
            posix._exit(0)
        if not data:
            posix._exit(0)  # the supervisor closed the socket
        nl = data.find(b'\n')
        head = data[:nl].split()
        # `<n> c<k>`: the test runs in process k of a rollout, which runs already; `<n> f<k>`: k is new
        tag = head[1] if len(head) > 1 else b''
        want, continued = int(head[0]), tag[:1] == b'c'
        process = int(tag[1:]) if tag[1:].isdigit() else None
        parts, have = [data[nl + 1:]], len(data) - nl - 1
        while have < want:
            chunk = ctl.recv(min(want - have, 1 << 20))
            if not chunk:
                posix._exit(0)
            parts.append(chunk)
            have += len(chunk)
        for i, fd in enumerate(fds):
            if i == 0 and fd != CHANNEL_FD:
                posix.dup2(fd, CHANNEL_FD)
            if fd != CHANNEL_FD:  # (it arrives as fd 3 itself when that is the lowest free one)
                posix.close(fd)
        result = judge_bytes(b''.join(parts), proto, continued, process)
        try:
            posix.close(CHANNEL_FD)  # the runner reads end-of-file and exits (unless the supervisor keeps it: a rollout)
        except OSError:
            pass
        ctl.sendall(codec.dumps(result))


if __name__ == '__main__':
    if globals().get('VERPO_JUDGE_SERVER'):
        serve_forever()
    else:
        main()
