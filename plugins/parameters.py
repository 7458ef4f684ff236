"""Parameters Datasette 0.65 would crash on or quietly misread are a 4xx, and an error is never a 200.

Checked before Datasette sees the request, on database, table, view and row paths:

- ``column__in=[...]`` / ``column__notin=[...]``: a value that starts with ``[`` must be a JSON list
  of strings and numbers (Datasette's ``json.loads`` failed with a 500; a null matched no row);
- ``_next`` on a view is an offset: a whole number (``abc`` was a 500, ``-5`` silently the first
  page again). On a table it is a keyset cursor, the sort value (when sorted) then the primary key
  (or rowid): one with the wrong number of parts (``garbage`` was the first page, ``a,b,c,d`` a
  raw SQL syntax error) or naming no row of the table (``99999999,zzz`` looked like the end of
  the data) is a 400. Only cursors a page's ``next_url`` holds, and the "before every row" cursor
  of plugins/paging.py, pass;
- a number Datasette binds as an SQLite integer is one SQLite can hold (-2**63 to 2**63 - 1):
  ``value__gt=99999999999999999999999`` (any of gt, gte, lt, lte) and ``value__in=[99999999999999999999999]``
  were a 500 "Python int too large to convert to SQLite INTEGER", and ``value__gt=²`` (a character
  Python calls a digit, which ``int`` cannot read) a 500 too. On a number column the same 400
  answers every comparison (``year=9223372036854775808``, ``__not``, ``__in``, ``__notin``, and
  ``year__gt=-9223372036854775809``, which Datasette binds as text): SQLite read the text as the
  nearest double, an empty 200;
- a filter that compares a number column (a Table Schema ``number`` or ``integer``: SQLite's
  NUMERIC or INTEGER) with something that is not a number (``value__gt=abc``, ``year=twenty``,
  ``value__in=1,x``: exact, not, gt, gte, lt, lte, in, notin) names the column and the value. SQLite
  compared such a value as text, which no number equals and every number sorts before, so a
  mistyped number answered 200 with no rows, as if nothing matched (or with every row, for lt,
  lte, not and notin). Spaces around a number are not a mistake: SQLite reads " 2" as 2, and
  Datasette strips each value of a comma-separated list. Nor is a number that is not finite:
  ``value__gt=1e999`` (beyond a double's range, which SQLite reads as infinity) answered 200 with
  no rows, and ``inf``, ``nan`` (text to SQLite) and JSON's NaN and Infinity compare with no
  number as they seem to; each is a 400 that says the value is not a finite number;
- a table's column asked to equal two different values (``jurisdiction_id=USA&jurisdiction_id=DEU``,
  as most HTTP libraries write a list) can match no row, since Datasette applies every filter: it
  answered 200 with no rows, as if neither had a figure, and is a 400 that names the ``__in``
  filter for the rows of any of them;
- a SQL query (``?sql=``, or a canned query) reads one value of each parameter, the first: one given
  twice with different values (``jurisdiction=USA&jurisdiction=DEU``, ``sql=...&sql=...``) is a
  400 that names them, where it answered for the first alone;
- an option Datasette reads one value of (``_size``, ``_shape``, ``_search``, ``_next``, ...: ``SINGLE_OPTIONS``)
  is given once, or always with the same value: ``_search=a&_search=b`` searched for a alone, 200;
- a SQL query's ``.json`` or ``.csv`` is given its parameters and no other: a canned query's
  parameter it does not take, a ``?sql=`` query's ``:parameter`` missing or one it has not (Datasette
  ran a missing one as blank and ignored the other, answering [] with 200);
- ``_col`` and ``_nocol`` name columns of the table, and ``_nocol`` not its key, which every row keeps;
  ``_json`` names a column of the table, on a table's path and on its row's ``.json`` or ``.csv``
  alike (a row's ignored one it does not have, 200);
- a SQL query (``?sql=``, or a canned query) is not a table: its SQL decides its rows (all of
  them, up to ``max_returned_rows``) and their order, and Datasette 0.65 ignored ``_size``,
  ``_next``, ``_sort`` and ``_sort_desc`` there without a word. Each is a 400 that says what to
  write in the SQL instead (LIMIT, OFFSET, ORDER BY), or for a canned query how to run its SQL
  as one's own. ``_size=max`` is accepted: it is what a query does anyway, and Datasette's own
  CSV links carry it;
- a canned query's ``platform``, ``jurisdiction``, ``metric`` or ``request_type`` names one that exists
  (``compare_platforms.json?jurisdiction=US`` answered ``[]``, as if the United States had no
  figures), and in its ``.json`` and ``.csv`` is given, unless the query has a default for it
  (``top_jurisdictions.json?platform_id=telegram`` ran with a blank ``platform`` and answered
  ``[]``); its page without one still shows the form. Likewise its ``period_start`` and
  ``period_end``: a date written YYYY-MM-DD that some figure's period starts (ends) on
  (``top_jurisdictions.json`` without them, or with ``period_start=2024-1-1``, answered ``[]``);
- a pattern filter (contains, startswith, endswith, like, notlike, glob) whose value holds a NUL
  character, where SQLite ends a LIKE or GLOB pattern (``quote__contains=%00`` answered every
  quote, as if it were ``quote__contains=``);
- a date filter (``column__date``) whose value is no day written YYYY-MM-DD, the only way SQLite's
  date() writes one (``period_start__date=2024-1-1`` or ``=2024-13-45`` answered no rows, 200);
- ``_ttl`` that Python calls digits is written with 0 to 9 (``_ttl=²`` was a 500: Datasette reads
  it with ``int`` once ``str.isdigit`` passes it) and is at most 2**31 seconds, the largest
  ``max-age`` RFC 9111 (1.2.2) lets a sender write (``_ttl=99999999999999999999999`` was sent back
  as ``Cache-Control: max-age=99999999999999999999999``). Checked on every path, the site's own
  pages and JSON included, which take ``_ttl`` as Datasette's views do (plugins/data_headers.py);
- ``_size`` is ``max`` or a whole number, for CSV too (a table's CSV ignores it by design, see
  plugins/downloads.py, but ``_size=abc`` is still a mistake to report);
- ``_shape`` is one Datasette has, on ``.json`` and ``.csv`` (a CSV ignores the shape, so a
  known one is harmless, but ``_shape=nope`` there was silently ignored) and on a table's, a view's,
  a row's, a SQL query's or a canned query's page (which shows none, and answered ``_shape=nope`` 200
  too: a canned query's page as not applied), and one that lists rows
  (array, arrayfirst, object) is not asked of a database's own JSON, its list of tables
  (``/disclosures.json?_shape=array`` was a 500), nor of its page (``/disclosures?_shape=nope``
  and ``?_shape=array`` were a 200 linking that 400 as its JSON), nor ``object`` of a view's JSON or page, or a
  table's that declares no primary key (which has none to key its rows by: Datasette's 400 spoke of "tables
  with no primary keys", of a view too, and the page showed the rows, 200);
- ``_stream`` on a ``.csv`` is empty or a boolean as Datasette's ``value_as_boolean`` reads one
  (on/off, true/false, 1/0, any case). Datasette 0.65 streams for any non-empty value, even
  ``maybe`` or ``0``, while the site's plugins took ``0`` and ``off`` as no: so the value is
  rewritten before anyone reads it, ``_stream=on`` when true and no ``_stream`` when false, and
  every reader agrees. So is ``_dl`` (a download, with a file name), which ``_dl=0`` and
  ``_dl=off`` asked for too, ``_header`` (the header row, left out only by ``_header=off``:
  ``_header=false`` and ``_header=0`` wrote it, one row more than the client asked for; it is
  rewritten ``_header=off`` when false and left out when true), and ``_nl`` on a ``.json``.
  ``_json_infinity``, ``_labels``, ``_nocount``, ``_nofacet`` and ``_nosuggest`` take the same
  values on every format (``_json_infinity=maybe``, and a blank one, were a 500; ``_labels=maybe``
  was ignored; ``_nofacet=0`` left out the facets): each but ``_labels``, which a page reads as
  on when it is not given, is rewritten so;
- an unknown format (``figures.xml``, ``.tsv``, ``.JSON``) is a 404 that names the formats there
  are; Datasette answered those with the HTML page under 200. A row's key may hold dots, though: when the
  unknown "format" is the rest of a key (``releases/0.1.0``), the row's page answers (302 to its
  tilde-encoded path). A dot the client escaped is the key's whether a row has it or not
  (``releases/9%2E9%2E9``, a 302 to ``9~2E9~2E9`` and its 404, as Datasette answers it).

And a ``.json`` answer whose body says ``"ok": false`` carries an error status: Datasette sent
``_shape=bogus`` or ``_shape=object`` on a query with status 200. ``_shape=object`` on a query
(``?sql=`` or a canned query) is refused before Datasette runs it, so that its HEAD, whose body
is empty, is the same 400, and so is its page (a 200 that showed the rows, or for a canned query
called the shape not applied).

A ``.json`` or ``.csv`` request gets the API's error shape (a 404 always does), a page Datasette's error page
(plugins/_responses.py); a canned query's page is a 400 that is its form, with the error above the
fields (QUERY_PAGE), so that the reader can fix the value, and so is a table's or view's page: its
filter form, filled with the filters as sent, the error above it (TABLE_PAGE_PROBLEM), whoever
refused the page: this plugin, Datasette or a plugin inside this one (``_sort=nope``, ``_facet=nope``,
``nosuch=1``), whose error page had no form. A table's or view's ``_size`` beyond
``max_returned_rows`` is refused here, on its page as on its JSON, which Datasette refused alone. A canned
query's page names a parameter the query does not take, which its .json refuses, as not applied
(plugins/_unread.py).
"""

from __future__ import annotations

import json
import math
import re
import sys
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, quote, quote_plus, unquote, unquote_plus

from datasette import hookimpl
from datasette.utils import escape_sqlite, tilde_decode, tilde_encode
from datasette.views import database as database_view

# plugins/ is no package: what its plugins share is plugins/_responses.py, found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _filters import filter_problem, flag_problem
from _implied_keys import implied_key, implied_reference
from _json_values import json_error_text
from _near_codes import ALPHA3_SQL, did_you_mean, jurisdiction_id_of, named_jurisdictions_problem
from _responses import (
    CONTROLS,
    HTML,
    INTERRUPTED,
    error_body,
    error_page,
    error_text,
    escaped_controls,
    held,
    is_json_request,
    send_message,
    send_response,
    send_whole,
)
from _sql_text import NOT_CODE, positional_parameter_problem
from _table_options import nameless_problem, shape_problem, unapplied_option
from _unread import args_as_sent, unread_parameters

# The routes of Datasette 0.65 (datasette/app.py): database, table or query, row.
DATABASE_PATH = re.compile(r"^/(?P<database>[^/.]+)(?:\.(?P<format>\w+))?$")
TABLE_PATH = re.compile(r"^/(?P<database>[^/.]+)/(?P<table>[^/.]+)(?:\.(?P<format>\w+))?$")
ROW_PATH = re.compile(r"^/(?P<database>[^/.]+)/(?P<table>[^/]+?)/(?P<row>[^/]+?)(?:\.(?P<format>\w+))?$")
# datasette.utils.value_as_boolean's words (compared in lower case); the first three are true.
BOOLEANS = ("on", "true", "1", "off", "false", "0")
WHOLE_NUMBER = re.compile(r"^[0-9]+$")
INTEGER = re.compile(r"^-?[0-9]+$")
# plugins/paging.py's cursor before every row: "$null" or the last code point, then keys that are
# "" or the smallest 64-bit integer. It is the plugin's, not a row's, so no row is looked up.
START_SORT_VALUES = ("$null", "\U0010ffff")
START_KEYS = ("", "-9223372036854775808")
SCALARS = (str, int, float, type(None))
# SQLite's integers: a Python int outside them cannot be bound as a parameter.
SQLITE_INTEGERS = range(-(2**63), 2**63)
# Datasette's filters that compare as numbers: a value of digits (str.isdigit) is bound as an int.
NUMERIC_OPERATORS = ("__gt", "__gte", "__lt", "__lte")
# Text SQLite turns into a number when it meets a number column: decimal digits, an optional point
# and exponent. Anything else stays text and compares unequal to, and greater than, every number.
# SQLite reads it with the spaces it skips around a number (" 2" is 2).
NUMBER = re.compile(r"^[ \t\n\v\f\r]*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?[ \t\n\v\f\r]*$")
# The declared types SQLite gives a number affinity (its datatype3 rules), as the build writes a
# Table Schema number (NUMERIC) or integer (INTEGER).
NUMBER_TYPES = ("INT", "NUMERIC", "DECIMAL", "REAL", "FLOA", "DOUB")
# Datasette's lookups that compare the column with the value(s) given (``column=value`` is exact).
COMPARING_LOOKUPS = ("exact", "not", "gt", "gte", "lt", "lte", "in", "notin")
# SQLite orders text after every number, so text matches no row with these, and every row with a
# number with the others (value__lt=abc, value__not=abc).
MATCHING_NOTHING = ("exact", "gt", "gte", "in")
# Minus infinity is below every number: these match nothing with it, the others every row.
MATCHING_NOTHING_BELOW = ("exact", "lt", "lte", "in")


