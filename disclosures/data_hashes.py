"""The SHA-256 of a package's data files, taken in a thread from the moment a command starts.

``validate`` and ``build`` each begin with the package's validation key
(``stamp.validation_key``), which hashes every data file, after importing the modules that do
their work. hashlib hashes with the interpreter released, so a thread started before those
imports hashes the files on the other core while they run, and the key takes its hashes.

Only the standard library's hashlib, json, os, stat, threading and pathlib are imported here: starting
the thread costs a command nothing it would not pay anyway.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
from pathlib import Path

# What sha256_file reads at a time: Python is free while a block is read and hashed.
HASH_BLOCK_BYTES = 8 << 20
# The largest file whose bytes DataHashes keeps: Arrow's CSV reader, which parses them, takes
# none larger (arrow_validate.read_strings).
KEPT_BYTES_LIMIT = (1 << 31) - 1


def open_regular(path: Path):
    """``path`` opened for reading in binary, as ``open(path, "rb")`` would; raises
    IsADirectoryError (an OSError) when it is anything but a regular file. A FIFO's plain open
    waits for a writer, forever when none comes (and a SIGTERM that another thread takes does
    not end the wait): a build or validation that found one in place of a file it reads hung.
    Opened without waiting (O_NONBLOCK), then refused."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise IsADirectoryError(f"{path}: not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def sha256_file(path: Path) -> str:
    """The SHA-256 of the file's bytes, in hex, read in blocks of 8 MiB: Python is free while each
    is read and hashed, so a thread hashing beside busy Python waits for it once a block
    (hashlib.file_digest's blocks of 256 KiB made it wait 32 times as often). Not through a
    memory map: a package file cut short meanwhile (an editor saving it) would end the process
    with SIGBUS; read, it gives another hash, which the stamp's checks then refuse."""
    digest = hashlib.sha256()
    block = bytearray(HASH_BLOCK_BYTES)
    view = memoryview(block)
    with open_regular(path) as handle:
        while read := handle.readinto(block):
            digest.update(view[:read])
    return digest.hexdigest()


class DataHashes:
    """The SHA-256 of each file the resources of ``package_path`` (a datapackage.json) name,
    taken in a thread started when this is made; ``digests()`` waits for it.

    ``keep``: the bytes of each file (up to KEPT_BYTES_LIMIT) are read whole, hashed and kept,
    for validation's reader to parse (``kept()``) instead of reading the file again: the bytes
    parsed are then exactly those the key hashed, read and hashed once rather than twice (at a
    million figures, 265 MB).

    Never raises: a descriptor that cannot be read gives no hashes, and a file that cannot be
    read none of its own; the key then reads them itself, and says what is wrong."""

    def __init__(self, package_path: Path, keep: bool = False):
        self._digests: dict[str, str] = {}
        self._kept: dict[str, tuple[bytes, str]] = {}
        # Beside the descriptor as named, not as resolved, as the key hashes them.
        folder = Path(package_path).absolute().parent
        self._thread = threading.Thread(
            target=self._hash, args=(Path(package_path).absolute(), folder, keep), name="data-hashes", daemon=True
        )
        self._thread.start()

    def _hash(self, package_path: Path, folder: Path, keep: bool) -> None:
        try:
            # Only files: opening a FIFO waits for a writer, and digests() then for ever
            # (validation names what is there instead: validate.special_file_problems).
            if not package_path.is_file():
                return
            resources = json.loads(package_path.read_text(encoding="utf-8"))["resources"]
            paths = [resource["path"] for resource in resources if isinstance(resource.get("path"), str)]
        # RecursionError: a descriptor nested too deep for json (the key then says where).
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return
        for path in dict.fromkeys(paths):
            file = folder / path
            try:
                if not file.is_file():
                    continue
                if keep and file.stat().st_size <= KEPT_BYTES_LIMIT:
                    with open_regular(file) as handle:
                        data = handle.read()
                    digest = hashlib.sha256(data).hexdigest()
                    self._kept[path] = (data, digest)
                else:
                    digest = sha256_file(file)
            # ValueError: a path the OS cannot be given (a NUL, a lone surrogate): the key's own
            # reading of it raises, and validation names the path.
            except (OSError, ValueError):
                continue
            self._digests[path] = "sha256:" + digest

    def digests(self) -> dict[str, str]:
        """{resource path: "sha256:<hex>"} of each file hashed, once all are."""
        self._thread.join()
        return dict(self._digests)

    def kept(self) -> dict[str, tuple[bytes, str]]:
        """{resource path: (its bytes, their SHA-256 in hex)} with ``keep``, once all are read;
        the reader takes each out as it parses it. Empty without ``keep``."""
        self._thread.join()
        return self._kept
