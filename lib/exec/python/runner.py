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
NAMES_IN_REPLY_MAX = 4096  # characters of those names a reply may carry when they changed


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
    if INLINE_FILES:
        # A zygote fork got every source of the program in its request (all of them or none): a name not there is
        # not one of its files, and the workdir is not searched (a failed open costs an OSError and its message).
        src = INLINE_FILES.get(name)
        if src is None and required:
            raise FileNotFoundError(2, 'No such file or directory', name)
        return src
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


_PROCESS_PREPARED = False


def prepare_process():
    """What every program's process gets, whatever its test (made once in a zygote, before its forks): big
    ints print, argv looks like a script run, exit()/quit() exist as under `site`."""
    global _PROCESS_PREPARED
    if _PROCESS_PREPARED:
        return
    if hasattr(sys, 'set_int_max_str_digits'):
        sys.set_int_max_str_digits(0)
    sys.argv = [PROGRAM_FILE]
    import builtins
    if not hasattr(builtins, 'exit'):
        builtins.exit = _sitebuiltins.Quitter('exit', 'Ctrl-D (i.e. EOF)')
        builtins.quit = _sitebuiltins.Quitter('quit', 'Ctrl-D (i.e. EOF)')
    _PROCESS_PREPARED = True


def prepare_interpreter():
    # Interpreter fidelity (executor-anchors §2.3 item 17): prepare_process's settings, and the program's
    # directory first on sys.path, as for `python solution.py` (the trusted zygote this process may be forked
    # from removed it from its own).
    prepare_process()
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


# [(setup code or None, program code)] when the zygote's trusted part of a stdio test process compiled the sources
# (zygote.py precompile_stdio): every test of the process runs that code.
PRECOMPILED = []


def compile_program():
    """(setup code or None, program code): the code compile_check made when the executor passes it, or the code
    compiled before the program's process ran any of it, else compiled here from source, nothing run yet (a
    failure is CompileFailed)."""
    if PRECOMPILED:
        return PRECOMPILED[0]
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
    names = top_level_callables(ns)
    chan.send({'op': 'ready', 'fns': names})
    while True:
        msg = chan.recv()
        if msg is None or type(msg) is not dict or msg.get('op') == 'exit':
            flush_and_exit(0)
        reply = handle(msg, ns, proto)
        # The run ends (and this process is killed) as soon as the judge exits: flush what the program
        # printed before answering, so its output excerpt is complete and deterministic.
        flush_output()
        # The names again with the reply after which they differ from the last list sent (taken after the flush:
        # a program's own stream object runs code there): the judge keeps the latest for the rollout's next test,
        # which then needs no `hello` round trip. A list too long to add to a reply (it counts against the reply's
        # size limit) is `false`: the next test asks.
        if 'fns' in reply:
            names = reply['fns']
        else:
            now = top_level_callables(ns)
            if now != names:
                names = now
                reply['fns'] = now if sum(len(n) for n in now) <= NAMES_IN_REPLY_MAX else False
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
_SIGPROF = 27  # ITIMER_PROF's signal, whose default action ends the process: a test's CPU limit


