"""A generator run in a child process forked from this one, so that its Python work uses the other
core while this process goes on with its own (threads share one interpreter lock).

The child sees this process's memory as it was at the fork, without copying or pickling it: only
what the generator yields crosses back, pickled through a pipe, in order. The child sends from a
thread of its own, so that the generator goes on to its next item before this process has read
the last: an item must not be changed once yielded. ``gc.freeze()`` before
the fork keeps the child's garbage collector from touching (and so copying) every object the two
share. Where the operating system cannot fork, the generator runs here, when asked.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

# Items the child's generator may run ahead of what this process has read (each is held in the
# child until sent).
OUTBOX = 2
# True in a child process that Forked started (and only there): its work may then change what
# the rest of the process would see (``optional_imports.numpy_hidden``), as nothing else runs in it.
IN_CHILD = False
# The signals ``terminated`` turned into SystemExit, in order. Python runs a handler at its next
# instruction, which may be in a callback fork() runs in the parent (logging's, releasing its
# lock), where an exception is printed and ignored: a build terminated just then went on and
# exited 0. ``Forked`` raises it again once it has forked.
TERMINATED: list[int] = []
# True while ``Forked`` forks: ``terminated`` then only records the signal, which ``Forked``
# raises once forked, rather than raising where Python prints "Exception ignored" and goes on.
FORKING = False


def terminated(number: int, frame=None) -> None:
    """A handler for SIGTERM and SIGHUP (``signal.signal(number, terminated)``): the command
    unwinds as an interrupted one does, removing its temporary files, and exits 128 + number
    (raises SystemExit), even when the signal comes while this process forks."""
    TERMINATED.append(number)
    if not FORKING:
        raise SystemExit(128 + number)


class ChildFailed(Exception):
    """The child process ended without its next item or error (killed, out of memory), or what
    it yielded or raised did not pickle (its text is the message)."""


def ended_how(exitcode: int | None) -> str:
    """multiprocessing's ``exitcode`` in words: "exit code 1", or "killed by SIGTERM" for
    -15 (a negative code is the signal that ended the process), as a curator reads it."""
    if exitcode is None or exitcode >= 0:
        return f"exit code {exitcode}"
    try:
        return f"killed by {signal.Signals(-exitcode).name}"
    except ValueError:
        return f"killed by signal {-exitcode}"


class Forked:
    """``receive()`` returns the next item ``work(*args)`` yields, or raises what it raised.

    Use as a context manager: leaving it stops the child if it is still running (after an
    error here, say) and waits for it, so that no process outlives the caller's work.
    """

    def __init__(self, work: Callable[..., Iterator[Any]], *args: Any):
        self._process = None
        self._inline: Iterator[Any] | None = None
        if "fork" not in multiprocessing.get_all_start_methods():
            self._inline = work(*args)
            return
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_run, args=(self._receiver, sender, work, args, os.getpid()), daemon=True
        )
        global FORKING
        gc.freeze()
        FORKING = True
        try:
            self._process.start()
        finally:
            FORKING = False
            gc.unfreeze()
        sender.close()
        if TERMINATED:  # its SystemExit raised, and ignored, while forking
            self.close()
            raise SystemExit(128 + TERMINATED[-1])

    def receive(self) -> Any:
        """The next item, waiting for it. Raises the child's exception, ChildFailed when the
        child ended without an answer, or StopIteration when the generator has returned."""
        if self._process is None:
            return next(self._inline)
        try:
            kind, value = self._receiver.recv()
        except (EOFError, OSError):
            # OSError: the child ended part way through a message ("got end of file during
            # message"), which the build told as a disk to free or a folder to fix.
            self._process.join()
            raise ChildFailed(
                f"the child process ended without an answer ({ended_how(self._process.exitcode)})"
            ) from None
        if kind == "error":
            raise value
        if kind == "done":
            raise StopIteration
        return value

    @property
    def forked(self) -> bool:
        """True when the generator runs in a child process, False when here (no fork)."""
        return self._process is not None

    def ready(self) -> bool:
        """True when ``receive()`` would not wait (always, without fork: it computes)."""
        return self._process is None or self._receiver.poll()

    def close(self) -> None:
        if self._process is None:
            return
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._receiver.close()

    def __enter__(self) -> Forked:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _run(receiver, sender, work: Callable[..., Iterator[Any]], args: tuple, parent: int) -> None:
    global IN_CHILD, FORKING
    IN_CHILD, FORKING = True, False
    TERMINATED.clear()
    # The parent's handlers that unwind a terminated command (scripts/cli.py) are not the
    # child's: their SystemExit went to the parent as the generator's error, and a validation
    # whose child alone was terminated ended without a word. Terminated, the child ends, which
    # the parent reads as ChildFailed (validation then decides without it).
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    _die_with_parent(parent)
    # The child's copy of the reading end: open, it would keep the pipe alive after the parent
    # died, and a send that fills it would wait for ever.
    receiver.close()
    # A send waits while the pipe is full, that is until the parent reads; the build's parent
    # reads the derived rows only after loading a million reported ones, and the child, waiting,
    # left the other core idle for 5 s before writing the search index. The generator runs at
    # most OUTBOX items ahead of what the parent has read.
    outbox: queue.Queue = queue.Queue(maxsize=OUTBOX)
    stopped = threading.Event()
    sending = threading.Thread(target=_send_all, args=(sender, outbox, stopped), daemon=True)
    sending.start()
    try:
        for item in work(*args):
            if not _put(outbox, ("item", item), stopped):
                return  # the sender stopped: the parent is gone, or an item did not pickle
        _put(outbox, ("done", None), stopped)
    except BaseException as error:
        _put(outbox, ("error", error), stopped)
    finally:
        _put(outbox, None, stopped)
        sending.join()
        sender.close()


def _put(outbox: queue.Queue, message, stopped: threading.Event) -> bool:
    """Put ``message`` in ``outbox`` once there is room; False if the sender stops first."""
    while not stopped.is_set():
        try:
            outbox.put(message, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _send_all(sender, outbox: queue.Queue, stopped: threading.Event) -> None:
    """Send what ``outbox`` holds, in order, up to its None; sets ``stopped`` when done."""
    try:
        while (message := outbox.get()) is not None:
            try:
                sender.send(message)
            except OSError:  # the parent is gone
                return
            except Exception as error:  # it does not pickle: its text goes back, and nothing after it
                failed = message[1] if message[0] == "error" else error
                with contextlib.suppress(OSError):  # the parent is gone
                    sender.send(("error", ChildFailed(f"{type(failed).__name__}: {failed}")))
                return
    finally:
        stopped.set()


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent ends (prctl PR_SET_PDEATHSIG), so that a
    killed build leaves no child behind still working. Elsewhere, nothing: the child then ends at
    its next yield, once a send has found no reader. ``parent`` is the pid that forked this one."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
        # The parent ended before the request was made: this process has been adopted, by init
        # or by a subreaper (a container's init, systemd --user), so its parent pid is another.
        if os.getppid() != parent:
            os._exit(1)
    except (OSError, AttributeError):
        pass