def formats(datasette, database_level: bool) -> list[str]:
    """The extensions a Datasette path may end in: its renderers, csv, jsono, and db for a database."""
    names = set(datasette.renderers) | {"csv", "jsono"} | ({"db"} if database_level else set())
    return sorted(names)


def format_problem(datasette, fmt: str | None, database_level: bool) -> str | None:
    if fmt is None:
        return None
    known = formats(datasette, database_level)
    if fmt in known:
        return None
    listed = ", ".join("." + name for name in known if name not in ("jsono", "blob"))
    return f"No .{fmt} format here: this page is HTML without an extension, or {listed}"


def in_list_problem(key: str, value: str) -> str | None:
    """Why a ``column__in``/``column__notin`` value that starts with "[" is not a JSON list, or None."""
    if not value.startswith("["):
        return None  # comma-separated, which Datasette splits itself
    try:
        values = json.loads(value)
    except (ValueError, RecursionError) as error:  # RecursionError: lists nested thousands deep
        return f"{key}: {value!r} is not a JSON list ({json_error_text(error)}); write [1, 2] or 1,2"
    if not isinstance(values, list) or not all(isinstance(v, SCALARS) for v in values):
        return f"{key}: the JSON list may hold only strings, numbers and null"
    if None in values:
        # SQL's null equals nothing: in a list it matched no row, so value__in=[null] (the rows
        # without a value, as it reads) answered 200 with none, value__in=[1,null] the 1s alone,
        # and value__notin=[null] (those with one) no row at all, since no value is known to differ
        # from null.
        column, _, lookup = key.rpartition("__")
        if lookup == "notin":
            return (
                f"{key}: null in the list leaves out every row (SQL cannot tell that a value differs from null), "
                f"so nothing would match; for the rows that have a value use {column}__notnull=1"
            )
        return (
            f"{key}: null in the list matches no row (SQL's null equals nothing, not even an empty cell); "
            f"for the rows without a value use {column}__isnull=1"
        )
    huge = next((v for v in values if isinstance(v, int) and v not in SQLITE_INTEGERS), None)
    if huge is not None:
        return (
            f"{key}: {huge} is outside the whole numbers SQLite holds ({SQLITE_INTEGERS[0]} to {SQLITE_INTEGERS[-1]})"
        )
    return None


def given_differently(params: list[tuple[str, str]], counted, read=lambda key, value: value) -> str | None:
    """The first name that ``params`` give two or more different values of, among the (name, value)
    pairs ``counted(name, value)`` is true of, with them shown ("x is given 2 times ('a', 'b')");
    or None. Values that ``read(name, value)`` reads alike are one value, shown as first written."""
    values: dict[str, dict] = {}
    for key, value in params:
        if counted(key, value):
            values.setdefault(key, {}).setdefault(read(key, value), value)
    for key, read_values in values.items():
        given = list(read_values.values())
        if len(given) > 1:
            shown = ", ".join(repr(v) if len(v) <= 60 else repr(v[:60] + "…") for v in given)
            return f"{key} is given {len(given)} times ({shown})"
    return None


def identifier_as_read(key: str, value: str) -> str:
    """A query's parameter as it is read: an identifier (VOCABULARY_PARAMETERS) as the data writes
    it, so that platform=google&platform=Google is one platform; any other as written."""
    return VOCABULARY_PARAMETERS[key][2](value) if key in VOCABULARY_PARAMETERS else value


def repeated_parameter_problem(params: list[tuple[str, str]], taken=None) -> str | None:
    """Why a query's parameters are ambiguous: one (not a ``_`` option) given twice with different
    values, of which Datasette would read the first alone; or None. ``taken``: the names the query
    reads, when known; another name is one it does not take, named as such elsewhere (its .json's
    400, its page's notice), where foo=1&foo=2 was "foo is given 2 times" and foo=1 a 200."""
    # One with no name is refused as such (nameless_problem), where this said " is given 2 times".
    repeated = given_differently(
        params,
        lambda key, value: key.strip() and not key.startswith("_") and (taken is None or key in taken),
        identifier_as_read,
    )
    return f"{repeated}: a query takes one value of each parameter" if repeated else None


# Datasette's options that it reads one value of, the first (``request.args.get``), as each
# ``_search_<column>`` too: ``_search=a&_search=b`` searched for a alone, ``_size=1&_size=2`` or
# ``_shape=array&_shape=objects`` answered in the first without a word. ``_sort`` and
# ``_sort_desc`` are plugins/paging.py's to refuse; the others (``_facet``, ``_col``, ``_where``,
# ``_through``, ...) are lists.
SINGLE_OPTIONS = (
    "_size", "_shape", "_search", "_searchmode", "_next", "_facet_size", "_labels", "_timelimit",
    "_nocount", "_nofacet", "_nosuggest", "_json_infinity", "_stream", "_dl", "_header", "_nl", "_ttl",
)  # fmt: skip


# Options whose value is a whole number (or max, for _size and _facet_size): 2 and 02 are one value.
NUMBER_OPTIONS = ("_size", "_facet_size", "_timelimit", "_ttl")


def option_as_read(key: str, value: str):
    """An option's value as it is read: an on/off word as on or off (``on``, ``1`` and ``TRUE``
    are one value), a whole number as its number (``2`` and ``02``); any other value as written."""
    if key in ON_OFF_OPTIONS and value.lower() in BOOLEANS:
        return ("on/off", switch_on(value))
    if key in NUMBER_OPTIONS and WHOLE_NUMBER.match(value):
        return ("number", value.lstrip("0") or "0")  # not int(): it refuses 4,300 digits or more
    return value


def repeated_option_problem(params: list[tuple[str, str]]) -> str | None:
    """Why an option Datasette reads once is given twice with different values, or None (the same
    value twice reads the same, and so do two ways of writing it: ``_labels=on&_labels=1``,
    ``_size=2&_size=02``). A blank value is none: the site reads ``_searchmode=&_searchmode=raw``
    as raw (plugins/search.py), and a form's empty field sends one."""
    repeated = given_differently(
        params,
        lambda key, value: bool(value.strip()) and (key in SINGLE_OPTIONS or key.startswith("_search_")),
        option_as_read,
    )
    return f"{repeated}: it takes one value, and only the first would be read" if repeated else None


# A canned query's parameters that name a row of a vocabulary: (table, key column, how the
# query's SQL compares the value: jurisdiction through upper()).
def as_id(value: str) -> str:
    """An id as the data writes it: lower case, no spaces around it (platform=Google is google)."""
    return value.strip().lower()


def as_code(value: str) -> str:
    """An ISO code as the data writes it: upper case, no spaces around it (jurisdiction=deu is DEU)."""
    return value.strip().upper()


# Each is read as the data writes it, as /chart, /compare and /country read it (the README's rule
# for identifiers): top_jurisdictions.json?platform=Google was a 400 while country_newest.json's
# jurisdiction=Deu answered DEU's rows.
VOCABULARY_PARAMETERS = {
    "platform": ("platforms", "platform_id", as_id),
    "jurisdiction": ("jurisdictions", "jurisdiction_id", as_code),
    "metric": ("metrics", "metric_id", as_id),
    "request_type": ("request_types", "request_type_id", as_id),
}
# A canned query's parameters that name a period's first or last day, compared as text with the
# figures' own dates: anything but a date as they are written (2024-1-1, 2024-06-31) or a day no
# period starts or ends on matched no row, and top_jurisdictions answered [] as if nothing ranked.
PERIOD_PARAMETERS = {"period_start": "starts", "period_end": "ends"}
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
PLUGIN = "platform-disclosures"


def is_iso_date(value: str) -> bool:
    if not ISO_DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


async def canned_query_problem(datasette, db, name: str, sql: str, given: dict, fmt: str | None) -> str | None:
    """Why a canned query's vocabulary or period parameter names nothing that exists, or is missing
    from its .json or .csv while the query has no default for it (``nullif(:name, '')``); or None.
    A value given that names nothing comes first, as the page (which shows its form for one missing)
    says it: top_jurisdictions.json?request_type=nope said only that platform was missing."""
    read = [
        parameter
        for parameter in (*VOCABULARY_PARAMETERS, *PERIOD_PARAMETERS)
        if re.search(rf"[:@$]{parameter}\b", sql)
    ]
    for parameter in sorted(read, key=lambda parameter: given.get(parameter, "") == ""):
        value = given.get(parameter, "")
        if value == "":
            if fmt is None or re.search(rf"nullif\(\s*[:@$]{parameter}\s*,\s*''\s*\)", sql):
                continue  # the page shows its form; the query has its own default
            defaults = ((datasette.plugin_config(PLUGIN) or {}).get("query_defaults") or {}).get(name) or {}
            example = f" (for example {parameter}={defaults[parameter]})" if parameter in defaults else ""
            if parameter in PERIOD_PARAMETERS:
                what = "a date written YYYY-MM-DD"
            else:
                table, column, _ = VOCABULARY_PARAMETERS[parameter]
                what = f"a {column} of {table}"
            return f"{name} needs {parameter}, {what}{example}: without it the query answers nothing"
        if parameter in PERIOD_PARAMETERS:
            problem = await period_parameter_problem(db, name, parameter, value)
            if problem:
                return problem
            continue
        table, column, compared = VOCABULARY_PARAMETERS[parameter]
        found = await db.execute(f"SELECT 1 FROM [{table}] WHERE [{column}] = ? LIMIT 1", [compared(value)])
        if not found.rows:
            # BR, germany: the code to send instead, as /compare and /chart say it.
            named = await named_jurisdictions_problem(db, [value]) if table == "jurisdictions" else None
            if named:
                return named
            # The hint a table's filter gives (key_hint): top_jurisdictions.json?platform=Google said
            # only where the ids are listed, where figures.json?platform_id=Google says google.
            hint = await key_hint(db, table, column, compared(value))
            hint = f" ({hint})" if hint else ""
            return (
                f"{parameter}={value}: no such {parameter}{hint}; the {column} values are listed at /{db.name}/{table}"
            )
    start, end = given.get("period_start", ""), given.get("period_end", "")
    if (
        re.search(r"[:@$]period_start\b", sql)
        and re.search(r"[:@$]period_end\b", sql)
        and start
        and end
        and end < start
    ):
        # Each a day some period starts or ends on, so the checks above passed, and the query
        # answered [] as if nothing ranked (both were checked, so they compare as dates).
        return (
            f"period_end={end} is before period_start={start}: a period ends on or after the day it starts; "
            f"the form at /{db.name}/{name} lists the periods there are"
        )
    return None


# A query's named parameters as SQLite reads them (:name, @name or $name, each bound by its name).
# Read from the SQL's text, comments and literals included: a name found there that is no
# parameter only lets more names through.
QUERY_PARAMETER = re.compile(r"(?<![:@$\w])[:@$]([A-Za-z_][A-Za-z0-9_]*)")
SQL_PARAMETER = re.compile(r"[:@$](\w+)")


