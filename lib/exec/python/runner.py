"""verpo runner: the UNTRUSTED side. It runs inside the sandbox and executes the candidate program.

Everything in this process is under the candidate's control once the program starts, so nothing here
is secret and nothing here decides a verdict: it holds no expected value and no test code.

The executor starts it from precompiled code (verpo_runner.bin: marshalled (runner, protocol) code
objects, made once per Executor by the same interpreter; see lib/exec/interpreter.ts), which saves
compiling ~500 lines of source on every start. Run from source it behaves the same.

Usage (cwd = the private workdir holding solution.py, optional setup.py, and verpo_protocol.py):
    python -I -S verpo_runner.py compile   check syntax only (never executes): one JSON line on stdout,
                                           then the compiled code (marshal) when it compiles
    python -I -S verpo_runner.py stdio     run setup + program as __main__ with the test's stdin
    python -I -S verpo_runner.py serve     load setup + program as module 'solution' (so its
                                           `if __name__ == "__main__":` block does not run), then
                                           answer the judge's requests on fd 3 until it closes
The functions below are separate so that a pre-forked interpreter (zygote) can reuse them.
"""

import posix
import sys

import _sitebuiltins  # exit() / quit(), which `site` would define (the candidate runs with -S)

CHANNEL_FD = 3
MAX_MESSAGE = 64 << 20  # requests from the trusted judge; generous, the judge caps its own sends
PROGRAM_FILE = 'solution.py'
SETUP_FILE = 'setup.py'
CODE_FILE = 'solution.code'  # marshal((setup code or None, program code)) from compile_check
MAX_CODE_BYTES = 512 * 1024
EXC_TEXT_CAP = 2000
READY_NAMES_MAX = 256  # top-level callables announced with `ready` (more are still found with `get`)


def here():
    f = globals().get('__file__') or sys.argv[0]
    d = f.rpartition('/')[0]
    return d or '.'


_PROTOCOL = None


def load_protocol(directory):
    """The protocol module: from PROTOCOL_CODE when the executor's bootstrap passed precompiled code,
    else verpo_protocol.py by path (no sys.path change, no importlib.util: a few ms of start-up)."""
    global _PROTOCOL
    if _PROTOCOL is not None:
        return _PROTOCOL  # a zygote fork: loaded once, before the fork
    mod = type(sys)('verpo_protocol')
    code = globals().get('PROTOCOL_CODE')
    if code is None:
        path = directory + '/verpo_protocol.py'
        mod.__file__ = path
        with open(path, 'rb') as f:
            code = compile(f.read(), path, 'exec')
    exec(code, mod.__dict__)
    _PROTOCOL = mod
    return mod


# name -> bytes: the sources a zygote fork got in its request (zygote.py), read instead of the workdir.
INLINE_FILES = {}


def read_source(name, required):
    if name in INLINE_FILES:
        return INLINE_FILES[name]
    try:
        with open(name, 'rb') as f:
            return f.read()
    except FileNotFoundError:
        if required:
            raise
        return None


def compile_check():
    """Compile setup and program without running them; print {"ok": ...} as one JSON line. When they
    compile, the line names the length of marshal((setup code or None, program code)), which follows it:
    the executor hands that to each test (CODE_FILE), so a program is compiled once, not once per test."""
    result = {'ok': True}
    try:
        codes = compile_sources()
    except CompileFailed as e:
        result = {'ok': False, 'where': e.where, 'message': e.message}
        if e.line is not None:
            result['line'] = e.line
    blob = b''
    if result['ok']:
        import marshal
        try:
            blob = marshal.dumps(tuple(codes))
        except ValueError:
            blob = b''
        if len(blob) > MAX_CODE_BYTES:
            blob = b''  # the tests compile from source
        if blob:
            result['marshal'] = len(blob)
    codec = prepare_serve()[1].codec
    data = memoryview(codec.dumps(result) + blob)
    while data:
        data = data[posix.write(1, data):]


def format_compile_error(e):
    if isinstance(e, SyntaxError):
        text = (e.text or '').rstrip('\n')
        msg = '%s: %s (%s, line %s)' % (type(e).__name__, e.msg, e.filename, e.lineno)
        if text.strip():
            msg += '\n    ' + text.strip()
        return msg
    return '%s: %s' % (type(e).__name__, e)


