"""What a client is told of JSON it sent in a parameter that Python's parser could not read.

Not a plugin (no hooks): imported as ``_json_values`` with plugins/ on the import path, as
``_responses`` is.
"""

from __future__ import annotations

import json
import sys


def json_error_text(error: Exception) -> str:
    """``error``, raised by ``json.loads`` on a client's text, in words the client can act on.

    A JSONDecodeError is told as the parser tells it ("Expecting value: line 1 column 2 (char 1)").
    Two are Python's own limits, whose words named Python: arrays or objects nested about a
    thousand deep (a RecursionError, "maximum recursion depth exceeded while decoding a JSON
    array from a unicode string"), and a whole number of more digits than Python converts (a
    ValueError that said "use sys.set_int_max_str_digits() to increase the limit").
    """
    if isinstance(error, RecursionError):
        return "arrays or objects nested too deep to read"
    if not isinstance(error, json.JSONDecodeError) and "int_max_str_digits" in str(error):
        return f"a whole number of more than {sys.get_int_max_str_digits():,} digits, longer than a JSON reader takes"
    return str(error)