def sql_parameter_names(sql: str) -> list[str]:
    """The named parameters of a ``?sql=`` query, each once, in order: ``:name``, ``@name`` and
    ``$name``, which SQLite binds alike by name. Datasette's derive_named_parameters knows only
    ``:name``, so ``select @x`` given x=1 was refused as having no parameter x."""
    return list(sql_parameters_as_written(sql))


async def derive_named_parameters(db, sql: str) -> list[str]:
    """Datasette's function of this name (datasette/utils), which its query view calls for the
    fields of a query's form and the blanks it binds, reading every way SQLite names a parameter.
    Datasette's read ``:name`` alone, so ``?sql=select @x`` had no field for x and was a 400,
    "You did not supply a value for binding parameter :x", with nowhere to give it."""
    return sql_parameter_names(sql)


def sql_parameters_as_written(sql: str) -> dict[str, str]:
    """Each named parameter of a query (in order) and how the SQL first writes it: ``x`` -> ``@x``
    for ``select @x``, so that a message names what the reader wrote (it said ``:x``)."""
    written: dict[str, str] = {}
    for found in SQL_PARAMETER.finditer(NOT_CODE.sub(" ", sql)):
        written.setdefault(found.group(1), found.group(0))
    return written


def unknown_query_parameter_problem(name: str, sql: str, params: list[tuple[str, str]], fmt: str | None) -> str | None:
    """Why a canned query's .json or .csv is given a parameter its SQL does not take, or None.

    Datasette ignores it: ``search_everything.json?term=telegram`` (the search box's parameter is
    q) answered [], 200, as if nothing said telegram. Its page shows the form, blank, instead."""
    if fmt not in ("json", "csv"):
        return None
    named = sorted(set(QUERY_PARAMETER.findall(sql)))
    nameless = nameless_problem(
        params, f"the parameters of {name} are: {', '.join(named)}" if named else f"{name} takes none"
    )
    if nameless:
        return nameless
    unknown = next((key for key, _ in params if not key.startswith("_") and key not in named), None)
    if unknown is None:
        return None
    takes = f"its parameters are: {', '.join(named)}" if named else "it takes none"
    return f"{unknown}: {name} has no parameter {unknown!r}, so it would answer as if it were not given; {takes}"


def sql_parameter_problem(named: dict[str, str], params: list[tuple[str, str]], fmt: str | None) -> str | None:
    """Why a ``?sql=`` query's .json or .csv lacks one of its :parameters, or is given one it does
    not have, or None. ``named``: the SQL's parameters and how it writes each (``sql_parameters_as_written``).

    Datasette ran the query with a missing parameter as blank and ignored one it does not have, so
    ``sql=select * from figures where platform_id = :platform&platfrom=telegram`` answered [], 200,
    as if Telegram had no figures. Its page shows a field for each parameter instead."""
    if fmt not in ("json", "csv"):
        return None
    written = {n: as_written for n, as_written in named.items() if not n.startswith("_")}
    if "sql" in written:
        # sql= is the statement itself, which Datasette leaves out of the parameters: select :sql
        # ran with :sql blank, 200, whatever the address gave.
        return (
            f"sql: the query's parameter {written['sql']} cannot be given (sql= is the query itself), so it would "
            f"run as blank; give it another name, such as {written['sql']}_text"
        )
    named = list(written)
    keys = {key for key, _ in params}
    missing = next((n for n in named if n not in keys), None)
    if missing is not None:
        return (
            f"sql: the query's parameter {written[missing]} is not given, so it would run as blank; add "
            f"{missing}=... to the address (its parameters are: {', '.join(named)})"
        )
    nameless = nameless_problem(
        params, f"the query's parameters are: {', '.join(named)}" if named else "the query takes none"
    )
    if nameless:
        return nameless
    unknown = next((key for key, _ in params if not key.startswith("_") and key != "sql" and key not in named), None)
    if unknown is not None:
        takes = f"its parameters are: {', '.join(named)}" if named else "it has none"
        return f"{unknown}: the query has no parameter :{unknown}, so it would answer as if it were not given; {takes}"
    return None


async def period_parameter_problem(db, name: str, parameter: str, value: str) -> str | None:
    """Why ``value`` is no first (``period_start``) or last (``period_end``) day of any figure's period."""
    if not is_iso_date(value):
        return f"{parameter}={value}: not a day of the calendar written YYYY-MM-DD, as every period is (for example 2024-01-01)"
    found = await db.execute(f"SELECT 1 FROM figures WHERE [{parameter}] = ? LIMIT 1", [value])
    if not found.rows:
        return (
            f"{parameter}={value}: no figure's period {PERIOD_PARAMETERS[parameter]} on that day; "
            f"the form at /{db.name}/{name} lists the periods there are"
        )
    return None


async def query_parameters_taken(datasette, db, match, given: dict) -> set[str] | None:
    """The parameters a SQL query reads (``sql`` itself included for ``?sql=``) when the path and
    parameters ask for one, ``?sql=`` on a database or a canned query; else None."""
    if match.groupdict().get("table") is None:
        # A blank sql= is the database's page, as Datasette reads it.
        return {"sql", *sql_parameter_names(given["sql"])} if given.get("sql") else None
    if match.groupdict().get("row") is not None:
        return None
    canned = await datasette.get_canned_query(db.name, tilde_decode(match["table"]), None)
    return set(QUERY_PARAMETER.findall(canned["sql"])) if canned is not None else None


def numeric_filter_problem(key: str, value: str) -> str | None:
    """Why the value of a comparison (``value__gt=...``) cannot be bound as Datasette binds it, or None.

    Datasette binds a value ``str.isdigit`` accepts as ``int(value)``; other values are compared as
    text, as Datasette does."""
    if not key.endswith(NUMERIC_OPERATORS) or not value.isdigit():
        return None
    try:
        number = int(value)
    except ValueError:
        return f"{key}={value}: not a number; write it with the digits 0 to 9"
    if number not in SQLITE_INTEGERS:
        return f"{key}={value}: larger than the largest whole number SQLite holds ({SQLITE_INTEGERS[-1]})"
    return None


# A table's paging and sorting options, which a SQL query's own SQL decides instead.
TABLE_OPTIONS = ("_size", "_next", "_sort", "_sort_desc")


# A table's options that choose its rows or columns, or count them in facets, which Datasette
# ignored on a SQL query: so compare_platforms.json?jurisdiction=USA&_where=value>5 or
# ?sql=...&_search=telegram answered every row, 200, as if each had been applied, and
# ?sql=...&_facet=platform_id answered no facet_results without a word.
TABLE_ROW_OPTIONS = {
    "_where": "WHERE",
    "_search": "WHERE with a full-text MATCH, as search_everything's SQL does",
    "_col": "the columns after SELECT",
    "_nocol": "the columns after SELECT",
    "_through": "a JOIN",
    "_facet": "GROUP BY and count(*)",
    "_facet_array": "GROUP BY and count(*) over json_each()",
    "_facet_date": "GROUP BY and count(*) over date()",
}


def query_row_option_problem(params: list[tuple[str, str]], canned: str | None) -> str | None:
    """Why a SQL query (``canned``: a canned query's name, or None for ``?sql=``) was given an option
    with which a table chooses its rows or columns, or None."""
    for name, value in params:
        option = "_search" if name.startswith("_search_") else name
        if option not in TABLE_ROW_OPTIONS or not value.strip():
            continue
        if canned is not None:
            return (
                f"{name}={value}: {canned} is a canned query, which answers the rows and columns its SQL "
                f"selects, so {name} (a table's option) is not applied; run its SQL (shown on its page) as "
                f"your own query with {TABLE_ROW_OPTIONS[option]}"
            )
        return (
            f"{name}={value}: a SQL query answers the rows and columns its SQL selects, so {name} (a "
            f"table's option) is not applied; write {TABLE_ROW_OPTIONS[option]} in the SQL"
        )
    return None


def query_option_problem(given: dict, canned: str | None, most_rows: int) -> str | None:
    """Why a SQL query (``canned``: a canned query's name, or None for ``?sql=``) was given an
    option only a table's page applies, or None."""
    for name in TABLE_OPTIONS:
        value = given.get(name, "")
        if value == "" or (name == "_size" and value == "max"):
            continue
        if canned is not None:
            return (
                f"{name}={value}: {canned} is a canned query, which answers all its rows (at most {most_rows}) "
                f"in the order its SQL gives, so {name} is not applied; sort or page the answer yourself, "
                "or run its SQL (shown on its page) as your own query with ORDER BY, LIMIT and OFFSET"
            )
        # The column as an SQL identifier in double quotes, which any name can be written in
        # ([...] cannot hold a "]").
        column = '"' + value.replace('"', '""') + '"'
        instead = {
            "_size": f"LIMIT {value}",
            "_next": "LIMIT and OFFSET (or WHERE on a key after the last row you have)",
            "_sort": f"ORDER BY {column}",
            "_sort_desc": f"ORDER BY {column} DESC",
        }[name]
        return (
            f"{name}={value}: a SQL query answers all its rows (at most {most_rows}) in the order its SQL "
            f"gives, so {name} is not applied; write {instead} in the SQL"
        )
    return None


def is_number_text(value) -> bool:
    """Whether a filter's value (text, or an item of a JSON list) is a number as SQLite compares it."""
    if value is None:
        return True  # JSON's null: Datasette's own answer, which no number equals
    if isinstance(value, bool):
        return False  # JSON's true and false are bound as 1 and 0
    if isinstance(value, (int, float)):
        return math.isfinite(value)
    # A number written beyond a double's range (1e999) is one SQLite reads as infinity.
    return isinstance(value, str) and NUMBER.match(value) is not None and math.isfinite(float(value))


