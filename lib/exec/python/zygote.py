"""verpo zygote: a warm, TRUSTED Python interpreter (one per supervisor slot) that forks one sandboxed
process per test. It never runs candidate code itself and never holds test data: it gets the program's
mode and sources, the isolation plan and the test's descriptors, forks, and reports the test's end.

It is started by the native supervisor (native/core/exec/zygote_run.cpp) as `python -c ZYGOTE_BOOT`
with fd 0 = a SOCK_SEQPACKET control socket. The boot receives marshalled (runner, protocol, zygote)
code, execs runner.py's code (for its functions only: VERPO_ZYGOTE is set) and this file in __main__.

The slot's namespaces are made once, when the supervisor starts the zygote: with namespaces it is pid 1
of its own pid namespace, in its own mount, ipc and net namespaces, with /proc of that namespace, the
slot's workdir bound on /tmp and the shared writable dirs hidden (child_launch.cpp does this before
the exec). Nothing else ever runs in that pid namespace but the zygote and the current test, one test
at a time, so the test's whole process tree is "every process here but pid 1": kill(-1) from pid 1
ends exactly that, daemons and double forks included, in one call.

Per test (one control message each way, strictly in order):
  supervisor -> zygote   JSON header + b'\\n' + seccomp BPF bytes + inline file bytes, with SCM_RIGHTS
                         fds named by header.fds (stdin, stdout, stderr, optional chan, optional listener)
  zygote -> supervisor   {"ok": 1} with a pidfd of the test's process (or {"error": ...})
  zygote -> supervisor   {"status", "utime", "stime", "maxrss", "setup"}: the test process's wait
                         status and rusage, once it is reaped and every other process of the test is
                         gone; "setup" = {stage, error} if the isolation step failed before the program.

The test's process, forked from here, applies the same isolation plan as the native path
(isolation_plan.cpp), in the same order: rlimits (hard = soft), setsid, setgroups/setresgid/setresuid,
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, seccomp last (listener fd sent to the supervisor). Only then
does candidate code run: one fork per test, nothing of the test's data in this process.
"""

import atexit
import fcntl
import os
import posix
import socket
import sys

# Modules candidate programs commonly import, loaded once here so a fork gets them for free; plus what
# the runner and the isolation step use (ctypes for prctl/seccomp, once, not per child).
import bisect  # noqa: F401
import collections  # noqa: F401
import ctypes
import dataclasses  # noqa: F401
import functools  # noqa: F401
import heapq  # noqa: F401
import itertools  # noqa: F401
import json
import math  # noqa: F401
import random
import re  # noqa: F401
import resource
import string  # noqa: F401
import traceback  # noqa: F401
import typing  # noqa: F401

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER = 1, 4, 38, 36
SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER = 1, 1 << 3
SYS_SECCOMP = {'x86_64': 317, 'aarch64': 277}
SYS_CLOSE_RANGE = 436  # same number on x86-64 and aarch64
# Where the test process keeps its descriptors until the program runs: 0-2 stdio, 3 the judge channel,
# 5 the setup report (closed before any candidate code runs); 4 stays closed (the listener socket is
# used where the zygote put it, then closed).
LISTENER_FD, REPORT_FD = 4, 5

_libc = ctypes.CDLL(None, use_errno=True)
# Resolved here, once: a fork then finds them ready instead of building them (and touching pages) per test.
_prctl, _syscall = _libc.prctl, _libc.syscall
_seccomp_nr = SYS_SECCOMP.get(os.uname().machine)


class _SockFprog(ctypes.Structure):
    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]


def _check(rc, what):
    if rc == -1:
        e = ctypes.get_errno()
        raise OSError(e, '%s: %s' % (what, os.strerror(e)))
    return rc


class _Plan:
    """One test's isolation, prepared in the zygote BEFORE the fork: work done here touches no page shared
    with a child (the previous test's is gone), while every object the child builds or touches after the
    fork costs it a copy-on-write fault. So the child gets ready-made values and only makes syscalls."""
    __slots__ = ('moves', 'listener_fd', 'listener_sock', 'cwd', 'rlimits', 'drop', 'uid', 'gid', 'fprog', 'mode')


_DEVNULL = os.open('/dev/null', os.O_RDWR | os.O_CLOEXEC)
_ALL_FDS = ctypes.c_uint(0xffffffff)
_LISTENER_MSG = [b'L']
_OK_MSG = [b'{"ok": 1}']
_fprog_cache = [None, None, None]  # bpf bytes, their buffer, the sock_fprog over it (one filter per slot)
_env_now = None  # the environment the zygote holds (what a fork inherits)


def _high(fd):
    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)


