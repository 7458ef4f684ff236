"""What Datasette needs beside the database, derived at build time from the committed sources.

The site reads these files from build/ and nothing from the pipeline: column descriptions come
from ``datapackage.json`` (and the build's own columns), so they are never copied by hand;
``metadata.yml`` adds titles, facets, sort orders and canned queries, and wins where it says
something; ``api_examples.yml`` becomes the plugin configuration the /api page shows.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import yaml

from .files import open_regular, sha256_file, special_file_kind, text_as_read
from .paths import API_EXAMPLES, SITE_METADATA_SOURCE, SITE_SETTINGS_SOURCE
from .schema_sql import BUILD_COLUMNS
from .vocabulary import DATABASE_NAME

PLUGIN_NAME = "platform-disclosures"
# A column each view holds once per row, never NULL, that the site pages the view by
# (plugins/downloads.py): figures_series is figures joined one to one with series_members on
# figure_id (build.VIEWS).
VIEW_KEYS = {"figures_series": "figure_id"}


def derived_tables(descriptor: dict) -> dict[str, dict]:
    """Table and column descriptions from the package, so they are never copied by hand."""
    tables = {}
    for resource in descriptor["resources"]:
        columns = {f["name"]: f"{f['title']}. {f['description']}" for f in resource["schema"]["fields"]}
        if resource["name"] == "figures":
            columns.update({name: f"{spec['title']}. {spec['description']}" for name, spec in BUILD_COLUMNS.items()})
            tables["figures_series"] = {
                "description": "One non-overlapping series per platform, jurisdiction, "
                "request type and metric: safe to sum over periods and to chart. "
                "Sum counts only (unit count, never percent or fraction), within one platform, request type "
                "and metric; never a scope (jurisdictions.kind scope: WORLD, EU, INTL, OTHER) beside the "
                "jurisdictions it covers, nor request type all beside its parts.",
                "columns": dict(columns),
            }
            for table in FIGURE_ROW_TABLES:
                tables[table] = {"columns": {c: columns[c] for c in FIGURE_COLUMNS[table] if c in columns}}
        tables[resource["name"]] = {
            "title": resource["title"],
            "description": resource["description"] + (SERVED_FIGURES_NOTE if resource["name"] == "figures" else ""),
            "columns": columns,
        }
    return tables


def column_titles(descriptor: dict) -> dict[str, dict[str, str]]:
    """{table: {column: title}} of the package's resources, figures with the build's columns,
    figures_series (the figures' columns), and each column of a table the build writes that holds
    a figures column (``FIGURE_COLUMNS``): the figures column's title."""
    titles = {}
    for resource in descriptor["resources"]:
        titles[resource["name"]] = {f["name"]: f["title"] for f in resource["schema"]["fields"] if f.get("title")}
        if resource["name"] == "figures":
            titles["figures"].update({name: spec["title"] for name, spec in BUILD_COLUMNS.items()})
            titles["figures_series"] = dict(titles["figures"])
    figures = titles.get("figures", {})
    for table, columns in FIGURE_COLUMNS.items():
        found = {column: figures[column] for column in columns if column in figures}
        if found:
            titles[table] = {**found, **titles.get(table, {})}
    return titles


# The tables the build writes beside the package's, and their columns that hold a figures
# column's values under its name (a figure's platform, jurisdiction, period, request type, id,
# quote): each is titled as the figures column is, so that its header, facet and filter read
# "Platform", as the figures table's do, where they read platform_id. A column that only shares a
# name is not one of them (facet_counts.value is any column's value, not a figure's). Each
# platform's coverage matrix (<platform_id>_coverage) titles its jurisdiction_id so too
# (build.described_coverage_views).
PERIOD_COLUMNS = ("period_start", "period_end", "period_label", "period_kind")
FIGURE_COLUMNS = {
    "coverage": ("platform_id", "jurisdiction_id", *PERIOD_COLUMNS),
    "coverage_cells": ("platform_id", "jurisdiction_id", *PERIOD_COLUMNS),
    "requests_and_accounts": ("platform_id", "jurisdiction_id", *PERIOD_COLUMNS, "request_type_id"),
    "series_gaps": ("platform_id", "request_type_id", *PERIOD_COLUMNS),
    "period_names": PERIOD_COLUMNS,
    "freshness": ("platform_id",),
    "platform_freshness": ("platform_id",),
    "freshness_series": ("platform_id", "request_type_id"),
    "figure_inputs": ("figure_id",),
    "derivations_left_out": ("platform_id", "jurisdiction_id", "request_type_id", "metric_id", *PERIOD_COLUMNS[:3]),
    "release_changes": ("figure_id",),
    "series_members": ("figure_id",),
    "search_text": ("figure_id", "quote", "notes", "platform_wording"),
}
# Of those, the tables of one row per figure, where the figures column's description holds too
# ("The verbatim sentence or record the figure was read from"): a column metadata.yml does not
# describe is described so. Elsewhere a row is a platform's, a period's or a gap's, not a
# figure's, and metadata.yml says what its columns hold.
FIGURE_ROW_TABLES = ("search_text", "series_members")


# What the served figures table holds beyond the package's description of data/figures.csv.
SERVED_FIGURES_NOTE = (
    " Here they stand beside the figures the build derives (is_derived = 1), and periods overlap (a year "
    "beside its quarters): to add figures up, use figures_series."
)


class ConfigDamaged(ValueError):
    """A site configuration file (metadata.yml, settings.yml, api_examples.yml) that does not read:
    its message is ``file:line: what is wrong``."""


# The same safe constructors, in C where PyYAML was built with libyaml.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, top: type = dict, empty_ok: bool = False):
    """The YAML document in ``path``, which must be a ``top`` (a mapping; with ``empty_ok``, a
    file of comments alone is an empty one). Raises ConfigDamaged naming the file and line of a
    syntax error (the build printed PyYAML's traceback)."""
    kind = special_file_kind(path)
    if kind is not None:
        # Opened, a FIFO waits for a writer: the build hung on one in place of metadata.yml.
        raise ConfigDamaged(f"{path.name}: cannot be read: {kind}, not a file; put the file back")
    try:
        with open_regular(path) as handle:
            text = text_as_read(handle.read())
        try:
            # libyaml's parser (about 15 times faster: metadata.yml took 0.07 s of each build);
            # a document it refuses is read again by PyYAML's own, whose messages are the ones told.
            document = yaml.load(text, Loader=FAST_LOADER)
        except yaml.YAMLError:
            document = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path.name}:{mark.line + 1}" if mark else path.name
        problem = error.problem or error.context or "unreadable"
        if error.context and error.problem:
            begun = error.context_mark
            problem += f" ({error.context}" + (f" begun on line {begun.line + 1})" if begun else ")")
        raise ConfigDamaged(f"{where}: not valid YAML: {problem}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ConfigDamaged(f"{path.name}: not valid YAML: {error}") from None
    if document is None and empty_ok:
        return top()
    if not isinstance(document, top):
        raise ConfigDamaged(f"{path.name}:1: must be a YAML mapping, not {type(document).__name__}")
    return document


# What Datasette 0.65 shows in a page's licence / source / about line, each taken from the instance
# when a database or table has none of its own.
ATTRIBUTION_KEYS = ("license", "license_url", "source", "source_url", "about", "about_url")


def inherit_attribution(parent: dict, child: dict) -> None:
    """Give ``child`` (a database's or table's metadata) each of ATTRIBUTION_KEYS it lacks from
    ``parent``, in place.

    Datasette 0.65's table and database views fill these into the metadata they serve, in place
    (``update_with_inherited_metadata`` on the instance's own dict), the first time that table's
    or database's page is asked for; its row view reads the table's metadata as stored. A row page
    (/disclosures/disagreements/<id>) lacked its licence line until its table's page had been
    seen by the same process, and /-/metadata.json changed then too. Written into the metadata
    here, every page reads it from the first request, and the views' filling changes nothing.
    """
    for key in ATTRIBUTION_KEYS:
        if parent.get(key) and not child.get(key):
            child[key] = parent[key]


def named_queries(queries: dict) -> None:
    """Make each canned query of ``queries`` a mapping that holds its name, in place.

    Datasette 0.65 does so to the metadata it serves, in place, the first time it lists a
    database's canned queries (its database page, a canned query's page): /-/metadata.json
    answered each query without its ``name`` until then, and with it after.
    """
    for name, query in queries.items():
        queries[name] = {**({"sql": query} if isinstance(query, str) else query), "name": name}


def site_metadata(descriptor: dict, source: Path = SITE_METADATA_SOURCE, api_examples: Path = API_EXAMPLES) -> dict:
    """Datasette metadata: ``metadata.yml``, filled in with the package's descriptions.

    Adds, under the plugin's configuration, the database's name and the /api page's examples.
    """
    metadata = read_yaml(source)
    # In this order: the keys are read only from a metadata of the right shape.
    for check in (metadata_shape_problem, unknown_key_problem, sort_and_facet_problem, query_defaults_problem):
        problem = check(metadata, source)
        if problem is not None:
            raise problem
    tables = metadata.setdefault("databases", {}).setdefault(DATABASE_NAME, {}).setdefault("tables", {})
    for name, derived in derived_tables(descriptor).items():
        table = tables.setdefault(name, {})
        for key in ("title", "description"):
            if key in derived:
                table.setdefault(key, derived[key])
        table["columns"] = {**derived["columns"], **table.get("columns", {})}
    database = metadata["databases"][DATABASE_NAME]
    inherit_attribution(metadata, database)
    for table in tables.values():
        inherit_attribution(database, table)
    named_queries(database.get("queries") or {})
    plugin = metadata.setdefault("plugins", {}).setdefault(PLUGIN_NAME, {})
    plugin["database"] = DATABASE_NAME
    plugin["view_keys"] = dict(VIEW_KEYS)
    # The canonical address of the site: what pages and next_url use instead of a client's Host header.
    plugin["site_url"] = descriptor.get("homepage")
    # Each column's title from the package (and the build's columns), by table: a table page's
    # facets are headed with it (plugins/facet_titles.py) instead of the column's name.
    plugin["column_titles"] = column_titles(descriptor)
    examples = read_yaml(api_examples).get("examples")
    if not isinstance(examples, list):
        raise ConfigDamaged(f"{api_examples.name}:1: examples: must be a list of examples")
    plugin["api_examples"] = examples
    return metadata


# Datasette 0.65's settings and the type of each (datasette.app.SETTINGS, held equal by a test:
# importing datasette.app costs the build 0.6 s).
DATASETTE_SETTINGS = {
    "default_page_size": int,
    "max_returned_rows": int,
    "num_sql_threads": int,
    "sql_time_limit_ms": int,
    "default_facet_size": int,
    "facet_time_limit_ms": int,
    "facet_suggest_time_limit_ms": int,
    "allow_facet": bool,
    "default_allow_sql": bool,
    "allow_download": bool,
    "suggest_facets": bool,
    "default_cache_ttl": int,
    "cache_size_kb": int,
    "allow_csv_stream": bool,
    "max_csv_mb": int,
    "truncate_cells_html": int,
    "force_https_urls": bool,
    "template_debug": bool,
    "trace_debug": bool,
    "base_url": str,
}
TYPE_WORDS = {int: "a whole number", bool: "true or false", str: "text", dict: "a mapping", list: "a list"}


def node_lines(path: Path) -> dict[tuple, int]:
    """{(key, key, ...): line} of every mapping key in the YAML file (1-based), for messages."""
    lines: dict[tuple, int] = {}

    def walk(node, at: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = (*at, key.value)
                lines[here] = key.start_mark.line + 1
                walk(value, here)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*at, index)] = item.start_mark.line + 1
                walk(item, (*at, index))

    walk(yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader), ())
    return lines