def non_finite(value) -> str | None:
    """How a filter's value that is no finite number is compared, or None for any other value:
    "infinity" or "minus infinity" for a number written beyond a double's range (1e999, -1e999),
    which SQLite reads as one; "text" for the words Python reads as one (inf, infinity, nan), which
    SQLite compares as text; "json" for JSON's NaN and Infinity in a list."""
    if isinstance(value, float):
        return None if math.isfinite(value) else "json"
    if not isinstance(value, str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if math.isfinite(number):
        return None
    if NUMBER.match(value) is None:
        return "text"
    return "minus infinity" if number < 0 else "infinity"


def out_of_range(value) -> int | None:
    """The whole number ``value`` writes in digits (text, with the spaces SQLite skips), when it is
    beyond SQLite's integers; else None."""
    if not isinstance(value, str) or not INTEGER.match(value.strip(" \t\n\v\f\r").removeprefix("+")):
        return None
    number = int(value.strip(" \t\n\v\f\r").removeprefix("+"))
    return None if number in SQLITE_INTEGERS else number


def whole_number_range_problem(key: str, value: str, given: list) -> str | None:
    """Why a filter on a number column compares it with a whole number SQLite cannot hold, or None.

    Datasette binds such a value as text for exact, not, in and notin (and for gt, gte, lt and lte
    when it has a sign or a space), and SQLite turns it into the nearest double: year=9223372036854775808
    answered an empty 200, where year__gt=9223372036854775808, bound as a Python int, was a 400
    (numeric_filter_problem). Each is that 400 now, whatever the operator."""
    place = next((i for i, v in enumerate(given) if out_of_range(v) is not None), None)
    if place is None:
        return None
    number = out_of_range(given[place])
    if len(given) > 1:
        return (
            f"{key}={value}: its {ordinal(place + 1)} value {number} is outside the whole numbers SQLite holds "
            f"({SQLITE_INTEGERS[0]} to {SQLITE_INTEGERS[-1]})"
        )
    if number > 0:
        return f"{key}={value}: larger than the largest whole number SQLite holds ({SQLITE_INTEGERS[-1]})"
    return f"{key}={value}: smaller than the smallest whole number SQLite holds ({SQLITE_INTEGERS[0]})"


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def number_filter_problem(key: str, value: str, columns: dict) -> str | None:
    """Why a filter compares a number column with something that is not a number, or None.

    ``columns``: {name: declared type}. The column and lookup are read as Datasette reads them."""
    column, lookup = key.rsplit("__", 1) if "__" in key else (key, "exact")
    declared = (columns.get(column) or "").upper()
    if lookup not in COMPARING_LOOKUPS or not any(word in declared for word in NUMBER_TYPES):
        return None
    if lookup in ("in", "notin"):
        # A JSON list (in_list_problem checked it) or Datasette's comma-separated values.
        given = json.loads(value) if value.startswith("[") else [v.strip() for v in value.split(",")]
    else:
        given = [value]
    place = next((i for i, v in enumerate(given) if not is_number_text(v)), None)
    if place is None:
        return whole_number_range_problem(key, value, given)
    wrong = given[place]
    # As the client wrote it: 'abc' for a text, true or NaN for JSON's.
    shown = repr(wrong) if isinstance(wrong, str) else json.dumps(wrong)
    how = non_finite(wrong)
    # Text sorts after every number, and so does infinity; minus infinity before every number.
    nothing = MATCHING_NOTHING_BELOW if how == "minus infinity" else MATCHING_NOTHING
    outcome = "nothing could match" if lookup in nothing else "every row with a number would match"
    if len(given) > 1:
        # One value of a list: the others still match (value__in=2,1e999 answers the rows of 2),
        # so what goes wrong is this value's alone, and which of them it is is said.
        shown = f"its {ordinal(place + 1)} value {shown}"
        outcome = "no row could match it" if lookup == "in" else "it would leave out no row"
    if isinstance(wrong, bool):
        outcome = f"it would be compared as {int(wrong)}"
    write = (
        "with the digits 0 to 9, an optional decimal point and exponent (1000, 0.25, 1e6), without thousands separators"
    )
    if how in ("infinity", "minus infinity"):
        # 1e999 passed as a number, and SQLite compared it as infinity: an empty 200 for gt.
        return (
            f"{key}={value}: {column} holds numbers, and {shown} is not a finite number: it is beyond the "
            f"largest number SQLite holds (about 1.8e308), so SQLite reads it as {how} and {outcome}; "
            f"write a finite number {write}"
        )
    if how is not None:
        return (
            f"{key}={value}: {column} holds numbers, and {shown} is not a finite number, so {outcome}; write it {write}"
        )
    return f"{key}={value}: {column} holds numbers, and {shown} is not a number, so {outcome}; write it {write}"


# The lookups that compare a column's value with the values given, as equal or not.
KEY_LOOKUPS = ("exact", "not", "in", "notin")
# Tables whose figure_id may name a figure the data no longer has (a correction's removal, a
# release's change), whose rows say why it went: such an id is no slip to refuse.
NAMING_REMOVED_FIGURES = ("corrections", "release_changes")


async def referenced_columns(db, table: str, kind: str, columns: dict, keys: list[str] = ()) -> dict:
    """{column: (table, key column)} of the columns of ``table`` that name a row of a table: its
    foreign keys, its own primary key (``keys``, when it is one column), and the columns named as the database's foreign keys that all point to one
    table (plugins/_implied_keys.py): a view's, a table's the build derives, and corroborations'
    figure_id, which the package checks without a foreign key (corroborations.figure_id=zzz
    answered 200 with no rows, where disagreements' was the 400)."""
    found = {}
    if kind == "table":
        for key in await db.foreign_keys_for_table(table):
            found[key["column"]] = (key["other_table"], key["other_column"])
        # Its own key names its rows as another table's foreign key does: platforms?platform_id=Pinterest
        # was a 200 with no rows, where figures?platform_id=Pinterest says "did you mean pinterest?".
        if len(keys) == 1 and keys[0] != "rowid":
            found.setdefault(keys[0], (table, keys[0]))
    for column in columns:
        if column not in found:
            labelled = await implied_key(db, column)
            reference = labelled[:2] if labelled else await implied_reference(db, column)
            if reference is None or reference[0] == table:
                continue
            # Figures have no label column, so their ids are the one reference without one that
            # is checked: dataset's version names a release to come, which releases lacks.
            if labelled is None and reference[0] != "figures":
                continue
            if reference[0] == "figures" and table in NAMING_REMOVED_FIGURES:
                continue
            found[column] = reference
    return found


async def key_hint(db, other_table: str, other_column: str, value: str) -> str:
    """ "did you mean ...?" for a key no row has: the key with the spaces around it dropped (``USA ``)
    or in its own case (usa: USA, Telegram: telegram), the jurisdiction an alpha-2 code or a name
    means (US, uk, germany: as the canned queries and /country say, plugins/_near_codes.py), or the
    codes one letter off; or ""."""
    column, table = escape_sqlite(other_column), escape_sqlite(other_table)
    asked = value.strip()
    # The data writes its ids in lower case and its ISO codes in upper case: each spelling is a
    # lookup of the key's index, where COLLATE NOCASE read all 65,050 figure ids for one hint.
    spellings = list(dict.fromkeys([asked, asked.lower(), asked.upper()])) if asked else []
    if spellings:
        marks = ", ".join("?" * len(spellings))
        same = await db.execute(f"SELECT {column} FROM {table} WHERE {column} IN ({marks}) LIMIT 1", spellings)
        if same.rows:
            meant = same.rows[0][0]
            # 'USA ' and USA read alike in a message: the spaces are what to drop.
            spaced = " (without the spaces around it)" if asked != value else ""
            return f"did you mean {meant}{spaced}?"
    if other_table == "jurisdictions":
        code = await jurisdiction_id_of(db, asked)
        if code is not None:
            name = (await db.execute("SELECT name FROM jurisdictions WHERE jurisdiction_id = ?", [code])).rows[0][0]
            return f"did you mean {code} for {name}?"
        if len(asked) == 3:
            return did_you_mean(asked, dict((await db.execute(ALPHA3_SQL)).rows))
    return ""


async def key_filter_problem(
    db, table: str, kind: str, columns: dict, params: list, keys: list[str] = ()
) -> str | None:
    """Why a filter compares a column that names another table's rows (jurisdiction_id, platform_id,
    ...) with a value no row of that table has, or None.

    Such a filter can match no row, or every row: ``figures.json?jurisdiction_id=usa`` (or ``=US``,
    or ``=BRG``) answered 200 with no rows, as if the United States had no figures, and
    ``platform_id__not=Telegram`` every figure, Telegram's too. The canned queries refused such a
    value already (canned_query_problem); a table's filter is told the same, with the key meant.
    So is a filter on the table's own key (``keys``: its primary key's columns), which names its
    rows: ``platforms?platform_id=Pinterest`` answered 200 with no rows."""
    referenced = None
    # Whether a key is some row's, asked once a request: a list may repeat one key thousands of
    # times (190 filters of jurisdiction_id__in=USA,USA,... took 0.8 s of lookups, then a 400).
    known: dict[tuple, bool] = {}
    for key, value in params:
        if key.startswith("_"):
            continue
        column, lookup = key.rsplit("__", 1) if "__" in key else (key, "exact")
        if lookup not in KEY_LOOKUPS or column not in columns:
            continue
        if referenced is None:
            referenced = await referenced_columns(db, table, kind, columns, keys)
        if column not in referenced:
            continue
        other_table, other_column = referenced[column]
        listed = lookup in ("in", "notin")
        given = json.loads(value) if listed and value.startswith("[") else None
        if given is None:
            given = [v.strip() for v in value.split(",")] if listed else [value]
        for place, wanted in enumerate(given):
            # A number in a JSON list is compared as the column's text, as Datasette's IN compares
            # it: jurisdiction_id__in=[5] answered no row, and __notin=[5] every row, unrefused.
            if wanted is None:
                continue
            asked = (other_table, other_column, type(wanted), wanted)
            if asked not in known:
                found = await db.execute(
                    f"SELECT 1 FROM {escape_sqlite(other_table)} WHERE {escape_sqlite(other_column)} = ? LIMIT 1",
                    [wanted],
                )
                known[asked] = bool(found.rows)
            if known[asked]:
                continue
            # A JSON number or true is no slip of a code: read as Python's text, [1e400] ("inf") and
            # [NaN] ("nan") were answered "did you mean IND for India?" and "CAN, NAM or PAN".
            hint = await key_hint(db, other_table, other_column, wanted) if isinstance(wanted, str) else ""
            # A figure a correction removed, or one a release carried: its page (a 410) says when and
            # why, where "no row of figures" alone read as an id that never was.
            if (
                not hint
                and (other_table, other_column) == ("figures", "figure_id")
                and isinstance(wanted, str)
                and await was_a_figure(db, wanted)
            ):
                hint = f"it was a figure, since removed: /figure/{quote(wanted, safe='')} says when and why"
            written = repr(wanted) if isinstance(wanted, str) else json.dumps(wanted)
            if isinstance(wanted, str) and not wanted.strip():
                # A blank is a key no row has, as any other: jurisdiction_id= answered 200 with no
                # rows and __not= with every row, while jurisdiction_id__in=USA, was this 400.
                written, hint = f"{written} (blank)", f"to keep every row, leave {key} out"
            # SQL's != and NOT IN leave out a row without a value too: figures.json?source_id__not=zzz
            # keeps 50,504 of 65,130 figures (a derived figure has no source), not "no row left out".
            kept = f"that has a {column}"
            if len(given) > 1:
                shown = f"its {ordinal(place + 1)} value {written}"
                outcome = "no row could match it" if lookup == "in" else f"it would leave out no row {kept}"
            else:
                shown = written
                outcome = "nothing could match" if lookup in ("exact", "in") else f"no row {kept} would be left out"
            return (
                f"{key}={value}: {shown} is the {other_column} of no row of {other_table}, so {outcome}"
                + (f" ({hint})" if hint else "")
                + f"; the {other_column} values are listed at /{db.name}/{other_table}"
            )
    return None


async def was_a_figure(db, figure_id: str) -> bool:
    """Whether the records show ``figure_id`` was once a figure: a correction removed it, or a
    release carried it."""
    removed = await db.execute(
        "SELECT 1 FROM corrections WHERE figure_id = ? AND (new_value IS NULL OR new_value = '') LIMIT 1",
        [figure_id],
    )
    if removed.rows:
        return True
    carried = await db.execute("SELECT 1 FROM release_changes WHERE figure_id = ? LIMIT 1", [figure_id])
    return bool(carried.rows)


def contradictory_filter_problem(params: list[tuple[str, str]], columns: dict) -> str | None:
    """Why a table's filters ask one column to equal two different values, which no row can, or None.

    Datasette applies every filter, joined with AND: ``jurisdiction_id=USA&jurisdiction_id=DEU``,
    which most HTTP libraries write for a list of two countries, answered 200 with no rows, as if
    neither had a figure. ``columns``: {name: declared type}; on a number column, values SQLite
    reads as one number (900 and 900.0) are one value."""

    def exact_column(key: str, value: str) -> bool:
        column, lookup = key.rsplit("__", 1) if "__" in key else (key, "exact")
        return not key.startswith("_") and lookup == "exact" and column in columns

    def as_compared(key: str, value: str):
        column = key.rsplit("__", 1)[0] if "__" in key else key
        declared = (columns.get(column) or "").upper()
        if any(word in declared for word in NUMBER_TYPES) and is_number_text(value):
            return float(value)
        return value

    values: dict[str, dict] = {}
    for key, value in params:
        if exact_column(key, value):
            column = key.rsplit("__", 1)[0] if "__" in key else key
            values.setdefault(column, {}).setdefault(as_compared(key, value), value)
    for column, read in values.items():
        given = list(read.values())
        if len(given) < 2:
            continue
        shown = ", ".join(repr(v) if len(v) <= 60 else repr(v[:60] + "…") for v in given)
        # Datasette splits a plain __in list at its commas; a value holding one needs a JSON list.
        listed = json.dumps(given, ensure_ascii=False) if any("," in v for v in given) else ",".join(given)
        return (
            f"{column} is given {len(given)} values to equal ({shown}): every filter applies, and no row's "
            f"{column} is more than one, so nothing could match; for the rows of any of them, write "
            f"{column}__in={listed}"
        )
    return None


# Datasette's filters that compare through a LIKE or GLOB pattern, which SQLite reads as a C
# string: up to its first NUL character.
PATTERN_LOOKUPS = ("contains", "startswith", "endswith", "like", "notlike", "glob")


def pattern_filter_problem(key: str, value: str) -> str | None:
    """Why a pattern filter's value cannot be matched as written: it holds a NUL character, where
    SQLite ends the pattern, so ``quote__contains=%00`` matched every quote (``%``) and
    ``quote__contains=abc%00`` those ending in abc; or None."""
    lookup = key.rsplit("__", 1)[1] if "__" in key else "exact"
    if lookup not in PATTERN_LOOKUPS or "\x00" not in value:
        return None
    return (
        f"{key}: the value holds a NUL character (%00), where SQLite's {lookup} pattern ends, so it "
        "would match as if the rest were not there; no text in the data holds one"
    )


# RFC 9111 1.2.2: a sender should not write a delta-seconds above 2**31, and a cache reads any
# larger one as 2**31; Datasette sent whatever number it was given.
MOST_TTL = 2**31


def date_filter_problem(key: str, value: str) -> str | None:
    """Why a ``column__date`` filter can match no row whatever the column holds, or None.

    Datasette compares ``date(column)`` with the value as text, and SQLite's date() writes a day
    only as YYYY-MM-DD: ``period_start__date=2024-13-45``, ``=2024-1-1`` or ``=yesterday`` answered
    200 with no rows, as if no figure's period started that day."""
    if not key.endswith("__date") or is_iso_date(value):
        return None
    return (
        f"{key}={value}: a date filter compares the column's day, written YYYY-MM-DD with a real "
        "month and day (2024-01-31), and no day is written so; nothing could match"
    )


def column_choice_problem(table: str, params: list[tuple[str, str]], columns: dict, keys: list[str]) -> str | None:
    """Why ``_col``, ``_nocol`` or ``_json`` names no column of the table, or ``_nocol`` its primary
    key, or None (Datasette ignored a ``_json`` column it does not have).

    Datasette said only "_nocol=figure_id - invalid columns" for a key, which is a column: a row
    keeps its key, since its link and the next page's cursor are made from it."""
    for name, value in params:
        if name not in ("_col", "_nocol", "_json"):
            continue
        if value not in columns:
            return f"{name}={value}: {table} has no column {value!r}; its columns are: {', '.join(columns)}"
        if name == "_nocol" and value in keys:
            return (
                f"_nocol={value}: {value} is {table}'s key, which every row keeps (its link and the next "
                "page's cursor are made from it); _nocol hides the other columns"
            )
    return None


def number_date_problem(key: str, value: str, columns: dict) -> str | None:
    """Why a ``column__date`` filter on a number column cannot mean what it says, or None: SQLite's
    date() reads a number as a Julian day number, so ``year__date=2024-01-01`` compared the day
    2024 days after 4714 BC, and answered 200 with no rows."""
    column = key.removesuffix("__date")
    declared = (columns.get(column) or "").upper()
    if not key.endswith("__date") or not any(word in declared for word in NUMBER_TYPES):
        return None
    return (
        f"{key}={value}: {column} holds numbers, and a date filter reads a number as a Julian day "
        f"(2024 is a day in 4708 BC), not as a year or a date, so nothing would match; compare the "
        f"number itself ({column}=..., {column}__gte=...)"
    )


def query_labels_problem(params: list[tuple[str, str]], canned: str | None) -> str | None:
    """Why a SQL query (``canned``: a canned query's name, or None) was given ``_labels`` on, which
    only a table applies (its foreign keys' labels), or None: Datasette ignored it, 200."""
    value = next((v for k, v in params if k == "_labels"), "")
    if not value or value.lower() not in BOOLEANS or not switch_on(value):
        return None  # blank or off asks for nothing; another value is switch_problem's
    what = f"{canned} is a canned query, whose" if canned else "a SQL query's"
    return (
        f"_labels={value}: {what} rows are not a table's, so _labels (a table's option: the labels of "
        "its foreign keys) is not applied; join the labels' table in the SQL"
    )


async def query_json_problem(db, sql: str, params: list[tuple[str, str]], canned: str | None) -> str | None:
    """Why a SQL query's ``_json`` names a column the query does not answer, or None: Datasette
    reads only those it finds and ignored the others (``?sql=select 1&_json=x``, 200). The columns
    are read from the query run with no rows; a query that cannot run so is left to its own error."""
    given = dict(reversed(params))
    bound = {name: given.get(name, "") for name in sql_parameter_names(sql)}
    body = NOT_CODE.sub(lambda m: m.group(0) if not m.group(0).startswith("--") else " ", sql)
    try:
        result = await db.execute(f"select * from ({body.strip().rstrip(';')}\n) limit 0", bound)
    except Exception:  # any failure is the query's own to report, when Datasette runs it
        return None
    columns = list(result.columns)
    unknown = next((v for k, v in params if k == "_json" and v not in columns), None)
    if unknown is None:
        return None
    what = f"{canned} answers" if canned else "the query answers"
    return (
        f"_json={unknown}: {what} no column {unknown!r}, so _json (a column's text read as JSON) would not "
        f"be applied; its columns are: {', '.join(columns)}"
    )


def ttl_problem(value: str) -> str | None:
    """Why Datasette cannot read ``_ttl`` or send it as a max-age, or None: it takes any value
    ``str.isdigit`` passes as seconds, int() failed on "²" (a 500), and any number went into
    the header as it was. A value that is not digits at all it ignored, so ``_ttl=-1`` (meant as
    "do not cache") and ``_ttl=60s`` were sent back as the default max-age, 200, without a word.
    A blank one is none (a form's empty field), and the default applies."""
    if value.strip() and not WHOLE_NUMBER.match(value):
        return f"_ttl must be a whole number of seconds written with the digits 0 to 9, not {value!r}"
    # Its length is checked first: int() refuses more than 4,300 digits, leading zeros included,
    # which Datasette's views would have answered with a 500.
    # Leading zeros write the same number, up to the digits int() reads (Datasette's views call it).
    digits = value.lstrip("0") or "0"
    too_long = len(value) > sys.int_info.default_max_str_digits
    if WHOLE_NUMBER.match(value) and (too_long or len(digits) > len(str(MOST_TTL)) or int(digits) > MOST_TTL):
        return (
            f"_ttl is a whole number of seconds from 0 to {MOST_TTL} (2^31, about 68 years: the largest "
            f"max-age RFC 9111 allows), not {value}"
        )
    return None


def size_problem(value: str) -> str | None:
    if value == "max" or WHOLE_NUMBER.match(value):
        return None
    return f"_size must be a whole number (0: the counts without rows) or max, not {value!r}"


def size_limit_problem(value: str, most_rows: int) -> str | None:
    """Why a table's or view's ``_size`` (a whole number or max, size_problem has checked) asks
    for more rows than an answer holds (``most_rows``: max_returned_rows), or None. Datasette said
    "_size must be <= 5000" of its JSON, and its page was sent on to 1,000 rows as if asked for."""
    digits = value.lstrip("0") or "0"
    if value == "max" or (len(digits) <= len(str(most_rows)) and int(digits) <= most_rows):
        return None
    return (
        f"_size must be a whole number from 0 to {most_rows} or max, not {value!r}: an answer holds at most "
        f"{most_rows} rows, and its next_url gives the rows after them"
    )


# The shapes that list rows: a database's own JSON (its tables) has none, and Datasette's renderer
# failed looking for them (a 500, KeyError 'rows'), or said "only available on tables" for object.
ROW_SHAPES = ("array", "arrayfirst", "object")


def database_shape_problem(datasette, database: str, shape: str, format_: str | None = "json") -> str | None:
    """Why ``shape`` cannot apply to the database's list of tables, its ``.json`` (``format_``
    "json") or its page (None), or None."""
    if shape not in ROW_SHAPES:
        return None
    listing = datasette.urls.database(database, format=format_)
    return (
        f"_shape={shape}: {listing} lists the database's tables, which are not rows; "
        f"a shape applies to a table's rows ({datasette.urls.table(database, 'figures')}.json?_shape={shape}) "
        "or to a query's (add sql=SELECT …)"
    )


def keyless_object_problem(datasette, database: str, name: str, kind: str) -> str:
    """What ``_shape=object`` on the JSON or page of a view, or of a table that declares no primary
    key (``kind``: "view" or "table"), says: Datasette's 400 said "not available for tables with no
    primary keys", of a view too, and named no shape that works there."""
    url = datasette.urls.table(database, name, format="json")
    what = f"{name} is a view, and a view has" if kind == "view" else f"{name} is a table that declares"
    return (
        f"_shape=object: {what} no primary key to key each row by; its rows come "
        f"as _shape=array, objects or arrays (or arrayfirst, the first column's values), as in {url}?_shape=array"
    )


def query_object_problem(given: dict, canned: str | None, format_: str | None) -> str | None:
    """What ``_shape=object`` on a SQL query's JSON or page (``format_`` "json" or None;
    ``canned``: a canned query's name, or None for ``?sql=``) says. Datasette's renderer answered
    the JSON with an ``"ok": false`` body, which ``error_status`` turns into a 400 for a GET; a HEAD
    has no body to read, so it was a 200. The page answered 200 too, linking that 400 as its JSON."""
    if format_ not in ("json", None) or given.get("_shape") != "object":
        return None
    what = f"{canned} is a canned query, and a query's rows have" if canned else "a SQL query's rows have"
    return (
        f"_shape=object: {what} no primary key to key each row by (a table's rows do); its rows come "
        "as _shape=array, objects or arrays (or arrayfirst, the first column's values)"
    )


def switch_problem(name: str, value: str) -> str | None:
    """Why ``value`` is not an on/off value of the parameter ``name`` (``_stream``, ``_dl``, ``_header``,
    ``_nl``), or None."""
    if value == "" or value.lower() in BOOLEANS:
        return None
    return f"{name} must be on or off (or true/false, 1/0), not {value!r}"


def newline_shape_problem(given: dict) -> str | None:
    """Why ``_nl`` is on where Datasette ignores it, or None: it writes newline-delimited JSON of
    ``_shape=array`` alone, and answered ``figures.json?_nl=on`` (or ``_shape=objects&_nl=on``) with
    one JSON object, 200, as if no _nl had been asked for."""
    value, shape = given.get("_nl", ""), given.get("_shape")
    if not value or not switch_on(value) or shape == "array":
        return None
    answered = f"_shape={shape} is" if shape else "without _shape, the answer is"
    return (
        f"_nl={value}: newline-delimited JSON (one row per line) is made of _shape=array only, so _nl would be "
        f"ignored here ({answered} one JSON document); ask for _shape=array&_nl=on"
    )


def trace_problem(datasette, value: str) -> str | None:
    """Why ``_trace`` would be ignored, or None: Datasette traces only with its trace_debug setting
    on, and then only for ``_trace=1`` exactly (its tracer compares the query string's bytes)."""
    if value == "":
        return None
    if not datasette.setting("trace_debug"):
        return (
            f"_trace={value}: _trace is not available here: this site does not trace its queries "
            "(Datasette's trace_debug setting is off), so it would be ignored"
        )
    if value != "1":
        return f"_trace={value}: only _trace=1 asks for the trace of the queries"
    return None


def switch_on(value: str) -> bool:
    """Whether an accepted on/off value (see ``switch_problem``) is on."""
    return value.lower() in BOOLEANS[:3]


# How an on/off parameter is written for Datasette and the site's plugins, on and off (None: left
# out). Each reads only one value: "on" for most (any non-empty value, as Datasette reads them), and
# "off" for _header, which writes the CSV's header unless it is exactly "off".
SWITCH = {True: "on", False: None}
HEADER = {True: None, False: "off"}
# On/off parameters, by format, that Datasette reads whatever their value says (_nl=off answered
# newline-delimited JSON, as _nl=on does; _dl=0 and _dl=off a download; _header=false and
# _header=0 a header): each is rewritten as every reader reads it.
# Datasette also reads _nocount, _nofacet and _nosuggest as on for any non-empty value (_nofacet=0
# left out the facets), and _json_infinity with value_as_boolean, blank included (a 500).
LEFT_OUT = {"_nocount": SWITCH, "_nofacet": SWITCH, "_nosuggest": SWITCH}
SWITCHES = {
    "csv": {"_stream": SWITCH, "_dl": SWITCH, "_header": HEADER, **LEFT_OUT},
    "json": {"_nl": SWITCH, "_json_infinity": SWITCH, **LEFT_OUT},
    "": LEFT_OUT,
}
# On/off options checked on every format but not rewritten: Datasette reads _labels with
# value_as_boolean, and a false one differs from none on a page, which labels by default; it ignored
# any other value (_labels=maybe), and _json_infinity=maybe was a 500.
BOOLEAN_OPTIONS = ("_labels", "_json_infinity", "_nocount", "_nofacet", "_nosuggest")
# Every option that takes on/off (or true/false, 1/0), on some format.
ON_OFF_OPTIONS = (*BOOLEAN_OPTIONS, "_stream", "_dl", "_header", "_nl")


def switches(path: str) -> dict:
    """The on/off parameters rewritten for ``path``'s format (a page's when it has no extension)."""
    last = path.rsplit("/", 1)[-1]
    return SWITCHES.get(last.rsplit(".", 1)[-1] if "." in last else "", {})


def with_canonical_switch(query_string: str, name: str, written: dict = SWITCH) -> str:
    """``query_string`` with its ``name`` (the first one, as Datasette reads it, which
    ``switch_problem`` accepted) written as ``written`` says for its value: ``name=on`` when it is
    on and left out when it is off, for most. The other parameters are kept byte for byte."""
    parts = query_string.split("&")
    found = [i for i, part in enumerate(parts) if unquote_plus(part.split("=", 1)[0]) == name]
    if not found:
        return query_string
    first = parts[found[0]]
    value = unquote_plus(first.split("=", 1)[1]) if "=" in first else ""
    # A blank value is no value: the default, which each reader gives when the parameter is left out.
    canonical = written[switch_on(value)] if value else None
    if canonical is not None and value == canonical and len(found) == 1:
        return query_string
    kept = [part for i, part in enumerate(parts) if i not in found]
    if canonical is not None:
        kept.insert(found[0], f"{name}={canonical}")
    return "&".join(kept)


def view_next_problem(value: str) -> str | None:
    """A view's ``_next`` is the offset of the next page: a whole number SQLite's OFFSET can hold
    (a 64-bit integer; a larger one was an SQLite "datatype mismatch")."""
    if WHOLE_NUMBER.match(value) and int(value) < 2**63:
        return None
    return f"_next={value}: on a view, _next is the offset of the next page (a whole number); use the page's next_url"


def cursor_parts(value: str, sorted_by: str | None, keys: list[dict]) -> tuple[str | None, list[str]] | str:
    """(sort value or None for $null, key values) of a table's ``_next``, or why it is not a cursor.

    ``keys``: [{"name", "type"}] of the primary key, or rowid's. A cursor is Datasette's: parts
    joined by commas, each tilde-encoded; the sort value first when the table is sorted.
    """
    raw = value.split(",")
    expected = len(keys) + (1 if sorted_by else 0)
    names = ([sorted_by] if sorted_by else []) + [k["name"] for k in keys]
    if len(raw) != expected:
        return (
            f"_next={value}: not a cursor of this table, which has {expected} part"
            f"{'s' if expected != 1 else ''} ({', '.join(names)}); use the next_url of a page"
        )
    sort_value = None
    if sorted_by:
        sort_value = None if raw[0] == "$null" else tilde_decode(raw[0])
        raw = raw[1:]
    key_values = [tilde_decode(part) for part in raw]
    for key, part in zip(keys, key_values, strict=True):
        if "INT" in (key["type"] or "").upper() and not INTEGER.match(part):
            return f"_next={value}: {key['name']} is a whole number, not {part!r}; use the next_url of a page"
    return sort_value, key_values


def is_start_cursor(value: str, sorted_by: str | None) -> bool:
    raw = value.split(",")
    if sorted_by:
        if raw[0] != "$null" and tilde_decode(raw[0]) != START_SORT_VALUES[1]:
            return False
        raw = raw[1:]
    return bool(raw) and all(tilde_decode(part) in START_KEYS for part in raw)


# (database, table) -> ("table" | "view" | None, columns {name: type}, keys [{name, type}]),
# for immutable databases, whose schema cannot change.
_shapes: dict[tuple[str, str], tuple] = {}


async def table_shape(db, table: str) -> tuple:
    key = (db.name, table)
    if key in _shapes:
        return _shapes[key]
    result = await db.execute(
        """SELECT m.type, p.name, p.type AS declared, p.pk FROM sqlite_master m
           LEFT JOIN pragma_table_info(m.name) p WHERE m.name = ? AND m.type IN ('table', 'view')""",
        [table],
    )
    found = list(result.rows)
    if not found:
        shape = (None, {}, [])
    else:
        columns = {r["name"]: r["declared"] for r in found if r["name"]}
        keys = [{"name": r["name"], "type": r["declared"]} for r in sorted(found, key=lambda r: r["pk"]) if r["pk"]]
        shape = (found[0]["type"], columns, keys or [{"name": "rowid", "type": "INTEGER"}])
    # Only tables and views that exist are kept: a name a client made up is not, so the memo stays
    # as small as the schema however many addresses of unknown tables arrive (as strict_paths.py's).
    if found and not db.is_mutable:
        _shapes[key] = shape
    return shape


async def table_next_problem(datasette, db, table: str, columns: dict, keys: list, given: dict) -> str | None:
    value = given["_next"]
    metadata = datasette.table_metadata(db.name, table) or {}
    sorted_by = given.get("_sort") or given.get("_sort_desc") or metadata.get("sort") or metadata.get("sort_desc")
    # rowid is a sort column only of a table without a declared key (plugins/paging.py), and an
    # unknown sort column is paging's 400: a cursor message named "(rowid, figure_id)" as its parts.
    sorts_by_rowid = sorted_by == "rowid" and [key["name"] for key in keys] == ["rowid"]
    if sorted_by and sorted_by not in columns and not sorts_by_rowid:
        return None
    parts = cursor_parts(value, sorted_by, keys)
    if isinstance(parts, str):
        return parts
    if is_start_cursor(value, sorted_by):
        return None
    sort_value, key_values = parts
    where = [f"[{k['name']}] = ?" for k in keys]
    params = list(key_values)
    if sorted_by:
        where.append(f"[{sorted_by}] IS NULL" if sort_value is None else f"[{sorted_by}] = ?")
        params += [] if sort_value is None else [sort_value]
    # The cursor's text is compared as Datasette's next page compares it. Every column a served
    # table's cursor can hold is typed or holds only text (facet_counts.value is text since the
    # build stores it so; tests/test_parameters.py walks such tables), so a cursor a page gave
    # always names its row, and one naming none was not made by a page.
    found = await db.execute(f"SELECT 1 FROM [{table}] WHERE {' AND '.join(where)} LIMIT 1", params)
    if not found.rows:
        return (
            f"_next={value}: no row of {table} is at this cursor (it was not made by a page of this "
            "table, or the data has changed since); start again from the first page"
        )
    return None


def escaped_dot_row_location(datasette, scope) -> str | None:
    """The ``~`` form of a row path whose last dot the client escaped, before no format there is; or None.

    Datasette routes the raw path, where /disclosures/releases/9%2E9%2E9 is the row "9.9.9", and
    answers a %-escaped path with a redirect to its ``~`` form (1%2E2%2E0 to 1~2E2~2E0, the row's
    page; 9~2E9~2E9 says no release has that version). Read decoded, it was the row "9.9" in a
    format ".9", a 404 "No .9 format here": a client that escapes a dot says it is the key's.
    An escaped dot before a format there is (figures%2Ejson) stays the format's, as
    plugins/strict_paths.py answers it. The location is Datasette's own rewriting of the path."""
    row = ROW_PATH.match(scope.get("path", ""))
    raw = (scope.get("raw_path") or b"").partition(b"?")[0].decode("latin-1")
    routes = {db.route for db in datasette.databases.values()}
    if not row or row["format"] is None or row["database"] not in routes or raw.endswith("." + row["format"]):
        return None
    if not raw or format_problem(datasette, row["format"], database_level=False) is None:
        return None
    folder, _, key = raw.rpartition("/")
    location = f"{folder}/{key.replace('~', '~7E').replace('%', '~').replace('.', '~2E')}"
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{location}?{query}" if query else location


async def dotted_row_location(datasette, path: str, query_string: str) -> str | None:
    """The row's own path when a row path's "format" is the rest of a key that holds dots, or None.

    Datasette reads ``/disclosures/releases/0.1.0`` as the row ``0.1`` in a format ``.0``; its
    links write the key tilde-encoded (``0~2E1~2E0``), but a reader types it as it reads. When the
    whole of it is the key of a row (a table with one key column), the answer is that row's page
    (302), the query string kept; otherwise the unknown format stays a 404."""
    match = ROW_PATH.match(path)
    routes = {db.route: db for db in datasette.databases.values()}
    if not match or match["format"] is None or match["database"] not in routes:
        return None
    if format_problem(datasette, match["format"], database_level=False) is None:
        return None
    db = routes[match["database"]]
    table = tilde_decode(match["table"])
    kind, _, keys = await table_shape(db, table)
    if kind != "table" or len(keys) != 1:
        return None
    key = f"{tilde_decode(match['row'])}.{match['format']}"
    found = await db.execute(f"SELECT 1 FROM [{table}] WHERE [{keys[0]['name']}] = ? LIMIT 1", [key])
    if not found.rows:
        return None
    location = f"/{match['database']}/{match['table']}/{tilde_encode(key)}"
    return f"{location}?{query_string}" if query_string else location


async def request_problem(datasette, path: str, query_string: str) -> tuple[int, str] | None:
    """(status, message) for a request whose parameters Datasette would crash on or misread, or None."""
    ttl = dict(reversed(parse_qsl(query_string, keep_blank_values=True))).get("_ttl")
    problem = ttl_problem(ttl) if ttl is not None else None
    if problem:
        return 400, problem
    routes = {db.route: db for db in datasette.databases.values()}
    match = DATABASE_PATH.match(path) or TABLE_PATH.match(path) or ROW_PATH.match(path)
    # Datasette's _internal database is no client's to view: its answer is Datasette's 403, before
    # any parameter is read (a row's _size there was this plugin's 400 about the row).
    if not match or match["database"] not in routes or match["database"] == "_internal":
        return None
    db = routes[match["database"]]
    groups = match.groupdict()
    problem = format_problem(datasette, match["format"], database_level="table" not in groups)
    if problem:
        return 404, problem
    params = parse_qsl(query_string, keep_blank_values=True)
    given = dict(reversed(params))  # the first value of each name, as Datasette reads it
    problem = repeated_option_problem(params) or trace_problem(datasette, given.get("_trace", ""))
    if problem:
        return 400, problem
    if "_size" in given:
        problem = size_problem(given["_size"])
        if problem:
            return 400, problem
    # The database's page, its list of tables, takes what its .json takes: /disclosures?_shape=nope
    # was a 200 whose "alternate" JSON link answered that 400. So does a SQL query's page:
    # ?sql=select+1&_shape=nope was a 200 beside its .json's 400, as a table's page was. And a
    # row's page, whatever its table: figures/<id>?_shape=nope showed the row (a removed id was sent
    # on to its figure's page), 200, where its .json is that 400.
    tables_listed = "table" not in groups and match["format"] in ("json", None) and not given.get("sql")
    database_page = "table" not in groups and match["format"] is None
    row_page = "row" in groups and match["format"] is None
    if "_shape" in given and (match["format"] in ("json", "csv") or database_page or row_page):
        problem = shape_problem(given["_shape"])
        if not problem and tables_listed:
            problem = database_shape_problem(datasette, db.name, given["_shape"], match["format"])
        if problem:
            return 400, problem
    for switch in dict.fromkeys([*BOOLEAN_OPTIONS, *SWITCHES.get(match["format"] or "", {})]):
        problem = switch_problem(switch, given[switch]) if switch in given else None
        if problem:
            return 400, problem
    if match["format"] == "json" and ("table" in groups or given.get("sql")):
        problem = newline_shape_problem(given)
        if problem:
            return 400, problem
    problem = repeated_parameter_problem(params)  # pure, so the query is looked up only then
    if problem:
        taken = await query_parameters_taken(datasette, db, match, given)
        problem = repeated_parameter_problem(params, taken) if taken is not None else None
        if problem:
            return 400, problem
    most_rows = datasette.setting("max_returned_rows")
    # A blank sql= asks for no query: Datasette answers the database's listing, which takes no row
    # shape (/disclosures.json?sql=&_shape=array was a 500, a KeyError in its JSON renderer).
    if "table" not in groups and given.get("sql"):
        problem = (
            query_option_problem(given, None, most_rows)
            or query_object_problem(given, None, match["format"])
            or query_row_option_problem(params, None)
            or query_labels_problem(params, None)
            or (positional_parameter_problem(given["sql"]) if match["format"] in ("json", "csv") else None)
            or sql_parameter_problem(sql_parameters_as_written(given["sql"]), params, match["format"])
        )
        if not problem and any(key == "_json" for key, _ in params):
            problem = await query_json_problem(db, given["sql"], params, None)
        return (400, problem) if problem else None
    if "row" in groups and match["format"] in (None, "json", "csv"):
        if (await table_shape(db, tilde_decode(match["table"])))[0] != "table":
            # A row of no table, or of a view (whose rows have no address), is strict_paths.py's
            # 404 whatever it is asked: its _size was a 400 about a row there is none of.
            return None
        # Datasette ignored it: figures/<id>.json?platform_id=google answered that Telegram
        # figure, 200, as if it were Google's. The row's page answers as its .json does, as a
        # table's page does: it linked "This data as json" to that 400 from a page answered 200.
        given_filter = next((key for key, _ in params if not key.startswith("_")), None)
        table_url = datasette.urls.table(db.name, tilde_decode(match["table"]), format=match["format"])
        row_answer = f"a row's .{match['format']}" if match["format"] else "a row's page"
        nameless = nameless_problem(params, f"{row_answer} is the one row its address names and takes no filter")
        if nameless:
            return 400, nameless
        if given_filter is not None:
            return 400, (
                f"{given_filter}: {row_answer} is the one row its address names and takes no "
                f"filter; filter the table instead, as {table_url}?{given_filter}=..."
            )
        # Ignored too: figures/<id>.json?_col=value answered every column, and _labels=on no labels.
        option = unapplied_option(params)
        if option is not None:
            key, value = option
            return 400, (
                f"{key}={value}: {row_answer} is the one row its address names, and {key} (an option "
                f"of a table's rows) does not apply to it; use the table, as {table_url}?{key}=..."
            )
        # A row applies _json, and ignored one naming no column (figures/<id>.json?_json=nocol,
        # 200), which the table's .json and page refuse: the same 400 here.
        json_columns = [(key, value) for key, value in params if key == "_json"]
        if json_columns:
            table = tilde_decode(match["table"])
            kind, columns, _ = await table_shape(db, table)
            problem = column_choice_problem(table, json_columns, columns, []) if kind == "table" else None
            if problem:
                return 400, problem
    if "table" not in groups or "row" in groups:
        return None
    table = tilde_decode(match["table"])
    # The table's shape is cached: a page of a table or view does not look for a canned query.
    kind, columns, keys = await table_shape(db, table)
    canned = await datasette.get_canned_query(db.name, table, None) if kind is None else None
    if kind is None and canned is None:
        return None
    # A page shows no shape, but one Datasette has not is as wrong there as on its .json, which
    # refuses it: figures?_shape=nope was a 200, and the form kept it for the next request; a
    # canned query's page (search_everything?_shape=nope) was a 200 that called it not applied.
    if match["format"] is None and "_shape" in given:
        problem = shape_problem(given["_shape"])
        if problem:
            return 400, problem
    if canned is not None:
        problem = (
            await canned_query_problem(datasette, db, table, canned["sql"], given, match["format"])
            or unknown_query_parameter_problem(table, canned["sql"], params, match["format"])
            or query_option_problem(given, table, most_rows)
            or query_object_problem(given, table, match["format"])
            or query_row_option_problem(params, table)
            or query_labels_problem(params, table)
        )
        if not problem and any(key == "_json" for key, _ in params):
            problem = await query_json_problem(db, canned["sql"], params, table)
        return (400, problem) if problem else None
    # The view's page too: freshness?_shape=object was a 200, the rows, linking that 400 as its JSON.
    # So was the page of a table keyed by its rowid alone (home_numbers), whose .json Datasette refused.
    keyless = kind == "view" or ([key["name"] for key in keys] == ["rowid"] and "rowid" not in columns)
    if keyless and match["format"] in ("json", None) and given.get("_shape") == "object":
        return 400, keyless_object_problem(datasette, db.name, table, kind)
    # Datasette put a blank condition into its WHERE, and SQLite's "incomplete input" named no
    # parameter: figures.json?_where=value>1&_where= was "Query refused: incomplete input".
    if any(key == "_where" and not value.strip() for key, value in params):
        return (
            400,
            "_where is blank: it is a SQL condition on the rows, such as _where=value > 100; leave it out for none",
        )
    problem = size_limit_problem(given["_size"], most_rows) if "_size" in given else None
    if problem:
        return 400, problem
    for key, value in params:
        if key.endswith(("__in", "__notin")):
            problem = in_list_problem(key, value)
        else:
            problem = numeric_filter_problem(key, value)
        if not problem and not (key.startswith("_") and "__" not in key):  # a filter, as Datasette reads it
            problem = (
                number_filter_problem(key, value, columns)
                or pattern_filter_problem(key, value)
                or date_filter_problem(key, value)
                or number_date_problem(key, value, columns)
            )
        if problem:
            return 400, problem
    keys_kept = [key["name"] for key in keys] if kind == "table" else []
    problem = column_choice_problem(table, params, columns, keys_kept) or await key_filter_problem(
        db, table, kind, columns, params, keys_kept
    )
    if problem:
        return 400, problem
    problem = contradictory_filter_problem(params, columns)
    if problem:
        return 400, problem
    if given.get("_next"):
        problem = (
            view_next_problem(given["_next"])
            if kind == "view"
            else await table_next_problem(datasette, db, table, columns, keys, given)
        )
        if problem:
            return 400, problem
    return None


async def send_error(datasette, scope, receive, send, status: int, message: str):
    """``message`` in the API's error shape for a ``.json`` or ``.csv`` (plugins/errors.py gives a
    CSV's errors that shape, whichever wrapper is outermost) and for any 404 (an unknown format),
    or as Datasette's HTML error page."""
    if is_json_request(scope) or status == 404:
        return await send_message(send, status, message, True)
    await send_response(send, status, await error_page(datasette, scope, receive, status, message), HTML)


def error_status(send):
    """An ASGI send that turns a 200 whose whole JSON body is ``{"ok": false, ...}`` into that error."""
    start = None

    async def checked(message):
        nonlocal start
        if message["type"] == "http.response.start":
            if message["status"] != 200:
                return await send(message)
            start = message
            return
        if start is None:
            return await send(message)
        held, start = start, None
        body = message.get("body", b"")
        if not message.get("more_body") and body.startswith(b'{"ok": false'):
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            if isinstance(data, dict) and data.get("ok") is False:
                status = data.get("status") if data.get("status") in range(400, 500) else 400
                body = error_body(status, str(data.get("error") or "Bad request"))
                # An error is not kept for the data's max-age: a fixed request would be answered from cache.
                dropped = (b"content-length", b"link", b"cache-control")
                headers = [(k, v) for k, v in held["headers"] if k.lower() not in dropped]
                headers.append((b"content-length", str(len(body)).encode()))
                held = {**held, "status": status, "headers": headers}
                message = {**message, "body": body}
        await send(held)
        await send(message)

    return checked


# Set in the scope of a canned query's page whose .json, with the same query string, is refused:
# the page's "alternate" JSON (a <link> in its head, and a Link header) is left out.
JSON_REFUSED = "platform_disclosures.json_refused"


async def json_refused(datasette, path: str, query_string: str) -> bool:
    """Whether ``path`` is a SQL query's page (a canned query, or ``?sql=``) whose .json (the same
    query string) is a 4xx: its form without the parameters the query cannot run without
    (platform_coverage, or ``?sql=select :x``), where the page linked its "alternate" JSON, which
    answered 400."""
    routes = {db.route: db for db in datasette.databases.values()}
    match = DATABASE_PATH.match(path)
    if match and match["format"] is None and match["database"] in routes:
        if "sql" not in dict(parse_qsl(query_string, keep_blank_values=True)):
            return False
        return await request_problem(datasette, path + ".json", query_string) is not None
    match = TABLE_PATH.match(path)
    if not match or match["format"] is not None or match["database"] not in routes:
        return False
    db = routes[match["database"]]
    table = tilde_decode(match["table"])
    kind, _, _ = await table_shape(db, table)
    if kind is not None or await datasette.get_canned_query(db.name, table, None) is None:
        return False
    return await request_problem(datasette, path + ".json", query_string) is not None


# Set in the scope of a canned query's page: {"not_applied": what it was given and does not read,
# "problem": why it is a 400, or None}, which extra_template_vars hands its template.
QUERY_PAGE = "platform_disclosures.query_page"


async def canned_query_of_page(datasette, path: str) -> dict | None:
    """The canned query whose page (its HTML, no format) ``path`` is, or None."""
    routes = {db.route: db for db in datasette.databases.values()}
    match = TABLE_PATH.match(path)
    if not match or match["format"] is not None or match["database"] not in routes:
        return None
    db = routes[match["database"]]
    table = tilde_decode(match["table"])
    if (await table_shape(db, table))[0] is not None:
        return None
    return await datasette.get_canned_query(db.name, table, None)


def query_page(canned: dict, query_string: str, problem: str | None = None) -> dict:
    """What a canned query's page says of the parameters it was given (QUERY_PAGE). Its .json
    refuses one its SQL does not take; its page answered as if it were not given, without a word
    (compare_platforms?jurisdiction=DEU&country=FRA), as /compare?country=DEU no longer does."""
    taken = tuple(sorted(set(QUERY_PARAMETER.findall(canned["sql"]))))
    args = args_as_sent(query_string)
    return {
        "not_applied": unread_parameters(args, taken, form=True),
        "problem": problem,
    }


def form_query_string(canned: dict, query_string: str) -> str:
    """The first value of each of the query's own parameters in ``query_string``, as the client
    wrote it: what the page's form is filled with when the page is a 400. Datasette's options
    (``_ttl``, ``_sort``, ...), which may be what was wrong, are left out, so that what Datasette
    renders is the form alone."""
    taken = set(QUERY_PARAMETER.findall(canned["sql"]))
    kept: dict[str, str] = {}
    for pair in query_string.split("&"):
        name, _, value = pair.partition("=")
        name = unquote_plus(name)
        if name not in taken or name in kept:
            continue
        kept[name] = pair_as_quoted(pair)
    return "&".join(kept.values())


def pair_as_quoted(pair: str) -> str:
    """A ``name=value`` pair of a query string, as the client wrote it, except that a value fills a
    form's field as the error quotes it: one that is no UTF-8 (jurisdiction=%FF) as %FF
    (plugins/echoes.py), not as the replacement character Datasette decodes it to, and a control
    character in it (platform_id=a%00b) as ``\x00`` (escaped_controls), not as the space every page
    makes of it (plugins/controls.py), which the field showed as if the client had sent "a b"."""
    name, _, value = pair.partition("=")
    sent = unquote(value.replace("+", " "), errors="surrogateescape")
    if not UNDECODED_BYTE.search(sent) and not CONTROLS.search(sent):
        return pair
    written = escaped_controls(UNDECODED_BYTE.sub(escape_of_byte, sent))
    return f"{quote_plus(unquote_plus(name))}={quote_plus(written)}"


# Set in the scope of a table's or view's page whose filters its .json refuses: why, which
# extra_template_vars shows above the page's filter form, in place of its rows.
TABLE_PAGE_PROBLEM = "platform_disclosures.table_page_problem"


async def is_table_page(datasette, path: str) -> bool:
    """Whether ``path`` is a table's or a view's page (its HTML, no format)."""
    routes = {db.route: db for db in datasette.databases.values()}
    match = TABLE_PATH.match(path)
    if not match or match["format"] is not None or match["database"] not in routes:
        return False
    return (await table_shape(routes[match["database"]], tilde_decode(match["table"])))[0] is not None


def filters_query_string(query_string: str) -> str:
    """The filters of a table page's ``query_string`` (``column=value``, ``column__op=value``), as
    the client wrote them: what its filter form is filled with when the page is a 400. Datasette's
    options (``_sort``, ``_size``, ``_next``, ...), which may be what was wrong, are left out, and so
    is a filter Datasette would fail on rather than read (a JSON list it cannot parse, a number too
    large to bind), which the error names."""
    kept = []
    for pair in query_string.split("&"):
        name, _, value = (unquote_plus(part) for part in pair.partition("="))
        if not pair or (name.startswith("_") and "__" not in name):
            continue
        if in_list_problem(name, value) if name.endswith(("__in", "__notin")) else numeric_filter_problem(name, value):
            continue
        kept.append(pair_as_quoted(pair))
    return "&".join(kept)


def options_query_string(query_string: str) -> str:
    """The options of a table page's ``query_string`` (``_sort``, ``_facet``, ``_size``, ...), as the
    client wrote them, without ``_next``: what its filter form keeps beside the filters."""
    return "&".join(
        pair
        for pair in query_string.split("&")
        if (name := unquote_plus(pair.partition("=")[0])).startswith("_") and "__" not in name and name != "_next"
    )


def readable_filters(filters: str, columns: set[str]) -> str:
    """The filters of ``filters`` (filters_query_string's) that Datasette can read (plugins/_filters.py):
    a column the table has (``columns``, rowid among them), an operator it knows, 1 for isnull."""
    kept = []
    for pair in filters.split("&") if filters else []:
        name, _, value = (unquote_plus(part) for part in pair.partition("="))
        if not filter_problem(name, columns) and not flag_problem(name, [value]):
            kept.append(pair)
    return "&".join(kept)


def options_not_named(options: str, message: str) -> str:
    """The options of ``options`` (options_query_string's) that ``message`` does not refuse: a
    refusal names what it refuses, the option with its value ("_facet=nope: ...", which keeps
    _facet=year) or the option alone ("_size must be ...", "Use _sort or _sort_desc, not both")."""
    kept = []
    for pair in options.split("&") if options else []:
        name, _, value = (unquote_plus(part) for part in pair.partition("="))
        named_alone = re.search(rf"(?<![\w=]){re.escape(name)}(?=[\s:,]|$)", message)
        if f"{name}={value}" not in message and not named_alone:
            kept.append(pair)
    return "&".join(kept)


async def table_form_or_error(datasette, app, scope, receive, send, message: str):
    """A table's page whose filters or options are refused (``figures?platform_id=Pinterest``,
    ``?_sort=nope``, ``?nosuch=1``): its filter form, filled with the filters as sent and the options
    that are not refused, with ``message`` above it and no rows, as a 400, so that the reader can fix
    the value where the page's error page had no form. The form is the first of these that Datasette
    renders: the filters and options as sent, then without the options ``message`` names, without
    any option, without the filters Datasette cannot read (a column the table lacks), and at last
    the bare form; where none renders (a server too busy), the site's error page."""
    query = scope.get("query_string", b"").decode("latin-1")
    page = {TABLE_PAGE_PROBLEM: message, JSON_REFUSED: True}
    filters = filters_query_string(query)
    # The page's options (its sort, facets, columns) where they are not what was refused, so that
    # the form, fixed and applied, keeps them: figures?platform_id=Pinterest&_sort_desc=value came
    # back sorted by recency_rank. A cursor belongs to the refused filters, and is left out.
    options = options_query_string(query)
    kept_options = options_not_named(options, message)
    match = TABLE_PATH.match(scope.get("path", ""))
    db = next(db for db in datasette.databases.values() if db.route == match["database"])
    _, columns, _ = await table_shape(db, tilde_decode(match["table"]))
    readable = readable_filters(filters, {*columns, "rowid"})
    tries = []
    if options and not await request_problem(datasette, scope.get("path", ""), options):
        tries.append((filters, options))
    tries += [(filters, kept_options), (filters, ""), (readable, kept_options), (readable, ""), ("", "")]
    tries = list(dict.fromkeys("&".join(part for part in kept if part) for kept in tries))

    # One after another, never one inside another's answer: each holds a turn of plugins/budget.py
    # while it runs, and nested they held every turn there is (a 503 after 30 s).
    for kept in tries:
        answer = await held_answer(app, dict(scope, query_string=kept.encode("latin-1"), **page), receive)
        if answer is not None and answer[0]["status"] == 200:
            return await send_whole(as_bad_request(without_alternate_link(send)), *answer)
    await send_error(datasette, scope, receive, send, 400, message)


async def held_answer(app, scope, receive, keep=None, send=None) -> tuple[dict, bytes] | None:
    """(start message, body) of ``app``'s whole answer to ``scope``, held back; with ``keep`` (a
    test of the start message), an answer it refuses goes to ``send`` as it comes, and None."""
    answer = []

    async def finish(start, body):
        answer.append((start, body))

    await app(scope, receive, held(finish, send, keep))
    return answer[0] if answer else None


# How the 400s of a request out of time begin: Datasette's time limit, and plugins/budget.py's.
OUT_OF_TIME = (INTERRUPTED, "This request is expensive in itself", "This request needed more than its")


def is_refusal(start: dict) -> bool:
    """Whether an answer is a 400: a parameter refused, by Datasette or a plugin inside this one."""
    return start["status"] == 400


# A byte that is no UTF-8, as Python's surrogateescape decodes it, and the %-escape it was sent as.
UNDECODED_BYTE = re.compile("[\udc80-\udcff]")


def escape_of_byte(byte: re.Match) -> str:
    return f"%{ord(byte[0]) - 0xDC00:02X}"


def as_bad_request(send):
    """``send`` with its status a 400, without the Cache-Control of the 200 it was rendered as
    (plugins/data_headers.py gives an error its own)."""

    async def sending(message):
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message["headers"] if k.lower() != b"cache-control"]
            message = {**message, "status": 400, "headers": headers}
        await send(message)

    return sending


