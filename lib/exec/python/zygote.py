"""verpo zygote: a warm, TRUSTED Python interpreter (one per supervisor slot) that forks one sandboxed
process tree per test. It never runs candidate code itself and never holds test data: it gets the
program's mode, the isolation plan and the test's descriptors, forks, and reports pids and statuses.

It is started by the native supervisor (native/core/exec/zygote_run.cpp) as `python -c ZYGOTE_BOOT`
with fd 0 = a SOCK_SEQPACKET control socket. The boot receives marshalled (runner, protocol, zygote)
code, execs runner.py's code (for its functions only: VERPO_ZYGOTE is set) and this file in __main__.

Per test (one control message each way, strictly in order):
  supervisor -> zygote   JSON header + b'\\n' + seccomp BPF bytes, with SCM_RIGHTS fds named by header.fds
                         (stdin, stdout, stderr, optional chan, optional listener socket)
  zygote -> supervisor   {"pid": host pid of the test's init}   (or {"error": ...})
  supervisor -> zygote   b'go' once it holds a pidfd on that pid (so the pid cannot be reused under it)
  zygote -> supervisor   {"status", "utime", "stime", "maxrss", "prog"}: the init's wait status, and what
                         the init reported about the program (its status and rusage), after reaping it.

The test's tree: with namespaces, the zygote unshares CLONE_NEWPID, forks the init (pid 1 of a fresh pid
namespace, so the whole tree dies with it) and resets its own pid_for_children with setns. The init,
still root, unshares mount/ipc (and net) namespaces, binds the per-test workdir on /tmp, hides shared
writable dirs, then applies the same isolation plan as the native path (isolation_plan.cpp), in the
same order: rlimits (hard = soft), setsid, setgroups/setresgid/setresuid, PR_SET_PDEATHSIG,
PR_SET_NO_NEW_PRIVS, seccomp last (listener fd sent to the supervisor). Only then does it fork the
program (pid 2), which re-seeds `random`, holds only fds 0-3, and runs runner.py's code path.
"""

import os
import posix
import socket
import sys

# Modules candidate programs commonly import, loaded once here so a fork gets them for free; plus what
# the runner and the isolation step use (ctypes for prctl/seccomp/unshare/mount, once, not per child).
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

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWPID = 0x00020000, 0x08000000, 0x40000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER = 1, 1 << 3
SYS_SECCOMP = {'x86_64': 317, 'aarch64': 277}
SYS_CLOSE_RANGE = 436  # same number on x86-64 and aarch64
# Where the init keeps its descriptors: 0-2 stdio, 3 the judge channel, 4 the listener socket, 5 the report.
LISTENER_FD, REPORT_FD = 4, 5

_libc = ctypes.CDLL(None, use_errno=True)


class _SockFprog(ctypes.Structure):
    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]


def _check(rc, what):
    if rc != 0 and rc != -1:
        return rc
    if rc == -1:
        e = ctypes.get_errno()
        raise OSError(e, '%s: %s' % (what, os.strerror(e)))
    return rc


def _move_fds(mapping):
    """dup2 each (fd -> target) without clobbering a source that is also a target: first above 9."""
    import fcntl
    high = [(fcntl.fcntl(fd, fcntl.F_DUPFD, 10), to) for fd, to in mapping]
    for fd, to in high:
        os.dup2(fd, to)
    # every other descriptor (the zygote's control socket and pid-namespace fd, the received copies)
    _check(_libc.syscall(SYS_CLOSE_RANGE, max(to for _, to in mapping) + 1, ctypes.c_uint(~0 & 0xffffffff), 0),
           'close_range')