def prepare_interpreter():
    # Interpreter fidelity (executor-anchors §2.3 item 17): big ints print, argv looks like a script run,
    # exit()/quit() exist as under `site`, and the program's directory is first on sys.path, as for
    # `python solution.py` (the trusted zygote this process may be forked from removed it from its own).
    if hasattr(sys, 'set_int_max_str_digits'):
        sys.set_int_max_str_digits(0)
    sys.argv = [PROGRAM_FILE]
    import builtins
    if not hasattr(builtins, 'exit'):
        builtins.exit = _sitebuiltins.Quitter('exit', 'Ctrl-D (i.e. EOF)')
        builtins.quit = _sitebuiltins.Quitter('quit', 'Ctrl-D (i.e. EOF)')
    try:
        cwd = posix.getcwd()
    except OSError:
        cwd = None
    if cwd:
        if sys.path[:1] == ['']:
            sys.path[0] = cwd  # `python -c` (spawn mode) put '' there: the same directory, named as a script run names it
        elif sys.path[:1] != [cwd]:
            sys.path.insert(0, cwd)


def new_module(name):
    mod = type(sys)(name)
    mod.__file__ = PROGRAM_FILE
    mod.__builtins__ = __builtins__
    sys.modules[name] = mod
    return mod


class CompileFailed(Exception):
    """Setup or program does not compile (raised before any of their code runs)."""

    def __init__(self, where, message, line=None):
        Exception.__init__(self, message)
        self.where, self.message, self.line = where, message, line


def compile_sources():
    """[setup code or None, program code], compiled from the sources without running them (CompileFailed)."""
    codes = []
    for where, name, required in (('setup', SETUP_FILE, False), ('program', PROGRAM_FILE, True)):
        src = read_source(name, required)
        if src is None:
            codes.append(None)
            continue
        try:
            codes.append(compile(src, name, 'exec', dont_inherit=True))
        except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError) as e:
            raise CompileFailed(where, format_compile_error(e), e.lineno if isinstance(e, SyntaxError) else None)
    return codes


def compile_program():
    """(setup code or None, program code): the code compile_check made when the executor passes it, else
    compiled here from source, nothing run yet (a failure is CompileFailed)."""
    blob = read_source(CODE_FILE, False)
    if blob is not None:
        import marshal
        return marshal.loads(blob)
    return compile_sources()


def exec_program(ns, codes=None):
    """setup (trusted helpers, e.g. `from typing import List`) then the program, in one namespace."""
    setup, program = compile_program() if codes is None else codes
    if setup is not None:
        exec(setup, ns)
    exec(program, ns)


def run_stdio():
    """The program as __main__: an uncaught exception prints its traceback (without this file's frame) and
    exits 1 through SystemExit, so that what plain CPython does at exit (atexit, module teardown and the
    `__del__` methods it runs, flushing) happens after it too, in both modes."""
    prepare_interpreter()
    mod = new_module('__main__')
    failed = False
    try:
        exec_program(mod.__dict__)
    except SystemExit:
        raise
    except BaseException as e:
        flush_output()
        print_traceback(e)
        e.__traceback__ = None  # the program's frames must not outlive it (teardown frees its objects)
        failed = True
    del mod
    if failed:
        raise SystemExit(1)


def run_stdio_rollout():
    """Rollout scope: the program's stdio tests one after another in this process. Each runs the compiled top level
    as a fresh __main__ with the test's own stdin, stdout and stderr (fds 0-2; the supervisor sends those of every
    test after the first over the control socket, fd 3, as "T" with three descriptors), then what the end of a
    process does for it, and says "D<status>\\n" on fd 3. A program that left threads behind ends as a process
    ends (its threads joined), says "E<status>\\n" and exits: the next test gets a fresh process. Imported modules
    and their state carry over; the supervisor measures and limits each test."""
    import socket
    prepare_interpreter()
    ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, CHANNEL_FD)
    while True:
        status, again = _stdio_once()
        try:
            ctl.sendall(b'%s%d\n' % (b'D' if again else b'E', status))
            if not again:
                posix._exit(status)
            msg, fds, _, _ = socket.recv_fds(ctl, 16, 3)
        except OSError:
            posix._exit(status)
        if msg != b'T' or len(fds) != 3:
            posix._exit(status)  # the supervisor is done with this process
        # (a descriptor may arrive as 0, 1 or 2 when the last test closed one: moved out of the way first)
        import fcntl
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in fds]
        for fd in fds:
            posix.close(fd)
        for target, fd in enumerate(high):
            posix.dup2(fd, target)
            posix.close(fd)
        _fresh_streams()


def _stdio_once():
    """One stdio test: the program as __main__, then what the end of its process would do (in CPython's order:
    threads joined, atexit handlers, the __main__ module torn down so that its objects' __del__ and the files it
    opened close now, on this test's descriptors). Returns (exit status, whether the process can run another)."""
    mod = new_module('__main__')
    status = 0
    try:
        exec_program(mod.__dict__)
    except SystemExit as e:
        e.__traceback__ = None
        status = exit_status(e.code)
    except BaseException as e:
        flush_output()
        print_traceback(e)
        e.__traceback__ = None
        status = 1
    mod = None
    again = True
    try:
        threading = sys.modules.get('threading')
        if threading is not None and (threading.active_count() > 1 or getattr(threading, '_threading_atexits', None)):
            again = False  # threads (or a pool's exit hook) of the program: joined as at the end of a process
            threading._shutdown()
    except BaseException:
        again = False
    try:
        import atexit
        atexit._run_exitfuncs()  # (and forgets them: each test registers its own)
    except BaseException:
        pass
    try:
        _teardown_main()
    except BaseException:
        again = False
    flush_output()
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:
            pass
    return status, again


