"""disclosures.forked: a generator run in a forked child, its items and errors received in order."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from disclosures import build, forked, paths

ROOT = Path(__file__).resolve().parents[1]
SHARED = list(range(100_000))


def items_and_pid(count):
    # Reads the parent's list without it being sent: the child has this process's memory.
    yield sum(SHARED[:count])
    yield os.getpid()


def test_items_come_back_in_order_from_another_process():
    with forked.Forked(items_and_pid, 10) as child:
        assert child.receive() == 45
        assert child.receive() != os.getpid()
        with pytest.raises(StopIteration):
            child.receive()


def fails_after_one():
    yield "first"
    raise build.BuildFailed("derived figure id x collides with a reported figure")


def test_the_childs_error_is_raised_here_after_what_it_yielded_before():
    with forked.Forked(fails_after_one) as child:
        assert child.receive() == "first"
        with pytest.raises(build.BuildFailed, match="collides"):
            child.receive()


class Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("cannot pickle this")


def fails_unpicklably():
    raise Unpicklable("a lock inside")
    yield  # a generator function


def test_an_error_that_does_not_pickle_comes_back_as_its_text():
    with (
        forked.Forked(fails_unpicklably) as child,
        pytest.raises(forked.ChildFailed, match="Unpicklable: a lock inside"),
    ):
        child.receive()


def dies():
    os._exit(3)
    yield


def test_a_child_that_dies_without_an_answer_is_reported_with_its_exit_code():
    with forked.Forked(dies) as child, pytest.raises(forked.ChildFailed, match="exit code 3"):
        child.receive()


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_a_child_terminated_ends_as_a_child_that_failed_whatever_the_parents_handler(number):
    # The commands unwind on SIGTERM and SIGHUP (a handler raising SystemExit, set before the
    # fork): inherited, the child's SystemExit came back here as its error, and ended a validation
    # without a word, where its child's end should have been a ChildFailed to decide without it.
    def unwind(signum, frame):
        sys.exit(128 + signum)

    previous = signal.signal(number, unwind)
    try:

        def killed():
            os.kill(os.getpid(), number)
            yield "never"

        with forked.Forked(killed) as child, pytest.raises(forked.ChildFailed):
            child.receive()
    finally:
        signal.signal(number, previous)


def sleeps():
    yield os.getpid()
    time.sleep(60)
    yield "never"


def test_leaving_early_stops_the_child_at_once():
    start = time.monotonic()
    with forked.Forked(sleeps) as child:
        pid = child.receive()
    assert time.monotonic() - start < 10
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone, and waited for (no zombie)


def test_without_fork_the_generator_runs_here(monkeypatch):
    monkeypatch.setattr(forked.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    with forked.Forked(items_and_pid, 3) as child:
        assert child.receive() == 3
        assert child.receive() == os.getpid()


def test_a_killed_parent_leaves_no_child_working(tmp_path):
    # A build killed mid-way: its child stops too, rather than deriving on for nobody (and, once
    # its pipe filled, waiting for ever).
    script = (
        "import os, sys, time\n"
        "from disclosures import forked\n"
        "def work():\n"
        "    yield os.getpid()\n"
        "    time.sleep(60)\n"
        "    yield b'x' * (1 << 20)\n"
        "child = forked.Forked(work)\n"
        "print(child.receive(), flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=ROOT, text=True)
    child_pid = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(child_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        os.kill(child_pid, signal.SIGKILL)
        pytest.fail("the child outlived its killed parent")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("forker_is_parent,exit_code", [(True, 0), (False, 1)])
def test_a_child_whose_parent_ended_before_it_asked_to_die_with_it_ends_at_once(forker_is_parent, exit_code):
    # Adopted before prctl took effect, the child's parent pid is no longer its forker's: by init,
    # or by a subreaper such as a container's init, whose pid is not 1.
    import multiprocessing

    def child(forker):
        forked._die_with_parent(forker)
        os._exit(0)

    forker = os.getpid() if forker_is_parent else os.getpid() + 1_000_000
    process = multiprocessing.get_context("fork").Process(target=child, args=(forker,))
    process.start()
    process.join(10)
    assert process.exitcode == exit_code


def unpicklable_item():
    yield Unpicklable("held a lock")


def test_an_item_that_does_not_pickle_comes_back_as_the_pickling_error():
    with forked.Forked(unpicklable_item) as child, pytest.raises(forked.ChildFailed, match="cannot pickle this"):
        child.receive()


def runs_ahead(marker, counter):
    yield b"x" * (1 << 20)  # more than a pipe holds: its send waits for the parent
    Path(marker).touch()
    for number in range(2, 30):
        Path(counter).write_text(str(number))
        yield b"y" * (1 << 20)


def test_the_child_goes_on_while_the_parent_has_not_read_and_no_further_than_its_outbox(tmp_path):
    marker, counter = tmp_path / "went-on", tmp_path / "made"
    with forked.Forked(runs_ahead, marker, counter) as child:
        deadline = time.monotonic() + 10
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists(), "the child waited for the parent to read its first item"
        time.sleep(0.5)
        # One item in the pipe, OUTBOX waiting, and one made and not yet queued.
        assert int(counter.read_text()) <= forked.OUTBOX + 2
        received = [child.receive() for _ in range(29)]
        with pytest.raises(StopIteration):
            child.receive()
    assert [len(item) for item in received] == [1 << 20] * 29
    assert received[0][:1] == b"x" and received[-1][:1] == b"y"


def test_a_signal_handled_while_forking_still_unwinds_the_command():
    # Python runs a handler at its next instruction, which can be in a callback fork() runs in
    # the parent (logging's, releasing its lock), where its SystemExit is printed and ignored: a
    # build terminated just then went on and exited 0 (a CI run's test_build_faults). The signal
    # is sent from such a callback here, so that the handler runs there every time.
    script = (
        "import os, signal\n"
        "from disclosures import forked\n"
        "def work():\n"
        "    yield 1\n"
        "armed = [True]\n"
        "def terminate_once():\n"
        "    if armed:\n"
        "        armed.clear()\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        for _ in range(1000):\n"  # a loop's jumps run a pending handler
        "            pass\n"
        "        os.write(2, b'in the callback, handled: %r\\n' % forked.TERMINATED)\n"
        "signal.signal(signal.SIGTERM, forked.terminated)\n"
        "os.register_at_fork(after_in_parent=terminate_once)\n"
        "with forked.Forked(work) as child:\n"
        "    print('went on', child.receive())\n"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=paths.ROOT, capture_output=True, text=True, timeout=60)
    assert "in the callback, handled: [15]" in run.stderr  # the handler did run inside the callback
    # It raised nothing there for Python to print and ignore; Forked raised it once forked.
    assert "Exception ignored" not in run.stderr, run.stderr
    assert (run.returncode, run.stdout) == (128 + signal.SIGTERM, ""), run.stdout + run.stderr


def test_a_child_that_ends_part_way_through_a_message_is_a_child_failure():
    # Killed while it sent an item, the child left part of a message: multiprocessing says so
    # with an OSError ("got end of file during message"), which the build then told as a disk
    # to free or a folder to fix (a break test killed the derivations' child 7 times so).
    def work():
        yield 1

    with forked.Forked(work) as child:
        real = child._receiver

        class CutShort:
            def recv(self):
                raise OSError("got end of file during message")

            def close(self):
                real.close()

        child._receiver = CutShort()
        with pytest.raises(forked.ChildFailed, match="ended without an answer"):
            child.receive()


def test_a_child_ended_by_a_signal_is_said_so_in_words():
    # multiprocessing gives -15 for a child SIGTERM ended: "exit code -15" read as its own code.
    assert forked.ended_how(-signal.SIGTERM) == "killed by SIGTERM"
    assert forked.ended_how(-signal.SIGKILL) == "killed by SIGKILL"
    assert forked.ended_how(1) == "exit code 1"
    assert forked.ended_how(0) == "exit code 0"
    assert forked.ended_how(-200) == "killed by signal 200"