async def with_identifiers_as_written(datasette, path: str, query_string: str) -> str:
    """A canned query's ``query_string`` with each identifier (VOCABULARY_PARAMETERS) written as the
    data writes it, which its SQL compares exactly (platform=Google: google); the other parameters,
    and any other path's, byte for byte."""
    parts = query_string.split("&")
    named = [i for i, part in enumerate(parts) if unquote_plus(part.split("=", 1)[0]) in VOCABULARY_PARAMETERS]
    match = TABLE_PATH.match(path) if named else None
    routes = {db.route: db for db in datasette.databases.values()}
    if match is None or match["database"] not in routes:
        return query_string
    db = routes[match["database"]]
    table = tilde_decode(match["table"])
    if (await table_shape(db, table))[0] is not None or await datasette.get_canned_query(db.name, table, None) is None:
        return query_string
    for i in named:
        key, _, value = parts[i].partition("=")
        parts[i] = f"{key}={quote(VOCABULARY_PARAMETERS[unquote_plus(key)][2](unquote_plus(value)), safe='')}"
    return "&".join(parts)


def without_alternate_link(send):
    """``send`` without a ``Link: <...>; rel="alternate"`` header (Datasette's, to the page's JSON)."""

    async def sending(message):
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message["headers"] if not (k.lower() == b"link" and b'rel="alternate"' in v)]
            message = {**message, "headers": headers}
        await send(message)

    return sending


