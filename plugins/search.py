"""Search that accepts any text a person types, ranks the figure it names first, and links each
result to its page.

``fts_query(text)`` turns what a reader typed into an FTS5 query that cannot be a syntax error:
each whitespace-separated word becomes a quoted string, a "double-quoted phrase" stays a phrase,
a word ending in ``*`` (``tele*``) matches the words that start with it, and all must match.
``U.S.``, ``Côte d'Ivoire``, ``e-mail``, ``NEAR(`` or ``AND`` are searched for as words, never
parsed as operators; control characters (a NUL, which FTS5 reads as the end of the query) are
spaces. Text with no letter or digit matches nothing. A word or phrase given twice (as FTS5
reads it: ``Telegram`` and ``TELEGRAM``, ``a*`` and ``.a*``) is searched once. A search of more
than MAX_SEARCH_WORDS words (FTS5's tokens, ``fts_tokens``: a phrase counts each of its words;
``_search`` or search_everything's ``q``), or of more than MAX_SEARCH_CHARACTERS characters, is a
400 that says so.

The same function answers Datasette's table search (``?_search=``): Datasette matches
``escape_fts(:search)``, a function it registers on every connection, which this plugin replaces
by ``fts_query`` (its phrase rule is Datasette's own; a bare ``""`` or a NUL no longer reaches
FTS5). ``_searchmode=raw`` passes FTS5 query syntax through as Datasette documents; a raw query
FTS5 cannot read is answered 400 "could not read this search: ...", checked before the page's
query runs. ``_search`` on a table or view without full-text search is a 400 naming the tables
that have it (Datasette ignored it and answered every row), a ``_search_<column>`` beside ``_search``
applies as well (Datasette read ``_search`` alone), a ``_fts_table`` or ``_fts_pk`` other than the
table's own is a 400 (another index matched rows of another table by rowid), and a blank ``_search=`` (an empty
search box submitted with the filters) is no search. A blank ``_searchmode=`` is no mode (the
table's own, as Datasette reads it), where it was a 400 that the first of
``_searchmode=&_searchmode=raw`` made too.

``search_mentions(q, names)`` is 1 when the text ``q`` contains one of ``names`` (separated by
"; ") as whole words, case and accents aside: "google united states" mentions "United States" but
not "United States Minor Outlying Islands". The search_everything query (metadata.yml) ranks by
it the figures of the jurisdiction and platform the reader named first.

The index itself (/disclosures/figures_fts, its .json, .csv and rows) is a 404 that points to the
figures' search (plugins/fts_internals.py): browsed, it showed FTS5's columns and rowids. A row
of ``search_text`` (what the index reads) links to its figure's page.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import threading
import unicodedata
import weakref
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, quote_plus, unquote_plus

import markupsafe
from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite
from datasette.utils.asgi import BadRequest, Response

# plugins/ is no package: what its plugins share (plugins/_dates.py) is found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _dates import marked_dates

# An FTS5 query that matches no row: the empty phrase. Used for text with no word in it.
NOTHING = '""'
# Datasette's own split of a search into words and "quoted phrases" (datasette.utils.escape_fts).
WORDS_AND_PHRASES = re.compile(r'\s+|(".*?")')
# Characters FTS5's query parser must never see: C0 controls and DEL (a NUL ends its input).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A search of more words is a 400: every word must match, so more words find no figure fewer
# would miss, and each costs FTS5 a read of its matches. The words are FTS5's tokens, so a phrase
# counts each of its words ("requests.requests...", one "word" of 2,000 tokens, took 6 s on the
# real data); a word or phrase given twice counts and is searched once (32 times ``a*`` took
# 0.45 s, once 0.02 s; 26 distinct one-letter prefixes take 0.13 s).
MAX_SEARCH_WORDS = 32
# And of more characters: no figure's text needs a longer search, and FTS5 (and the tokenizer that
# counts the words first) spends its time on every character of one.
MAX_SEARCH_CHARACTERS = 500
# The canned search (metadata.yml) and the parameter its words are in.
SEARCH_QUERY_PATH = re.compile(r"^/disclosures/search_everything(?:\.\w+)?$")
SEARCH_QUERY_PARAMETER = "q"


def fts_query(text) -> str:
    """An FTS5 MATCH expression for ``text`` (any string, or None): every word or "phrase" quoted,
    ``word*`` a prefix query, all required; ``NOTHING`` when there is no word."""
    return " ".join(query_parts(text)) or NOTHING


def query_parts(text) -> list[str]:
    """The quoted words, "phrases" and ``prefix*`` queries ``fts_query`` joins, in order, each
    once: two that FTS5 reads as the same tokens (``Telegram`` and ``TELEGRAM``, ``a*`` and
    ``.a*``) match the same rows, so the second is left out (32 spellings of ``a*`` ran past the
    time limit)."""
    return list(_parts(text))


def _parts(text) -> dict[str, tuple[str, ...]]:
    """{quoted part: its FTS5 tokens} of ``query_parts``."""
    text = CONTROL.sub(" ", str(text or ""))
    if text.count('"') % 2:
        text += '"'
    parts: dict[str, tuple[str, ...]] = {}
    seen: set[tuple] = set()
    for bit in WORDS_AND_PHRASES.split(text):
        if not bit:
            continue
        prefix = False
        if len(bit) >= 2 and bit.startswith('"') and bit.endswith('"'):
            bit = bit[1:-1]
        elif bit.endswith("*"):
            bit, prefix = bit.rstrip("*"), True
        tokens = fts_tokens(bit)
        if not tokens or (tokens, prefix) in seen:
            continue  # no letter or digit: nothing to match; or a repeat
        seen.add((tokens, prefix))
        parts['"' + bit.replace('"', '""') + '"' + ("*" if prefix else "")] = tokens
    return parts


# The figures' index tokenizes with porter over unicode61 (disclosures/search_index.py): a search
# is counted and compared in its tokens, which only SQLite knows exactly (a combining mark
# between two words separates them there; Python's normalisation had joined them into one word).
_tokenizer: sqlite3.Connection | None = None
_tokenizer_lock = threading.Lock()


@lru_cache(maxsize=4096)
def fts_tokens(text: str) -> tuple[str, ...]:
    """The tokens FTS5 reads in ``text``, in order, as the figures' index reads them
    ("U.S." -> ("u", "s"); "Requests" -> ("request",))."""
    global _tokenizer
    with _tokenizer_lock:
        if _tokenizer is None:
            conn = sqlite3.connect(":memory:", check_same_thread=False)
            conn.execute("CREATE VIRTUAL TABLE tokenized USING fts5(text, tokenize='porter')")
            conn.execute("CREATE VIRTUAL TABLE tokens USING fts5vocab(tokenized, 'instance')")
            _tokenizer = conn
        _tokenizer.execute("INSERT INTO tokenized (rowid, text) VALUES (1, ?)", [text])
        try:
            return tuple(term for (term,) in _tokenizer.execute("SELECT term FROM tokens ORDER BY offset"))
        finally:
            _tokenizer.execute("DELETE FROM tokenized")


# In a raw search, FTS5's operators (upper case), column filters ({a b}: or col:) and NEAR's
# distance are syntax, not words.
RAW_SYNTAX = re.compile(r"\b(?:AND|OR|NOT)\b|\bNEAR\b|,\s*[0-9]+\s*\)|\{[^}]*\}\s*:|\b\w+\s*:")


def search_words(text, raw: bool = False) -> int:
    """How many words FTS5 reads in a search of ``text``: the tokens (``fts_tokens``) of each
    distinct word, phrase and prefix ``query_parts`` finds ("U.S." is two); with ``raw`` (FTS5
    query syntax, ``_searchmode=raw``), every token of the text but its syntax (RAW_SYNTAX)."""
    if raw:
        # Inside a "quoted string" every word is a word ("AND", "requests:"): syntax is only
        # taken out between them.
        pieces = re.split(r'("(?:[^"]|"")*"?)', CONTROL.sub(" ", str(text or "")))
        words_only = " ".join(piece if piece.startswith('"') else RAW_SYNTAX.sub(" ", piece) for piece in pieces)
        return len(fts_tokens(words_only))
    return sum(len(tokens) for tokens in _parts(text).values())


def too_many_words(text, raw: bool = False) -> str | None:
    """Why a search of ``text`` is refused (more than MAX_SEARCH_WORDS words, see
    ``search_words``), or None."""
    count = search_words(text, raw)
    if count <= MAX_SEARCH_WORDS:
        return None
    if raw:
        return f"a search takes at most {MAX_SEARCH_WORDS} words (operators aside); this one has {count}"
    return (
        f"a search takes at most {MAX_SEARCH_WORDS} words, and every one must match (a phrase counts each of its "
        f"words, and U.S. counts two); this one has {count}"
    )


def search_problem(text, raw: bool = False) -> str | None:
    """Why a search of ``text`` is refused: more than MAX_SEARCH_CHARACTERS characters, or too
    many words (``too_many_words``); or None. The length is checked first, before anything reads
    the words."""
    length = len(str(text or ""))
    if length > MAX_SEARCH_CHARACTERS:
        return f"a search takes at most {MAX_SEARCH_CHARACTERS} characters; this one has {length:,}"
    return too_many_words(text, raw)


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """The words of ``text`` as FTS5's unicode61 tokenizer splits them: letters and digits,
    case folded, accents removed ("U.S." -> ("u", "s"), "Côte d'Ivoire" -> ("cote", "d", "ivoire"))."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return tuple(re.findall(r"[^\W_]+", plain))


