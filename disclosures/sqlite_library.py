"""Process-wide settings of the SQLite library that Python's ``sqlite3`` module is linked to.

Python's ``sqlite3`` module does not expose ``sqlite3_config()``: these call it through
``ctypes``, on the very library the module uses (found from the ``_sqlite3`` extension, whose
dependencies the dynamic linker searches), and only after checking that its version is the
module's. SQLite accepts configuration only while it is shut down, and shutting it down with a
connection open is undefined: call these first, before the process opens any connection.
"""

from __future__ import annotations

import ctypes
import sqlite3
import sys

# sqlite3.h: sqlite3_config()'s option codes, sqlite3_open_v2()'s flags and result codes.
SQLITE_CONFIG_MULTITHREAD = 2
SQLITE_CONFIG_MEMSTATUS = 9
SQLITE_OPEN_READWRITE = 0x2
SQLITE_OPEN_CREATE = 0x4
SQLITE_OK = 0


def _library() -> ctypes.CDLL | None:
    """The SQLite library Python's ``sqlite3`` module calls, or None when it cannot be reached
    or is not the version the module reports."""
    try:
        import _sqlite3

        library = ctypes.CDLL(_sqlite3.__file__)
        library.sqlite3_libversion.restype = ctypes.c_char_p
        version = library.sqlite3_libversion().decode("ascii")
    except (ImportError, OSError, AttributeError):
        return None
    return library if version == sqlite3.sqlite_version else None


def without_memory_statistics() -> bool:
    """Turn SQLite's memory statistics off (``SQLITE_CONFIG_MEMSTATUS``) for this process and
    the children it forks later. Returns True when applied; False, changing nothing, when the
    library cannot be reached or refuses (then SQLite works as before).

    Why: Debian's libsqlite3 is built with ``SQLITE_OMIT_LOOKASIDE``, so each of SQLite's many
    small allocations is a ``malloc()`` through ``sqlite3_malloc``, which, while it counts
    them, takes one process-wide mutex. The build's four connections, in threads on two cores,
    took it from each other: with the statistics off the real package built in 2.31 s instead
    of 2.54 s (medians of 8, side by side). What is lost is ``sqlite3_memory_used()``, the
    ``sqlite3_status()`` memory counters and the soft heap limit, none of which the project
    reads or sets.

    Call it before the process's first connection (see the module)."""
    return _configure(SQLITE_CONFIG_MEMSTATUS, 0)


def multi_thread_mode() -> bool:
    """Put SQLite in multi-thread mode (``SQLITE_CONFIG_MULTITHREAD``) for this process and the
    children it forks later: a connection opened from then on has no mutex of its own, which
    serialized mode (Debian's default) takes and releases on every call into it, for each
    column of each row read. Returns True when applied; False, changing nothing, when the
    library cannot be reached or refuses.

    Safe only where no connection is used by two threads at once, which Python's ``sqlite3``
    enforces for every connection opened with ``check_same_thread`` left True (its default,
    and the build's: each of its threads opens connections of its own). Datasette's, opened
    with it False, are not for this mode: the command line sets it for ``build`` alone. At a
    million figures the build took 0.67 s less CPU (medians of four, side by side), when the
    round trip still read every figure back in Python row by row.

    Call it before the process's first connection (see the module)."""
    return _configure(SQLITE_CONFIG_MULTITHREAD)


def _configure(option: int, *values: int) -> bool:
    """``sqlite3_config(option, *values)`` between a shutdown and an initialisation of the
    library: True when applied, False when the library cannot be reached or refuses."""
    # sqlite3_config() is variadic: called through ctypes only where a variadic int goes where
    # a fixed one does (Linux on x86-64 and arm64; not Apple's arm64, which puts it on the stack).
    library = _library() if sys.platform == "linux" else None
    if library is None:
        return False
    if library.sqlite3_shutdown() != SQLITE_OK:
        return False
    applied = library.sqlite3_config(ctypes.c_int(option), *(ctypes.c_int(v) for v in values)) == SQLITE_OK
    # sqlite3_initialize() is also called by every sqlite3_open; called here, a failure shows now.
    if library.sqlite3_initialize() != SQLITE_OK:
        raise sqlite3.OperationalError("SQLite failed to initialise again after its configuration")
    return applied


def connections_have_mutexes() -> bool | None:
    """Whether a connection opened now gets a mutex of its own (serialized mode: True;
    multi-thread mode, ``multi_thread_mode``: False), found by opening one in memory through
    the library; None when the library cannot be reached or opens none."""
    library = _library()
    if library is None:
        return None
    handle = ctypes.c_void_p()
    flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
    library.sqlite3_db_mutex.restype = ctypes.c_void_p
    try:
        if library.sqlite3_open_v2(b":memory:", ctypes.byref(handle), flags, None) != SQLITE_OK:
            return None
        return library.sqlite3_db_mutex(handle) is not None
    finally:
        library.sqlite3_close(handle)


def memory_used() -> int | None:
    """What ``sqlite3_memory_used()`` reports (bytes SQLite holds, while it counts them), or
    None when the library cannot be reached."""
    library = _library()
    if library is None:
        return None
    library.sqlite3_memory_used.restype = ctypes.c_int64
    return library.sqlite3_memory_used()