def nearest_hint(name, known, otherwise: str = "") -> str:
    """`` (did you mean <the nearest of known>?)`` for a misspelt ``name``, or ``otherwise``
    when none of ``known`` is near it (difflib's ratio of 0.6)."""
    import difflib

    close = difflib.get_close_matches(str(name), list(known), n=1)
    return f" (did you mean {close[0]}?)" if close else otherwise


def wrong_type(path: Path, where: tuple, value, expected) -> ConfigDamaged:
    """The ConfigDamaged of ``value`` at ``where`` (keys from the top) not being an ``expected``
    (a type, a literal string, or a tuple of either)."""
    line = node_lines(path).get(where, 1)
    shown = ".".join(str(part) for part in where)
    alternatives = expected if isinstance(expected, tuple) else (expected,)
    wanted = " or ".join(TYPE_WORDS[a] if isinstance(a, type) else repr(a) for a in alternatives)
    return ConfigDamaged(f"{path.name}:{line}: {shown} must be {wanted}, not {type(value).__name__} {value!r}"[:300])


def is_a(value, expected) -> bool:
    """Whether ``value`` is an ``expected``: a type, a literal string, or a tuple of either."""
    if isinstance(expected, tuple):
        return any(is_a(value, alternative) for alternative in expected)
    if isinstance(expected, str):
        return value == expected
    # YAML's true is a bool, and a bool is an int to Python: neither stands for the other here.
    return isinstance(value, expected) and not (expected is int and isinstance(value, bool))