def run_pairs(trace):
    """Model-written tests beside the program, inside this sandbox (pair mode; lib/exec/python/README.md).

    This process, the test-side template, reads the tests (stdin) and forks the program-side template before it
    reads anything of the program. That one loads setup + program, unlinks their files and makes itself
    undumpable (no ptrace, no /proc/<pid>/mem for any test process). For each group of tests (one test file:
    `groups`), each template forks one process: the program process serves the test process's requests (as
    `serve` serves the judge's, dunder names refused) and, traced, records the arcs of the program's lines; the
    test process runs the judge's own code (its proxies) for the group's tests, one after another, each in a fresh
    namespace. A test sees what the program does, never its source, bytecode or memory; nothing of one group's
    processes or files is left for the next. Each side of a test has the test's CPU limit (ITIMER_PROF, armed
    before any of its code runs), the test its wall limit; a group whose processes end early goes on in fresh ones.

    Only this template writes to the host judge (fd 3): per test its verdict, CPU, and (traced: the program is
    the trusted focal) the program's arcs. No process that runs test or program code holds fd 3."""
    import socket
    host = socket.socket(fileno=posix.dup(CHANNEL_FD))
    posix.close(CHANNEL_FD)
    ctl, ctl_b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = posix.fork()  # before the tests are read: the program side never holds them
    if pid == 0:
        host.close()
        ctl.close()
        _program_template(ctl_b, trace)
        posix._exit(0)
    ctl_b.close()
    spec = _read_json_stdin()
    tests, cpu_s, wall_s = spec['tests'], spec['cpu_ms'] / 1000.0, spec['wall_ms'] / 1000.0
    groups = spec.get('groups') or [[i] for i in range(len(tests))]
    stop = spec.get('stop') is True  # a group's tests after its first failure are not run (stopAfterFailure)
    memory = int(spec.get('memory_mb') or 0)
    ctl.sendall(b'limits %d %d\n' % (int(spec['cpu_ms']), memory))
    _subreaper()
    import marshal
    with open('verpo_judge.bin', 'rb') as f:
        judge_code, protocol_code = marshal.loads(f.read())
    # the judge's code, made once here: every test process is a fork of this one (its own copy)
    jmod = type(sys)('verpo_pair_judge')
    jmod.__dict__['PROTOCOL_CODE'] = protocol_code
    exec(judge_code, jmod.__dict__)
    jproto = jmod.load_protocol()
    keep = _own_files()
    codec = jproto.Codec()
    out = [None] * len(tests)
    sent = [0]  # cells go to the host in test order, as soon as every earlier one is settled

    def flush():
        while sent[0] < len(out) and out[sent[0]] is not None:
            cell = dict(out[sent[0]], op='test', k=sent[0])
            host.sendall(codec.dumps(cell))
            sent[0] += 1
    lines = _Lines(ctl)
    gone = None  # the program side's last word, once it is gone
    for group in groups:
        pos = 0
        while pos < len(group) and gone is None:
            todo = group[pos:]
            ctl.sendall(b'fork\n')
            try:
                data, fds, _, _ = socket.recv_fds(ctl, 1 << 16, 1)
            except OSError:
                data, fds = b'', []
            lines.feed(data)
            if not fds:
                gone = lines.last() or {}
                break
            pair = fds[0]
            r, w = posix.pipe()
            apid = posix.fork()
            if apid == 0:
                _limit_memory(memory)
                _test_process(host, ctl, r, w, pair, [tests[i] for i in todo], spec, jmod, jproto, cpu_s)
            posix.close(w)
            posix.close(pair)
            reader = _FdLines(r, apid)
            results, timed_out = reader.take(len(todo), wall_s)
            reader.exited.close()
            posix.close(r)
            if timed_out:
                _kill(apid)
                ctl.sendall(b'kill\n')
            _, astatus, arus = posix.wait4(apid, 0)
            _kill_orphans(pid)  # what the test process left holds its end of the pair: the program process sees EOF
            done = lines.next(ctl, _monotonic() + wall_s + 5.0)
            if done is None:
                gone = {'verdict': 'IE', 'detail': 'pair mode: the program side stopped answering'}
                break
            pos += _settle(out, todo, results, timed_out, astatus, arus, done, trace, stop)
            _end_test(keep, pid)  # nothing of this group's processes or files is there for the next
            if stop and any(out[i]['verdict'] != 'AC' for i in group[:pos]):
                for i in group[pos:]:
                    out[i] = dict(_SKIPPED)
                pos = len(group)
            flush()
        if gone is not None:
            break
    for i, cell in enumerate(out):
        if cell is None:
            why = gone or {}
            cell = {'verdict': why.get('verdict') if why.get('verdict') in _PAIR_VERDICTS else 'RE',
                    'detail': str(why.get('detail', 'the program ended'))[:2000]}
            if type(why.get('exc')) is str:
                cell['exc'] = why['exc'][:100]
            out[i] = cell
    flush()
    try:
        ctl.sendall(b'exit\n')
        posix.waitpid(pid, 0)
    except OSError:
        pass
    flush_and_exit(0)


_PAIR_VERDICTS = ('AC', 'WA', 'RE', 'OLE', 'IE', 'CE')
_SKIPPED = {'verdict': 'SKIPPED', 'detail': 'not run: an earlier test of its group failed (stopAfterFailure)', 'cpu_ms': 0, 'wall_ms': 0}


