"""Find and stop the processes a grading run started (kernels and their children), Linux /proc based."""
from __future__ import annotations

import ctypes
import os
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path


def stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command's name (its state first, then its parent;
    ``proc(5)`` numbers them from 3), or None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def _parent_of(pid):
    fields = stat_fields(pid)
    return None if fields is None else int(fields[1])


PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> None:
    """Make this process the subreaper of its descendants: a process a learner detaches (``sleep &``)
    is re-parented here instead of to init, so :func:`descendants` still finds it."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _owner(pid):
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def descendants(pid: int, uid: int | None = None) -> list[int]:
    """All living processes started, directly or not, by ``pid`` (only those of user ``uid``, if given)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            parent = _parent_of(int(entry))
            if parent is not None:
                parents.setdefault(parent, []).append(int(entry))
    found, frontier = [], [pid]
    while frontier:
        children = parents.get(frontier.pop(), [])
        found.extend(children)
        frontier.extend(children)
    return [p for p in found if uid is None or _owner(p) == uid]


def kill(pids: Iterable[int]) -> None:
    """SIGKILL every process in ``pids``; one in a process group of its own (a kernel) takes its group along."""
    own_group = os.getpgid(0)
    for pid in pids:
        try:
            group = os.getpgid(pid)
            if group != own_group:
                os.killpg(group, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def kill_tree(pid: int) -> None:
    """Stop ``pid`` and everything it started."""
    kill(descendants(pid) + [pid])


@contextmanager
def time_limit(seconds: float, spare: int | None = None) -> Iterator[threading.Event]:
    """Within the block, kill this process's descendants (the kernels), all but ``spare`` (a pid),
    once ``seconds`` have passed.

    Yields a :class:`threading.Event` that is set when the limit struck, so the caller can say
    why the notebook stopped.
    """
    struck = threading.Event()

    def strike():
        struck.set()
        kill(pid for pid in descendants(os.getpid()) if pid != spare)

    timer = threading.Timer(seconds, strike)
    timer.daemon = True
    timer.start()
    try:
        yield struck
    finally:
        timer.cancel()
