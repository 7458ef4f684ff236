"""The site's own pages: home (with the Telegram chart), figure pages, what changed, the feed, /api.

Everything comes from the served database (figures, the release tables the build writes) and
from the plugin configuration the build derived into build/metadata.json. Pure helpers
(``chart_series``) are importable and tested on their own.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import weakref
from pathlib import Path
from urllib.parse import unquote

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

# plugins/ is no package: what its plugins share is in plugins/_*.py, found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _dates import marked_dates
from _refiled import FIGURE_ID_IN_TEXT, derived_in_place
from _releases import RELEASED_SQL, UNRELEASED_CORRECTIONS, released_in, version_order
from _responses import error_response
from _table_options import shape_problem
from _unread import args_as_sent, unread_parameters

PLUGIN = "platform-disclosures"
TOP_COUNTRIES = 6
CHANGES_SHOWN = 1000  # rows of the changelog on /changes; the full list is changelog.csv
HOME_DOWNLOADS = (
    "disclosures.db",
    "datapackage.json",
    "csv/figures.csv",
    "excel/figures.csv",
    "json/figures.json",
    "parquet/figures.parquet",
    "SHA256SUMS",
    "CITATION.cff",
    "CITATION.bib",
    "changelog.csv",
)
# Changes are listed changed figures first, then removals, then additions; of the changed, a new
# value comes before the same value from a new source: 433 re-sourced figures (26,160 -> 26,160)
# were listed by id around the 5 corrections of release 1.0.0, as changelog.py found in CHANGELOG.md.
CHANGE_ORDER = """CASE WHEN change = 'changed' AND old_value IS NOT new_value THEN 0 WHEN change = 'changed' THEN 1
                   WHEN change = 'removed' THEN 2 ELSE 3 END, figure_id"""


# Datasette -> its plugin configuration, which cannot change while it serves: plugin_config()
# merges the whole metadata and resolves secrets on every call, three times a page.
_configs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def config(datasette) -> dict:
    if datasette not in _configs:
        _configs[datasette] = datasette.plugin_config(PLUGIN) or {}
    return _configs[datasette]


def database(datasette):
    return datasette.get_database(config(datasette)["database"])


async def rows(db, sql: str, params=()) -> list[dict]:
    return [dict(r) for r in (await db.execute(sql, params)).rows]


# Home page ------------------------------------------------------------------------------------


def chart_series(rows: list[dict], top: int = TOP_COUNTRIES) -> list[dict]:
    """Group non-overlapping Telegram periods by country, biggest first, for the home chart.

    ``rows``: dicts with figure_id, jurisdiction_id, name, period_start, period_end, period_label,
    value, is_derived. Countries rank by their largest single-period value.
    """
    by_country: dict[str, dict] = {}
    for row in rows:
        entry = by_country.setdefault(
            row["jurisdiction_id"], {"id": row["jurisdiction_id"], "name": row["name"], "periods": []}
        )
        entry["periods"].append(
            {
                "period_start": row["period_start"],
                "period_end": row["period_end"],
                "label": row["period_label"],
                "value": row["value"],
                "derived": bool(row["is_derived"]),
                "figure_id": row["figure_id"],
            }
        )
    ranked = sorted(by_country.values(), key=lambda c: (-max(p["value"] for p in c["periods"]), c["id"]))
    for country in ranked:
        country["periods"].sort(key=lambda p: p["period_start"])
    return ranked[:top]


# Database -> its dataset row (every page shows it), for immutable databases.
_datasets: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def dataset_context(datasette) -> dict:
    """The served database's own version, title and licences (the dataset table)."""
    db = database(datasette)
    if db in _datasets:
        return dict(_datasets[db])
    found = await rows(db, "SELECT * FROM dataset")
    dataset = found[0] if found else {}
    if dataset:
        dataset["licenses"] = json.loads(dataset["licenses"])
    if not db.is_mutable:
        _datasets[db] = dataset
    return dict(dataset)


def downloads_folder(datasette, version: str) -> Path | None:
    """dist/<version>/ when `make release` wrote it and the site mounts it at /downloads."""
    for mount, folder in datasette.static_mounts:
        if mount == "downloads" and (Path(folder) / version / "SHA256SUMS").is_file():
            return Path(folder) / version
    return None