def _prepare(req, bpf, files, fds, report_w):
    global _env_now
    plan = _Plan()
    by_name = dict(zip(req['fds'], fds))
    # Every descriptor the child keeps goes above 9 first (close-on-exec copies), so that its dup2 onto
    # 0..5 never clobbers a source.
    plan.moves = [(_high(by_name['stdin']), 0), (_high(by_name['stdout']), 1), (_high(by_name['stderr']), 2),
                  (_high(by_name.get('chan', _DEVNULL)), 3), (_high(report_w), REPORT_FD)]
    plan.listener_fd, plan.listener_sock = -1, None
    if 'listener' in by_name and req.get('listener'):
        plan.listener_fd = _high(by_name['listener'])
        plan.listener_sock = socket.socket(fileno=plan.listener_fd)
    plan.cwd = req['cwd']
    plan.rlimits = [(res, (value, value)) for res, value in req['rlimits']]
    plan.drop, plan.uid, plan.gid = bool(req.get('drop')), req['uid'], req['gid']
    plan.fprog = None
    if bpf:
        if _fprog_cache[0] != bpf:
            buf = ctypes.create_string_buffer(bpf, len(bpf))
            _fprog_cache[:] = [bpf, buf, _SockFprog(len(bpf) // 8, ctypes.addressof(buf))]
        plan.fprog = ctypes.byref(_fprog_cache[2])
    plan.mode = req['mode']
    env = req['env']
    if env != _env_now:  # the same for every test of an executor: set here once, inherited by each fork
        os.environ.clear()
        for kv in env:
            k, _, v = kv.partition('=')
            os.environ[k] = v
        _env_now = env
    INLINE_FILES.clear()  # noqa: F821 (runner.py)
    INLINE_FILES.update(files)  # noqa: F821
    return plan


def _release(plan):
    """The zygote's side of a forked test: its copies of the child's descriptors and sources go."""
    for fd, _ in plan.moves:
        os.close(fd)
    if plan.listener_sock is not None:
        plan.listener_sock.close()
    INLINE_FILES.clear()  # noqa: F821


def _test_process(plan, ctl):
    """The test's process: isolates itself, then runs the program. Never returns."""
    stage = 'fds'
    try:
        ctl.detach()  # fd 0 is about to become the test's stdin: the socket object must never close it
        for fd, to in plan.moves:
            os.dup2(fd, to)
        # every other descriptor but the listener socket (sent on below, then closed); 4 is unused now
        lfd = plan.listener_fd
        _check(_syscall(SYS_CLOSE_RANGE, LISTENER_FD, LISTENER_FD, 0), 'close_range')
        if lfd < 0:
            _check(_syscall(SYS_CLOSE_RANGE, REPORT_FD + 1, _ALL_FDS, 0), 'close_range')
        else:
            _check(_syscall(SYS_CLOSE_RANGE, REPORT_FD + 1, lfd - 1, 0), 'close_range')
            _check(_syscall(SYS_CLOSE_RANGE, lfd + 1, _ALL_FDS, 0), 'close_range')
        stage = 'chdir'
        os.chdir(plan.cwd)
        stage = 'setrlimit'
        for res, lim in plan.rlimits:
            resource.setrlimit(res, lim)
        stage = 'setsid'
        os.setsid()
        if plan.drop:
            stage = 'uid/gid drop'
            os.setgroups(())
            os.setresgid(plan.gid, plan.gid, plan.gid)
            os.setresuid(plan.uid, plan.uid, plan.uid)
            # The uid change made us non-dumpable, which makes /proc/<pid> root's: the supervisor reads
            # the tree's usage there, and the program's own /proc/self should work as usual.
            _check(_prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 'PR_SET_DUMPABLE')
        stage = 'PR_SET_PDEATHSIG'
        _check(_prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0), 'PR_SET_PDEATHSIG')
        stage = 'PR_SET_NO_NEW_PRIVS'
        _check(_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 'PR_SET_NO_NEW_PRIVS')
        if plan.fprog is not None:
            stage = 'seccomp filter'
            if _seccomp_nr is None:
                raise OSError(0, 'seccomp: unsupported architecture')
            flags = SECCOMP_FILTER_FLAG_NEW_LISTENER if lfd >= 0 else 0
            fd = _syscall(_seccomp_nr, SECCOMP_SET_MODE_FILTER, flags, plan.fprog)
            if fd < 0:
                e = ctypes.get_errno()
                raise OSError(e, 'seccomp: ' + os.strerror(e))
            if lfd >= 0:
                socket.send_fds(plan.listener_sock, _LISTENER_MSG, [fd])
                os.close(fd)
        if lfd >= 0:
            plan.listener_sock.detach()
            os.close(lfd)
        os.close(REPORT_FD)  # from here on candidate code runs: it must not be able to write a report
    except BaseException as e:
        try:
            os.write(REPORT_FD if stage != 'fds' else plan.moves[-1][0],
                     json.dumps({'stage': stage, 'error': '%s: %s' % (type(e).__name__, e)}).encode())
        finally:
            posix._exit(127)
    _program(plan.mode)


def _program(mode):
    """Candidate code starts running here, under every layer."""
    try:
        # (random reseeds itself in every fork: the module registers that with os.register_at_fork)
        if mode == 'compile':
            compile_check()  # noqa: F821 (runner.py)
        elif mode == 'stdio':
            run_stdio()  # noqa: F821
        elif mode == 'serve':
            serve()  # noqa: F821
        _finalize()
        flush_and_exit(0)  # noqa: F821
    except SystemExit as e:
        code = e.code
        _finalize()
        flush_output()  # noqa: F821
        if code is None:
            posix._exit(0)
        if type(code) is int:
            posix._exit(code & 0xff)
        try:
            sys.stderr.write('%s\n' % (code,))
            sys.stderr.flush()
        except BaseException:
            pass
        posix._exit(1)
    except BaseException:
        posix._exit(1)


def _finalize():
    """What interpreter shutdown would do for a program run as a fresh process: join non-daemon threads,
    run atexit handlers (we leave with _exit, so nothing of the zygote's own shutdown runs)."""
    try:
        if 'threading' in sys.modules:
            sys.modules['threading']._shutdown()
        atexit._run_exitfuncs()
    except BaseException:
        pass


def _end_test(pid, is_init):
    """After the test's process is reaped: end every other process of the test and reap them all."""
    if is_init:
        # pid 1 of a namespace holding only us and this test: kill(-1) reaches every process but us
        # (a fork racing with it gets the signal too); orphans are ours to reap, until none is left.
        try:
            os.kill(-1, 9)
        except ProcessLookupError:
            pass
        while True:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                return
            except InterruptedError:
                continue
    # No pid namespace: the test's session now (the supervisor kills the slot uid's leftovers after the
    # report); as a subreaper we reap what it leaves, now and before each later test.
    try:
        os.killpg(pid, 9)
    except (ProcessLookupError, PermissionError):
        pass
    _reap_orphans()


def _reap_orphans():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _split_payload(req, payload):
    """(bpf bytes, {name: bytes}) from what follows the header: the filter, then each inline file."""
    at = req.get('bpf', 0)
    bpf = payload[:at]
    files = {}
    for name, size in req.get('files', ()):
        files[name] = payload[at:at + size]
        at += size
    if at != len(payload):
        raise ValueError('the request carries %d bytes, its header names %d' % (len(payload), at))
    return bpf, files


def zygote_main(ctl):
    import gc
    # Everything loaded so far goes to the permanent generation: a collection in a forked child then never
    # walks (and so never copies, page by page) the zygote's objects.
    load_protocol(here())  # noqa: F821 (runner.py): the forks share it instead of each building it
    gc.collect()
    gc.freeze()
    is_init = os.getpid() == 1
    if not is_init:
        _prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(ctl, 1 << 20, 8)
        except OSError:
            posix._exit(0)
        if not data:
            posix._exit(0)  # the supervisor is gone
        report_r = report_w = -1
        plan = None
        try:
            nl = data.index(b'\n')
            req = json.loads(data[:nl])
            bpf, files = _split_payload(req, data[nl + 1:])
            report_r, report_w = os.pipe()
            plan = _prepare(req, bpf, files, fds, report_w)
            pid = os.fork()
        except (OSError, ValueError, KeyError, TypeError) as e:
            if plan is not None:
                _release(plan)
            for fd in fds + [report_r, report_w]:
                if fd >= 0:
                    os.close(fd)
            ctl.send(json.dumps({'error': 'fork: %s' % e}).encode())
            continue
        if pid == 0:
            _test_process(plan, ctl)
        # While the child lives, every page this process writes is copied (copy-on-write): do the least
        # here, and the bookkeeping once it is gone. (Our copies of its descriptors stay open till then;
        # the run waits for this report anyway.)
        pidfd = os.pidfd_open(pid)
        socket.send_fds(ctl, _OK_MSG, [pidfd])
        _, status, ru = os.wait4(pid, 0)
        os.close(pidfd)
        _release(plan)
        for fd in fds:
            os.close(fd)
        os.close(report_w)
        _end_test(pid, is_init)
        try:
            os.set_blocking(report_r, False)
            rep = os.read(report_r, 65536)
        except BlockingIOError:
            rep = b''
        os.close(report_r)
        try:
            setup = json.loads(rep) if rep else None
        except ValueError:
            setup = None
        ctl.send(json.dumps({'status': status, 'utime': ru.ru_utime, 'stime': ru.ru_stime,
                             'maxrss': ru.ru_maxrss, 'setup': setup}).encode())


if globals().get('VERPO_ZYGOTE'):
    zygote_main(_ctl)  # noqa: F821 (the boot's control socket)
