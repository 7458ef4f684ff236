"""Import finders that report an optional package as not installed, for processes that never use
it but would import it anyway through a library that takes it when it can.

numpy: sqlite-utils imports it only to name numpy values' column types, and pyarrow to convert
to and from numpy arrays; the build uses neither. Importing numpy (which starts its BLAS
threads) cost 0.18-0.3 s of CPU of every build. pandas: sqlite-utils imports it for DataFrame
inserts, which nothing here makes. Both libraries treat a missing package as a normal case.

A library imported while numpy is hidden keeps working without it for the rest of the process:
pyarrow so imported cannot make or read numpy arrays even once numpy is imported later. So numpy
is hidden only where nothing after the import needs it (``numpy_hidden``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


class _Without:
    """A finder (``sys.meta_path``) that makes ``import <package>`` (and its submodules) raise
    ModuleNotFoundError, as when the package is not installed."""

    def __init__(self, package: str):
        self.package = package

    def find_spec(self, name, path=None, target=None):
        if name == self.package or name.startswith(f"{self.package}."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


WITHOUT_NUMPY = _Without("numpy")
WITHOUT_PANDAS = _Without("pandas")


@contextmanager
def numpy_hidden(hidden: bool = True) -> Iterator[None]:
    """numpy reported as not installed to the imports made inside, when ``hidden``; a module
    already imported stays as it is."""
    if not hidden:
        yield
        return
    sys.meta_path.insert(0, WITHOUT_NUMPY)
    try:
        yield
    finally:
        sys.meta_path.remove(WITHOUT_NUMPY)
