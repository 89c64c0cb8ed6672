"""verpo zygote: a warm, TRUSTED Python interpreter (one per supervisor slot) that forks one sandboxed
process per test. It never runs candidate code itself and never holds test data: it gets the program's
mode and sources, the isolation plan and the test's descriptors, forks, and reports the test's end.

It is started by the native supervisor (native/core/exec/zygote_run.cpp) as `python -c ZYGOTE_BOOT`
with fd 0 = a SOCK_SEQPACKET control socket. The boot receives marshalled (runner, protocol, zygote)
code, execs runner.py's code (for its functions only: VERPO_ZYGOTE is set) and this file in __main__;
the next message names the fork server library (verpo_zygote.so, built beside the native addon).

The slot's namespaces are made once, when the supervisor starts the zygote: with namespaces it is pid 1
of its own pid namespace, in its own mount, ipc and net namespaces, with /proc of that namespace, the
slot's workdir bound on /tmp and the shared writable dirs hidden (child_launch.cpp does this before
the exec). Nothing else ever runs in that pid namespace but the zygote and the current test, one test
at a time, so the test's whole process tree is "every process here but pid 1": kill(-1) from pid 1
ends exactly that, daemons and double forks included, in one call.

The per-test loop is the fork server's (native/zygote/fork_server.cpp; wire format in
native/core/exec/zygote_wire.hpp), called once from here through ctypes: it receives each test's
request and descriptors, forks with CPython's own fork hooks, makes the child isolate itself with the
same plan and code as the native spawn path (rlimits, setsid, uid drop, PR_SET_PDEATHSIG,
PR_SET_NO_NEW_PRIVS, seccomp last with the listener sent to the supervisor), hands the supervisor a
pidfd of it, waits, ends every other process of the test and reports. Why in C: after a fork every
page is copy-on-write, and a Python loop writes to every object it touches (reference counts), so each
of its steps cost page faults in the zygote and in the child; the C loop makes no Python object.

It returns here only in a forked test process (isolated already: this file then hands the program's
sources to the runner and runs it), to set a new environment (the same for every test of an executor:
set once, inherited by each fork), or when the supervisor is gone.
"""

import atexit
import os
import posix
import socket
import sys

# Modules candidate programs commonly import, loaded once here so a fork gets them for free; plus what
# the runner uses.
import bisect  # noqa: F401
import collections  # noqa: F401
import ctypes
import dataclasses  # noqa: F401
import functools  # noqa: F401
import heapq  # noqa: F401
import itertools  # noqa: F401
import json  # noqa: F401
import math  # noqa: F401
import random  # noqa: F401
import re  # noqa: F401
import string  # noqa: F401
import traceback  # noqa: F401
import typing  # noqa: F401

PR_SET_CHILD_SUBREAPER = 36
# The control socket's descriptor from here on: at or above the fork server's kFirstFree (fork_server.cpp), so
# that its close_range closes it in every test process.
CONTROL_FD_MIN = 64
# verpo_zygote_serve's results (fork_server.cpp)
SERVE_EXIT, SERVE_CHILD, SERVE_CONFIGURE = 0, 1, 2
MODES = ('compile', 'stdio', 'serve', 'stdio-rollout')  # ZygoteMode's values, in order


class _Hooks(ctypes.Structure):
    """CPython's fork hooks, which the fork server calls exactly as os.fork() does."""
    _fields_ = [('before_fork', ctypes.c_void_p), ('after_fork_parent', ctypes.c_void_p),
                ('after_fork_child', ctypes.c_void_p)]


# What a return of the fork server hands over (fork_server.cpp, VerpoOutWord): 32-bit words, then
# (offset, length) spans into its request buffer. Both are read through memoryviews made once, here:
# a forked test process then reads its sources with builtins only (no ctypes call, few pages touched).
OUT_MODE, OUT_REPORT_FD, OUT_SPAN_COUNT, OUT_SPANS = 0, 1, 2, 3


def _set_env(out, req):
    os.environ.clear()
    start, size = out[OUT_SPANS], out[OUT_SPANS + 1]
    for kv in bytes(req[start:start + size]).split(b'\0')[:-1]:
        k, _, v = kv.decode('utf-8', 'surrogateescape').partition('=')
        os.environ[k] = v