# The least value of each whole-number setting that serves a site. Datasette takes any, and then
# 0 rows per page answered every table with none, a max_returned_rows of -1 every query with
# none, and a time limit of 0 ms every table's JSON with a 500. A 0 elsewhere is Datasette's own
# "none": a thread pool (num_sql_threads), a cache, a CSV size limit, truncation.
SETTING_MINIMUMS = {
    "default_page_size": 1,
    "max_returned_rows": 1,
    "num_sql_threads": 0,
    "sql_time_limit_ms": 1,
    "default_facet_size": 1,
    "facet_time_limit_ms": 1,
    "facet_suggest_time_limit_ms": 0,
    "default_cache_ttl": 0,
    "cache_size_kb": 0,
    "max_csv_mb": 0,
    "truncate_cells_html": 0,
}


def site_settings(source: Path = SITE_SETTINGS_SOURCE) -> dict:
    """Datasette settings from ``settings.yml``, where each one's reason is written beside it.

    Raises ConfigDamaged (``settings.yml:line: ...``) for a name Datasette has no setting of (it
    refused to start, naming settings.json) or a value of the wrong type (``five thousand`` for
    max_returned_rows answered every table's JSON with a 500)."""
    settings = read_yaml(source, empty_ok=True)
    for name, value in settings.items():
        expected = DATASETTE_SETTINGS.get(name)
        if expected is None:
            line = node_lines(source).get((name,), 1)
            hint = nearest_hint(name, DATASETTE_SETTINGS, f"; Datasette's are: {', '.join(DATASETTE_SETTINGS)}")
            raise ConfigDamaged(f"{source.name}:{line}: {name} is not a Datasette setting{hint}")
        if not is_a(value, expected):
            raise wrong_type(source, (name,), value, expected)
        least = SETTING_MINIMUMS.get(name)
        if least is not None and value < least:
            line = node_lines(source).get((name,), 1)
            raise ConfigDamaged(f"{source.name}:{line}: {name} must be at least {least}, not {value}")
        if name == "base_url" and not (value.startswith("/") and value.endswith("/")):
            line = node_lines(source).get((name,), 1)
            raise ConfigDamaged(
                f"{source.name}:{line}: base_url must begin and end with /, not {value!r}: Datasette writes its "
                "links after it ('site' made /static/site.css 'sitestatic/site.css')"[:300]
            )
    return settings


