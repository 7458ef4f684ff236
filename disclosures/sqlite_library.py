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

# sqlite3.h: sqlite3_config()'s option codes and result codes.
SQLITE_CONFIG_MEMSTATUS = 9
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
    # sqlite3_config() is variadic: called through ctypes only where a variadic int goes where
    # a fixed one does (Linux on x86-64 and arm64; not Apple's arm64, which puts it on the stack).
    library = _library() if sys.platform == "linux" else None
    if library is None:
        return False
    if library.sqlite3_shutdown() != SQLITE_OK:
        return False
    applied = library.sqlite3_config(ctypes.c_int(SQLITE_CONFIG_MEMSTATUS), ctypes.c_int(0)) == SQLITE_OK
    # sqlite3_initialize() is also called by every sqlite3_open; called here, a failure shows now.
    if library.sqlite3_initialize() != SQLITE_OK:
        raise sqlite3.OperationalError("SQLite failed to initialise again after its configuration")
    return applied


def memory_used() -> int | None:
    """What ``sqlite3_memory_used()`` reports (bytes SQLite holds, while it counts them), or
    None when the library cannot be reached."""
    library = _library()
    if library is None:
        return None
    library.sqlite3_memory_used.restype = ctypes.c_int64
    return library.sqlite3_memory_used()