def exit_status(code):
    """A process's status for SystemExit(code), as Py_Exit gives it: None 0, an int its low byte, anything else
    printed on stderr and 1."""
    if code is None:
        return 0
    if type(code) is int:
        return code & 0xff
    try:
        sys.stderr.write('%s\n' % (code,))
    except BaseException:
        pass
    return 1


def _teardown_main():
    """What interpreter shutdown does to the test's __main__ (as zygote.py's teardown of a process): the standard
    streams restored (a file object the program put there closes now, on this test's descriptors, not on the next
    test's), the module out of sys.modules and a collection (its objects' __del__ run with its names still bound),
    then, if it is still alive, its dict cleared (names with one leading underscore first) and a collection."""
    import gc
    import weakref
    for name in ('stdin', 'stdout', 'stderr'):
        orig = getattr(sys, '__%s__' % name, None)
        if orig is not None and getattr(sys, name, None) is not orig:
            try:
                getattr(sys, name).flush()
            except BaseException:
                pass
            setattr(sys, name, orig)
    mod = sys.modules.pop('__main__', None)
    try:
        ref = weakref.ref(mod)
    except TypeError:
        ref = lambda: None  # noqa: E731
    mod = None
    gc.collect()
    mod = ref()
    d = getattr(mod, '__dict__', None)
    mod = None
    if type(d) is dict:
        clear_module_dict(d)
        d = None
        gc.collect()


def clear_module_dict(d):
    """A module's names set to None as _PyModule_ClearDict does: one leading underscore first, then the rest."""
    for first in (True, False):
        for k in list(d):
            if type(k) is str and k != '__builtins__' and (not first or (k[:1] == '_' and k[1:2] != '_')):
                d[k] = None


def _fresh_streams():
    """sys.stdin/stdout/stderr for the test's fds 0-2, made as the interpreter makes them at start-up (a program may
    have replaced, wrapped or closed the last test's)."""
    import io
    for fd, name in ((0, 'stdin'), (1, 'stdout'), (2, 'stderr')):
        old = getattr(sys, '__%s__' % name, None) or getattr(sys, name, None)
        enc = getattr(old, 'encoding', None) or 'utf-8'
        errors = getattr(old, 'errors', None) or ('backslashreplace' if fd == 2 else 'strict')
        if fd == 0:
            stream = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, 'rb', closefd=False)), encoding=enc, errors=errors,
                                      newline='\n')
        else:
            raw = io.FileIO(fd, 'wb', closefd=False)
            stream = io.TextIOWrapper(io.BufferedWriter(raw), encoding=enc, errors=errors, line_buffering=fd == 2)
        setattr(sys, name, stream)
        setattr(sys, '__%s__' % name, stream)


def print_traceback(e):
    """The program's traceback on its own stderr, as Python would print it (without this file's frame):
    the cell's stderr excerpt then shows where the program failed."""
    try:
        import traceback
        traceback.print_exception(type(e), e, e.__traceback__.tb_next)
    except BaseException:
        pass


def describe_exception(e):
    t = type(e)
    mro = [c.__name__ for c in t.__mro__ if c.__module__ == 'builtins' and issubclass(c, BaseException)]
    try:
        msg = str(e)
    except BaseException:
        msg = '<str() of the exception failed>'
    if len(msg) > EXC_TEXT_CAP:
        msg = msg[:EXC_TEXT_CAP] + '...'
    return {'type': t.__name__[:200], 'mro': mro, 'msg': msg}


_MUTABLE = (list, dict, set, bytearray)


_SERVE = None  # (protocol, channel, namespace holder, object table): made once, before a zygote's forks


def prepare_serve():
    """The judge channel and its codec, which do not depend on the program: a zygote makes them once and
    every fork gets them ready (building them in each fork touched ~100 pages, each a copy-on-write fault).
    A reference to a program function resolves through the holder, which serve() fills per process; the
    object table (handles) starts empty in every process."""
    global _SERVE
    if _SERVE is None:
        proto = load_protocol(here())
        holder = []

        def resolve_ref(name):
            ns = holder[0]
            if name not in ns:
                raise proto.DecodeError('unknown name %r' % name)
            return ns[name]

        table = ObjectTable(proto, holder)
        chan = proto.Channel(CHANNEL_FD, proto.Codec(resolve_ref=resolve_ref, resolve=table.resolve), MAX_MESSAGE)
        _SERVE = (proto, chan, holder, table)
    return _SERVE