# What the build and the site's plugins read in metadata.yml, by the keys leading to it ("*":
# any key), and the type each must be: anything else stopped the build with a traceback, or
# built a site whose pages answered 500.
METADATA_SHAPES = (
    (("databases",), dict),
    (("databases", DATABASE_NAME), dict),
    (("databases", DATABASE_NAME, "tables"), dict),
    (("databases", DATABASE_NAME, "tables", "*"), dict),
    (("databases", DATABASE_NAME, "tables", "*", "columns"), dict),
    (("databases", DATABASE_NAME, "tables", "*", "facets"), list),
    # A facet is a column, or Datasette's {"array": column} / {"date": column}.
    (("databases", DATABASE_NAME, "tables", "*", "facets", "*"), (str, dict)),
    (("databases", DATABASE_NAME, "tables", "*", "facet_size"), (int, "max")),
    (("databases", DATABASE_NAME, "tables", "*", "size"), int),
    *(
        (("databases", DATABASE_NAME, "tables", "*", key), str)
        for key in ("sort", "sort_desc", "fts_table", "fts_pk", "label_column", "title", "description")
    ),
    (("databases", DATABASE_NAME, "tables", "*", "sortable_columns"), list),
    # Datasette reads either by its truth: "false" (quoted) hid the table from every listing,
    # and a searchmode other than raw searched as if none were given.
    (("databases", DATABASE_NAME, "tables", "*", "hidden"), bool),
    (("databases", DATABASE_NAME, "tables", "*", "searchmode"), "raw"),
    (("databases", DATABASE_NAME, "tables", "*", "sortable_columns", "*"), str),
    (("databases", DATABASE_NAME, "tables", "*", "units"), dict),
    (("databases", DATABASE_NAME, "queries"), dict),
    # A canned query is its SQL, or a mapping that holds it.
    (("databases", DATABASE_NAME, "queries", "*"), (str, dict)),
    (("databases", DATABASE_NAME, "queries", "*", "sql"), str),
    (("plugins",), dict),
    (("plugins", PLUGIN_NAME), dict),
    (("plugins", PLUGIN_NAME, "home_chart_events"), dict),
    (("plugins", PLUGIN_NAME, "home_chart_events", "*"), str),
    (("plugins", PLUGIN_NAME, "query_defaults"), dict),
    (("plugins", PLUGIN_NAME, "query_defaults", "*"), dict),
)