@hookimpl
def extra_template_vars(template, request):
    if request is None:
        return None
    context = {}
    if request.scope.get(JSON_REFUSED):
        context["alternate_url_json"] = None  # over Datasette's own (base.html's <link rel="alternate">)
    problem = request.scope.get(TABLE_PAGE_PROBLEM)
    if problem and template.startswith("table"):
        # Over Datasette's own, which it made with the filters it was refused for: the rows, their
        # count and facets (over no rows, or rows the filter misread), and the next page's link.
        context.update(
            table_error=escaped_controls(problem),
            display_rows=[],
            filtered_table_rows_count=None,
            human_description_en="",
            facet_results={},
            suggested_facets=[],
            facets_timed_out=[],
            next_url=None,
        )
    page = request.scope.get(QUERY_PAGE)
    if page and template.startswith("query"):
        context["not_applied"] = page["not_applied"]
        if page["problem"]:
            # Over Datasette's own: the form's error, and no rows, which the query ran with a value
            # that names nothing (or with the first of two) and would show as if they answered it.
            context.update(error=escaped_controls(page["problem"]), display_rows=[])
    return context or None


# Datasette's query view looks the function up in its module at each request: the one above
# answers there (SQLite binds @x and $x, like :x, from the value named x).
database_view.derive_named_parameters = derive_named_parameters