_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made by a class statement (or type()), not a C type
_METHOD_KINDS = (type(lambda: None), staticmethod, classmethod, type(str.upper))
# A builtin data base of a program class, and how to read the data it holds without the class's overrides.
_DATA_BASES = ((int, int.__int__), (float, float.__float__), (complex, complex.__complex__), (str, str.__str__),
               (bytes, bytes.__bytes__), (bytearray, bytearray), (tuple, lambda o: tuple(tuple.__iter__(o))),
               (list, lambda o: list(list.__iter__(o))), (dict, lambda o: dict(dict.items(o))),
               (set, lambda o: set(set.__iter__(o))), (frozenset, lambda o: frozenset(frozenset.__iter__(o))))


class ObjectTable:
    """The program's objects the judge holds handles to, and the test's objects rebuilt for one request.

    A value the codec cannot send as data (an instance of a program class, an re.Match, a bound method, a
    closure, a generator, a subclass of a builtin...) is sent as a handle: {"t": "handle", "v": id, "c": class},
    the first time with the names of its class's methods ("m": the judge then calls h.method(...) in one
    round trip). The object stays here, alive, for the whole process (one test), so an id never names another
    object; the same object always gets the same id. Judge requests name objects by these ids.

    An instance of a class the trusted setup defined arrives by value: {"t": "oref", "v": k, "c": class} where
    it is used, and one {"t": "onode", "v": k, "c": class, "d": [[attr, value], ...]} per object in the
    request's "objs". Each is rebuilt as cls.__new__(cls) of the class of that name in the program's
    namespace (setup and program share it), then its attributes are set. After a call, those whose attributes
    the program changed are sent back ("omut"), so in-place work on a linked list is visible to the test."""

    def __init__(self, proto, holder):
        self.proto = proto
        self.holder = holder
        self.objs = []   # handle id - 1 -> object
        self.ids = {}    # id(object) -> handle id
        self.rebuilt = {}  # this request's: oref k -> object
        self.nodes = []    # this request's onode entries, in order: (k, class name, [[attr, value], ...])
        self.assigned = {}  # oref k -> {attr: the value set}, to tell what a call changed
        self.error = None  # the first error met while decoding this request (raised as the request's error)

    def tree(self, v):
        """The handle of a value that is not data (the encoder's fallback)."""
        hid = self.ids.get(id(v))
        first = hid is None
        if first:
            self.objs.append(v)
            hid = len(self.objs)
            self.ids[id(v)] = hid
        try:
            name = self.proto._type_name(type(v))[:self.proto.HANDLE_CLASS_CHARS]
        except Exception:
            name = '?'
        out = {'t': 'handle', 'v': hid, 'c': name}
        if first:
            hints = self.method_hints(v)
            if hints:
                out['m'] = hints
        return out

    def method_hints(self, v):
        """Names that reading on v gives a method of its class (functions, static/class methods, methods of C
        types), not shadowed by its own attributes: the judge makes these method proxies without asking."""
        proto = self.proto
        names = []
        try:
            own = set(n for n, _ in proto.instance_attrs(v))
            for cls in type(v).__mro__[:-1]:  # not object's
                for name, attr in list(cls.__dict__.items()):
                    if (type(name) is str and not name.startswith('__') and len(name) <= proto.HANDLE_HINT_CHARS
                            and type(attr) in _METHOD_KINDS and name not in own and name not in names):
                        names.append(name)
                        if len(names) == proto.HANDLE_HINTS:
                            return names
        except Exception:
            return []
        return names

    def get(self, hid):
        if type(hid) is not int or not 0 < hid <= len(self.objs):
            raise LookupError('no object with handle %r' % (hid,))
        return self.objs[hid - 1]

    def resolve(self, tag, d):
        """The codec's callback for the judge's handle / mref / oref / onode tags. A failure is kept as the
        request's error (the request then fails with it), never raised into the JSON scanner."""
        try:
            if tag == 'handle':
                return self.get(d['v'])
            if tag == 'mref':
                name = d.get('n')
                if type(name) is not str:
                    raise LookupError('bad method reference')
                return getattr(self.get(d['v']), name)
            k, c = d.get('v'), d.get('c')
            if tag == 'oref':
                return self.instance(k, c)
            if tag == 'onode':
                self.nodes.append((k, c, d.get('d')))
                return None
        except Exception as e:
            if self.error is None:
                self.error = e
            return None
        raise self.proto.DecodeError('unexpected %s' % tag)

    def instance(self, k, c):
        obj = self.rebuilt.get(k)
        if obj is None:
            ns = self.holder[0]
            cls = ns.get(c) if type(c) is str else None
            if not isinstance(cls, type):
                raise NameError('the program has no class %r to rebuild the test\'s argument with' % (c,))
            obj = cls.__new__(cls)
            self.rebuilt[k] = obj
        return obj

    def finish_request(self):
        """Sets the rebuilt objects' attributes (all objects exist by now: their values may name each other)."""
        if self.error is not None:
            raise self.error
        for k, c, pairs in self.nodes:
            obj = self.instance(k, c)
            assigned = self.assigned.setdefault(k, {})
            for name, value in pairs:
                setattr(obj, name, value)
                assigned[name] = value

    def end_request(self):
        self.rebuilt = {}
        self.nodes = []
        self.assigned = {}
        self.error = None

    def encoder(self):
        """encode_value for a reply: objects rebuilt for this request go back as references to the test's own
        objects (oref), everything else that is not data as a handle."""
        proto, tree = self.proto, self.tree
        if not self.rebuilt:
            return lambda v: proto.encode_value(v, fallback=tree)
        back = {id(o): {'t': 'oref', 'v': k} for k, o in self.rebuilt.items()}
        return lambda v: proto.encode_value(v, ref_of=lambda x: back.get(id(x)), fallback=tree)

    def changed(self, enc):
        """[[k, [[attr, value], ...]], ...] for every rebuilt object whose attributes the call changed (a
        container attribute counts as changed: it may have been mutated in place)."""
        out = []
        for k, obj in self.rebuilt.items():
            before = self.assigned.get(k, {})
            now = self.proto.instance_attrs(obj)
            if len(now) == len(before) and all(n in before and before[n] is v and type(v) not in _MUTABLE
                                               for n, v in now):
                continue
            out.append([k, [[n, enc(v)] for n, v in now]])
        return out

    def snapshot(self, hids):
        """The data of the object graph reachable from the given handles through instance attributes, for the
        judge's structural equality: one node per object, [handle] for an object of a C type (a function, a
        generator, an re.Match: equal only to itself), [handle, [[attr, value], ...]] for an instance of a
        program class, plus its builtin data ([handle, attrs, data]) when the class subclasses a builtin."""
        proto = self.proto
        done = set()
        queue = []

        def expand(v):
            t = self.tree(v)
            if t['v'] not in done:
                done.add(t['v'])
                queue.append(v)
            return t

        for hid in hids:
            expand(self.get(hid))

        def enc(v):
            return proto.encode_value(v, fallback=expand)

        nodes = []
        i = 0
        while i < len(queue):
            obj = queue[i]
            i += 1
            if len(nodes) == proto.SNAPSHOT_NODES:
                raise proto.EncodeError('an object graph of more than %d objects cannot be compared'
                                        % proto.SNAPSHOT_NODES)
            t = type(obj)
            node = [self.tree(obj)]
            if t.__flags__ & _HEAPTYPE:
                node.append([[n, enc(v)] for n, v in proto.instance_attrs(obj)])
                for base, read in _DATA_BASES:
                    if base in t.__mro__:
                        node.append(enc(read(obj)))
                        break
            nodes.append(node)
        return nodes