def metadata_shape_problem(metadata: dict, source: Path) -> ConfigDamaged | None:
    """The first value in ``metadata`` (read from ``source``) that is not the type
    METADATA_SHAPES gives its place, or None. A place that is absent is fine."""
    for pattern, expected in METADATA_SHAPES:
        found = [((), metadata)]
        for part in pattern:
            nxt = []
            for at, value in found:
                if isinstance(value, list) and part == "*":
                    nxt += [((*at, index), item) for index, item in enumerate(value)]
                    continue
                if not isinstance(value, dict):
                    continue
                keys = list(value) if part == "*" else [part] if part in value else []
                nxt += [((*at, key), value[key]) for key in keys]
            found = nxt
        for at, value in found:
            if not is_a(value, expected):
                return wrong_type(source, at, value, expected)
    return None


# The keys Datasette 0.65 reads in a table's metadata (its documentation's "Table-level
# metadata"), with the site's own "columns". Datasette ignores any other without a word: a
# misspelt "facet:" or "sort_des:" dropped the table's facets or order from every page.
TABLE_KEYS = (
    "title",
    "description",
    "description_html",
    "license",
    "license_url",
    "source",
    "source_url",
    "about",
    "about_url",
    "hidden",
    "sort",
    "sort_desc",
    "facets",
    "facet_size",
    "sortable_columns",
    "label_column",
    "fts_table",
    "fts_pk",
    "searchmode",
    "size",
    "units",
    "columns",
    "allow",
    "plugins",
)


def unknown_key_problem(metadata: dict, source: Path) -> ConfigDamaged | None:
    """The first database under ``databases`` other than DATABASE_NAME, or key of a table's
    metadata not in TABLE_KEYS, in ``metadata`` (read from ``source``), or None: Datasette reads
    neither, so what was written under it was lost without a word."""
    import difflib

    databases = metadata.get("databases") or {}
    places = [(("databases", name), "the site serves no database of that name", (DATABASE_NAME,)) for name in databases]
    tables = (databases.get(DATABASE_NAME) or {}).get("tables") or {}
    for table, config in tables.items():
        for key in config if isinstance(config, dict) else ():
            places.append((("databases", DATABASE_NAME, "tables", table, key), "not a key of a table", TABLE_KEYS))
    for where, what, known in places:
        if where[-1] in known:
            continue
        line = node_lines(source).get(where, 1)
        shown = ".".join(map(str, where[2:] or where))
        close = difflib.get_close_matches(str(where[-1]), known, n=1)
        hint = f"did you mean {close[0]}?" if close else f"it may be one of: {', '.join(known)}"
        return ConfigDamaged(f"{source.name}:{line}: {shown}: {what}, so Datasette ignores it ({hint})"[:300])
    return None


def shadowing_query_problem(
    metadata: dict, built: dict[str, str], source: Path = SITE_METADATA_SOURCE
) -> ConfigDamaged | None:
    """The first canned query in ``metadata`` (read from ``source``) named as a table or view of
    the built database (``built``: {name: "table" or "view"}), or None.

    Datasette answers ``/<database>/<name>`` with a canned query of that name before the table:
    the table's page, JSON and CSV became the query's, and nothing said so. Checked against the
    database the build wrote, not a list of names: each platform's coverage view is named after
    its id (a platform ``platform`` would be shadowed by the query ``platform_coverage``)."""
    queries = ((metadata.get("databases") or {}).get(DATABASE_NAME) or {}).get("queries") or {}
    for name in queries:
        kind = built.get(str(name))
        if kind is None:
            continue
        line = node_lines(source).get(("databases", DATABASE_NAME, "queries", name), 1)
        return ConfigDamaged(
            f"{source.name}:{line}: queries.{name}: a canned query may not be named as a {kind} the build writes: "
            f"Datasette would answer /{DATABASE_NAME}/{name} with the query in the {kind}'s place; rename the query"
        )
    return None


# Datasette 0.65's facet types, as a facet of metadata.yml names them: {"array": column}.
FACET_TYPES = ("column", "array", "date")