def _test_process(ctl, out, req):
    """A forked test process, already isolated: the program's sources to the runner, then the program.
    A failure here is the harness's, reported on the setup pipe (an internal error), never the program's."""
    report_fd = out[OUT_REPORT_FD]
    try:
        ctl.detach()  # (the fork server closed its descriptor: the socket object must not close a reused number)
        files = INLINE_FILES  # noqa: F821 (runner.py)
        files.clear()
        for at in range(OUT_SPANS, OUT_SPANS + out[OUT_SPAN_COUNT], 4):
            name, size, data, length = out[at:at + 4]
            files[str(req[name:name + size], 'utf-8', 'surrogateescape')] = bytes(req[data:data + length])
        mode = MODES[out[OUT_MODE]]
        # (sources over the inline size are files in the workdir: then so is the compiled code, when it was sent)
        compiled = CODE_FILE in files if files else os.path.exists(CODE_FILE)  # noqa: F821 (runner.py)
        if mode in ('stdio', 'stdio-rollout') and not compiled:
            _precompile_stdio(report_fd)
        os.close(report_fd)  # from here on candidate code runs: it must not be able to write a report
    except BaseException as e:
        try:
            os.write(report_fd, ('harness: %s: %s' % (type(e).__name__, e)).encode())
        finally:
            posix._exit(127)
    _program(mode)


COMPILE_MESSAGE_MAX = 8000  # characters, as the judge clips a serve process's compile error


def _precompile_stdio(report_fd):
    """A stdio test process without a syntax check of its own (scope rollout): the sources compiled here, before
    any of the program runs, for every test of the process (runner.PRECOMPILED). When they do not compile, the
    compiler's message goes to stderr and `compile:program` (or `compile:setup`) to the report pipe, and the process
    ends: nothing of the program ran, so both are the harness's word (the supervisor reads the report as the
    verdict CE, or IE for setup code; zygote_run.cpp)."""
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # (as the syntax check: its warnings are no test's output)
            PRECOMPILED.append(tuple(compile_sources()))  # noqa: F821 (runner.py)
    except CompileFailed as e:  # noqa: F821
        # the report first: should the message meet the output limit, the verdict is still known
        os.write(report_fd, ('compile:%s' % e.where).encode())
        data = e.message[:COMPILE_MESSAGE_MAX].encode('utf-8', 'backslashreplace')
        while data:
            data = data[os.write(2, data):]
        posix._exit(1)


def _stdin_for_tests(ctl):
    """The control socket moves off fd 0 (to a number the fork server closes in every test process) and
    /dev/null takes its place; sys.stdin is then made on fd 0 as the interpreter makes it at start-up
    (buffered, the same encoding and errors, newline '\\n'), once, here. A test process finds its own stdin
    (a regular file at offset 0: run_io.hpp's MakeStdinFile) behind fd 0 and a sys.stdin that has read nothing
    and knows it can seek, as one made for it would. Made in every fork (the zygote's own, made for the socket,
    freed there), it cost a test process ~50 copy-on-write page faults. Returns the moved socket."""
    import fcntl
    import io
    moved = socket.socket(fileno=fcntl.fcntl(ctl.fileno(), fcntl.F_DUPFD_CLOEXEC, CONTROL_FD_MIN))
    ctl.detach()
    null = os.open('/dev/null', os.O_RDONLY | os.O_CLOEXEC)
    os.dup2(null, 0)
    os.close(null)
    old = sys.__stdin__ or sys.stdin
    enc = getattr(old, 'encoding', None) or 'utf-8'
    errors = getattr(old, 'errors', None) or 'strict'
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, 'rb', closefd=False)),
                                                 encoding=enc, errors=errors, newline='\n')
    return moved


def _program(mode):
    """Candidate code starts running here, under every layer."""
    code = 0
    try:
        # (random reseeds itself in every fork: the module registers that with os.register_at_fork)
        if mode == 'compile':
            compile_check()  # noqa: F821 (runner.py)
        elif mode == 'stdio':
            run_stdio()  # noqa: F821
        elif mode == 'stdio-rollout':
            run_stdio_rollout()  # noqa: F821
        elif mode == 'serve':
            serve()  # noqa: F821
    except SystemExit as e:
        code = e.code
        e.__traceback__ = None  # its frames hold the program's globals: teardown must be able to free them
    except BaseException:
        posix._exit(1)
    # SystemExit's message is printed first, then the exit-time work, as Py_Exit does.
    status = exit_status(code)  # noqa: F821 (runner.py)
    code = None
    _finalize()
    flush_output()  # noqa: F821
    posix._exit(status)