def serve():
    """Answer the judge: {"op":"get"|"call"} requests, one reply each, strictly in order, until it closes
    the channel (or sends {"op":"exit"})."""
    prepare_interpreter()
    proto, chan, holder, _ = prepare_serve()
    mod = new_module('solution')
    ns = mod.__dict__
    holder[:] = [ns]
    try:
        codes = compile_program()
    except CompileFailed as e:
        # (scope rollout: no syntax check ran first) before any of the program's code: the judge says CE
        chan.send({'op': 'compile_error', 'where': e.where, 'message': e.message})
        flush_and_exit(1)
    try:
        exec_program(ns, codes)
    except Exception as e:
        # the program failed while loading: tell the judge why, then stop (SystemExit just exits)
        print_traceback(e)
        flush_output()
        chan.send({'op': 'load_error', 'exc': describe_exception(e)})
        flush_and_exit(1)
    flush_output()
    chan.send({'op': 'ready', 'fns': top_level_callables(ns)})
    while True:
        msg = chan.recv()
        if msg is None or type(msg) is not dict or msg.get('op') == 'exit':
            flush_and_exit(0)
        reply = handle(msg, ns, proto)
        # The run ends (and this process is killed) as soon as the judge exits: flush what the program
        # printed before answering, so its output excerpt is complete and deterministic.
        flush_output()
        chan.send(reply)


def top_level_callables(ns):
    """The program's top-level functions and classes, sent with `ready`: the judge then needs no `get`
    round trip for them (a hint only; what a call finds is decided when it is made)."""
    names = []
    for k, v in list(ns.items()):  # one copy, made under the GIL: a thread of the program may be rebinding names
        if type(k) is str and not k.startswith('__') and type(v) is not type(sys) and callable(v):
            names.append(k)
            if len(names) == READY_NAMES_MAX:
                break
    return names