def sort_and_facet_problem(metadata: dict, source: Path) -> ConfigDamaged | None:
    """The first table in ``metadata`` (read from ``source``) given both ``sort`` and
    ``sort_desc``, a facet mapping that is not one of FACET_TYPES naming one column, or the same
    facet twice (a column's name and {column: name} are one facet), or None.

    Datasette built each without complaint and then answered every page of the table 400 ("Cannot
    use _sort and _sort_desc at the same time"), or 500 (a facet {}), or left the facet out
    without a word ({"arrays": column})."""
    tables = ((metadata.get("databases") or {}).get(DATABASE_NAME) or {}).get("tables") or {}
    for table, config in tables.items():
        if not isinstance(config, dict):
            continue
        where = ("databases", DATABASE_NAME, "tables", table)
        if config.get("sort") and config.get("sort_desc"):
            line = node_lines(source).get((*where, "sort_desc"), 1)
            return ConfigDamaged(
                f"{source.name}:{line}: tables.{table}: sort and sort_desc both given; Datasette answers every "
                f"page of {table} 400 ('Cannot use _sort and _sort_desc at the same time'): keep one"[:300]
            )
        listed: set[tuple] = set()
        for index, facet in enumerate(config.get("facets") or []):
            if not isinstance(facet, dict):
                kind, column = "column", facet
            else:
                kind, column = next(iter(facet.items())) if len(facet) == 1 else (None, None)
                if kind not in FACET_TYPES or not isinstance(column, str):
                    line = node_lines(source).get((*where, "facets", index), 1)
                    return ConfigDamaged(
                        f"{source.name}:{line}: tables.{table}.facets: {facet!r} is no facet; a facet is a column's "
                        f"name, or one of {', '.join(FACET_TYPES)} naming one: {{array: column}}"[:300]
                    )
            # The same facet twice: the build's default counts had two rows for each of its
            # values, and the build stopped on SQLite's UNIQUE constraint, blaming the package.
            if isinstance(column, str) and (kind, column) in listed:
                line = node_lines(source).get((*where, "facets", index), 1)
                shown = column if kind == "column" else f"{{{kind}: {column}}}"
                return ConfigDamaged(
                    f"{source.name}:{line}: tables.{table}.facets: {shown} is listed twice; Datasette shows it "
                    "once: keep one"[:300]
                )
            listed.add((kind, column))
    return None


def broken_query_problem(metadata: dict, database: Path, source: Path = SITE_METADATA_SOURCE) -> ConfigDamaged | None:
    """The first canned query in ``metadata`` (read from ``source``) whose SQL SQLite cannot
    prepare against the built ``database``, with SQLite's reason, or None.

    A misspelt column in a query's SQL built without complaint, and the query then answered every
    request 400 ("no such column: period_strat"). Each query is only prepared (EXPLAIN), its
    parameters bound to NULL: none of it runs. A function SQLite lacks is taken for one of the
    site's own (fts_query, search_mentions: its plugins register them, and the build imports
    none of the site), so only its name goes unchecked."""
    import re

    queries = ((metadata.get("databases") or {}).get(DATABASE_NAME) or {}).get("queries") or {}
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        for name, query in queries.items():
            sql = query.get("sql") if isinstance(query, dict) else query
            if not isinstance(sql, str):
                continue
            # Every :name, as Datasette finds a canned query's parameters; one inside a string
            # literal ('12:30') binds nothing, and sqlite3 ignores a name the statement lacks.
            parameters = dict.fromkeys(re.findall(r":(\w+)", sql))
            while True:
                try:
                    conn.execute(f"EXPLAIN {sql}", parameters)
                    break
                except (sqlite3.Error, sqlite3.Warning) as error:
                    site_function = re.fullmatch(r"no such function: (\w+)", str(error))
                    if site_function:
                        conn.create_function(site_function[1], -1, lambda *_: None)
                        continue
                    # A platform's coverage matrix is a view the build writes for each platform
                    # the package has: a query of telegram_coverage reads nothing in a package
                    # without telegram (the tests' tiny one), and is no mistake of the query's.
                    matrix = re.fullmatch(r"no such table: (\w+)_coverage", str(error))
                    if (
                        matrix
                        and not conn.execute("SELECT 1 FROM platforms WHERE platform_id = ?", (matrix[1],)).fetchone()
                    ):
                        break
                    where = ("databases", DATABASE_NAME, "queries", name)
                    lines = node_lines(source)
                    line = lines.get((*where, "sql"), lines.get(where, 1))
                    return ConfigDamaged(f"{source.name}:{line}: queries.{name}: SQLite refuses its SQL: {error}"[:300])
    return None