def _mounts(req):
    _check(_libc.mount(None, b'/', None, MS_REC | MS_PRIVATE, None), 'mount private /')
    if req.get('proc'):
        _check(_libc.mount(b'proc', b'/proc', b'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC, None), 'mount /proc')
    _check(_libc.mount(req['workdir'].encode(), b'/tmp', None, MS_BIND, None), 'bind the workdir on /tmp')
    for d in req.get('hide', ()):
        _check(_libc.mount(b'tmpfs', d.encode(), b'tmpfs', MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                           b'size=4k,mode=0555'), 'hide ' + d)


def _seccomp(bpf, listener):
    buf = ctypes.create_string_buffer(bpf, len(bpf))
    prog = _SockFprog(len(bpf) // 8, ctypes.addressof(buf))
    nr = SYS_SECCOMP.get(os.uname().machine)
    if nr is None:
        raise OSError(0, 'seccomp: unsupported architecture')
    flags = SECCOMP_FILTER_FLAG_NEW_LISTENER if listener else 0
    fd = _libc.syscall(nr, SECCOMP_SET_MODE_FILTER, flags, ctypes.byref(prog))
    if fd < 0:
        e = ctypes.get_errno()
        raise OSError(e, 'seccomp: ' + os.strerror(e))
    if listener:
        s = socket.socket(fileno=LISTENER_FD)
        socket.send_fds(s, [b'L'], [fd])
        s.detach()  # fd 4 is closed once, by the caller
        os.close(fd)


def _init(req, bpf, fds, report_w, ctl):
    """The test's init (pid 1 with namespaces). Runs no candidate code; never returns."""
    stage = 'fds'
    try:
        ctl.detach()  # fd 0 is about to become the test's stdin: the socket object must never close it
        names = req['fds']
        by_name = dict(zip(names, fds))
        mapping = [(by_name['stdin'], 0), (by_name['stdout'], 1), (by_name['stderr'], 2)]
        mapping.append((by_name['chan'], 3) if 'chan' in by_name else (os.open('/dev/null', os.O_RDWR), 3))
        mapping.append((by_name['listener'], LISTENER_FD) if 'listener' in by_name
                       else (os.open('/dev/null', os.O_RDWR), LISTENER_FD))
        mapping.append((report_w, REPORT_FD))
        _move_fds(mapping)
        if req.get('ns'):
            stage = 'namespaces'
            _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWIPC | (CLONE_NEWNET if req.get('net') else 0)), 'unshare')
            stage = 'mounts'
            _mounts(req)
        stage = 'chdir'
        os.chdir(req['cwd'])
        stage = 'setrlimit'
        for res, value in req['rlimits']:
            resource.setrlimit(res, (value, value))
        stage = 'setsid'
        os.setsid()
        if req.get('drop'):
            stage = 'uid/gid drop'
            os.setgroups([])
            os.setresgid(req['gid'], req['gid'], req['gid'])
            os.setresuid(req['uid'], req['uid'], req['uid'])
            # The uid change made us non-dumpable, which makes /proc/<pid> of the whole tree root's: the
            # supervisor finds the tree's members by their uid there (process_tree.cpp), so restore it.
            _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 'PR_SET_DUMPABLE')
        stage = 'PR_SET_PDEATHSIG'
        _check(_libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0), 'PR_SET_PDEATHSIG')
        stage = 'PR_SET_NO_NEW_PRIVS'
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 'PR_SET_NO_NEW_PRIVS')
        if bpf:
            stage = 'seccomp filter'
            _seccomp(bpf, req.get('listener'))
        os.close(LISTENER_FD)
        stage = 'environment'
        os.environ.clear()
        for kv in req['env']:
            k, _, v = kv.partition('=')
            os.environ[k] = v
        stage = 'fork'
        prog = os.fork()
        if prog == 0:
            os.close(REPORT_FD)
            _program(req['mode'])
        while True:  # reap everything; the program's own end is reported, then the namespace goes
            pid, status, ru = os.wait4(-1, 0)
            if pid == prog:
                os.write(REPORT_FD, json.dumps({'status': status, 'utime': ru.ru_utime, 'stime': ru.ru_stime,
                                                'maxrss': ru.ru_maxrss}).encode())
                os._exit(0)
    except BaseException as e:
        try:
            os.write(REPORT_FD if stage != 'fds' else report_w,
                     json.dumps({'stage': stage, 'error': '%s: %s' % (type(e).__name__, e)}).encode())
        finally:
            os._exit(127)


def _program(mode):
    """The program's process (pid 2): candidate code starts running here, under every layer."""
    try:
        random.seed()  # the fork copied the zygote's generator state: every test gets a fresh one
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
        import atexit
        atexit._run_exitfuncs()
    except BaseException:
        pass


PR_SET_CHILD_SUBREAPER = 36


def _reap_orphans():
    """Without a pid namespace, a test's leftover processes are reparented to us (a subreaper) once the
    supervisor kills them: reap them, or their zombies would count against the slot uid's RLIMIT_NPROC."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def zygote_main(ctl):
    import gc
    # Everything loaded so far goes to the permanent generation: a collection in a forked child then never
    # walks (and so never copies, page by page) the zygote's objects.
    gc.collect()
    gc.freeze()
    own_pidns = os.open('/proc/self/ns/pid', os.O_RDONLY | os.O_CLOEXEC)
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    while True:
        _reap_orphans()
        try:
            data, fds, _, _ = socket.recv_fds(ctl, 1 << 20, 8)
        except OSError:
            posix._exit(0)
        if not data:
            posix._exit(0)  # the supervisor is gone
        nl = data.index(b'\n')
        req = json.loads(data[:nl])
        bpf = data[nl + 1:]
        report_r, report_w = os.pipe()
        os.set_blocking(report_r, False)
        try:
            if req.get('ns'):
                _check(_libc.unshare(CLONE_NEWPID), 'unshare(CLONE_NEWPID)')
            pid = os.fork()
        except OSError as e:
            for fd in fds + [report_r, report_w]:
                os.close(fd)
            ctl.send(json.dumps({'error': 'fork: %s' % e}).encode())
            continue
        if pid == 0:
            os.close(report_r)
            _init(req, bpf, fds, report_w, ctl)
        if req.get('ns'):
            # back to our own namespace for children, so that the next unshare(CLONE_NEWPID) is allowed
            _check(_libc.setns(own_pidns, CLONE_NEWPID), 'setns')
        for fd in fds:
            os.close(fd)
        os.close(report_w)
        ctl.send(json.dumps({'pid': pid}).encode())
        try:
            go = ctl.recv(16)
        except OSError:
            go = b''
        if not go:
            os.kill(pid, 9)
        _, status, ru = os.wait4(pid, 0)
        try:
            rep = os.read(report_r, 65536)
        except BlockingIOError:
            rep = b''
        os.close(report_r)
        try:
            prog = json.loads(rep) if rep else None
        except ValueError:
            prog = None
        ctl.send(json.dumps({'status': status, 'utime': ru.ru_utime, 'stime': ru.ru_stime,
                             'maxrss': ru.ru_maxrss, 'prog': prog}).encode())
        if not go:
            posix._exit(0)


if globals().get('VERPO_ZYGOTE'):
    zygote_main(_ctl)  # noqa: F821 (the boot's control socket)