def handle(msg, ns, proto):
    """One request -> its reply. Values the judge sends may name this process's objects (handles) and carry the
    test's setup objects (rebuilt here for this request); values sent back that are not data become handles."""
    table = _SERVE[3]
    try:
        return dispatch(msg, ns, proto, table)
    finally:
        table.end_request()


def exc_reply(rid, e, traceback=False):
    if traceback:
        print_traceback(e)
    return {'id': rid, 'ok': False, 'exc': describe_exception(e)}


def dispatch(msg, ns, proto, table):
    op, rid, name = msg.get('op'), msg.get('id'), msg.get('name')
    try:
        table.finish_request()
    except Exception as e:  # a test object could not be rebuilt here (the program changed its class...)
        return exc_reply(rid, e)
    enc = table.encoder()
    if _SEALED and type(name) is str and name.startswith('__'):
        # pair mode: a model-written test judges the program by what it does, never by its code or internals
        # (`f.__code__`, `__globals__`, `__dict__`, `__builtins__`...), which would tell a mutant from the focal
        if op == 'get':
            return {'id': rid, 'ok': True, 'kind': 'missing'}
        return exc_reply(rid, AttributeError('%r is not reachable from a test' % name))
    if op == 'hello':  # the next test of a rollout: the program's names as of now (as `ready` gave them)
        return {'id': rid, 'ok': True, 'fns': top_level_callables(ns)}
    if op == 'get' or op == 'call':
        if type(name) is not str:
            return {'id': rid, 'ok': False, 'error': 'bad request'}
    elif op in _HANDLE_OPS:
        try:
            obj = table.get(msg.get('h')) if op != 'snap' else None
        except LookupError:
            return {'id': rid, 'ok': False, 'error': 'bad request'}
        try:
            return _HANDLE_OPS[op](msg, obj, proto, table, enc)
        except proto.EncodeError as e:
            return {'id': rid, 'ok': False, 'unser': str(e)}
    if op == 'get':
        if name not in ns:
            return {'id': rid, 'ok': True, 'kind': 'missing'}
        v = ns[name]
        if type(v) is type(sys):
            return {'id': rid, 'ok': True, 'kind': 'module', 'v': str(getattr(v, '__name__', ''))}
        if callable(v):
            return {'id': rid, 'ok': True, 'kind': 'callable'}
        try:
            return {'id': rid, 'ok': True, 'kind': 'value', 'v': enc(v)}
        except proto.EncodeError as e:
            return {'id': rid, 'ok': False, 'unser': str(e)}
    if op == 'call':
        fn = ns.get(name)
        if fn is None or not callable(fn):
            return {'id': rid, 'ok': False,
                    'exc': {'type': 'NameError', 'mro': ['NameError', 'Exception', 'BaseException'],
                            'msg': 'name %r is not a callable defined by the program' % name}}
        return call_reply(msg, fn, proto, table, enc)
    return {'id': rid, 'ok': False, 'error': 'unknown op'}


def call_reply(msg, fn, proto, table, enc):
    rid, args, kwargs = msg.get('id'), msg.get('args'), msg.get('kwargs')
    if type(args) is not list or type(kwargs) is not dict:
        return {'id': rid, 'ok': False, 'error': 'bad request'}
    try:
        result = fn(*args, **kwargs)
    except Exception as e:
        return exc_reply(rid, e, traceback=True)
    try:
        reply = {'id': rid, 'ok': True, 'v': enc(result)}
        # arguments are copies: send back mutable ones so in-place mutation is visible to the test, and the
        # rebuilt setup objects whose attributes changed
        mut = [[i, enc(a)] for i, a in enumerate(args) if type(a) in _MUTABLE]
        kmut = [[k, enc(a)] for k, a in kwargs.items() if type(a) in _MUTABLE]
        omut = table.changed(enc) if table.rebuilt else None
        if mut:
            reply['mut'] = mut
        if kmut:
            reply['kmut'] = kmut
        if omut:
            reply['omut'] = omut
        return reply
    except proto.EncodeError as e:
        return {'id': rid, 'ok': False, 'unser': str(e)}


def _op_getattr(msg, obj, proto, table, enc):
    rid, name = msg.get('id'), msg.get('name')
    try:
        v = getattr(obj, name)
    except Exception as e:
        return exc_reply(rid, e)
    if callable(v) and not isinstance(v, type) and getattr(v, '__self__', None) is obj:
        return {'id': rid, 'ok': True, 'kind': 'method'}  # a bound method: the judge calls it by name
    return {'id': rid, 'ok': True, 'kind': 'value', 'v': enc(v)}