async def release_context(datasette, limit: int, version: str | None = None) -> dict | None:
    """A recorded release (default: the latest): version, date, previous, counts, state, changes,
    downloads. None when there is no such release."""
    db = database(datasette)
    found = await rows(
        db,
        """SELECT r.*, d.release_state AS state, d.latest_release FROM releases r, dataset d
           WHERE r.version = coalesce(?, d.latest_release)""",
        [version],
    )
    if not found:
        return None
    release = found[0]
    if release["version"] != release["latest_release"]:
        # The dataset's state is the latest release's; of an older one, what followed it.
        release["state"] = f"release {release['latest_release']} came after it"
    release["counts"] = {name: release[name] for name in ("added", "changed", "removed")}
    # "438 changed" read as 438 corrections where 5 values changed and 433 figures had a new source:
    # the build counts the second (releases.changed_same_value) as the feed reads it.
    release["same_values"] = release.get("changed_same_value")
    # The files it changed besides the figures (a platform's notes): 1.0.1 changed only
    # data/platforms.csv, and its page said "0 added, 0 changed, 0 removed" over an empty table.
    release["other_inputs"] = json.loads(release.get("other_inputs") or "[]")
    # Its changes to the tables, in the words of its CHANGELOG.md (release_table_changes): a release
    # that only added a column counted 0 figures added, changed and removed, and read as nothing.
    release["table_changes"] = [
        r["sentence"]
        for r in await rows(
            db,
            "SELECT sentence FROM release_table_changes WHERE version = ? ORDER BY position",
            [release["version"]],
        )
    ]
    # Each change with its metric's unit (NULL for a figure the data no longer holds), so that
    # its values read as the figure's own do (token_text).
    release["changelog"] = await rows(
        db,
        f"""SELECT c.*, m.unit FROM release_changes c LEFT JOIN figures f USING (figure_id)
            LEFT JOIN metrics m ON m.metric_id = f.metric_id
            WHERE c.version = ? ORDER BY {CHANGE_ORDER} LIMIT ?""",
        [release["version"], limit],
    )
    release["downloads"] = []
    folder = downloads_folder(datasette, release["version"])
    if folder:
        files = await rows(db, "SELECT path FROM release_files WHERE version = ? ORDER BY path", [release["version"]])
        counts = released_row_counts(folder)
        paths = sorted({f["path"] for f in files} | counts.keys())
        release["downloads"] = [
            {"path": p, "url": datasette.urls.path(f"downloads/{release['version']}/{p}"), "rows": counts.get(p)}
            for p in paths
        ]
    return release


def released_row_counts(folder: Path) -> dict[str, int]:
    """Rows of each table file of a release, by path, from the ``rows`` its datapackage.json declares.

    A table's CSV, Excel CSV, JSON and Parquet files hold the same rows, so each gets the CSV's count.
    """
    try:
        descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    counts = {}
    by_table = {Path(r["path"]).stem: r["rows"] for r in descriptor.get("resources", []) if "rows" in r}
    for resource in descriptor.get("resources", []):
        path = resource.get("path", "")
        stem = Path(path).stem
        if "rows" in resource:
            counts[path] = resource["rows"]
        elif stem in by_table and path.split("/", 1)[0] in ("json", "parquet"):
            counts[path] = by_table[stem]
    return counts


async def home_context(datasette) -> dict:
    db = database(datasette)
    series = await rows(
        db,
        """
        SELECT s.figure_id, s.jurisdiction_id, j.name, s.period_start, s.period_end,
               coalesce(n.name, s.period_label) AS period_label, s.value, s.is_derived
        FROM figures_series s JOIN jurisdictions j USING (jurisdiction_id)
        LEFT JOIN period_names n USING (period_start, period_end)
        WHERE s.platform_id = 'telegram' AND s.metric_id = 'requests_fulfilled'
        ORDER BY s.jurisdiction_id, s.period_start""",
    )
    events = await rows(
        db,
        """
        SELECT e.event_id, e.event_date, e.title, s.url FROM events e JOIN sources s USING (source_id)
        WHERE e.platform_id = 'telegram' AND e.event_date >= '2024-01-01' ORDER BY e.event_date""",
    )
    # Counted by the build (the database never changes): constant cost at any number of figures.
    (totals,) = await rows(db, "SELECT * FROM home_numbers")
    latest = await rows(
        db,
        """
        SELECT source_id, title, publisher, published_date, url FROM sources
        WHERE published_date IS NOT NULL ORDER BY published_date DESC, source_id LIMIT 5""",
    )
    licensed = await rows(
        db,
        """
        SELECT source_id, title, publisher, url, licence, notes FROM sources WHERE licence IS NOT NULL
        ORDER BY publisher, licence, source_id""",
    )
    marked = config(datasette).get("home_chart_events", {})
    chart = {
        "countries": chart_series(series),
        "events": [{**e, "label": marked[e["event_id"]]} for e in events if e["event_id"] in marked],
    }
    release = await release_context(datasette, limit=8)
    if release:
        release["downloads"] = [f for f in release["downloads"] if f["path"] in HOME_DOWNLOADS]
    return {
        "release": release,
        "chart_json": script_json(chart),
        "chart": chart,
        "totals": totals,
        "latest_sources": latest,
        "licence_holders": licence_holders(licensed),
    }