# search_mentions reads at most this much of each argument: a reader's search and a jurisdiction's
# names are far shorter, and an anonymous query's 200 kB strings stay one quick step of SQLite.
MAX_MENTION_TEXT = 2000


@lru_cache(maxsize=4096)
def _spaced(text: str) -> str:
    return " " + " ".join(words(text)) + " "


@lru_cache(maxsize=4096)
def _names(names: str) -> tuple[str, ...]:
    return tuple(spaced for spaced in (_spaced(name) for name in names.split(";")) if spaced.strip())


def search_mentions(text, names) -> int:
    """1 if ``text`` contains one of ``names`` ("; "-separated) as consecutive whole words, else 0.
    Each argument is read up to ``MAX_MENTION_TEXT`` characters."""
    said = _spaced(str(text or "")[:MAX_MENTION_TEXT])
    return int(any(name in said for name in _names(str(names or "")[:MAX_MENTION_TEXT])))


# trylast: Datasette registers its own escape_fts on every connection; the last registration wins.
@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("fts_query", 1, fts_query, deterministic=True)
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    conn.create_function("search_mentions", 2, search_mentions, deterministic=True)


def search_keys(args) -> list[str]:
    """The search parameters of a request: ``_search`` and ``_search_<column>``."""
    return [key for key in args if key.startswith("_search") and key != "_searchmode"]