def _op_setattr(msg, obj, proto, table, enc):
    try:
        setattr(obj, msg.get('name'), msg.get('v'))
    except Exception as e:
        return exc_reply(msg.get('id'), e)
    return {'id': msg.get('id'), 'ok': True}


def _op_delattr(msg, obj, proto, table, enc):
    try:
        delattr(obj, msg.get('name'))
    except Exception as e:
        return exc_reply(msg.get('id'), e)
    return {'id': msg.get('id'), 'ok': True}


def _op_callh(msg, obj, proto, table, enc):
    if not callable(obj):
        return exc_reply(msg.get('id'), TypeError("'%s' object is not callable" % type(obj).__name__))
    return call_reply(msg, obj, proto, table, enc)


def _op_callattr(msg, obj, proto, table, enc):
    try:
        fn = getattr(obj, msg.get('name'))
    except Exception as e:
        return exc_reply(msg.get('id'), e)
    return call_reply(msg, fn, proto, table, enc)


def _op_value(compute):
    def op(msg, obj, proto, table, enc):
        try:
            v = compute(obj, msg)
        except Exception as e:
            return exc_reply(msg.get('id'), e)
        return {'id': msg.get('id'), 'ok': True, 'v': enc(v)}
    return op


def _str(obj, msg):
    s = str(obj)
    return s if type(s) is str else str.__str__(s)  # a str subclass's data, as an exact str


def _op_next(msg, obj, proto, table, enc):
    try:
        v = next(obj)
    except StopIteration:  # the end of the program's own iterator: the judge ends that iteration only
        return {'id': msg.get('id'), 'ok': True, 'stop': True}
    except Exception as e:
        return exc_reply(msg.get('id'), e)
    return {'id': msg.get('id'), 'ok': True, 'v': enc(v)}


def _op_snap(msg, obj, proto, table, enc):
    hids = msg.get('hs')
    try:
        if type(hids) is not list:
            raise LookupError('bad snapshot request')
        return {'id': msg.get('id'), 'ok': True, 'nodes': table.snapshot(hids)}
    except LookupError:
        return {'id': msg.get('id'), 'ok': False, 'error': 'bad request'}
    except proto.EncodeError:
        raise
    except Exception as e:
        return exc_reply(msg.get('id'), e)


_HANDLE_OPS = {
    'getattr': _op_getattr, 'setattr': _op_setattr, 'delattr': _op_delattr, 'callh': _op_callh,
    'callattr': _op_callattr, 'len': _op_value(lambda o, m: len(o)), 'iter': _op_value(lambda o, m: iter(o)),
    'next': _op_next, 'getitem': _op_value(lambda o, m: o[m.get('k')]), 'str': _op_value(_str), 'snap': _op_snap,
}


_SEALED = False  # pair mode: requests may not name dunder attributes or names
_ARCS_MAX = 200000  # coverage: the most distinct (line, next line) arcs one test reports
_SOURCE_FILES = (PROGRAM_FILE, SETUP_FILE, CODE_FILE)


def run_pair(trace):
    """A model-written test file beside the program, both inside this sandbox, in two processes.

    This process (the test side) forks the program side before it reads anything of the program. The
    program side keeps fd 3 (the host judge's channel) on another descriptor, loads setup + program, unlinks their files,
    makes itself undumpable (no ptrace, no /proc/<pid>/mem for the test side) and serves the test side's
    requests on a socketpair as `serve` serves the judge's, with dunder names refused. The test side then runs
    the judge's own code (its proxies) for the test: the test calls the program and sees what it returns, never
    its source, bytecode or memory, so it cannot tell a mutant from the focal program except by behaviour. Its
    outcome (its own claim) and, with `trace`, the arcs of program lines the program side executed go to the
    host judge from the program side only: the test cannot write coverage."""
    import _socket
    a, b = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
    fa, fb = a.detach(), b.detach()
    pid = posix.fork()
    if pid == 0:
        posix.close(fa)
        host_fd = posix.dup(CHANNEL_FD)  # (the lowest free descriptor: never fb)
        posix.dup2(fb, CHANNEL_FD)
        posix.close(fb)
        _serve_pair(trace, host_fd)
        return
    posix.close(fb)
    posix.dup2(fa, CHANNEL_FD)  # the host judge's channel is gone from this process
    posix.close(fa)
    _test_side(pid)


def _undumpable():
    try:
        import _ctypes
        prctl = _ctypes.dlsym(_ctypes.dlopen(None), 'prctl')
        _ctypes.call_function(prctl, (4, 0, 0, 0, 0))  # PR_SET_DUMPABLE 0
        return _ctypes.call_function(prctl, (3, 0, 0, 0, 0)) == 0  # PR_GET_DUMPABLE
    except Exception:
        return False