def query_defaults_problem(metadata: dict, source: Path) -> ConfigDamaged | None:
    """The first of the plugin's ``query_defaults`` in ``metadata`` (read from ``source``) that
    names no canned query, or a parameter its query lacks, or the first parameter of a canned
    query that has no default there nor in its SQL (``coalesce(nullif(:p, ''), ...)``), or None.

    The forms read them by the query's and the parameter's name: a misspelt one was ignored, and
    its form opened on no value ("0 results") with nothing said, as platform_coverage's did."""
    import re

    queries = ((metadata.get("databases") or {}).get(DATABASE_NAME) or {}).get("queries") or {}
    defaults = ((metadata.get("plugins") or {}).get(PLUGIN_NAME) or {}).get("query_defaults") or {}
    where = ("plugins", PLUGIN_NAME, "query_defaults")
    for name, values in defaults.items():
        query = queries.get(name)
        if query is None:
            known, at, what = list(queries), (*where, name), f"{name}: no canned query is named so"
        else:
            sql = query.get("sql") if isinstance(query, dict) else query
            known = list(dict.fromkeys(re.findall(r":(\w+)", sql if isinstance(sql, str) else "")))
            missing = [parameter for parameter in values if parameter not in known]
            if not missing:
                continue
            at, what = (
                (*where, name, missing[0]),
                f"{name}.{missing[0]}: the query {name} has no parameter :{missing[0]}",
            )
        hint = nearest_hint(at[-1], known, f"; they are: {', '.join(known)}")
        line = node_lines(source).get(at, 1)
        return ConfigDamaged(f"{source.name}:{line}: query_defaults.{what}{hint}"[:300])
    for name, query in queries.items():
        sql = query.get("sql") if isinstance(query, dict) else query
        if not isinstance(sql, str):
            continue
        given = defaults.get(name) or {}
        for parameter in dict.fromkeys(re.findall(r":(\w+)", sql)):
            if parameter in given or re.search(rf"nullif\(\s*:{parameter}\s*,\s*''\s*\)", sql):
                continue
            line = node_lines(source).get(("databases", DATABASE_NAME, "queries", name), 1)
            return ConfigDamaged(
                f"{source.name}:{line}: queries.{name}: its parameter :{parameter} has no default, so its form "
                f"opens on no value, '0 results': give one in query_defaults ({name}: {{{parameter}: ...}})"[:300]
            )
    return None


def unknown_table_problem(
    metadata: dict, built: dict[str, str], source: Path = SITE_METADATA_SOURCE
) -> ConfigDamaged | None:
    """The first table in ``metadata`` (read from ``source``) that is no table or view of the
    built database (``built``: {name: "table" or "view"}), or None.

    Datasette ignores the metadata of a table it does not serve: a misspelt ``jurisdiction:``
    dropped the jurisdictions' facets and label column, and the build passed. So is a table's
    ``fts_table`` that names none: every search of the table answered 400 ("no such table:
    figure_fts")."""

    tables = ((metadata.get("databases") or {}).get(DATABASE_NAME) or {}).get("tables") or {}
    for name in tables:
        if str(name) in built:
            continue
        line = node_lines(source).get(("databases", DATABASE_NAME, "tables", name), 1)
        hint = nearest_hint(name, built)
        return ConfigDamaged(
            f"{source.name}:{line}: tables.{name}: the build writes no table or view {name}, "
            f"so Datasette ignores what is written here{hint}"[:300]
        )
    for name, config in tables.items():
        index = config.get("fts_table") if isinstance(config, dict) else None
        if not isinstance(index, str) or index in built:
            continue
        line = node_lines(source).get(("databases", DATABASE_NAME, "tables", name, "fts_table"), 1)
        hint = nearest_hint(index, built)
        return ConfigDamaged(
            f"{source.name}:{line}: tables.{name}.fts_table: the build writes no table {index}{hint}: "
            f"every search of {name} (?_search=) would answer 400"[:300]
        )
    return None