# Datasette's values of ?_searchmode= (anything else it ignored, searching as escaped).
SEARCH_MODES = ("escaped", "raw")

# Database -> {table: its full-text index table}, for immutable databases.
_searchable: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def searchable_tables(datasette, database: str) -> dict[str, str]:
    """{table: FTS table} of the visible tables with full-text search (metadata ``fts_table``
    or Datasette's detection of an index whose content is the table)."""
    db = datasette.get_database(database)
    cached = _searchable.get(db)
    if cached is not None:
        return cached
    hidden = set(await db.hidden_table_names())
    found = {}
    for table in await db.table_names():
        if table in hidden:
            continue
        fts = datasette.table_metadata(database, table).get("fts_table") or await db.fts_table(table)
        if fts and fts != table:
            found[table] = fts
    if not db.is_mutable:
        _searchable[db] = found
    return found


@hookimpl
def filters_from_request(request, database, table, datasette):
    async def inner():
        keys = search_keys(request.args)
        for key in keys:
            if key != "_search" and not key.startswith("_search_"):
                # Datasette reads it as _search_<column> and fails on the missing column (a 500).
                raise BadRequest(f"{key}: unknown parameter; search with _search or _search_<column>")
        mode = request.args.get("_searchmode")
        if mode is not None and mode not in SEARCH_MODES:
            raise BadRequest(f"_searchmode must be one of {', '.join(SEARCH_MODES)}")
        raw = request.args.get("_searchmode", datasette.table_metadata(database, table).get("searchmode")) == "raw"
        for key in keys:
            refused = search_problem(request.args[key], raw)
            if refused:
                raise BadRequest(f"{key}: {refused}")
        tables = await searchable_tables(datasette, database)
        fts = tables.get(table) or await datasette.get_database(database).fts_table(table)
        refused = index_override_problem(datasette, database, table, fts, request.args, tables)
        if refused:
            raise BadRequest(refused)
        if not keys:
            return None
        if not fts:
            raise BadRequest(
                f"Search ({keys[0]}) is not available on {table}: full-text search is on " + ", ".join(sorted(tables))
            )
        # The index's own columns: table_columns adds FTS5's hidden ones, and _search_rank=x ran
        # "rank MATCH" over every row until the SQL budget said the request was too expensive.
        indexed = [
            name
            for (name,) in await datasette.get_database(database).execute(
                "SELECT name FROM pragma_table_info(?)", [fts]
            )
        ]
        for key in keys:
            column = key[len("_search_") :]
            if key != "_search" and column not in indexed:
                # Datasette's own 400, "Cannot search by that column", named neither the column
                # nor those there are: sources.json?_search_quote=x, as /api once offered.
                raise BadRequest(
                    f"{key}: {table} has no searched column {column!r}; its index {fts} searches "
                    + ", ".join(f"_search_{name}" for name in indexed)
                    + ", or _search for all of them"
                )
        if raw:
            for key in keys:
                await check_raw_search(datasette, database, fts, request.args[key])
        return await column_searches_beside_search(datasette, database, fts, keys, request.args, raw)

    return inner