def _settle(out, todo, results, timed_out, astatus, arus, done, trace, stop):
    """The cells of one pair of processes' tests: each test that reported, and the one that was running when the
    pair ended (TLE by the wall or a side's CPU, or RE). Returns how many tests of `todo` are settled (with
    `stop`, a test process ends after its first failure: the tests after it are the caller's to skip)."""
    bstatus = done.get('status')
    segs = done.get('segments') if type(done.get('segments')) is list else []
    b_cpu = type(bstatus) is int and posix.WIFSIGNALED(bstatus) and posix.WTERMSIG(bstatus) == _SIGPROF
    a_cpu = posix.WIFSIGNALED(astatus) and posix.WTERMSIG(astatus) == _SIGPROF
    a_total = int((arus.ru_utime + arus.ru_stime) * 1000)
    reported = 0
    for q, res in enumerate(results):
        seg = segs[q] if q < len(segs) and type(segs[q]) is dict else {}
        v = res.get('verdict')
        cell = {'verdict': v if v in _PAIR_VERDICTS else 'WA'}
        if res.get('gone') and b_cpu:
            cell = {'verdict': 'TLE', 'detail': 'CPU time limit exceeded (the program)', 'limit': 'cpu'}
        else:
            if type(res.get('detail')) is str and cell['verdict'] != 'AC':
                cell['detail'] = res['detail'][:2000]
            if type(res.get('exc')) is str:
                cell['exc'] = res['exc'][:100]
        a = res.get('cpu_ms') if type(res.get('cpu_ms')) is int else 0
        reported += a
        cell['cpu_ms'] = _int(a) + _int(seg.get('cpu_ms'))
        cell['wall_ms'] = _int(res.get('wall_ms'))
        if trace and type(seg.get('arcs')) is list:
            cell['arcs'] = seg['arcs']
        out[todo[q]] = cell
    n = len(results)
    if n == len(todo) or (n and (results[-1].get('gone') or (stop and results[-1].get('verdict') != 'AC'))):
        return n
    # the test at position n was running when the test process ended without its outcome
    if timed_out:
        cell = {'verdict': 'TLE', 'detail': 'wall time limit exceeded', 'limit': 'wall'}
    elif a_cpu:
        cell = {'verdict': 'TLE', 'detail': 'CPU time limit exceeded (the test)', 'limit': 'cpu'}
    elif b_cpu:
        cell = {'verdict': 'TLE', 'detail': 'CPU time limit exceeded (the program)', 'limit': 'cpu'}
    else:
        cell = {'verdict': 'RE', 'detail': 'the test ended without an outcome (its process exited or was killed)'}
    seg = segs[n] if n < len(segs) and type(segs[n]) is dict else {}
    cell['cpu_ms'] = max(0, a_total - reported) + _int(seg.get('cpu_ms'))
    out[todo[n]] = cell
    return n + 1


_PR_SET_CHILD_SUBREAPER = 36