def licence_holders(licensed: list[dict]) -> list[dict]:
    """The sources under a licence, one entry per publisher and licence: {"publisher",
    "licence", "sources": [their rows]}, in the order given. Attribution names the holder and
    the licence once; Mozilla's two dozen report pages under MPL-2.0 had filled the home page."""
    holders: dict[tuple, dict] = {}
    for source in licensed:
        key = (source["publisher"], source["licence"])
        holders.setdefault(key, {"publisher": key[0], "licence": key[1], "sources": []})["sources"].append(source)
    return list(holders.values())


# What of the instance's metadata every page's footer shows (prepare_jinja2_environment).
FOOTER_METADATA = ("license", "license_url", "source", "source_url", "about", "about_url")


@hookimpl
def extra_template_vars(template, datasette, request):
    async def inner():
        # An error page shows none of the dataset, and must render when the database cannot be
        # read (plugins/client_errors.py): it was the message in plain text.
        if not config(datasette).get("database") or template == "error.html":
            return {}
        context = {
            "dataset": await dataset_context(datasette),
            "site_title": datasette.metadata("title"),
            "database_name": config(datasette)["database"],
        }
        if template == "index.html":
            context.update(await home_context(datasette))
        if template == "pages/api.html":
            context["api_examples"] = config(datasette).get("api_examples", [])
            context["settings"] = {
                name: datasette.setting(name)
                for name in ("max_returned_rows", "max_csv_mb", "sql_time_limit_ms", "default_cache_ttl")
            }
            # /api?foo=1 showed the page without a word, as the explore pages no longer do.
            context["not_applied"] = (
                unread_parameters(args_as_sent(request.query_string), ()) if request is not None else {}
            )
        return context

    return inner


# Other pages ----------------------------------------------------------------------------------


async def home_page(datasette, request):
    """The home page (templates/index.html), without Datasette's index view: that view checks
    the permissions of every table and view (383 at a million synthetic figures, each copying
    the whole metadata), for a list this page does not show. ``/.json`` stays Datasette's."""
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    # /?foo=1 showed the home page without a word, as /country/USA?foo=1 no longer does.
    context = {
        "metadata": datasette.metadata(),
        "not_applied": unread_parameters(args_as_sent(request.query_string), ()),
    }
    return Response.html(await datasette.render_template("index.html", context, request=request))


async def changes_page(datasette, request):
    # ?version= is one release's changes, where each entry of the feed leads: /changes alone
    # shows the latest, so an older entry led to changes that were not its own.
    versions = list(dict.fromkeys(v.strip() for v in request.args.getlist("version") if v.strip()))
    if len(versions) > 1:
        # Only the first was read: version=0.1.0&version=x showed 0.1.0 as if x were not asked for.
        return await error_response(datasette, request, 400, "One release per page: give version= once")
    version = versions[0] if versions else None
    release = await release_context(datasette, limit=CHANGES_SHOWN, version=version)
    if version and release is None:
        made = [
            r["version"]
            for r in await rows(
                database(datasette), f"SELECT version FROM releases ORDER BY date, {version_order('version')}"
            )
        ]
        return await error_response(
            datasette, request, 404, f"No release {version!r}: the releases are {', '.join(made) or 'none yet'}"
        )
    # Every release, newest first, each leading to its own changes: /changes showed the latest
    # release's, and nothing on it led to an older one's.
    releases = await rows(
        database(datasette),
        f"SELECT version, date FROM releases ORDER BY date DESC, {version_order('version', descending=True)}",
    )
    # The corrections recorded since the latest release, which no release has published (none of
    # release_corrections lists them): /changes listed only released changes, and the 260 refiles
    # after 1.2.0 were nowhere said to be newer than the release a reader cited.
    (pending,) = await rows(
        database(datasette),
        "SELECT count(*) AS corrections, (SELECT latest_release FROM dataset) AS since FROM corrections "
        f"WHERE {UNRELEASED_CORRECTIONS}",
    )
    context = {
        "release": release,
        "shown": CHANGES_SHOWN,
        "releases": releases,
        "pending": pending,
        # /changes?foo=1 showed the latest release's changes without a word, as if foo were read.
        "not_applied": unread_parameters(args_as_sent(request.query_string), ("version",)),
    }
    return Response.html(await datasette.render_template("changes.html", context, request=request))


