"""A private view of the file system for learner code, built from nothing (Linux namespaces).

Learner code (nbgrader's kernel, the independent check) runs in a mount namespace whose root is
an empty tmpfs into which only what it needs is bind-mounted read-only: the system (``/usr``,
``/etc``), the Python installation, the ``course`` package and, for the kernel, the folder of the
notebook being graded; ``/tmp`` and ``/dev/shm`` are fresh and private, ``/proc`` shows only its own
processes (its own PID namespace). The course repository, ``source/``, the verification inputs,
the gradebook, other students' folders and the instructor's home are not hidden by permissions
but absent: whatever path a learner finds (``course.__file__``, ``/proc/<ppid>/cwd``, the
environment) leads to nothing. Since the view is made by construction, it works wherever the
course lives (a ``0700`` folder, ``/root``).

As root the learner's process then runs as ``nobody``; otherwise an unprivileged user namespace
gives the same view to the instructor's own user. Where neither is possible, :func:`problem`
says why, and class grading must stop (:func:`require`).

Used in-process by :mod:`autograder.containment.kernel_launcher`, and as a command by :mod:`autograder.containment.verify`:
``python -m autograder.containment.isolation '<json view>' -- command...``.
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from autograder.coursedir.paths import ROOT

NOBODY = 65534
COURSE = ROOT / "course"
HERE = Path(__file__).resolve().parent  # autograder/containment
SYSTEM = ("usr", "etc", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
DEVICES = ("null", "zero", "full", "random", "urandom")
SCRATCH_SIZE = "64m"
# the environment learner code may see; the rest (a database URL with its password, paths) stays out
ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "MPLBACKEND", "PYTHONWARNINGS", "PYTHONPATH",
               "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "MKL_NUM_THREADS")

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x20000, 0x8000000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, ST_RELATIME = 1024, 2048, 1 << 21, 4096
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38

_libc = ctypes.CDLL(None, use_errno=True)


class Unavailable(RuntimeError):
    """Learner code cannot be contained on this system (the reason is the message)."""


def _call(name, *args):
    if getattr(_libc, name)(*args) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{name}{tuple(str(a) for a in args[:2])}: {os.strerror(error)}")


def _mount(source, target, kind, flags, data=None):
    _call("mount", source and os.fsencode(source), os.fsencode(target), kind and kind.encode(), ctypes.c_ulong(flags),
          data and data.encode())


def python_paths() -> list[str]:
    """The folders of the running Python (the virtual environment and the installation it comes from)."""
    executable = Path(sys.executable).resolve()
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, str(executable.parent.parent)}
    return sorted(str(Path(p).resolve()) for p in paths)


def view(readable: Iterable[str | Path] = ()) -> list[str]:
    """The read-only paths of a view: Python, the ``course`` package and ``readable``. Never ``autograder/``:
    the launchers import what they run before they enter the view."""
    return [*python_paths(), str(COURSE), *map(str, readable)]


def _carried_flags(path):
    """The mount flags of ``path`` a bind mount must keep (an unprivileged namespace may not drop them)."""
    flags = os.statvfs(path).f_flag
    carried = flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME)
    return carried | (MS_RELATIME if flags & ST_RELATIME else 0)


def _bind(source, root, *, writable=False):
    """Bind-mount ``source`` at the same path under ``root`` (read-only unless ``writable``)."""
    target = root + source
    if os.path.isdir(source):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        if not os.path.exists(target):
            open(target, "w").close()
    _mount(source, target, None, MS_BIND | MS_REC)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | _carried_flags(source) | (0 if writable else MS_RDONLY)
    _mount(None, target, None, flags)


def _tmpfs(target, size, mode="1777"):
    os.makedirs(target, mode=0o755, exist_ok=True)
    _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode={mode}")


def _build(root, readable, writable, files, owner):
    """Make the view under ``root`` (a fresh tmpfs): system, Python, ``readable``, ``writable``, /dev, /proc, /tmp;
    ``files`` are written into it, owned by ``owner`` (a uid and a gid the namespace maps)."""
    _tmpfs(root, "1m", "0755")
    for name in SYSTEM:
        path = "/" + name
        if os.path.islink(path):
            os.symlink(os.readlink(path), root + path)
        elif os.path.isdir(path):
            _bind(path, root)
    _tmpfs(root + "/dev", "1m", "0755")
    for device in DEVICES:
        _bind("/dev/" + device, root, writable=True)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{root}/dev/{name}")
    _tmpfs(root + "/dev/shm", "16m")
    _tmpfs(root + "/tmp", SCRATCH_SIZE)
    # the course root is an empty folder in the view even when a path above (/tmp, /usr) holds it
    for path in sorted({str(ROOT), *readable, *writable}, key=lambda p: p.count("/")):
        if path == str(ROOT):
            _tmpfs(root + path, "1m", "0755")
        elif os.path.exists(path):
            _bind(path, root, writable=path in writable)
    os.makedirs(root + "/proc", exist_ok=True)
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for path, data in files.items():
        with open(root + path, "wb") as handle:
            handle.write(data)
        os.chown(root + path, *owner)


def _map_user():
    """Enter a user namespace in which this user stays itself (and has the rights to build the view)."""
    uid, gid = os.getuid(), os.getgid()
    _call("unshare", CLONE_NEWUSER)
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")


def enter(readable: Iterable[str | Path] = (), *, writable: Iterable[str | Path] = (), workdir: str = "/tmp",
          network: bool = True, files: dict[str, bytes] | None = None) -> None:
    """Move this process into a private view and return there, as the unprivileged user, with
    ``workdir`` as its folder; the caller then execs the learner's program.

    ``readable`` are the paths (besides Python and the course package, see :func:`view`) the view
    shows read-only, ``writable`` those it shows writable (the folder of the kernel's sockets);
    ``files`` are ``{path: bytes}`` written into the view's private /tmp. Without ``network`` the
    process has no network either. A process stays behind outside, waits for the contained one,
    and exits with its status; SIGINT reaches the contained process through the process group.
    Raises :class:`Unavailable` (before anything changed) when the system allows no namespaces.
    """
    root = os.geteuid() == 0
    readable = [str(Path(p).resolve()) for p in view(readable)]
    writable = [str(Path(p).resolve()) for p in writable]
    stage = tempfile.mkdtemp(prefix="view-")  # the view's root; its mounts exist only in the new namespace
    try:
        if not root:
            _map_user()
        _call("unshare", CLONE_NEWPID)  # the child below is the first process of a PID namespace of its own
    except OSError as error:
        os.rmdir(stage)
        raise Unavailable(str(error)) from None
    child = os.fork()
    if child:
        _wait_and_exit(child, stage)
    try:
        _call("unshare", CLONE_NEWNS | CLONE_NEWIPC | (0 if network else CLONE_NEWNET))
        _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing done here reaches the grader's mounts
        _build(stage, readable, writable, files or {}, (NOBODY, NOBODY) if root else (os.getuid(), os.getgid()))
        os.chroot(stage)
        os.chdir(workdir)
        if root:
            os.setgroups([])
            os.setresgid(NOBODY, NOBODY, NOBODY)
            os.setresuid(NOBODY, NOBODY, NOBODY)
        _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except BaseException as error:  # noqa: BLE001 - say why, never run the learner's code uncontained
        os.write(2, f"containment failed: {error}\n".encode())
        os._exit(70)


def _wait_and_exit(child, stage):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # an interrupt is for the kernel, which the group delivers it to
    signal.signal(signal.SIGTERM, lambda *_: os.kill(child, signal.SIGKILL))
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except ChildProcessError:
            status = 0
            break
        except InterruptedError:
            continue
    os.rmdir(stage)
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)


def environment(base: Mapping[str, str] | None = None, /, **extra: str) -> dict[str, str]:
    """The environment for contained learner code: the harmless part of ``base`` (this process's
    environment by default), and ``extra``."""
    base = os.environ if base is None else base
    kept = {key: base[key] for key in ENVIRONMENT if key in base}
    return {**kept, "HOME": "/tmp", "MPLCONFIGDIR": "/tmp", "IPYTHONDIR": "/tmp/ipython", **extra}


def python_main(module: str, *arguments: str) -> list[str]:
    """The argv that runs ``module.main()`` with this Python, importing only from the course
    (``-I``: never from the current folder, which may be a learner's, nor from PYTHONPATH)."""
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from {module} import main; main()"
    return [sys.executable, "-I", "-c", code, *arguments]


def command(program: list[str], readable: Iterable[str | Path] = (), *, workdir: str = "/tmp",
            network: bool = False) -> list[str]:
    """``program`` (an argv list) wrapped to run in a private view (see :func:`enter`)."""
    spec = {"readable": [str(p) for p in readable], "workdir": workdir, "network": network}
    return python_main("autograder.containment.isolation", json.dumps(spec), "--", *program)


@lru_cache(maxsize=None)
def _namespaces_problem():
    """Why namespaces cannot be made here (None when they can): tried in a throwaway process."""
    if sys.platform != "linux":
        return f"learner code can be contained only on Linux (this is {sys.platform})"
    result = subprocess.run(python_main("autograder.containment.isolation", "--probe"), capture_output=True, text=True)
    if result.returncode == 0:
        return None
    detail = (result.stderr.strip().splitlines() or ["no reason given"])[-1]
    who = "as root" if os.geteuid() == 0 else "for this user (unprivileged user namespaces are off)"
    return f"the system allows no private namespaces {who}: {detail}"


def _probe_namespaces():
    if os.geteuid() != 0:
        _map_user()
    _call("unshare", CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)


@lru_cache(maxsize=None)
def problem() -> str | None:
    """Why learner code cannot be contained here (None when it can).

    Runs a contained Python once: it must import the course package and NumPy, and must not
    see the course repository around the package.
    """
    reason = _namespaces_problem()
    if reason:
        return reason
    check = ("import os, sys, course, numpy\n"
             f"hidden = [p for p in ({str(ROOT / 'source')!r}, {str(HERE / 'verification')!r}) "
             "if os.path.exists(p)]\n"
             "sys.exit(f'the course files are visible: {hidden}' if hidden else 0)\n")
    env = environment(PYTHONPATH=str(ROOT))
    result = subprocess.run(command([sys.executable, "-c", check]), capture_output=True, text=True, env=env,
                            cwd=tempfile.gettempdir())
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
        return f"the private view for learner code does not work: {detail}"
    return None


def require() -> None:
    """Stop (raise :class:`Unavailable`) unless learner code can be contained; call it before grading anyone."""
    reason = problem()
    if reason:
        raise Unavailable(f"cannot grade a class: learner code would see the instructor's files. {reason}. "
                          "Grade as root, or where unprivileged user namespaces are allowed "
                          "(sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0).")


def main() -> None:
    """``... '<json view>' -- program...``: run ``program`` in the view."""
    if sys.argv[1:] == ["--probe"]:
        return _probe_namespaces()
    spec, _, program = sys.argv[1], sys.argv[2], sys.argv[3:]
    spec = json.loads(spec)
    try:
        enter(spec["readable"], workdir=spec["workdir"], network=spec["network"])
    except Unavailable as error:
        sys.exit(f"containment failed: {error}")
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.execvp(program[0], program)


if __name__ == "__main__":
    main()