_ZYGOTE_MODULES = {}  # name -> module of the zygote itself, recorded before the first fork


def _finalize():
    """What interpreter shutdown would do for a program run as a fresh process, in CPython's order: join
    non-daemon threads, run atexit handlers, then tear the program's modules down so that the `__del__`
    methods plain CPython runs at exit run here too (and print what they print). We leave with _exit, so
    nothing of the zygote's own shutdown runs."""
    try:
        if 'threading' in sys.modules:
            sys.modules['threading']._shutdown()
        atexit._run_exitfuncs()
    except BaseException:
        pass
    try:
        _teardown_program_modules()
    except BaseException:
        pass


def _teardown_program_modules():
    """CPython's finalize_modules for the modules the program brought (its __main__ or solution module and
    what it imported after the fork): standard streams restored, the modules removed from sys.modules in
    order (each freed at once when nothing else holds it), a collection (the usual case: a module's
    functions and its dict form a cycle), then the dicts of modules still alive cleared in reverse order,
    names starting with one underscore first (as _PyModule_ClearDict), and a last collection."""
    import gc
    import weakref
    for name in ('stdin', 'stdout', 'stderr'):
        orig = getattr(sys, '__%s__' % name, None)
        if orig is not None:
            setattr(sys, name, orig)
    weak = []
    for name in [n for n, m in list(sys.modules.items()) if _ZYGOTE_MODULES.get(n) is not m]:
        mod = sys.modules.pop(name, None)
        try:
            weak.append(weakref.ref(mod))
        except TypeError:
            pass
        mod = None
    gc.collect()
    for ref in reversed(weak):
        mod = ref()
        if mod is None:
            continue
        d = getattr(mod, '__dict__', None)
        mod = None
        if type(d) is not dict:
            continue
        clear_module_dict(d)  # noqa: F821 (runner.py)
        d = None
    gc.collect()


def zygote_main(ctl):
    import gc
    # The library's path, and the file itself: the path may be hidden by the slot's mount view (an addon
    # installed under /tmp), the open file is not.
    path, fds, _, _ = socket.recv_fds(ctl, 4096, 1)
    path = path.decode()
    if fds and os.path.exists('/proc/self/fd/%d' % fds[0]):
        path = '/proc/self/fd/%d' % fds[0]
    lib = ctypes.PyDLL(path)
    for fd in fds:
        os.close(fd)  # the loader keeps its own mapping
    # PyDLL: the call keeps the GIL, as os.fork() does around CPython's fork hooks.
    serve = lib.verpo_zygote_serve
    serve.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.POINTER(_Hooks), ctypes.POINTER(ctypes.c_uint32)]
    serve.restype = ctypes.c_int
    lib.verpo_zygote_request.restype = ctypes.c_void_p
    lib.verpo_zygote_request_size.restype = ctypes.c_size_t
    req = memoryview((ctypes.c_ubyte * lib.verpo_zygote_request_size()).from_address(lib.verpo_zygote_request())).cast('B')
    words = (ctypes.c_uint32 * lib.verpo_zygote_out_words())()
    out = memoryview(words).cast('B').cast('I')  # ctypes says '<I', which a memoryview cannot index
    api = ctypes.pythonapi
    hooks = _Hooks(*(ctypes.cast(f, ctypes.c_void_p).value
                     for f in (api.PyOS_BeforeFork, api.PyOS_AfterFork_Parent, api.PyOS_AfterFork_Child)))
    ctl = _stdin_for_tests(ctl)
    prepare_serve()  # noqa: F821 (runner.py): the forks share it instead of each building it
    prepare_process()  # noqa: F821 (runner.py): the same, for the interpreter's own settings
    is_init = os.getpid() == 1
    if not is_init:
        ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    _ZYGOTE_MODULES.update(sys.modules)
    # Everything loaded so far goes to the permanent generation: a collection in a forked child then never
    # walks (and so never copies, page by page) the zygote's objects.
    gc.collect()
    gc.freeze()
    fd = ctl.fileno()
    while True:
        rc = serve(fd, 1 if is_init else 0, hooks, words)
        if rc == SERVE_CHILD:
            _test_process(ctl, out, req)
        elif rc == SERVE_CONFIGURE:
            _set_env(out, req)
        else:
            posix._exit(0)  # the supervisor is gone


if globals().get('VERPO_ZYGOTE'):
    zygote_main(_ctl)  # noqa: F821 (the boot's control socket)