def index_override_problem(datasette, database: str, table: str, fts: str | None, args, tables) -> str | None:
    """Why ``_fts_table`` or ``_fts_pk`` names another index or key than the table's own, or None.

    Datasette takes both from the query string, for a table whose index it cannot find: on a
    table that has one, ``figures.json?_fts_table=sources_fts&_search=telegram`` answered the 74
    figures whose rowids are those of sources that say telegram, and ``_fts_pk=figure_id`` no row."""
    own_pk = datasette.table_metadata(database, table).get("fts_pk", "rowid")
    for option, own in (("_fts_table", fts), ("_fts_pk", own_pk)):
        given = args.get(option)
        if given is None or same_sqlite_name(given, own) or (option == "_fts_table" and given == ""):
            # Datasette reads a blank _fts_table as none (its own index), and SQLite names in any
            # case, and the rowid by its three names: figures.json?_fts_table=&_search=telegram,
            # _fts_table=FIGURES_FTS and _fts_pk=ROWID answered the 606 figures before this check.
            continue
        if not fts:
            return f"{option}={given}: {table} has no full-text search; it is on " + ", ".join(sorted(tables))
        if option == "_fts_table":
            return (
                f"_fts_table={given}: {table} is searched through its own index, {fts}; another index would "
                f"match {table} by the rowids of its own rows. Leave _fts_table out and use _search"
            )
        return (
            f"_fts_pk={given}: {fts} is keyed by the {own_pk} of {table}; another column would match no row, "
            "or the wrong ones. Leave _fts_pk out and use _search"
        )
    return None


# SQLite's names of a rowid table's rowid, when no column takes one of them.
ROWID_NAMES = ("rowid", "oid", "_rowid_")


def same_sqlite_name(given: str, own: str | None) -> bool:
    """Whether SQLite reads ``given`` as the table or column ``own``: names match in any case, and
    the rowid answers to each of ROWID_NAMES."""
    if own is None:
        return False
    if own.lower() in ROWID_NAMES:
        return given.lower() in ROWID_NAMES
    return given.lower() == own.lower()


async def column_searches_beside_search(datasette, database: str, fts: str, keys: list[str], args, raw: bool):
    """The ``_search_<column>`` searches of a request that also has ``_search``, as filters.

    Datasette 0.65 reads ``_search`` alone when both are given: ``_search=telegram&_search_quote=zzzqqq``
    answered the 606 figures that say telegram, as if no quote had been asked for. And its table page
    sends both: on ``?_search_notes=telegram`` the search box holds "telegram" and the filter form
    keeps ``_search_notes`` hidden, so any filter added there dropped the notes' search. Each is
    applied here as Datasette applies one alone, and all must match."""
    columns = [key for key in keys if key != "_search"]
    if "_search" not in keys or not columns:
        return None
    indexed = await datasette.get_database(database).table_columns(fts)
    where, params, said = [], {}, []
    for number, key in enumerate(columns):
        column = key[len("_search_") :]
        if column not in indexed:
            raise BadRequest("Cannot search by that column")
        name = f"column_search_{number}"
        match = f":{name}" if raw else f"escape_fts(:{name})"
        where.append(f"rowid in (select rowid from {escape_sqlite(fts)} where {escape_sqlite(column)} match {match})")
        params[name] = args[key]
        said.append(f'search column "{column}" matches "{args[key]}"')
    return FilterArguments(where, params, said)