async def feed(datasette, request):
    """The releases' Atom feed, which the build wrote beside the database, with cache validators."""
    path = Path(database(datasette).path).parent / "feed.atom"
    if not path.is_file():
        return Response.text("Nothing has been released yet.", status=404)
    body = path.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest() + '"'
    headers = {
        "etag": etag,
        "cache-control": f"public, max-age={datasette.setting('default_cache_ttl')}",
        "access-control-allow-origin": "*",
    }
    kind = "application/atom+xml; charset=utf-8"
    # Compared weakly, "*" included (RFC 9110 13.1.2), as a cache revalidating its copy sends it.
    wanted = [t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")]
    if etag in wanted or "*" in wanted:
        # The feed's own type: Datasette's Response says text/plain by default, and a cache updates
        # the copy it keeps with a 304's headers (RFC 9111 4.3.4), so the feed turned into text.
        return Response("", status=304, headers=headers, content_type=kind)
    return Response(body, content_type=kind, headers=headers)


# The words and characters a search takes at most (plugins/search.py's MAX_SEARCH_WORDS and
# MAX_SEARCH_CHARACTERS, held equal by a test): the "not a figure" page offers a search for the
# text, which must not be refused.
SEARCH_WORDS = 32
SEARCH_CHARACTERS = 500
# What /figure/<figure_id> takes as an id; anything else after /figure/ is not_a_figure_page's.
FIGURE_PAGE_ID = re.compile(r"[A-Za-z0-9_.-]+")


def search_text_of(text: str) -> str:
    """A search for what ``text`` (an id no figure has) names: its parts between hyphens, each
    once, as long as their words (letters and digits, as FTS5's tokenizer splits them:
    ``ip_or_phone`` is three) number at most SEARCH_WORDS, and their characters, spaces between
    them included, SEARCH_CHARACTERS."""
    kept, count = [], 0
    for part in dict.fromkeys(re.split(r"[\s/-]+", text)):
        # At most as many as FTS5 reads: each run of ASCII letters and digits is one word, and
        # any other character may be one of its own (its tokenizer splits "½" and combining
        # marks as Python's text functions do not).
        words = len(re.findall(r"[A-Za-z0-9]+|[^\x00-\x7f]", part))
        if count + words > SEARCH_WORDS or len(" ".join([*kept, part])) > SEARCH_CHARACTERS:
            break
        if words:
            kept.append(part)
            count += words
    return " ".join(kept)


async def not_a_figure_page(datasette, request):
    """/figure/<text no figure id can be> (a slash, a space, a ~-escape): the "not a figure"
    page, a 404 that says what an id looks like and offers a search for the text, where Datasette
    answered "Database not found". /figure itself leads to the figures."""
    text = request.url_vars.get("text") or ""
    if not text.strip("/"):
        return Response.redirect(datasette.urls.table(config(datasette)["database"], "figures"))
    # A figure's own id with a slash after it is that figure, as every other page's is.
    if text.endswith("/") and FIGURE_PAGE_ID.fullmatch(text.rstrip("/")):
        query = f"?{request.query_string}" if request.query_string else ""
        return Response.redirect(datasette.urls.path(f"figure/{text.rstrip('/')}") + query)
    # The route matches the path as sent: its %-escapes are still in it.
    return await figure_gone(datasette, request, database(datasette), unquote(text, errors="replace"))


async def figure_page(datasette, request):
    figure_id = request.url_vars["figure_id"]
    db = database(datasette)
    found = await rows(
        db,
        """
        SELECT f.*, p.name AS platform_name, j.name AS jurisdiction_name,
               m.label AS metric_label, m.definition AS metric_definition,
               r.label AS request_type_label, r.definition AS request_type_definition,
               s.title AS source_title, s.publisher AS source_publisher, s.url AS source_url,
               s.kind AS source_kind, s.published_date AS source_published, s.licence AS source_licence,
               s.retrieved_date AS source_retrieved, s.archived_url AS source_archived,
               t.rank AS tier_rank, t.label AS tier_label, t.definition AS tier_definition,
               fr.statement AS freshness
        FROM figures f
        JOIN platforms p USING (platform_id) JOIN jurisdictions j USING (jurisdiction_id)
        JOIN metrics m USING (metric_id) JOIN request_types r USING (request_type_id)
        JOIN source_tiers t ON t.tier_id = f.source_tier
        LEFT JOIN freshness fr ON fr.platform_id = f.platform_id
        LEFT JOIN sources s USING (source_id)
        WHERE f.figure_id = ?""",
        [figure_id],
    )
    if not found:
        return await figure_gone(datasette, request, db, figure_id)
    context = {
        "figure": found[0],
        "citation": await figure_citation(datasette, request, db, figure_id),
        "inputs": await rows(
            db,
            """
            SELECT i.input_figure_id, i.sign, f.value_text, f.period_label, f.period_start, f.period_end, f.source_id,
                   f.platform_wording, s.title AS source_title, s.publisher AS source_publisher,
                   s.licence AS source_licence
            FROM figure_inputs i JOIN figures f ON f.figure_id = i.input_figure_id
            LEFT JOIN sources s ON s.source_id = f.source_id
            WHERE i.figure_id = ? ORDER BY i.sign DESC, i.input_figure_id""",
            [figure_id],
        ),
        # The other figures of the same record: same platform, jurisdiction, period and request
        # type, another metric (requests fulfilled and users affected of one bot answer).
        "twins": await rows(
            db,
            """
            SELECT t.figure_id, t.metric_id, t.value_kind, t.value, t.value_text, t.is_derived, m.label AS metric_label
            FROM figures t
            JOIN metrics m USING (metric_id) JOIN figures f ON f.figure_id = ?
            WHERE t.platform_id = f.platform_id AND t.jurisdiction_id = f.jurisdiction_id
              AND t.period_start = f.period_start AND t.period_end = f.period_end
              AND t.request_type_id = f.request_type_id AND t.figure_id <> f.figure_id
            ORDER BY t.is_derived, m.label, t.figure_id""",
            [figure_id],
        ),
        "used_in": [
            r["figure_id"]
            for r in await rows(
                db, "SELECT figure_id FROM figure_inputs WHERE input_figure_id = ? ORDER BY figure_id", [figure_id]
            )
        ],
        "disagreements": await rows(
            db,
            """
            SELECT d.*, s.title AS source_title, s.url AS source_url FROM disagreements d
            JOIN sources s USING (source_id) WHERE d.figure_id = ? ORDER BY d.disagreement_id""",
            [figure_id],
        ),
        # A derived figure rests on its inputs: where a source questions an input's value (another
        # value, a typo, parts that do not add up), so is the derived one (Naver's 2020 warrants:
        # one half is a suspected digit swap; the year showed none). A press slip about the same
        # number ("received" for "fulfilled", rounded, swapped) leaves the value as it is.
        "input_disagreements": await rows(
            db,
            """
            SELECT d.*, s.title AS source_title, s.url AS source_url, g.value_text AS kept_value_text,
                   g.period_start AS kept_period_start, g.period_end AS kept_period_end
            FROM figure_inputs i JOIN disagreements d ON d.figure_id = i.input_figure_id
            JOIN figures g ON g.figure_id = i.input_figure_id JOIN sources s ON s.source_id = d.source_id
            WHERE i.figure_id = ? AND d.kind IN ('different_value', 'typo', 'inconsistent_parts') ORDER BY g.period_start, d.figure_id, d.disagreement_id""",
            [figure_id],
        ),
        # A source that dated a number to the wrong period has its disagreement recorded on the
        # figure kept (the full-year 900 of Telegram's 2024), but its claim may be about this one
        # (Oct–Dec 2024). disagreements.csv records no claimed period apart from the source's own
        # words, so the page lists the wrong_period disagreements of every other figure of the
        # same platform, jurisdiction and request type whose period overlaps this one, says
        # where each is recorded, and leaves the reading to the claimed text.
        "overlapping_disagreements": await rows(
            db,
            """
            SELECT d.*, s.title AS source_title, s.url AS source_url, o.value_text AS kept_value_text,
                   o.period_start AS kept_period_start, o.period_end AS kept_period_end, m.label AS kept_metric_label
            FROM figures f
            JOIN figures o ON o.platform_id = f.platform_id AND o.jurisdiction_id = f.jurisdiction_id
              AND o.request_type_id = f.request_type_id AND o.figure_id <> f.figure_id
              AND o.period_start <= f.period_end AND f.period_start <= o.period_end
            JOIN disagreements d ON d.figure_id = o.figure_id AND d.kind = 'wrong_period'
            JOIN sources s ON s.source_id = d.source_id JOIN metrics m ON m.metric_id = o.metric_id
            WHERE f.figure_id = ? ORDER BY o.period_start, o.period_end, o.figure_id, d.disagreement_id""",
            [figure_id],
        ),
        # The same count over some of the same days: Telegram's full year 2024 (900) holds its
        # January–September (14), and a reader who adds the two counts those days twice. Only
        # the wrong-period disagreements above hinted at it, and only where a source erred.
        "overlapping": await rows(
            db,
            """
            SELECT o.figure_id, o.value_text, o.is_derived, o.period_start, o.period_end,
                   CASE WHEN o.period_start <= f.period_start AND o.period_end >= f.period_end THEN 'contains'
                        WHEN o.period_start >= f.period_start AND o.period_end <= f.period_end THEN 'within'
                        ELSE 'partly' END AS relation
            FROM figures f
            JOIN figures o ON o.platform_id = f.platform_id AND o.jurisdiction_id = f.jurisdiction_id
              AND o.request_type_id = f.request_type_id AND o.metric_id = f.metric_id
              AND o.figure_id <> f.figure_id
              AND o.period_start <= f.period_end AND f.period_start <= o.period_end
            WHERE f.figure_id = ? ORDER BY o.period_start, o.period_end DESC, o.is_derived, o.figure_id""",
            [figure_id],
        ),
        # Oldest first, so the last row gives the value shown (validation requires that chain).
        "corrections": await rows(
            db,
            f"""
            SELECT c.*, {released_in("c.correction_id")} AS released_in, s.title AS source_title,
              s.url AS source_url FROM corrections c
            LEFT JOIN sources s USING (source_id) WHERE c.figure_id = ?
            ORDER BY c.corrected_date, c.correction_id""",
            [figure_id],
        ),
        "corroborations": await rows(
            db,
            """
            SELECT c.*, s.title AS source_title, s.url AS source_url, t.label AS tier_label FROM corroborations c
            JOIN sources s USING (source_id) JOIN source_tiers t ON t.tier_id = s.tier
            WHERE c.figure_id = ? ORDER BY t.rank, c.source_id""",
            [figure_id],
        ),
    }
    # /chart draws only the exact figures of figures_series: for a series of bands or unreported
    # values (Google's National Security Letters) it drew another request type or metric in its
    # place, which the "Over time" link would have offered as this figure's series.
    context["charted"] = bool(
        await rows(
            db,
            """
            SELECT 1 FROM figures_series s JOIN figures f ON f.figure_id = ?
            WHERE s.platform_id = f.platform_id AND s.jurisdiction_id = f.jurisdiction_id
              AND s.request_type_id = f.request_type_id AND s.metric_id = f.metric_id
              AND s.value_kind = 'exact' LIMIT 1""",
            [figure_id],
        )
    )
    # A wrong period recorded on an input that overlaps this figure (Telegram's full year, for its
    # Q4) is listed once, with the overlapping figures' own.
    shown = {d["disagreement_id"] for d in context["overlapping_disagreements"]}
    context["input_disagreements"] = [d for d in context["input_disagreements"] if d["disagreement_id"] not in shown]
    # /figure/<id>?foo=1 showed the figure without a word, where its row's page and JSON answer 400;
    # and so did ?_shape=nope, though not ?_shape=object, which its JSON (its row's) answers.
    context["not_applied"] = unread_parameters(
        args_as_sent(request.query_string),
        (),
        refused=lambda key, value: key == "_shape" and bool(shape_problem(value)),
    )
    return Response.html(await datasette.render_template("figure.html", context, request=request))


async def figure_citation(datasette, request, db, figure_id: str) -> dict:
    """What a figure page's "How to cite" says: the dataset (title, version, content hash,
    licences), the latest release and whether it is the data shown, the newest release that
    carried this id with its value there (release_changes), and the page's address on the
    public site (``site_url``, the package's homepage) whatever address this copy is browsed at."""
    dataset = await dataset_context(datasette)
    release = (
        await rows(
            db,
            """SELECT r.version, r.date, d.release_state AS state FROM releases r
               JOIN dataset d ON d.latest_release = r.version""",
        )
        or [None]
    )[0]
    carried = (await rows(db, CARRIED_SQL, [figure_id]) or [None])[0]
    if carried is None:
        # Refiled: a correction removed the id a release carried and names this one in its reason
        # (Cloudflare's 2013 accounts, released under accounts_specified, now accounts_counted).
        for former in await rows(db, REFILED_FROM_SQL, [figure_id]):
            if figure_id in FIGURE_ID_IN_TEXT.findall(former["reason"] or ""):
                carried = (await rows(db, CARRIED_SQL, [former["figure_id"]]) or [None])[0]
                if carried is not None:
                    carried = {**carried, "former_id": former["figure_id"], "correction_id": former["correction_id"]}
                    break
    path = datasette.urls.path(f"figure/{figure_id}")
    site_url = (datasette.plugin_config("platform-disclosures") or {}).get("site_url")
    url = (
        site_url.rstrip("/") + path
        if isinstance(site_url, str) and site_url.startswith(("https://", "http://"))
        else datasette.absolute_url(request, path)
    )
    current = bool(release and release["state"] == "released" and release["version"] == dataset.get("version"))
    return {"dataset": dataset, "release": release, "current": current, "carried": carried, "url": url}


async def figure_gone(datasette, request, db, figure_id: str) -> Response:
    """The answer for an id that names no figure. An id a correction removed or refiled
    (Cloudflare's 2013 accounts, now under accounts_counted), or that a release carried, answers
    410 Gone with the correction's reason, a link to every figure it names and the releases
    that carried it. A derived figure's id (``-derived``) whose period a source reports leads to
    the reported figure: under 410 when a release carried it, else under 404, since nothing
    shows that the build ever derived it. A released derived id whose inputs corrections all
    refiled leads to the figure the build derives from the ids they became (410). The id of a period no source reports, without
    ``-derived``, leads to the figure the build derives for it (404). A citation of any of them
    still leads somewhere. Any other id: 404."""
    corrections = await rows(
        db,
        f"""
        SELECT c.*, {released_in("c.correction_id")} AS released_in, s.title AS source_title,
          s.url AS source_url FROM corrections c
        LEFT JOIN sources s USING (source_id) WHERE c.figure_id = ? AND (c.new_value IS NULL OR c.new_value = '')
        ORDER BY c.corrected_date, c.correction_id""",
        [figure_id],
    )
    reported = None
    if figure_id.endswith(DERIVED_SUFFIX):
        reported = (
            await rows(
                db,
                "SELECT figure_id, value_text FROM figures WHERE figure_id = ? AND is_derived = 0",
                [figure_id[: -len(DERIVED_SUFFIX)]],
            )
            or [None]
        )[0]
    # The reverse: the id of a period no source reports, written as the README's id scheme makes it
    # (telegram-usa-2024q4-...), names the figure the build derives for it under "-derived": the
    # page said "no record says one was" of a period the dataset holds, 886 for that one.
    derived = None
    if not figure_id.endswith(DERIVED_SUFFIX):
        derived = (
            await rows(
                db,
                "SELECT figure_id, value_text FROM figures WHERE figure_id = ? AND is_derived = 1",
                [figure_id + DERIVED_SUFFIX],
            )
            or [None]
        )[0]
    released = [r["version"] for r in await rows(db, RELEASED_SQL, [figure_id])]
    # A derived id a release carried whose inputs were all refiled: the figure the build derives
    # from the ids they became (Discord's 2022 year sums, released as all, now legal_process).
    in_place = None
    if released and reported is None and figure_id.endswith(DERIVED_SUFFIX):
        in_place = await derived_in_place(db, figure_id)
    # The newest release that carried it, with its value there, and the release that removed it:
    # the page said the release "still has it" where this server may not hold that release's files.
    carried = (await rows(db, CARRIED_SQL, [figure_id]) or [None])[0]
    if carried is not None:
        carried["served"] = downloads_folder(datasette, carried["version"]) is not None
    removed_in = (await rows(db, REMOVED_IN_SQL, [figure_id]) or [None])[0]
    if not corrections and not released and reported is None and derived is None:
        # A page of its own, not Datasette's bare "Not found": where to look instead.
        context = {"figure_id": figure_id, "status": 404, "unknown": True, "search": search_text_of(figure_id)}
        return Response.html(await datasette.render_template("figure_gone.html", context, request=request), status=404)
    named = sorted({word for c in corrections for word in FIGURE_ID_IN_TEXT.findall(c["reason"] or "")})
    named_figures = []
    if named:
        marks = ", ".join("?" for _ in named)
        named_figures = await rows(
            db, f"SELECT figure_id, value_text FROM figures WHERE figure_id IN ({marks}) ORDER BY figure_id", named
        )
    status = 410 if corrections or released else 404
    context = {
        "figure_id": figure_id,
        "corrections": corrections,
        "reported": reported,
        "derived": derived,
        "in_place": in_place,
        "named": named_figures,
        "released": released,
        "carried": carried,
        "removed_in": removed_in,
        "status": status,
    }
    return Response.html(await datasette.render_template("figure_gone.html", context, request=request), status=status)


# The newest release that carried a figure id (of _releases.RELEASED_SQL's, oldest first).
CARRIED_SQL = f"SELECT * FROM ({RELEASED_SQL}) ORDER BY date DESC, {version_order('version', descending=True)} LIMIT 1"
# The release whose changes removed a figure id, the newest if it came back and went again.
REMOVED_IN_SQL = f"""SELECT c.version FROM release_changes c JOIN releases r USING (version)
  WHERE c.figure_id = ? AND c.change = 'removed' ORDER BY r.date DESC, {version_order("c.version", descending=True)} LIMIT 1"""
# The corrections that removed an id and whose reason may name another (instr: ids hold "_",
# LIKE's wildcard), newest first; the reason's ids are then matched whole.
REFILED_FROM_SQL = """SELECT figure_id, correction_id, reason FROM corrections
  WHERE (new_value IS NULL OR new_value = '') AND instr(reason, ?) > 0 ORDER BY corrected_date DESC, correction_id"""


# A derived figure's id: the id its period would have if reported, and this suffix.
DERIVED_SUFFIX = "-derived"


@hookimpl
def register_routes():
    return [
        (r"^/$", home_page),
        (rf"^/figure/(?P<figure_id>{FIGURE_PAGE_ID.pattern})$", figure_page),
        (r"^/figure(?:/(?P<text>.*))?$", not_a_figure_page),
        (r"^/changes$", changes_page),
        (r"^/feed\.atom$", feed),
    ]


def script_json(data) -> markupsafe.Markup:
    """JSON safe inside a <script> element: < > & and the JS line separators written as \\u escapes,
    so no text in the data (``</script>``, ``<!--<script>``) can end or re-parse the block."""
    text = json.dumps(data, ensure_ascii=False)
    for char, escape in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return markupsafe.Markup(text)


def http_url(value) -> str:
    """``value`` when it is an absolute http(s) URL, else "": the templates link nothing else."""
    if isinstance(value, str) and value.lower().startswith(("http://", "https://")) and len(value) > 8:
        return value
    return ""


def code_spans(text) -> markupsafe.Markup:
    """``text`` escaped, each `name` between backticks (as CHANGELOG.md writes a table's or a
    column's) as <code>name</code>: a release's table changes read as its CHANGELOG.md does."""
    parts = markupsafe.escape(text if isinstance(text, str) else "").split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: the text as written
        return markupsafe.escape(text)
    return markupsafe.Markup("").join(
        markupsafe.Markup("<code>{}</code>").format(part) if n % 2 else part for n, part in enumerate(parts)
    )


def quoted_lines(text) -> list[str]:
    """The lines of a quoted text, each to be shown as a quote of its own. A cell of the package
    holds no line break: the curator writes one as ¶ (rules.cell_problems), so a disagreement
    quoting two rows of a file (two JSON arrays, two CSV lines) was one quote with a ¶ inside it,
    which read as a character of the source's."""
    if not isinstance(text, str):
        return []
    return [line.strip() for line in text.split("¶") if line.strip()]


# A full stop that ends a sentence: after a lower-case word, a number, a bracket or a quote, and
# not a one-letter abbreviation's ("e.g."); "U.S." ends no sentence ("non-U.S. requests").
SENTENCE_END = re.compile(r"(?<![.\s]\w)(?<=[a-z0-9)'\"’])\.(?= )")


def notes_opening(text: str, length: int) -> str:
    """The opening of a long text, at most ``length`` characters: up to its last full sentence if
    that ends in the second half, else its last whole word and "…". Cut at a word, Google's notes
    opened with "… The bulk CSV has no worldwide row. The…", Apple's with "(searched on…"."""
    window = text[: length - 1]
    ends = [m.end() for m in SENTENCE_END.finditer(window)]
    if ends and ends[-1] >= length // 2:
        return window[: ends[-1]]
    return window.rsplit(" ", 1)[0] + "…"


# A changelog's value token (disclosures/vocabulary.py, value_token): 900, 81.5, 0-499, <500,
# withheld, not_reported.
NUMBER_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)?")
BAND_TOKEN = re.compile(r"([0-9]+(?:\.[0-9]+)?)-([0-9]+(?:\.[0-9]+)?)")