def _serve_pair(trace, host_fd):
    global _SEALED
    prepare_interpreter()
    proto, chan, holder, _ = prepare_serve()
    host = proto.Channel(host_fd, chan.codec, MAX_MESSAGE)  # private: the test side never holds it
    mod = new_module('solution')
    ns = mod.__dict__
    holder[:] = [ns]
    _SEALED = True
    failure = None
    try:
        codes = compile_program()
    except CompileFailed as e:
        codes, failure = None, {'stage': 'compile_error', 'where': e.where, 'message': e.message}
    hidden = _undumpable()
    for name in _SOURCE_FILES:
        try:
            posix.unlink(name)
        except FileNotFoundError:
            pass
        except OSError:
            hidden = False
    INLINE_FILES.clear()
    if not hidden:
        host.send({'op': 'report', 'stage': 'harness', 'message': 'the program could not be hidden from the test'})
        flush_and_exit(1)
    if failure is not None:
        chan.send({'op': 'compile_error', 'where': failure['where'], 'message': failure['message']})
        host.send(dict(failure, op='report'))
        flush_and_exit(1)
    try:
        exec_program(ns, codes)
    except Exception as e:
        print_traceback(e)
        flush_output()
        exc = describe_exception(e)
        chan.send({'op': 'load_error', 'exc': exc})
        host.send({'op': 'report', 'stage': 'load_error', 'exc': exc})
        flush_and_exit(1)
    codes = None
    arcs = set()
    if trace:
        sys.settrace(_coverage_tracer(arcs))
    flush_output()
    chan.send({'op': 'ready', 'fns': top_level_callables(ns)})
    result = None
    while True:
        try:
            msg = chan.recv()
        except Exception:
            msg = None
        if msg is None or type(msg) is not dict or msg.get('op') == 'exit':
            if type(msg) is dict and type(msg.get('result')) is dict:
                result = msg['result']
            break
        reply = handle(msg, ns, proto)
        flush_output()
        chan.send(reply)
    sys.settrace(None)
    report = {'op': 'report', 'stage': 'done', 'result': result}
    if trace:
        report['arcs'] = [x for arc in sorted(arcs)[:_ARCS_MAX] for x in arc]  # flat: line, next line, ...
    flush_output()
    host.send(report)
    flush_and_exit(0)


def _coverage_tracer(arcs):
    """sys.settrace for the program's own frames only (code compiled as solution.py): every (line, next line)
    arc of a frame, -1 for its entry and its exit, so a branch's outcome is the line that followed its test."""
    add = arcs.add
    full = _ARCS_MAX

    def on_call(frame, event, arg):
        if frame.f_code.co_filename != PROGRAM_FILE or len(arcs) >= full:
            return None
        last = [-1]

        def on_event(frame, event, arg):
            if event == 'line':
                line = frame.f_lineno
                add((last[0], line))
                last[0] = line
            elif event == 'return':
                add((last[0], -1))
            return on_event
        return on_event
    return on_call


def _test_side(program_pid):
    """The test's process: the judge's code (verpo_judge.bin in the workdir) runs the test spec from stdin
    against the program side, then tells it the outcome (the program side reports it to the host)."""
    import marshal
    with open('verpo_judge.bin', 'rb') as f:
        judge_code, protocol_code = marshal.loads(f.read())
    jmod = type(sys)('verpo_pair_judge')
    jmod.__dict__['PROTOCOL_CODE'] = protocol_code
    exec(judge_code, jmod.__dict__)
    spec = sys.stdin.buffer.read()
    posix.dup2(2, 1)  # what the test prints goes to stderr
    proto = jmod.load_protocol()
    result = jmod.judge_bytes(spec, proto)
    out = {k: result[k] for k in ('verdict', 'detail', 'exc') if k in result}
    try:
        posix.write(CHANNEL_FD, proto.Codec().dumps({'op': 'exit', 'result': out}))
    except OSError:
        pass
    try:
        posix.waitpid(program_pid, 0)  # the run ends with this process: the program side reports first
    except OSError:
        pass
    flush_and_exit(0)


def flush_output():
    for s in (sys.stdout, sys.stderr):
        try:
            s.flush()
        except BaseException:
            pass


def flush_and_exit(code):
    flush_output()

    posix._exit(code)


def main(argv):
    mode = argv[1] if len(argv) > 1 else ''
    if mode == 'compile':
        compile_check()
    elif mode == 'stdio':
        run_stdio()
    elif mode == 'stdio-rollout':
        run_stdio_rollout()
    elif mode == 'serve':
        serve()
    elif mode == 'pair':
        run_pair(argv[2:] == ['trace'])
    else:
        sys.stderr.write('verpo runner: unknown mode %r\n' % mode)
        posix._exit(2)


if __name__ == '__main__' and not globals().get('VERPO_ZYGOTE'):
    main(sys.argv)  # (the zygote, zygote.py, execs this file's code only for its functions)
