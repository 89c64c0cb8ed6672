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
    codes = []
    for where, name, required in (('setup', SETUP_FILE, False), ('program', PROGRAM_FILE, True)):
        src = read_source(name, required)
        if src is None:
            codes.append(None)
            continue
        try:
            codes.append(compile(src, name, 'exec', dont_inherit=True))
        except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError) as e:
            result = {'ok': False, 'where': where, 'message': format_compile_error(e)}
            if isinstance(e, SyntaxError) and e.lineno is not None:
                result['line'] = e.lineno
            break
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


def exec_program(ns):
    """setup (trusted helpers, e.g. `from typing import List`) then the program, in one namespace: from
    the code compile_check made when the executor passes it, else compiled here from source."""
    blob = read_source(CODE_FILE, False)
    if blob is not None:
        import marshal
        setup, program = marshal.loads(blob)
        if setup is not None:
            exec(setup, ns)
        exec(program, ns)
        return
    setup = read_source(SETUP_FILE, False)
    if setup is not None:
        exec(compile(setup, SETUP_FILE, 'exec', dont_inherit=True), ns)
    program = read_source(PROGRAM_FILE, True)
    exec(compile(program, PROGRAM_FILE, 'exec', dont_inherit=True), ns)


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


_SERVE = None  # (protocol, channel, namespace holder): made once, before a zygote's forks


def prepare_serve():
    """The judge channel and its codec, which do not depend on the program: a zygote makes them once and
    every fork gets them ready (building them in each fork touched ~100 pages, each a copy-on-write fault).
    A reference to a program function resolves through the holder, which serve() fills per process."""
    global _SERVE
    if _SERVE is None:
        proto = load_protocol(here())
        holder = []

        def resolve_ref(name):
            ns = holder[0]
            if name not in ns:
                raise proto.DecodeError('unknown name %r' % name)
            return ns[name]

        chan = proto.Channel(CHANNEL_FD, proto.Codec(resolve_ref=resolve_ref), MAX_MESSAGE)
        _SERVE = (proto, chan, holder)
    return _SERVE


def serve():
    """Answer the judge: {"op":"get"|"call"} requests, one reply each, strictly in order, until it closes
    the channel (or sends {"op":"exit"})."""
    prepare_interpreter()
    proto, chan, holder = prepare_serve()
    mod = new_module('solution')
    ns = mod.__dict__
    holder[:] = [ns]
    try:
        exec_program(ns)
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
    op, rid, name = msg.get('op'), msg.get('id'), msg.get('name')
    if type(name) is not str:
        return {'id': rid, 'ok': False, 'error': 'bad request'}
    if op == 'get':
        if name not in ns:
            return {'id': rid, 'ok': True, 'kind': 'missing'}
        v = ns[name]
        if type(v) is type(sys):
            return {'id': rid, 'ok': True, 'kind': 'module', 'v': str(getattr(v, '__name__', ''))}
        if callable(v):
            return {'id': rid, 'ok': True, 'kind': 'callable'}
        try:
            return {'id': rid, 'ok': True, 'kind': 'value', 'v': proto.encode_value(v)}
        except proto.EncodeError as e:
            return {'id': rid, 'ok': False, 'unser': str(e)}
    if op == 'call':
        fn = ns.get(name)
        if fn is None or not callable(fn):
            return {'id': rid, 'ok': False,
                    'exc': {'type': 'NameError', 'mro': ['NameError', 'Exception', 'BaseException'],
                            'msg': 'name %r is not a callable defined by the program' % name}}
        args, kwargs = msg.get('args'), msg.get('kwargs')
        if type(args) is not list or type(kwargs) is not dict:
            return {'id': rid, 'ok': False, 'error': 'bad request'}
        try:
            result = fn(*args, **kwargs)
        except Exception as e:
            print_traceback(e)
            return {'id': rid, 'ok': False, 'exc': describe_exception(e)}
        try:
            reply = {'id': rid, 'ok': True, 'v': proto.encode_value(result)}
            # arguments are copies: send back mutable ones so in-place mutation is visible to the test
            mut = [[i, proto.encode_value(a)] for i, a in enumerate(args) if type(a) in _MUTABLE]
            kmut = [[k, proto.encode_value(a)] for k, a in kwargs.items() if type(a) in _MUTABLE]
            if mut:
                reply['mut'] = mut
            if kmut:
                reply['kmut'] = kmut
            return reply
        except proto.EncodeError as e:
            return {'id': rid, 'ok': False, 'unser': str(e)}
    return {'id': rid, 'ok': False, 'error': 'unknown op'}


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
    elif mode == 'serve':
        serve()
    else:
        sys.stderr.write('verpo runner: unknown mode %r\n' % mode)
        posix._exit(2)


if __name__ == '__main__' and not globals().get('VERPO_ZYGOTE'):
    main(sys.argv)  # (the zygote, zygote.py, execs this file's code only for its functions)