# These checks must see the request as the client sent it, before plugins/downloads.py drops a
# table CSV's _size and _next and plugins/paging.py adds its own _next (plugins/layers.py).
@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def checked(scope, receive, send):
            if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
                return await app(scope, receive, send)
            path = scope.get("path", "")
            location = escaped_dot_row_location(datasette, scope) or await dotted_row_location(
                datasette, path, scope.get("query_string", b"").decode("latin-1")
            )
            if location is not None:
                headers = [(b"location", location.encode("latin-1")), (b"content-length", b"0")]
                await send({"type": "http.response.start", "status": 302, "headers": headers})
                return await send({"type": "http.response.body", "body": b""})
            query = scope.get("query_string", b"").decode("latin-1")
            found = await request_problem(datasette, path, query)
            canned = await canned_query_of_page(datasette, path) if not found or found[0] == 400 else None
            if found and found[0] == 400 and canned is None and await is_table_page(datasette, path):
                # A table's page is its filter form with the error above it, as a canned query's is.
                return await table_form_or_error(datasette, app, scope, receive, send, found[1])
            if found and (found[0] != 400 or canned is None):
                return await send_error(datasette, scope, receive, send, *found)
            if found:
                # A canned query's page is its form, with what is wrong above it, so that the reader
                # can fix the value: top_jurisdictions?request_type=nope was the site's error page,
                # without the form.
                page = {QUERY_PAGE: query_page(canned, query, found[1]), JSON_REFUSED: True}
                scope = dict(scope, query_string=form_query_string(canned, query).encode("latin-1"), **page)
                return await app(scope, receive, as_bad_request(without_alternate_link(send)))
            if canned is not None:
                scope = dict(scope, **{QUERY_PAGE: query_page(canned, query)})
            canonical = query
            for switch, written in switches(path).items():
                canonical = with_canonical_switch(canonical, switch, written)
            canonical = await with_identifiers_as_written(datasette, path, canonical)
            if canonical != query:
                scope = dict(scope, query_string=canonical.encode("latin-1"))
            if path.endswith(".json"):
                send = error_status(send)
            elif await json_refused(datasette, path, canonical):
                scope = dict(scope, **{JSON_REFUSED: True})
                send = without_alternate_link(send)
            elif await is_table_page(datasette, path):
                # What Datasette or another plugin refuses (_sort=nope, _facet=nope, nosuch=1) is
                # the same form as what this one refuses, not the site's error page without it. A
                # query past the time limit, or a request past plugins/budget.py's budget, is no
                # refusal of a parameter: drawn again, the form would cost that time again.
                refused = await held_answer(app, scope, receive, is_refusal, send)
                if refused is None:
                    return None
                message = error_text(refused[1])
                if message.startswith(OUT_OF_TIME):
                    return await send_whole(send, *refused)
                return await table_form_or_error(datasette, app, scope, receive, send, message)
            return await app(scope, receive, send)

        return checked

    return wrap