async def check_raw_search(datasette, database: str, fts: str, search: str) -> None:
    """Raise BadRequest if FTS5 cannot read ``search`` (``_searchmode=raw``), in a reader's words."""
    sql = f"select rowid from {escape_sqlite(fts)} where {escape_sqlite(fts)} match :search limit 1"
    try:
        await datasette.get_database(database).execute(sql, {"search": search})
    except sqlite3.OperationalError as error:
        raise BadRequest(
            f"could not read this search: {error}. With _searchmode=raw a search is FTS5 query syntax "
            "(https://www.sqlite.org/fts5.html#full_text_query_syntax); without it, any text is read as words."
        ) from None


# What an empty search box sends, as far as a search is blank (no search at all).
ASCII_BLANK = " \t\r\n"


def plain_searches(query_string: bytes) -> bytes:
    """``query_string`` with its search parameters read as typed text: control characters (a NUL)
    are spaces, and a blank one (an empty search box submitted with the filters: nothing, or
    ASCII spaces) is no search; one of control characters or other spaces alone finds nothing.
    A blank ``_searchmode`` is dropped as well: Datasette reads a blank mode as none (the
    table's own), so the 400 for a mode it does not know is kept for one that was written.
    The other parameters stay as they were sent."""
    pairs = query_string.split(b"&")
    kept = []
    for pair in pairs:
        key, equals, value = pair.partition(b"=")
        name = unquote_plus(key.decode("latin-1"))
        is_mode = name == "_searchmode"
        if not is_mode and not search_keys([name]):
            kept.append(pair)
            continue
        text = unquote_plus(value.decode("latin-1"), errors="replace")
        if not text.strip(ASCII_BLANK):
            continue
        if is_mode:
            kept.append(pair)
            continue
        # Control characters alone (a NUL) are a search with no letter or digit: it finds nothing.
        plain = CONTROL.sub(" ", text)
        kept.append(pair if plain == text else key + equals + quote_plus(plain).encode("ascii"))
    return b"&".join(kept)


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def searches_as_typed(scope, receive, send):
            query_string = scope.get("query_string") or b""
            if scope["type"] == "http" and SEARCH_QUERY_PATH.match(scope.get("path", "")):
                for text in parse_qs(query_string.decode("latin-1")).get(SEARCH_QUERY_PARAMETER, []):
                    refused = search_problem(text)
                    if refused:
                        # Plain text: plugins/errors.py gives it the page's or the API's error shape.
                        return await Response.text(f"{SEARCH_QUERY_PARAMETER}: {refused}", status=400).asgi_send(send)
            if scope["type"] == "http" and b"_search" in query_string:
                scope = dict(scope, query_string=plain_searches(query_string))
            return await app(scope, receive, send)

        return searches_as_typed

    return wrap


# A path on this site, as a query's page column holds it: one slash, then no slash or backslash
# (a browser reads "/\\evil.example" and "//evil.example" as another host), no space.
SITE_PATH = re.compile(r"/(?![/\\])[^\\\s]*")


@hookimpl
def render_cell(row, value, column, table, datasette):
    if table is None and column == "page" and isinstance(value, str) and SITE_PATH.fullmatch(value):
        return markupsafe.Markup('<a href="{0}">{1}</a>').format(datasette.urls.path(value.lstrip("/")), value)
    # A search result's text is its link (search_everything): "Telegram, India, 2024: 14,641
    # requests fulfilled" says where it leads, where its page's path alone did not. Its dates
    # (a source's title, a period's name) are marked as the tables' free text is (plugins/cells.py).
    if table is None and column == "text" and isinstance(value, str) and hasattr(row, "keys"):
        page = dict(row).get("page")
        if isinstance(page, str) and SITE_PATH.fullmatch(page):
            return markupsafe.Markup('<a href="{0}">{1}</a>').format(
                datasette.urls.path(page.lstrip("/")), marked_dates(value)
            )
    # A row of what the index reads leads to its figure (its rowid is the figures table's, a
    # number no page of the site is named by).
    if table == "search_text" and column in ("figure_id", "figure_rowid") and value is not None:
        figure_id = dict(row).get("figure_id") if hasattr(row, "keys") else None
        if not figure_id:
            return None
        return markupsafe.Markup('<a href="{0}">{1}</a>').format(datasette.urls.path("figure/" + figure_id), value)
    return None