def built_schema(conn: sqlite3.Connection) -> tuple[dict[str, str], dict[str, list[str]]]:
    """({name: "table" or "view"}, {name: [column, ...]}) of every table and view of the built
    database ``conn`` opens: what the checks of metadata.yml against the build read."""
    built = dict(conn.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')"))
    columns = {
        name: [row[0] for row in conn.execute("SELECT name FROM pragma_table_info(?)", (name,))] for name in built
    }
    return built, columns


# Where a table's metadata names one of its columns. Datasette reads a facet on a column the
# table lacks as SQL's string literal (a single facet value, the column's name, counted over every
# row), and a sort on one answers every page of the table 400: both built without complaint.
COLUMN_NAMING_KEYS = ("facets", "sort", "sort_desc", "sortable_columns", "label_column")


def unknown_column_problem(
    metadata: dict, columns: dict[str, list[str]], source: Path = SITE_METADATA_SOURCE
) -> ConfigDamaged | None:
    """The first place in ``metadata`` (read from ``source``) where a table of the built database
    (``columns``: {table or view: [column, ...]}) names a column it does not have, under one of
    COLUMN_NAMING_KEYS, or None. A facet {"array": column} or {"date": column} names its value;
    a table the build did not write is not checked here."""

    tables = ((metadata.get("databases") or {}).get(DATABASE_NAME) or {}).get("tables") or {}
    for table, config in tables.items():
        if table not in columns or not isinstance(config, dict):
            continue
        for key in COLUMN_NAMING_KEYS:
            value = config.get(key)
            named = list(enumerate(value)) if isinstance(value, list) else [(None, value)] if value else []
            for index, item in named:
                column = next(iter(item.values()), None) if isinstance(item, dict) else item
                if not isinstance(column, str) or column in columns[table]:
                    continue
                where = ("databases", DATABASE_NAME, "tables", table, key)
                lines = node_lines(source)
                line = lines.get((*where, index), lines.get(where, 1)) if index is not None else lines.get(where, 1)
                hint = nearest_hint(column, columns[table])
                return ConfigDamaged(
                    f"{source.name}:{line}: tables.{table}.{key}: {table} has no column {column}{hint}"[:300]
                )
    return None


def sql_name(name: str) -> str:
    """``name`` as an SQLite identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def array_facet_problem(
    metadata: dict, conn: sqlite3.Connection, source: Path = SITE_METADATA_SOURCE
) -> ConfigDamaged | None:
    """The first facet {"array": column} in ``metadata`` (read from ``source``) whose column, in
    the built database (``conn``), holds a value that is not a JSON array, or None.

    Datasette reads such a column with json_each: a column of plain text built without complaint,
    and every page of the table then answered 400 ("malformed JSON"). A column the table lacks is
    unknown_column_problem's."""
    tables = ((metadata.get("databases") or {}).get(DATABASE_NAME) or {}).get("tables") or {}
    for table, config in tables.items():
        facets = config.get("facets") if isinstance(config, dict) else None
        for index, facet in enumerate(facets if isinstance(facets, list) else []):
            column = facet.get("array") if isinstance(facet, dict) else None
            if not isinstance(column, str):
                continue
            try:
                found = conn.execute(
                    f"SELECT {sql_name(column)} AS value FROM {sql_name(str(table))} "
                    "WHERE value IS NOT NULL AND NOT (json_valid(value) AND json_type(value) = 'array') LIMIT 1"
                ).fetchone()
            except sqlite3.OperationalError:
                continue
            if found is None:
                continue
            line = node_lines(source).get(("databases", DATABASE_NAME, "tables", table, "facets", index), 1)
            return ConfigDamaged(
                f"{source.name}:{line}: tables.{table}.facets: {{array: {column}}}: {column} holds {found[0]!r}, "
                f"not a JSON array, so Datasette answers every page of {table} 400 (malformed JSON); facet it as a column"[
                    :300
                ]
            )
    return None


def inspect_data(db_path: Path, file_name: str) -> dict:
    """What ``datasette inspect`` computes (hash, size, row counts), the way it computes them.

    With it, an immutable database never counts rows at request time. ``file`` is the bare file
    name: Datasette's configuration-directory mode matches it against the folder's databases.
    Datasette's hash (``datasette.inspect.inspect_hash``: the SHA-256 of the file's bytes, which
    ``files.sha256_file`` computes without importing Datasette, 0.02 s of every build) and the
    same queries as its ``Database.table_counts``; importing ``datasette.app`` to run
    ``inspect_`` would cost the build more than the counting. tests/test_scale.py checks
    the result against ``datasette.cli.inspect_``.
    """
    db_path = Path(db_path)
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        names = [name for (name,) in conn.execute("select name from sqlite_master where type='table'")]
        # A full-text index's count(*) reads all of its content (for figures_fts, the search_text
        # view: 0.11 s of the real package's 0.12 s of counting); its docsize table has one row
        # per row indexed, the same number (FTS5's integrity-check holds them equal).
        fts5 = {
            name
            for (name,) in conn.execute(
                "select name from sqlite_master where type = 'table' and sql like 'CREATE VIRTUAL TABLE % USING fts5%'"
            )
            if f"{name}_docsize" in names
        }
        counts = {
            name: conn.execute(
                f"select count(*) from [{name}_docsize]" if name in fts5 else f"select count(*) from [{name}]"
            ).fetchone()[0]
            for name in names
        }
    conn.close()
    entry = {
        "hash": sha256_file(db_path),
        "size": db_path.stat().st_size,
        "file": file_name,
        "tables": {name: {"count": count} for name, count in counts.items()},
    }
    return {DATABASE_NAME: entry}
