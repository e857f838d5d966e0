"""Kernels and independent checks forked from a server that has imported what they import
(:mod:`autograder.containment.forkserver`): the same contained kernel or sandbox as one started
afresh (view, user, folder, paths, limits), but with fresh random numbers each; interrupts reach it;
it dies with whatever stands in for it; a time limit leaves the server serving; with no server the
launcher starts the program itself."""
import asyncio
import json
import os

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.containment import isolation, kernelspec
from autograder.containment.forkserver import ForkServer
from autograder.containment.processes import descendants
from autograder.containment.verify import run_contained
from autograder.containment.wire import restore
from autograder.coursedir.cli import quiet_environment
from autograder.grading.grader import Grader
from tests.browser_support import running, wait_for

pytestmark = [pytest.mark.nbgrader,
              pytest.mark.skipif(isolation.problem() is not None, reason=f"no private view here: {isolation.problem()}")]

# What a learner's code can see of its kernel; "preloaded" says whether sympy was in memory before anyone imported it.
LOOK_AROUND = """
import json, os, sys
preloaded = "sympy" in sys.modules
import matplotlib, numpy
print(json.dumps({"preloaded": preloaded, "plot cache": os.access(matplotlib.get_cachedir(), os.W_OK),
                  "uid": os.getuid(), "pid": os.getpid(), "folder": os.getcwd(), "path": sys.path,
                  "environment": sorted(os.environ), "root": sorted(os.listdir("/")),
                  "random": numpy.random.rand(), "writable": os.access(os.getcwd(), os.W_OK)}))
"""


@pytest.fixture(scope="module")
def server():
    forkserver = ForkServer(quiet_environment())
    yield forkserver
    forkserver.stop()


def look_around(folder, forkserver=None, settings=None):
    """What :data:`LOOK_AROUND` prints in a contained kernel started in ``folder`` (per ``settings`` from
    :func:`kernelspec.install`, else a kernelspec installed in ``folder`` for ``forkserver``)."""
    settings = settings or kernelspec.install(folder / "jupyter", forkserver)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(LOOK_AROUND)])
    NotebookClient(notebook, kernel_name=settings["Execute.kernel_name"], timeout=120,
                   kernel_manager_class=settings["Execute.kernel_manager_class"],
                   resources={"metadata": {"path": str(folder)}}).execute()
    return json.loads(notebook.cells[0].outputs[0]["text"])


def test_a_forked_kernel_sees_what_a_started_one_sees_with_random_numbers_of_its_own(server, tmp_path):
    forked = [look_around(tmp_path, server.socket) for _ in range(2)]
    started = look_around(tmp_path)
    assert [seen.pop("preloaded") for seen in forked] == [True, True] and started.pop("preloaded") is False
    assert forked[0].pop("random") != forked[1].pop("random") != started.pop("random")
    assert forked[0] == forked[1] == started and started["plot cache"]
    assert started["uid"] == (isolation.NOBODY if os.geteuid() == 0 else os.getuid()) and started["pid"] == 1


def test_kernelspecs_installed_in_one_process_each_start_their_own_kernels(server, tmp_path):
    """Two graders in one process (a benchmark, a test): each one's kernels come from its own fork server, or none."""
    forking, starting = (kernelspec.install(tmp_path / name, socket) for name, socket in
                         (("forking", server.socket), ("starting", None)))
    assert look_around(tmp_path, settings=forking)["preloaded"] and not look_around(tmp_path, settings=starting)["preloaded"]


def test_without_a_server_the_launcher_starts_the_kernel_itself(tmp_path):
    """A server that is gone (or never was) costs the start-up time, never the grade."""
    seen = look_around(tmp_path, tmp_path / "no-server-here")
    assert seen["preloaded"] is False and seen["uid"] in (isolation.NOBODY, os.getuid())


# What a learner's function can see of the independent check's sandbox when it is called.
SANDBOX_LOOK_AROUND = """
import os, resource, sys, time
import numpy

def look():
    return {"preloaded": "sympy" in sys.modules, "uid": os.getuid(), "pid": os.getpid(), "folder": os.getcwd(),
            "path": sys.path, "environment": sorted(os.environ), "root": sorted(os.listdir("/")),
            "limits": [resource.getrlimit(kind) for kind in (resource.RLIMIT_AS, resource.RLIMIT_CPU,
                                                              resource.RLIMIT_FSIZE, resource.RLIMIT_NPROC)],
            "random": numpy.random.rand()}

def linger():
    time.sleep(600)
"""