def token_text(token: str | None, unit: str | None = None) -> str:
    """A changelog's value token as the site writes the figure's value (vocabulary.value_text):
    "26160" of a count is 26,160, "52" of a percent 52%, "0-499" is 0–499, "<500" fewer than
    500, "not_reported" not reported. Without a unit (a figure the data no longer holds), numbers
    get their separators only. Anything else is shown as it is."""
    if not token:
        return ""

    def number(text: str) -> str:
        if unit in (None, "count") and text.isdigit():
            return f"{int(text):,}"
        return text

    if NUMBER_TOKEN.fullmatch(token):
        return number(token) + ("%" if unit == "percent" else "")
    band = BAND_TOKEN.fullmatch(token)
    if band:
        return f"{number(band.group(1))}–{number(band.group(2))}"
    if token.startswith("<") and NUMBER_TOKEN.fullmatch(token[1:]):
        return f"fewer than {number(token[1:])}"
    return {"not_reported": "not reported"}.get(token, token)


@hookimpl
def prepare_jinja2_environment(env, datasette):
    # Every page's footer (templates/_footer.html) names the data's licence and source. Datasette's
    # footer read them from the metadata a view passes: a canned query's own, the site's routes and
    # every error page (which Datasette renders without the plugins' template variables) passed
    # none, and said only "Powered by Datasette". The instance's metadata is the same on every page.
    env.globals["site_footer"] = {key: datasette.metadata(key) for key in FOOTER_METADATA}
    # Row URLs need the primary key encoded the way Datasette decodes it.
    env.filters["tilde_encode"] = tilde_encode
    env.filters["http_url"] = http_url
    env.filters["quoted_lines"] = quoted_lines
    env.filters["notes_opening"] = notes_opening
    env.filters["code_spans"] = code_spans
    env.filters["token_text"] = token_text
    # Every date a page shows, unbreakable: {{ release.date|dates }} (plugins/_dates.py).
    env.filters["dates"] = marked_dates