def _subreaper():
    """What a test's processes leave behind (a daemon, a double fork) is re-parented to this template, which
    ends it before the next test (_end_test)."""
    try:
        import _ctypes
        prctl = _ctypes.dlsym(_ctypes.dlopen(None), 'prctl')
        _ctypes.call_function(prctl, (_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
    except Exception:
        pass


def _own_files():
    """The workdir's entries before any test ran (the harness's own files)."""
    try:
        return frozenset(posix.listdir('.'))
    except OSError:
        return frozenset()


def _end_test(keep, template_pid):
    """Between two tests: every other process re-parented here is killed and reaped, and every file a test or
    the program made in the workdir and /dev/shm is removed, so one test file cannot change another's verdicts
    (a planted module, a spinning daemon)."""
    _kill_orphans(template_pid)
    for d, own in (('.', keep), ('/dev/shm', frozenset())):
        for name in _listdir(d):
            if name not in own:
                _remove(d + '/' + name)


def _kill_orphans(template_pid):
    """Kills and reaps every process re-parented to this template (a test's daemons, double forks)."""
    me = str(posix.getpid()).encode()
    for _ in range(8):  # an orphan's own children come here once it is gone
        found = False
        for name in _listdir('/proc'):
            if not name.isdigit() or int(name) == template_pid:
                continue
            try:
                with open('/proc/%s/stat' % name, 'rb') as f:
                    ppid = f.read().rsplit(b')', 1)[1].split()[1]
            except (OSError, IndexError):
                continue
            if ppid == me:
                _kill(int(name))
                found = True
        while True:
            try:
                pid, _ = posix.waitpid(-1, posix.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        if not found:
            break


def _listdir(d):
    try:
        return posix.listdir(d)
    except OSError:
        return []


def _remove(path, depth=0):
    """rm -rf, through directories a test made unreadable (it owns them: chmod first)."""
    try:
        st = posix.lstat(path)
    except OSError:
        return
    if (st.st_mode & 0o170000) == 0o040000 and depth < 64:
        try:
            posix.chmod(path, 0o700)
        except OSError:
            pass
        for name in _listdir(path):
            _remove(path + '/' + name, depth + 1)
        try:
            posix.rmdir(path)
        except OSError:
            pass
    else:
        try:
            posix.unlink(path)
        except OSError:
            pass


def _read_json_stdin():
    import json
    return json.loads(sys.stdin.buffer.read())


def _monotonic():
    import time
    return time.monotonic()


def _kill(pid):
    try:
        posix.kill(pid, 9)
    except OSError:
        pass


class _Lines:
    """Newline-framed JSON messages from the program-side template (untrusted when the program is)."""

    def __init__(self, sock):
        self.sock, self.buf, self.msgs = sock, b'', []

    def feed(self, data):
        import json
        self.buf += data
        while b'\n' in self.buf:
            line, self.buf = self.buf.split(b'\n', 1)
            try:
                msg = json.loads(line)
            except ValueError:
                msg = None
            if type(msg) is dict:
                self.msgs.append(msg)
        return self

    def last(self):
        return self.msgs[-1] if self.msgs else None

    def next(self, sock, deadline):
        import select
        while not self.msgs:
            left = deadline - _monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return None
            data = self.sock.recv(1 << 20)
            if not data:
                return None
            self.feed(data)
            if len(self.buf) > 64 << 20:
                return None
        return self.msgs.pop(0)


class _FdLines:
    """The test process's outcomes, one JSON line per test, each within the test's wall limit."""

    def __init__(self, fd, pid):
        self.fd, self.buf, self.exited = fd, b'', _Exited(pid)

    def take(self, n, wall_s):
        """Up to n outcomes; (outcomes, True) when a test's wall limit passed first."""
        import json
        import select
        out = []
        deadline = _monotonic() + wall_s
        exited = False
        while len(out) < n:
            if b'\n' in self.buf:
                line, self.buf = self.buf.split(b'\n', 1)
                try:
                    res = json.loads(line)
                except ValueError:
                    res = None
                if type(res) is not dict:
                    return out, False
                out.append(res)
                deadline = _monotonic() + wall_s  # the next test's wall limit starts now
                if res.get('gone'):
                    return out, False
                continue
            if exited or len(self.buf) > 1 << 20:
                return out, False
            left = deadline - _monotonic()
            if left <= 0:
                return out, True
            ready = select.select([self.fd] + self.exited.fds(), [], [], min(left, self.exited.poll_s))[0]
            if self.fd in ready:
                chunk = posix.read(self.fd, 1 << 16)
                if not chunk:
                    return out, False
                self.buf += chunk
            elif self.exited.done():
                # the test process is gone; a process it left may hold the pipe open: take what it wrote
                exited = True
                posix.set_blocking(self.fd, False)
                try:
                    self.buf += posix.read(self.fd, 1 << 20)
                except OSError:
                    pass
        return out, False


class _Exited:
    """Whether a child has ended, without reaping it: its pidfd (Linux >= 5.3), else a poll of /proc."""

    def __init__(self, pid):
        self.pid, self.pidfd = pid, -1
        try:
            self.pidfd = posix.pidfd_open(pid)
        except (AttributeError, OSError):
            pass
        self.poll_s = 3600.0 if self.pidfd >= 0 else 0.05

    def fds(self):
        return [self.pidfd] if self.pidfd >= 0 else []

    def done(self):
        if self.pidfd >= 0:
            import select
            return bool(select.select([self.pidfd], [], [], 0)[0])
        try:
            with open('/proc/%d/stat' % self.pid, 'rb') as f:
                return f.read().rsplit(b')', 1)[1].split()[0] in (b'Z', b'X')
        except (OSError, IndexError):
            return True

    def close(self):
        if self.pidfd >= 0:
            posix.close(self.pidfd)
            self.pidfd = -1


def _limit_memory(mb):
    """A test's memory limit on each of its processes: RLIMIT_DATA (private writable memory, the template's
    inherited heap included), so an allocation past it is a MemoryError (MLE), in a batch as alone."""
    if mb <= 0:
        return
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_DATA, (mb << 20, mb << 20))
    except (ImportError, ValueError, OSError):
        pass


def _int(x):
    return x if type(x) is int and x >= 0 else 0


def _arm_cpu(seconds):
    import signal
    signal.signal(_SIGPROF, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_PROF, seconds)


def _process_cpu_ms():
    import time
    return int(time.process_time() * 1000)


def _test_process(host, ctl, r, w, pair, codes, spec, jmod, proto, cpu_s):
    """One group's test process (forked from the test-side template): the judge's code for each test, against the
    group's program process on fd 3; each outcome a line on the pipe to the template. It holds nothing else:
    not the host's channel, not the program side's control socket."""
    import json
    import signal
    host.close()
    ctl.close()
    posix.close(r)
    posix.dup2(pair, CHANNEL_FD)
    posix.close(pair)
    posix.dup2(2, 1)  # what the tests print goes to stderr
    codec = proto.Codec()
    stop = spec.get('stop') is True
    for q, code in enumerate(codes):
        data = codec.dumps({'kind': 'assert', 'code': code, 'setup': spec.get('setup'), 'maxReplyBytes': spec.get('maxReplyBytes')})
        c0, t0 = _process_cpu_ms(), _monotonic()
        _arm_cpu(cpu_s)
        result = jmod.judge_bytes(data, proto, q > 0)
        signal.setitimer(signal.ITIMER_PROF, 0)
        line = {k: result[k] for k in ('verdict', 'detail', 'exc', 'gone') if k in result}
        line['cpu_ms'] = _process_cpu_ms() - c0
        line['wall_ms'] = int((_monotonic() - t0) * 1000)
        try:
            posix.write(w, json.dumps(line).encode() + b'\n')
        except (OSError, ValueError):
            posix._exit(0)
        if line.get('gone'):
            break  # the program process ended: the template goes on with fresh processes
        if stop and line.get('verdict') != 'AC':
            break  # the group's later tests are not run (the template marks them)
    try:
        posix.write(CHANNEL_FD, codec.dumps({'op': 'exit'}))  # the program process ends now
    except OSError:
        pass
    posix._exit(0)


def _program_template(ctl, trace):
    """The program-side template: loads the program once, hides its sources, then forks one program process per
    group on the test-side template's request, sends it the test process's end of the pair socket, and reports
    how that process ended and each test's CPU (and arcs). A failure to load is told instead, as the verdict of
    every test."""
    global _SEALED
    import json
    import socket
    null = posix.open('/dev/null', posix.O_RDONLY)
    posix.dup2(null, 0)  # the tests arrive on stdin: not for this side
    posix.close(null)
    prepare_interpreter()
    proto, chan, holder, _ = prepare_serve()
    mod = new_module('solution')
    ns = mod.__dict__
    holder[:] = [ns]
    _SEALED = True
    failure = None
    try:
        codes = compile_program()
    except CompileFailed as e:
        codes = None
        failure = ({'verdict': 'IE', 'detail': 'setup code does not compile: %s' % e.message[:2000]} if e.where == 'setup'
                   else {'verdict': 'CE', 'detail': e.message[:8000]})
    hidden = _undumpable()
    for name in _SOURCE_FILES:
        try:
            posix.unlink(name)
        except FileNotFoundError:
            pass
        except OSError:
            hidden = False
    INLINE_FILES.clear()
    tell = lambda msg: ctl.sendall(json.dumps(msg).encode() + b'\n')
    if not hidden:
        tell({'verdict': 'IE', 'detail': 'pair mode: the program could not be hidden from the test'})
        posix._exit(1)
    if failure is not None:
        tell(failure)
        posix._exit(1)
    try:
        exec_program(ns, codes)
    except Exception as e:
        print_traceback(e)
        flush_output()
        exc = describe_exception(e)
        tell({'verdict': 'RE', 'detail': 'the program raised %s while loading: %s' % (exc.get('type'), str(exc.get('msg'))[:400]),
              'exc': exc.get('type')})
        posix._exit(1)
    codes = None
    flush_output()
    rfile = ctl.makefile('rb')
    head = rfile.readline().split()
    ok = len(head) == 3 and head[0] == b'limits' and head[1].isdigit() and head[2].isdigit()
    cpu_s, memory_mb = (int(head[1]) / 1000.0, int(head[2])) if ok else (1.0, 0)
    while True:
        line = rfile.readline()
        if line != b'fork\n':
            posix._exit(0)
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        ar, aw = posix.pipe()
        pid = posix.fork()
        if pid == 0:
            rfile.close()
            ctl.close()
            a.close()
            posix.close(ar)
            posix.dup2(b.fileno(), CHANNEL_FD)
            b.close()
            _limit_memory(memory_mb)
            _program_process(chan, ns, proto, trace, aw, cpu_s)
        b.close()
        posix.close(aw)
        socket.send_fds(ctl, [b'\n'], [a.fileno()])  # (a stream socket carries descriptors with a byte)
        a.close()
        segments, ended = _collect_segments(ar, ctl, rfile, pid)
        posix.close(ar)
        _, status, _ = posix.wait4(pid, 0)
        tell({'status': status, 'segments': segments})
        if ended:
            posix._exit(0)


def _collect_segments(ar, ctl, rfile, pid):
    """Each test's CPU (and arcs) from the program process (a JSON line per test, written as the next one starts
    and at its end), while watching the control socket for `kill` (the test's wall limit passed)."""
    import json
    import select
    exited = _Exited(pid)
    data, ended, watch = b'', False, [ar, ctl]
    while True:
        ready = select.select(watch + exited.fds(), [], [], exited.poll_s)[0]
        if ctl in ready:
            line = rfile.readline()
            _kill(pid)
            ended = line != b'kill\n'
            watch = [ar]
        if ar in ready:
            chunk = posix.read(ar, 1 << 20)
            if not chunk:
                break
            data += chunk
        elif exited.done():
            # the program process is gone; a process it left may hold the pipe open: take what it wrote
            posix.set_blocking(ar, False)
            try:
                data += posix.read(ar, 1 << 20)
            except OSError:
                pass
            break
    exited.close()
    segments = []
    for line in data.split(b'\n'):
        if line:
            try:
                seg = json.loads(line)
            except ValueError:
                break
            segments.append(seg if type(seg) is dict else {})
    return segments, ended


def _program_process(chan, ns, proto, trace, aw, cpu_s):
    """One group's program process: serves its test process on fd 3 until it closes; at each test's start (the
    `hello` of a later test) and at the end, that test's CPU (and traced, its arcs) goes on the pipe."""
    import json
    arcs = [set()]
    c0 = [_process_cpu_ms()]

    def segment():
        seg = {'cpu_ms': _process_cpu_ms() - c0[0]}
        if trace:
            seg['arcs'] = [x for arc in sorted(arcs[0])[:_ARCS_MAX] for x in arc]  # line, next line, ...
        data = memoryview(json.dumps(seg).encode() + b'\n')
        while data:
            data = data[posix.write(aw, data):]
        arcs[0] = set()
        c0[0] = _process_cpu_ms()

    _arm_cpu(cpu_s)
    if trace:
        sys.settrace(_coverage_tracer(arcs))
    chan.send({'op': 'ready', 'fns': top_level_callables(ns)})
    while True:
        try:
            msg = chan.recv()
        except Exception:
            msg = None
        if msg is None or type(msg) is not dict or msg.get('op') == 'exit':
            break
        if msg.get('op') == 'hello':  # the next test of the group starts
            sys.settrace(None)
            segment()
            _arm_cpu(cpu_s)
            if trace:
                sys.settrace(_coverage_tracer(arcs))
        reply = handle(msg, ns, proto)
        flush_output()
        chan.send(reply)
    sys.settrace(None)
    flush_output()
    segment()
    posix._exit(0)


def _undumpable():
    try:
        import _ctypes
        prctl = _ctypes.dlsym(_ctypes.dlopen(None), 'prctl')
        _ctypes.call_function(prctl, (4, 0, 0, 0, 0))  # PR_SET_DUMPABLE 0
        return _ctypes.call_function(prctl, (3, 0, 0, 0, 0)) == 0  # PR_GET_DUMPABLE
    except Exception:
        return False


def _coverage_tracer(holder):
    """sys.settrace for the program's own frames only (code compiled as solution.py): every (line, next line)
    arc of a frame into holder[0] (the current test's set), -1 for its entry and its exit, so a branch's outcome
    is the line that followed its test."""
    full = _ARCS_MAX

    def on_call(frame, event, arg):
        if frame.f_code.co_filename != PROGRAM_FILE or len(holder[0]) >= full:
            return None
        last = [-1]

        def on_event(frame, event, arg):
            if event == 'line':
                line = frame.f_lineno
                holder[0].add((last[0], line))
                last[0] = line
            elif event == 'return':
                holder[0].add((last[0], -1))
            return on_event
        return on_event
    return on_call


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
    elif mode == 'pairs':
        run_pairs(argv[2:] == ['trace'])
    else:
        sys.stderr.write('verpo runner: unknown mode %r\n' % mode)
        posix._exit(2)


if __name__ == '__main__' and not globals().get('VERPO_ZYGOTE'):
    main(sys.argv)  # (the zygote, zygote.py, execs this file's code only for its functions)