def sandbox_call(function, forkserver=None, timeout=60):
    """What the learner's ``function`` (of :data:`SANDBOX_LOOK_AROUND`) returns in the independent check's sandbox,
    or the check's failure."""
    request = {"cells": [SANDBOX_LOOK_AROUND], "seconds_per_call": 600,
               "calls": [{"function": function, "cases": "cases = [()]", "seed": 0, "repeat": False, "uses": []}]}
    answer = run_contained(request, timeout=timeout, forkserver=forkserver)
    return answer.get("failure") or restore(answer["answers"][0]["results"][0])


def test_a_forked_sandbox_sees_what_a_started_one_sees_with_random_numbers_of_its_own(server):
    forked = [sandbox_call("look", server.socket) for _ in range(2)]
    started = sandbox_call("look")
    assert [seen.pop("preloaded") for seen in forked] == [True, True] and started.pop("preloaded") is False
    assert forked[0].pop("random") != forked[1].pop("random") != started.pop("random")
    assert forked[0] == forked[1] == started
    assert started["uid"] == (isolation.NOBODY if os.geteuid() == 0 else os.getuid()) and started["pid"] == 1
    assert "source" not in started["root"] and tuple(started["limits"][0]) == (3 * 1024**3,) * 2


def test_a_sandbox_past_its_time_dies_with_its_launcher(server):
    assert sandbox_call("linger", server.socket, timeout=5) == "the verification run took longer than 5 s"
    wait_for(lambda: not kernels_of(server), 30, "the forked sandbox to die with its launcher")
    assert server.process.poll() is None


def kernels_of(server):
    return [pid for pid in descendants(server.process.pid) if running(pid)]


async def ready_kernel(folder, kernel):
    """A contained kernel (``kernel``: the settings :func:`kernelspec.install` returned) started in ``folder``,
    and a client that found it ready."""
    manager = kernelspec.ContainedKernelManager(kernel_name=kernel["Execute.kernel_name"])
    await manager.start_kernel(cwd=str(folder))
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    return manager, client


def test_an_interrupt_reaches_the_forked_kernel_and_killing_its_launcher_kills_it(server, tmp_path):
    kernel = kernelspec.install(tmp_path / "jupyter", server.socket)

    async def interrupt_then_kill():
        manager, client = await ready_kernel(tmp_path, kernel)
        running = kernels_of(server)
        request = client.execute("import time; time.sleep(600)")
        await asyncio.sleep(1)
        await manager.interrupt_kernel()
        while (reply := await client.get_shell_msg(timeout=60))["parent_header"].get("msg_id") != request:
            pass
        client.stop_channels()
        manager.provisioner.process.kill()  # what a kernel manager does last with a kernel that will not stop
        wait_for(lambda: not kernels_of(server), 30, "the forked kernel to die with its launcher")
        await manager.shutdown_kernel(now=True)
        return running, reply["content"]

    running, reply = asyncio.run(interrupt_then_kill())
    assert running, "the kernel ran as a fork of the server"
    assert reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt"
    assert server.process.poll() is None


def test_a_time_limit_stops_the_kernel_and_leaves_the_server_serving(tmp_path):
    grader = Grader(tmp_path / "grader", notebook_timeout=8, verification=False)
    assignment, folder = "01_gradients", tmp_path / "handed-in"
    folder.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("while True:\n    pass")])
    nbformat.write(notebook, folder / grader.workspace.notebook_name(assignment))
    looping = grader.grade("looping", assignment, folder)
    assert not looping.graded and "stopped after running for 8 s" in looping.reason
    assert grader.forkserver.process.poll() is None
    nbformat.write(nbformat.v4.new_notebook(), folder / grader.workspace.notebook_name(assignment))
    assert grader.grade("empty", assignment, folder).graded
    grader.close()
    assert grader.forkserver.process.returncode == 0


def test_stopping_the_server_stops_its_kernels_and_removes_its_socket(tmp_path):
    server = ForkServer(quiet_environment())
    kernel = kernelspec.install(tmp_path / "jupyter", server.socket)

    async def start():
        manager, client = await ready_kernel(tmp_path, kernel)
        client.stop_channels()
        return manager

    manager = asyncio.run(start())
    kernels = kernels_of(server)
    assert kernels
    server.stop()
    assert server.process.returncode == 0 and not server.folder.exists()
    assert not [pid for pid in kernels if running(pid)]
    asyncio.run(manager.shutdown_kernel(now=True))


def test_a_server_started_early_serves_the_next_grader_only(tmp_path):
    """`make grade-me` starts the server before it imports nbgrader, so both import at once."""
    ForkServer.start_early(quiet_environment())
    early = ForkServer._early
    first, second = Grader(tmp_path / "first"), Grader(tmp_path / "second")
    assert first.forkserver is early and second.forkserver not in (None, early)
    for grader in (first, second):
        grader.close()
    assert early.process.returncode == 0
