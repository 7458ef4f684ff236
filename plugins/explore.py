"""Explore and compare: a page per country and per platform, a chart for any series, /compare, the Telegram map.

Every page reads the served database only (the build's tables and views: figures, figures_series,
coverage, events, platforms, jurisdictions, metrics, request_types, dataset, and, once the build
writes them, platform_freshness and sources.tier). Charts draw only from ``figures_series``, the
build's non-overlapping series, and each chart's CSV twin is the same selection of that view
through Datasette's own table export, so the download is exactly what the chart shows.

Pure helpers (``period_name``, ``headline_request_type``, ``compare_flags``, ``chart_query``) are
importable and tested on their own.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlencode, urljoin

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

# plugins/ is no package: what its plugins share (plugins/_badges.py) is found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _badges import derived_badge
from _near_codes import ALPHA3_SQL, did_you_mean, jurisdiction_id_of, named_jurisdictions_problem
from _responses import error_json, error_response, name_as_sent
from _table_options import PAGE_OPTIONS, nameless_problem, unapplied_option
from _unread import args_as_sent
from _unread import unread_parameters as unread

PLUGIN = "platform-disclosures"
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Count metrics charted together on a country or platform page (one unit, one axis).
HEADLINE_COUNTS = ("requests_received", "requests_fulfilled", "accounts_specified", "accounts_affected")
# Shares, each on a chart of its own: a fraction (0 to 1) never shares an axis with a percentage.
HEADLINE_SHARES = ("percent_requests_some_data", "fraction_requests_some_data")
# Counts of a part of a platform's requests or accounts, given beside them and never one of their
# outcomes (Zoom's U.S. requests with a delayed-notice order; Dropbox's and Pinterest's notices): a
# page names the whole first, and ranks a platform's top countries by the whole, never by such a
# part. Zoom's delayed-notice count, reported for one half-year more than its requests processed,
# would otherwise rank its countries and title its page's first chart, as its count with the most points.
PART_COUNTS = ("requests_delayed_notice_order", "requests_users_notified", "accounts_notified")
# The order in which a page's charts of a platform's other metrics come, one chart per unit: a
# platform that reports none of the headline metrics (Zoom's "requests processed") is still drawn.
UNIT_ORDER = ("count", "percent", "fraction")
# When a platform reports several request types for a country, the one its headline chart uses.
PREFERRED_REQUEST_TYPES = ("all", "consumer_services", "ip_or_phone", "legal_process")
# A request type whose series ends this long before the platform's newest (in one jurisdiction)
# is not its headline: two years, four half-year reports.
HEADLINE_STALE_DAYS = 2 * 366
TOP_COUNTRIES = 5
# A compared figure whose period ended this long before the newest one in its row is flagged stale.
STALE_AFTER_DAYS = 365
# EU DSA Art. 10 orders: a separate regime with a freshness of its own (the build's
# disclosures.freshness.DSA_REQUEST_TYPES; a test keeps the two equal, as the site imports nothing
# from the pipeline).
DSA_REQUEST_TYPES = ("dsa_information_order",)
# The columns of a chart's CSV twin, in this order.
CHART_COLUMNS = (
    "figure_id",
    "platform_id",
    "jurisdiction_id",
    "request_type_id",
    "metric_id",
    "period_start",
    "period_end",
    "period_label",
    "value",
    "unit",
    "is_derived",
)
UNIT_AXIS = {
    "count": "number in the period",
    "percent": "% (as the platform publishes it)",
    "fraction": "share from 0 to 1 (as the platform publishes it)",
}
# A chart of counts whose largest value is at least this many times its smallest has a
# logarithmic value axis (value_axis).
LOG_SPAN = 100


def value_axis(unit: str, values: list) -> str:
    """How a chart's value axis is scaled: "log" for counts of 1 or more whose largest is at least
    LOG_SPAN times their smallest, else "linear". On a linear axis Telegram's 14 U.S. requests lay
    on the zero line under India's 12,000. A zero keeps the axis linear (a log axis cannot draw
    it, and it is not left out), as do percentages and fractions, whose axes have fixed bounds.
    The chart's JSON carries it, and static/series-chart.js draws by it."""
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if unit != "count" or not numbers or min(numbers) < 1:
        return "linear"
    return "log" if max(numbers) / min(numbers) >= LOG_SPAN else "linear"


def config(datasette) -> dict:
    return datasette.plugin_config(PLUGIN) or {}


def database_name(datasette) -> str:
    return config(datasette).get("database", "disclosures")


async def rows(db, sql: str, params=()) -> list[dict]:
    return [dict(r) for r in (await db.execute(sql, params)).rows]


async def has_table(db, name: str) -> bool:
    return bool(await rows(db, "SELECT 1 FROM sqlite_master WHERE name = ?", [name]))


async def has_column(db, table: str, column: str) -> bool:
    return any(r["name"] == column for r in await rows(db, "SELECT name FROM pragma_table_info(?)", [table]))


# Pure helpers ---------------------------------------------------------------------------------


def period_name(start: str, end: str) -> str:
    """A reader's name for an inclusive ISO period: "2024", "H1 2025", "Q4 2024", "July 2025",
    "January–September 2024", "November 2014–February 2015", else "2024-01-15 to 2024-02-14".

    The same names as the build's ``disclosures.rules.period_name`` (which the search index uses;
    a test keeps the two equal): the site imports nothing from the pipeline.
    """
    s, e = date.fromisoformat(start), date.fromisoformat(end)
    whole_months = s.day == 1 and (e + timedelta(days=1)).day == 1 and s <= e
    if not whole_months:
        return f"{s.isoformat()} to {e.isoformat()}"
    months = (e.year - s.year) * 12 + e.month - s.month + 1
    if s.year == e.year:
        if months == 12:
            return str(s.year)
        if months == 6 and s.month in (1, 7):
            return f"H{1 if s.month == 1 else 2} {s.year}"
        if months == 3 and s.month in (1, 4, 7, 10):
            return f"Q{(s.month - 1) // 3 + 1} {s.year}"
        if s.month == e.month:
            return f"{MONTHS[s.month - 1]} {s.year}"
        return f"{MONTHS[s.month - 1]}–{MONTHS[e.month - 1]} {s.year}"
    return f"{MONTHS[s.month - 1]} {s.year}–{MONTHS[e.month - 1]} {e.year}"


def headline_request_type(
    counts: dict[str, int], newest: dict[str, str] | None = None, *, regimes_apart: bool = False
) -> str | None:
    """The request type a headline chart uses, from {request_type_id: number of series points}
    and {request_type_id: its newest period_end (ISO date)}: the first of
    PREFERRED_REQUEST_TYPES, else the one with the most points, among the request types whose
    series reaches within HEADLINE_STALE_DAYS of the newest. (Google's "all requests" ends in
    2017, in press articles; its legal-process series runs on: the chart showed the old one.)
    With ``regimes_apart``, within HEADLINE_STALE_DAYS of the newest of its own regime (EU DSA
    orders or the global reports), as a platform's own page judges its top countries."""
    if not counts:
        return None
    if newest:

        def regime(request_type: str) -> bool:
            return regimes_apart and request_type in DSA_REQUEST_TYPES

        latest: dict[bool, date] = {}
        for r in counts:
            end = date.fromisoformat(newest[r])
            latest[regime(r)] = max(latest.get(regime(r), end), end)
        current = {
            r: n
            for r, n in counts.items()
            if (latest[regime(r)] - date.fromisoformat(newest[r])).days <= HEADLINE_STALE_DAYS
        }
        counts = current or counts
    for preferred in PREFERRED_REQUEST_TYPES:
        if preferred in counts:
            return preferred
    return sorted(counts, key=lambda r: (-counts[r], r))[0]


def default_request_type(
    counts: dict[str, int],
    newest: dict[str, str] | None = None,
    main: str | None = None,
    having: set | None = None,
    everywhere: set | None = None,
) -> str | None:
    """The request type /chart draws when the address names none, from ``headline_request_type``'s
    {request_type_id: number of series points} and newest periods: the platform's main series
    (platform_freshness.main_request_type_id, ``main``) when the selection has it; else the headline
    among the global reports' request types; EU DSA orders, a separate regime, only when the
    selection has nothing else (X's Germany opened on them, where X's global reports have Germany
    too). ``having``: the request types with a series of every metric asked, to which the choice is
    kept when there are any (a metric asked is drawn, not refused for the request type chosen).
    ``everywhere``: the request types with a series in every jurisdiction drawn, to which the choice
    is then kept when there are any (Google's main series, legal process requests, has Korea and
    not the United States: KOR beside USA drew Korea's line alone, where "all requests" has both)."""
    for kept in (having, everywhere):
        if kept:
            counts = {r: n for r, n in counts.items() if r in kept} or counts
    if main in counts:
        return main
    global_reports = {r: n for r, n in counts.items() if r not in DSA_REQUEST_TYPES}
    return headline_request_type(global_reports or counts, newest)


def charted_series(found: list[dict], metrics: tuple[str, ...]) -> list[dict]:
    """The series a page's charts choose from, from rows with a metric_id: those of ``metrics``
    (the headline ones) when there are any, else all of them. A platform whose only series are of
    other metrics (Zoom's "requests processed") had no chart on its page, however many periods it
    reported."""
    headline = [r for r in found if r["metric_id"] in metrics]
    return headline or found


def metric_groups(present: dict[str, str]) -> list[list[str]]:
    """The metrics of one request type a headline chart draws together, from {metric_id: unit}:
    the headline counts on one chart, then each headline share on its own; a platform with none
    of those gets its own metrics, one chart per unit (counts never on one axis with shares)."""
    headline = [m for m in HEADLINE_COUNTS if m in present]
    shares = [[m] for m in HEADLINE_SHARES if m in present]
    if headline or shares:
        return ([headline] if headline else []) + shares
    by_unit = {
        unit: sorted((m for m, u in present.items() if u == unit), key=lambda m: (m in PART_COUNTS, m))
        for unit in UNIT_ORDER
    }
    return [by_unit[unit] for unit in UNIT_ORDER if by_unit[unit]]


def shown_value(value, unit: str) -> str:
    """A stored value as the comparison shows it: counts with separators, fractions as percentages.

    The stored value is never changed; only its display is.
    """
    if value is None:
        return ""
    if unit == "fraction":
        return f"{value * 100:,.1f}%".replace(".0%", "%")
    if unit == "percent":
        return f"{value:,}%"
    return f"{value:,}"


def compare_flags(cells: list[dict]) -> list[dict]:
    """Flag each compared figure of one metric and request type that needs attention in its row.

    ``cells``: dicts with platform_name, period_start, period_end, unit. Returns the same dicts with
    ``flags``: a list of {"kind", "text", "detail"}, where kind is "stale" (ends more than
    STALE_AFTER_DAYS before the newest figure in the row) or "unit" (a fraction shown as a
    percentage). Periods that differ are said once for the row (``period_note``): on most rows
    they do, and a flag on every figure buried the ones that need attention.
    """
    newest = max((c["period_end"] for c in cells), default=None)
    for cell in cells:
        flags = []
        age = (date.fromisoformat(newest) - date.fromisoformat(cell["period_end"])).days
        if age > STALE_AFTER_DAYS:
            flags.append(
                {"kind": "stale", "text": f"stale: ends {age // 30} months before the newest figure here", "detail": ""}
            )
        if cell["unit"] == "fraction":
            flags.append(
                {"kind": "unit", "text": "published as a fraction from 0 to 1; shown as a percentage", "detail": ""}
            )
        cell["flags"] = flags
    # A figure covering another length of time than most of its row (a year among halves) is
    # flagged on its own: the row's note that periods differ did not stop a reader setting
    # Snapchat's 2025 total beside Google's first half.
    lengths = Counter(period_length(c["period_start"], c["period_end"]) for c in cells)
    ranked = lengths.most_common()
    if len(ranked) > 1 and ranked[0][1] > 1 and ranked[0][1] > ranked[1][1]:
        usual = ranked[0][0]
        for cell in cells:
            length = period_length(cell["period_start"], cell["period_end"])
            if length != usual:
                cell["flags"].append(
                    {"kind": "length", "text": f"covers {length}; most figures here cover {usual}", "detail": ""}
                )
    return cells


def period_length(start: str, end: str) -> str:
    """How long an inclusive period is, as a reader says it: "a year", "a half", "a quarter", or
    "N months" (ISO dates; a period of whole months counts them, any other its days)."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    after = last + timedelta(days=1)
    if first.day == 1 and after.day == 1:
        months = (after.year - first.year) * 12 + after.month - first.month
        return {12: "a year", 6: "a half", 3: "a quarter", 1: "a month"}.get(months, f"{months} months")
    return f"{(last - first).days + 1} days"


def period_note(cells: list[dict]) -> dict | None:
    """{"text", "detail"} saying once that a row's figures cover different periods, or None when they agree.

    ``cells``: dicts with platform_name, period_start, period_end. ``detail`` lists each period
    (oldest first) with the platforms that have it.
    """
    periods: dict[tuple[str, str], list[str]] = {}
    for c in cells:
        names = periods.setdefault((c["period_start"], c["period_end"]), [])
        if c["platform_name"] not in names:
            names.append(c["platform_name"])
    if len(periods) < 2:
        return None
    detail = "; ".join(
        f"{period_name(start, end)}: {', '.join(sorted(names))}" for (start, end), names in sorted(periods.items())
    )
    return {"text": f"These figures cover {len(periods)} different periods: compare with care", "detail": detail}


def chart_query(platform: str, jurisdictions: list[str], request_type: str, metrics: list[str]) -> list[tuple]:
    """Datasette table filters that select exactly one chart's points from figures_series."""

    def one_or_many(column, values):
        return (column, values[0]) if len(values) == 1 else (f"{column}__in", ",".join(values))

    return [
        ("platform_id", platform),
        one_or_many("jurisdiction_id", jurisdictions),
        ("request_type_id", request_type),
        one_or_many("metric_id", metrics),
    ]


# Charts ---------------------------------------------------------------------------------------


class BadSelection(ValueError):
    """A chart selection the site cannot draw honestly (e.g. two units on one axis)."""


async def dataset_row(db) -> dict:
    found = await rows(
        db,
        """SELECT d.version, d.release_state, d.content_hash, d.licenses, r.date AS release_date FROM dataset d
           LEFT JOIN releases r ON r.version = d.latest_release""",
    )
    if found:
        return found[0]
    return {
        "version": "unversioned",
        "release_state": "unreleased",
        "content_hash": None,
        "licenses": None,
        "release_date": None,
    }


def cited_terms(dataset: dict, sources: list[dict]) -> str:
    """The licence of the data and who the charted figures come from, with the licence of each
    source that has one: "Creative Commons Attribution 4.0 (the data); figures from Google." A
    chart's PNG goes on alone, and Te-k's compilation behind Telegram's lines is CC-BY-4.0 too,
    so its image must name Te-k, not only this dataset."""
    titles = [entry.get("title") or entry.get("name") for entry in json.loads(dataset.get("licenses") or "[]")]
    parts = ["; ".join(t for t in titles if t)] if any(titles) else []
    named = [f"{s['publisher']}, {s['licence']}" if s["licence"] else s["publisher"] for s in sources]
    if named:
        parts.append("figures from " + "; ".join(named))
    return "; ".join(parts)


def chart_citation(version: str, title: str, terms: str, url: str) -> str:
    """A chart's citation, each part a sentence: "Platform Disclosures, version 1.1.0 (2026-12-04):
    <title>. <terms>. <url>". A publisher's name that ends with its own full stop ("Snap Inc.",
    "X Corp.", "Amazon EU S.a r.l.") ends the terms as it is: a second stop read "Snap Inc.."."""
    terms = f"{terms} " if terms.endswith(".") else f"{terms}. " if terms else ""
    return f"Platform Disclosures, {version}: {title}. {terms}{url}"


def cited_version(dataset: dict) -> str:
    """How a citation names the data: "version 0.1.0 (2026-11-28)" once released; before, the
    version is not yet fixed, so the content hash of every input file names it, as the home and
    figure pages' citations do: "version 1.0.0 (unreleased), content sha256:…"."""
    if dataset["release_state"] == "released":
        return f"version {dataset['version']} ({dataset['release_date']})"
    content = f", content {dataset['content_hash']}" if dataset.get("content_hash") else ""
    return f"version {dataset['version']} (unreleased){content}"


def line_breaks(series: list[dict]) -> list[dict]:
    """The stretches between two figures of one line that no figure of it covers, grouped by
    stretch, oldest first: {"period_start", "period_end", "period", "lines": [labels]}. Germany's
    Meta line held H1 2014 and then H1 2022 alone, and the chart showed seven empty years with
    nothing saying whether Meta reported nothing, zero, or this dataset holds no figure."""
    gaps: dict[tuple[str, str], list[str]] = {}
    for s in series:
        ordered = sorted(s["points"], key=lambda p: p["period_start"])
        for before, after in pairwise(ordered):
            start = date.fromisoformat(before["period_end"]) + timedelta(days=1)
            end = date.fromisoformat(after["period_start"]) - timedelta(days=1)
            if start <= end:
                gaps.setdefault((start.isoformat(), end.isoformat()), []).append(s["label"])
    return [
        {"period_start": start, "period_end": end, "period": period_name(start, end), "lines": lines}
        for (start, end), lines in sorted(gaps.items())
    ]


async def chart(datasette, request, *, platform, jurisdictions, request_type, metrics, title) -> dict | None:
    """One chart: its series (one per jurisdiction and metric), events, CSV twin and citation.

    Returns None when the selection has no points. Raises BadSelection when the selected metrics
    have different units.
    """
    db = datasette.get_database(database_name(datasette))
    filters = chart_query(platform, jurisdictions, request_type, metrics)
    marks = ",".join("?" * len(jurisdictions)), ",".join("?" * len(metrics))
    points = await rows(
        db,
        f"""SELECT s.*, j.name AS jurisdiction_name, m.label AS metric_label
            FROM figures_series s JOIN jurisdictions j USING (jurisdiction_id) JOIN metrics m USING (metric_id)
            WHERE s.platform_id = ? AND s.jurisdiction_id IN ({marks[0]}) AND s.request_type_id = ?
              AND s.metric_id IN ({marks[1]})
            ORDER BY s.jurisdiction_id, s.metric_id, s.period_start""",
        [platform, *jurisdictions, request_type, *metrics],
    )
    if not points:
        return None
    units = {p["unit"] for p in points}
    if len(units) > 1:
        # Each metric with its unit, so that a reader knows which to leave out.
        named = sorted({(p["unit"], p["metric_label"]) for p in points})
        raise BadSelection(
            f"the selected metrics mix units: {', '.join(f'{label} ({unit})' for unit, label in named)}; "
            "a chart has one unit on its axis: keep the metrics of one unit selected and draw again"
        )
    unit = units.pop()
    # What one line stands for, which its label names; the chart gives a jurisdiction's line that
    # jurisdiction's colour, the same on every chart.
    if len(jurisdictions) > 1:
        line_per = "jurisdiction and metric" if len(metrics) > 1 else "jurisdiction"
    else:
        line_per = "metric"
    series: dict[tuple, dict] = {}
    for p in points:
        key = (p["jurisdiction_id"], p["metric_id"])
        label = {
            "jurisdiction and metric": f"{p['jurisdiction_name']}: {p['metric_label']}",
            "jurisdiction": p["jurisdiction_name"],
            "metric": p["metric_label"],
        }[line_per]
        entry = series.setdefault(
            key, {"label": label, "jurisdiction_id": p["jurisdiction_id"], "metric_id": p["metric_id"], "points": []}
        )
        entry["points"].append(
            {
                # Inclusive, as everywhere else: the chart draws each to the end of its last day.
                "period_start": p["period_start"],
                "period_end": p["period_end"],
                "period": period_name(p["period_start"], p["period_end"]),
                "value": p["value"],
                "derived": bool(p["is_derived"]),
                "figure_id": p["figure_id"],
            }
        )
    # Figures of the same selection the lines leave out: ranges, withheld or not reported, and
    # periods overlapping the line's (figures_series holds one non-overlapping series of exact
    # values). The caption says how many, and links to them all.
    (selected,) = (
        await db.execute(
            f"""SELECT count(*) FROM figures
                WHERE platform_id = ? AND jurisdiction_id IN ({marks[0]}) AND request_type_id = ?
                  AND metric_id IN ({marks[1]})""",
            [platform, *jurisdictions, request_type, *metrics],
        )
    ).first()
    first, last = min(p["period_start"] for p in points), max(p["period_end"] for p in points)
    events = await rows(
        db,
        """SELECT e.event_id, e.event_date, e.title, s.url, s.publisher AS source_publisher
           FROM events e JOIN sources s USING (source_id)
           WHERE e.platform_id = ? AND e.event_date BETWEEN ? AND ? ORDER BY e.event_date, e.event_id""",
        [platform, first, last],
    )
    name = database_name(datasette)
    csv_query = (
        filters
        + [("_col", c) for c in CHART_COLUMNS]
        + [
            ("_sort", "period_start"),
            ("_size", "max"),
            ("_stream", "on"),
        ]
    )
    page_query = [("platform", platform)] + [("jurisdiction", j) for j in jurisdictions]
    page_query += [("request_type", request_type)] + [("metric", m) for m in metrics]
    page_path = datasette.urls.path("chart") + "?" + urlencode(page_query)
    page_url = datasette.absolute_url(request, page_path)
    # A citation names the public site (site_url), whatever address this copy was browsed at.
    site_url = (datasette.plugin_config("platform-disclosures") or {}).get("site_url")
    cited_url = urljoin(site_url, page_path) if isinstance(site_url, str) and site_url else page_url
    dataset = await dataset_row(db)
    # A derived point has no source of its own: its inputs' sources are the chart's.
    sources = await rows(
        db,
        f"""SELECT DISTINCT o.publisher, o.licence FROM figures_series s
            LEFT JOIN figure_inputs i ON i.figure_id = s.figure_id
            JOIN figures g ON g.figure_id = coalesce(i.input_figure_id, s.figure_id)
            JOIN sources o ON o.source_id = g.source_id
            WHERE s.platform_id = ? AND s.jurisdiction_id IN ({marks[0]}) AND s.request_type_id = ?
              AND s.metric_id IN ({marks[1]})
            ORDER BY o.publisher, o.licence""",
        [platform, *jurisdictions, request_type, *metrics],
    )
    terms = cited_terms(dataset, sources)
    drawn = {
        "title": title,
        "unit": unit,
        "axis": UNIT_AXIS[unit],
        "value_axis": value_axis(unit, [p["value"] for p in points]),
        "line_per": line_per,
        # Lines in the order the chart names its jurisdictions (a top chart's: its ranking, largest
        # first), which its legend and its table follow: Telegram's top 5 countries were listed by
        # their codes, Germany, France, United Kingdom, India (its largest, 12,146), United States.
        "series": sorted(series.values(), key=lambda s: jurisdictions.index(s["jurisdiction_id"])),
        "points": len(points),
        "not_drawn": selected - len(points),
        # Was "gaps", the word /platform/<id>.json used for series_gaps, the periods no stored source
        # has a figure for; a break is only where no figure is drawn.
        "line_breaks": line_breaks(list(series.values())),
        "all_figures_url": datasette.urls.table(name, "figures") + "?" + urlencode(filters),
        "derived": sum(1 for p in points if p["is_derived"]),
        "events": events,
        "csv_url": datasette.urls.table(name, "figures_series", format="csv") + "?" + urlencode(csv_query),
        "json_url": datasette.urls.table(name, "figures_series", format="json")
        + "?"
        + urlencode(filters + [("_shape", "array"), ("_size", "max"), ("_sort", "period_start")]),
        "page_url": page_url,
        "citation": chart_citation(cited_version(dataset), title, terms, cited_url),
        # Unreleased data are cited with the day they were read, as on the figure and home pages
        # (", accessed on <day>."; the page fills in the reader's day): the charts' citations,
        # and so their PNGs, named no day, and could not be told from a later build's.
        "cite_accessed": dataset["release_state"] != "released",
    }
    return with_old_keys(drawn, {"gaps": "line_breaks"})


def one_period_apart(charts: list[dict]) -> tuple[list[dict], list[dict]]:
    """A page's charts with a line over two periods or more, and the others, each as its title and
    its figure ids: a chart whose every line is one period (Zoom's International requests, May to
    December 2020) drew one flat segment across its whole width, which showed no change and read
    as a trend."""
    drawn, others = [], []
    for c in charts:
        if any(len(s["points"]) > 1 for s in c["series"]):
            drawn.append(c)
        else:
            others.append(
                {"title": c["title"], "figure_ids": [p["figure_id"] for s in c["series"] for p in s["points"]]}
            )
    return drawn, others


async def one_period_figures(db, groups: list[dict]) -> list[dict]:
    """Each of ``groups`` (``one_period_apart``'s) as its title and its figures, in their chart's
    order, each named as a chart's title names it (jurisdiction, metric, request type, period)
    with its value as the pages show values (``shown_value``): a table, not a chart."""
    figure_ids = [f for g in groups for f in g["figure_ids"]]
    if not figure_ids:
        return []
    found = await rows(
        db,
        f"""SELECT s.figure_id, s.platform_id, p.name AS platform_name, s.jurisdiction_id,
                   j.name AS jurisdiction_name, m.label AS metric_label, r.label AS request_type_label,
                   s.period_start, s.period_end, s.value, s.unit, s.is_derived
            FROM figures_series s JOIN platforms p USING (platform_id) JOIN jurisdictions j USING (jurisdiction_id)
            JOIN metrics m USING (metric_id) JOIN request_types r USING (request_type_id)
            WHERE s.figure_id IN ({",".join("?" * len(figure_ids))})""",
        figure_ids,
    )
    by_id = {
        f["figure_id"]: {
            **f,
            # As a chart's title says it: "Requests processed, all requests".
            "what": f"{f['metric_label']}, {in_sentence(f['request_type_label'])}",
            "period": period_name(f["period_start"], f["period_end"]),
            "shown": shown_value(f["value"], f["unit"]),
            "is_derived": bool(f["is_derived"]),
        }
        for f in found
    }
    return [{"title": g["title"], "figures": [by_id[f] for f in g["figure_ids"]]} for g in groups]


async def charts_and_one_period_figures(db, charts: list[dict]) -> tuple[list[dict], list[dict]]:
    """A page's charts with a line over two periods or more, and the figures of the others as
    tables (``one_period_figures``): the rule of the platform and country pages alike, so that
    neither draws a chart of one period."""
    drawn, others = one_period_apart(charts)
    return drawn, await one_period_figures(db, others)


def embed(value) -> markupsafe.Markup:
    """JSON for a <script type="application/json"> block."""
    return markupsafe.Markup(json.dumps(value, ensure_ascii=False).replace("</", "<\\/"))


async def headline_charts(datasette, request, platform: dict, jurisdiction: dict) -> list[dict]:
    """A platform's headline charts for one jurisdiction: the counts, then each share on its own
    axis; for a platform that reports none of those, its own metrics, one chart per unit."""
    db = datasette.get_database(database_name(datasette))
    found = await rows(
        db,
        """SELECT s.request_type_id, s.metric_id, m.unit, m.label, count(*) AS n, max(s.period_end) AS newest
           FROM figures_series s JOIN metrics m USING (metric_id)
           WHERE s.platform_id = ? AND s.jurisdiction_id = ?
           GROUP BY s.request_type_id, s.metric_id""",
        [platform["platform_id"], jurisdiction["jurisdiction_id"]],
    )
    found = charted_series(found, HEADLINE_COUNTS + HEADLINE_SHARES)
    counts: dict[str, int] = {}
    newest: dict[str, str] = {}
    for r in found:
        counts[r["request_type_id"]] = counts.get(r["request_type_id"], 0) + r["n"]
        newest[r["request_type_id"]] = max(newest.get(r["request_type_id"], ""), r["newest"])
    request_type = headline_request_type(counts, newest)
    if request_type is None:
        return []
    label = (await rows(db, "SELECT label FROM request_types WHERE request_type_id = ?", [request_type]))[0]["label"]
    present = {r["metric_id"]: r for r in found if r["request_type_id"] == request_type}
    charts = []
    for metrics in metric_groups({m: r["unit"] for m, r in present.items()}):
        # The two shares' charts are of one measure on two scales: their titles say which, or a
        # page showed two charts of one title (Snapchat's percentages to 2021, fractions since).
        # A chart of other metrics names them in the platform's terms ("requests processed", not
        # "counts", which read as the requests it received).
        what = {
            "percent_requests_some_data": "share with some data produced (%)",
            "fraction_requests_some_data": "share with some data produced (0 to 1)",
        }.get(metrics[0])
        if what is None:
            headline = metrics[0] in HEADLINE_COUNTS
            what = "counts" if headline else in_words([in_sentence(present[m]["label"]) for m in metrics])
        drawn = await chart(
            datasette,
            request,
            platform=platform["platform_id"],
            jurisdictions=[jurisdiction["jurisdiction_id"]],
            request_type=request_type,
            metrics=metrics,
            title=f"{platform['name']}, {jurisdiction['name']}: {in_sentence(label)}, {what}",
        )
        if drawn:
            charts.append(drawn)
    return charts


# Pages ----------------------------------------------------------------------------------------


# Keys renamed in the pages' JSON where one word named two things (``gaps``, ``missing``, ``newest``)
# keep their old names beside the new ones for release 2.0.0 only, so that a program reading them
# does not break unwarned; "deprecated" names each (old key: new key), as the README's API section says.
RELEASE_KEEPING_OLD_KEYS = "2.0.0"


def with_old_keys(data: dict, renamed: dict[str, str]) -> dict:
    """``data`` with each renamed key's value also under its old name, and ``deprecated`` naming
    them: ``renamed`` maps old key to new key."""
    return {
        **data,
        **{old: data[new] for old, new in renamed.items()},
        "deprecated": {**data.get("deprecated", {}), **renamed},
    }


def page_data(value):
    """A page's context as JSON: what the page shows, without the copies embedded for its scripts.

    Markup (the charts' and map's ``<script>`` JSON, which repeats ``charts`` and ``values``) is
    left out; a key that is a period (start, end) becomes ISO 8601's interval "start/end".
    """
    if isinstance(value, dict):
        return {
            "/".join(k) if isinstance(k, tuple) else k: page_data(v)
            for k, v in value.items()
            if not isinstance(v, markupsafe.Markup)
        }
    if isinstance(value, (list, tuple)):
        return [page_data(v) for v in value]
    return value


def page_shape_problem(datasette, request) -> str | None:
    """Why a page's JSON was asked for in a ``_shape``, or None: it is one object, what the page
    shows, and Datasette's shapes are of a table's or a query's rows (it ignored the parameter,
    so ``_shape=array`` answered the object as if it were the array asked for)."""
    if "_shape" not in request.args:
        return None
    return (
        f"_shape={request.args['_shape']}: {request.path} is one JSON object, what its page shows, and takes no "
        f"_shape; the shapes (arrays, objects, array, arrayfirst, object) are of a table's or a query's rows, "
        f"as in {datasette.urls.table(database_name(datasette), 'figures')}.json?_shape=array"
    )


# The parameters each page's JSON reads, by the first part of its path; the ``_`` options are
# Datasette's (``_ttl``) or refused elsewhere (``_shape``).
PAGE_PARAMETERS = {
    "chart": ("platform", "jurisdiction", "request_type", "metric"),
    "compare": ("jurisdiction", "platform"),
    "telegram-map": ("metric", "period"),
    "countries": (),
    "country": (),
    "platforms": (),
    "platform": (),
}
# The pages whose form sets what they read.
PAGES_WITH_FORMS = ("chart", "compare", "telegram-map")


def page_parameter_problem(request) -> str | None:
    """Why a page's JSON is given a parameter the page does not read, or None: it was ignored, so
    ``/chart.json?platfrom=google`` answered Telegram's chart of the United States (the default),
    200, as if that were Google's, and ``/compare.json?juris=DEU`` the United States'."""
    page = request.path.strip("/").split("/")[0].removesuffix(".json")
    if page not in PAGE_PARAMETERS:
        return None
    taken = PAGE_PARAMETERS[page]
    pairs = ((key, value) for key in request.args for value in request.args.getlist(key))
    nameless = nameless_problem(
        pairs, f"the parameters of /{page} are: {', '.join(taken)}" if taken else f"/{page} takes none"
    )
    if nameless:
        return nameless
    unknown = next((key for key in request.args if not key.startswith("_") and key not in taken), None)
    if unknown is None:
        return None
    reads = f"its parameters are: {', '.join(taken)}" if taken else "it takes none"
    return f"{unknown}: /{page} has no parameter {unknown!r}, so it would answer as if it were not given; {reads}"


def unread_parameters(request) -> dict:
    """What a page's HTML says it did not apply: the parameters it does not read (their JSON refuses
    them, page_parameter_problem). The page answered them as if they were not given, silently:
    ``/compare?country=DEU`` (its picker is labelled Country) showed the United States under
    "Compare platforms: United States", which a reader on deadline took for what was asked; and
    ``/country/USA?foo=1``, a page that reads none, said nothing where its JSON answered 400. A
    period on /compare has a notice of its own (PERIOD_WORDS)."""
    page = request.path.strip("/").split("/")[0]
    if page not in PAGE_PARAMETERS:
        return {}
    own = PERIOD_WORDS if page == "compare" else ()
    return unread(
        args_as_sent(request.query_string),
        PAGE_PARAMETERS[page],
        own,
        form=page in PAGES_WITH_FORMS,
        refused=page_refuses,
    )


def page_refuses(key: str, value: str) -> bool:
    """Whether a page's JSON refuses an option of Datasette's (page_shape_problem, page_option_problem):
    its HTML says it did not apply it, where /platforms?_sort=name showed the list unsorted, silently."""
    return key == "_shape" or unapplied_option([(key, value)], PAGE_OPTIONS) is not None


def page_option_problem(datasette, request) -> str | None:
    """Why a page's JSON is given one of Datasette's options for rows, or None. ``_trace`` is
    Datasette's on every path when its trace_debug setting is on; off, it is refused as the
    tables refuse it."""
    options = PAGE_OPTIONS if datasette.setting("trace_debug") else (*PAGE_OPTIONS, "_trace")
    found = unapplied_option(((key, value) for key in request.args for value in request.args.getlist(key)), options)
    if found is None:
        return None
    key, value = found
    return (
        f"{key}={value}: {request.path} is one JSON object, what its page shows, and does not apply {key}, "
        f"an option of a table's or a query's rows; its rows are in tables such as "
        f"{datasette.urls.table(database_name(datasette), 'figures')}.json, which take it"
    )


def json_problem(datasette, request) -> str | None:
    """Why a page's JSON cannot be answered as asked (a _shape, a table's option, a parameter the
    page does not have), or None; None for the page itself."""
    if request.url_vars.get("format") != "json":
        return None
    return (
        page_shape_problem(datasette, request)
        or page_option_problem(datasette, request)
        or page_parameter_problem(request)
    )


async def render(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    problem = json_problem(datasette, request)
    if problem:
        return error_json(400, problem)
    if request.url_vars.get("format") == "json":
        return Response.json(page_data(context), status=status)
    context = {**context, "database_name": database_name(datasette), "not_applied": unread_parameters(request)}
    return Response.html(await datasette.render_template(template, context, request=request), status=status)


async def refusal(datasette, request, status: int, message: str) -> Response:
    """A page's error (its JSON's error shape, or the site's error page), after its JSON's own
    problems, which render() answers first too."""
    problem = json_problem(datasette, request)
    if problem:
        return error_json(400, problem)
    return await error_response(datasette, request, status, message)


async def not_found(datasette, request, message: str) -> Response:
    return await refusal(datasette, request, 404, message)


async def bad_request(datasette, request, message: str) -> Response:
    return await refusal(datasette, request, 400, message)


def choices(args, parameter: str, normal=str) -> list[str]:
    """The distinct non-blank values of ``parameter``, stripped and made ``normal``, in the order
    given: a blank one is no choice, and the same one twice is one."""
    return list(dict.fromkeys(normal(value.strip()) for value in args.getlist(parameter) if value.strip()))


def as_sent(args, parameter: str, normal=str) -> dict[str, str]:
    """Each value ``choices`` makes of ``parameter``, mapped to the first one the client wrote
    (stripped) that it was made from: what a message quotes (germany, not GERMANY)."""
    sent: dict[str, str] = {}
    for value in args.getlist(parameter):
        if value.strip():
            sent.setdefault(normal(value.strip()), value.strip())
    return sent


def single_choice(args, parameter: str, page: str, note: str = "", normal=str) -> tuple[str | None, str | None]:
    """(the one value of ``parameter``, or None when none is given; or why there is more than one)."""
    chosen = choices(args, parameter, normal)
    if len(chosen) > 1:
        return None, f"One {parameter} per {page}{note}, not {', '.join(chosen)}"
    return (chosen[0] if chosen else None), None


def choice_problem(
    parameter: str, given: list[str], allowed: list[str], listed: bool = True, hint: str = ""
) -> str | None:
    """Why some of ``given`` are not among ``allowed``, the values ``parameter`` may take, or None.

    ``listed``: the message lists ``allowed``; a page whose form lists them says so instead (a
    jurisdiction's list is some 250 codes). ``hint`` (a "did you mean") follows the refusal, before
    that list."""
    unknown = [value for value in given if value not in allowed]
    if not unknown:
        return None
    field = parameter.replace("_", " ").capitalize()
    where = f"{parameter} is one of: {', '.join(allowed)}" if listed else f"pick one from the {field} list"
    hint = f" ({hint})" if hint else ""
    return f"{parameter}={','.join(unknown)}: no such {parameter}{hint}; {where}"


# The codes a "did you mean" answers for: 199 codes sent (the query string's limit) made a 400 of
# 15 KB, one hint after another, where a few show the slip and the list of codes follows anyway.
MAX_HINTED_CODES = 3


async def near_jurisdictions(db, asked: list[str], sent: dict[str, str] | None = None) -> str:
    """A "did you mean" of the codes one letter off from each of ``asked`` (a code as the page reads
    it, in upper case), each named as the client sent it (``sent``) when there are several, for the
    first ``MAX_HINTED_CODES`` that have one, saying how many more have one; or ""."""
    if not any(len(code) == 3 for code in asked):
        return ""
    names = {j["jurisdiction_id"]: j["name"] for j in await rows(db, ALPHA3_SQL)}
    hints = {code: did_you_mean(code, names) for code in asked}
    if len(asked) == 1:
        return hints[asked[0]]
    hinted = [f"for {(sent or {}).get(code, code)}, {hint}" for code, hint in hints.items() if hint]
    more = len(hinted) - MAX_HINTED_CODES
    shown = hinted[:MAX_HINTED_CODES] + (
        [f"{more:,} more of the codes sent are each one letter off a code too"] if more > 0 else []
    )
    return "; ".join(shown)


async def page_choice_problem(
    db, parameter: str, given: list[str], allowed: list[str], listed: bool, sent: dict[str, str] | None = None
) -> str | None:
    """``choice_problem`` of a parameter of /chart or /compare, in one wording for both; a
    jurisdiction given by a name or an alpha-2 code (jurisdiction=germany, jurisdiction=DE) is
    answered with its code instead of the 250 codes (which stay listed when one of them names no
    jurisdiction). ``given`` are the values as the page reads them (jurisdictions in upper case),
    ``sent`` how the client wrote each (``as_sent``), which the message quotes."""
    sent = sent or {}
    unknown = [value for value in given if value not in allowed]
    if not unknown:
        return None
    quoted = [sent.get(value, value) for value in unknown]
    if parameter != "jurisdiction":
        return choice_problem(parameter, quoted, allowed, listed=listed)
    named = await named_jurisdictions_problem(db, quoted)
    if named:
        return named
    hint = await near_jurisdictions(db, unknown, sent)
    return choice_problem(parameter, quoted, allowed, listed=listed, hint=hint)


async def freshness(db) -> dict[str, dict]:
    """platform_freshness rows by platform_id, once the build writes that table; else empty."""
    if not await has_table(db, "platform_freshness"):
        return {}
    return {r["platform_id"]: r for r in await rows(db, "SELECT * FROM platform_freshness")}


async def claim_request_types(db) -> dict[str, set[str]]:
    """For each platform whose published_up_to claim rests off its main series, the request type
    ids of its freshness source's figures for the period ending there (what fresher_flag needs)."""
    found: dict[str, set[str]] = {}
    for r in await rows(
        db,
        """SELECT DISTINCT f.platform_id, f.request_type_id FROM platform_freshness fr
           JOIN figures f ON f.platform_id = fr.platform_id AND f.source_id = fr.source_id
             AND f.period_end = fr.published_up_to AND f.is_derived = 0
           WHERE fr.published_up_to_main_series = 0""",
    ):
        found.setdefault(r["platform_id"], set()).add(r["request_type_id"])
    return found


async def freshness_series(db, platform_id: str) -> list[dict]:
    """The build's freshness_series rows of one platform (how far each request type reaches),
    global reports first, newest end first; empty before the build wrote that table."""
    if not await has_table(db, "freshness_series"):
        return []
    return await rows(
        db,
        """SELECT s.*, r.label FROM freshness_series s JOIN request_types r USING (request_type_id)
           WHERE s.platform_id = ? ORDER BY s.regime = 'eu_dsa', s.dataset_up_to DESC, s.figures DESC, r.label""",
        [platform_id],
    )


async def countries_page(datasette, request):
    db = datasette.get_database(database_name(datasette))
    found = await rows(
        db,
        """SELECT j.jurisdiction_id, j.name, j.kind, count(f.figure_id) AS figures,
                  count(DISTINCT f.platform_id) AS platforms, max(f.period_end) AS newest
           FROM jurisdictions j LEFT JOIN figures f USING (jurisdiction_id)
           GROUP BY j.jurisdiction_id ORDER BY j.kind = 'scope' DESC, j.name""",
    )
    return await render(datasette, request, "explore/countries.html", {"jurisdictions": found})


async def dsa_scope(db) -> tuple[set[str], set[str]]:
    """(the platforms whose every figure is an EU DSA order, the jurisdictions any DSA order
    comes from), read from the build's counts of one-filter views (facet_pair_counts)."""
    if not await has_table(db, "facet_pair_counts"):
        return set(), set()
    marks = ", ".join("?" for _ in DSA_REQUEST_TYPES)
    by_kind = await rows(
        db,
        f"""SELECT column_name, value, max(filter_value IN ({marks})) AS dsa, min(filter_value IN ({marks})) AS only_dsa
            FROM facet_pair_counts
            WHERE table_name = 'figures' AND filter_column = 'request_type_id'
              AND column_name IN ('platform_id', 'jurisdiction_id')
            GROUP BY column_name, value""",
        [*DSA_REQUEST_TYPES, *DSA_REQUEST_TYPES],
    )
    only = {r["value"] for r in by_kind if r["column_name"] == "platform_id" and r["only_dsa"]}
    places = {r["value"] for r in by_kind if r["column_name"] == "jurisdiction_id" and r["dsa"]}
    return only, places


def series_anchors(chart_platforms: list[str], table_platforms: list[str]) -> list[dict]:
    """Where each platform's series start on a country's page, for its "On this page" list:
    [{"name", "anchor"}], in the order of the page, each platform once: its first chart
    (``chart-<index>``), or its first one-period table (``one-period-<index>``) when it has no
    chart. The United States' page runs to 26,000 pixels, with 31 charts of 20 platforms."""
    found: dict[str, str] = {}
    for index, name in enumerate(chart_platforms):
        found.setdefault(name, f"chart-{index}")
    for index, name in enumerate(table_platforms):
        found.setdefault(name, f"one-period-{index}")
    return [{"name": name, "anchor": anchor} for name, anchor in found.items()]


def no_country_message(datasette, asked: str, hint: str = "") -> str:
    """The 404 of /country/<asked>, with ``hint`` (near_jurisdictions') after the name."""
    return (
        f"No jurisdiction {asked!r}{f' ({hint})' if hint else ''}: a country page is named by its ISO 3166-1 "
        f"alpha-3 code (USA, DEU), its alpha-2 code or its name; every one is listed at {datasette.urls.path('countries')}"
    )


def no_platform_message(datasette, asked: str) -> str:
    return f"No platform {asked!r}: every platform is listed at {datasette.urls.path('platforms')}"


def redirect_keeping_query(request, target: str) -> Response:
    return Response.redirect(target + (f"?{request.query_string}" if request.query_string else ""))


def redirect_to_own_address(datasette, request, page: str) -> Response:
    """To a country's or platform's one address (``country/USA``) from another spelling of it, in
    the format and with the query string the client asked for."""
    suffix = ".json" if request.url_vars.get("format") else ""
    return redirect_keeping_query(request, datasette.urls.path(f"{page}{suffix}"))


async def country_id(db, asked: str) -> str | None:
    """The id of the jurisdiction /country/<asked> shows: its code in any case, else what it names."""
    found = await rows(db, "SELECT jurisdiction_id FROM jurisdictions WHERE jurisdiction_id = ?", [asked.upper()])
    return found[0]["jurisdiction_id"] if found else await jurisdiction_id_of(db, asked)


async def country_page(datasette, request):
    db = datasette.get_database(database_name(datasette))
    asked = name_as_sent(request.url_vars["iso3"])
    found = await rows(db, "SELECT * FROM jurisdictions WHERE jurisdiction_id = ?", [asked.upper()])
    if not found:
        # /country/US and /country/United%20States (which Datasette redirects to United~20States)
        # were a 404, the second one that named no page at all, as /platform/Google leads to google.
        named = await jurisdiction_id_of(db, asked)
        if named:
            return redirect_to_own_address(datasette, request, f"country/{named}")
        # A name with a dot (U.S., U.K.) is matched whole above; otherwise the last dot may be a
        # format this page does not have (/country/USA.csv, /country/XXX.csv), answered as
        # other_format answers it. /country/U.S.A is a name mistyped, not a format "A" of "U.S".
        head, dot, given = asked.rpartition(".")
        if dot and head and not request.url_vars.get("format") and re.fullmatch(r"[A-Za-z0-9]+", given):
            known = await country_id(db, head)
            if known is not None:
                return other_format_answer(datasette, f"country/{known}", given)
            if re.fullmatch(r"[a-z0-9]+", given):
                return error_json(
                    404, no_country_message(datasette, head, await near_jurisdictions(db, [head.upper()]))
                )
        hint = await near_jurisdictions(db, [asked.upper()])
        return await not_found(datasette, request, no_country_message(datasette, asked, hint))
    jurisdiction = found[0]
    if request.url_vars["iso3"] != jurisdiction["jurisdiction_id"]:
        # One address per country, as for platforms (/platform/Google): /country/usa was the
        # same page as /country/USA, twice in caches and in what readers cite.
        return redirect_to_own_address(datasette, request, f"country/{jurisdiction['jurisdiction_id']}")
    newest_sql = (await datasette.get_canned_query(database_name(datasette), "country_newest", None))["sql"]
    newest = await rows(db, newest_sql, {"jurisdiction": jurisdiction["jurisdiction_id"]})
    for r in newest:
        r["period"] = period_name(r["period_start"], r["period_end"])
    platforms = await rows(db, "SELECT * FROM platforms ORDER BY name COLLATE NOCASE, platform_id")
    reporting = {r["platform_id"] for r in newest}
    charts, charted_platform = [], {}
    for platform in platforms:
        if platform["platform_id"] in reporting:
            for drawn in await headline_charts(datasette, request, platform, jurisdiction):
                charts.append(drawn)
                charted_platform[id(drawn)] = platform["name"]
    # A series of one period is a table of its figures, after the charts, as on a platform's page:
    # the United States' page drew six charts of one flat line (Reddit's court orders of 2015, Tumblr's
    # H2 2016), 564 such charts on 184 country pages.
    charts, one_period = await charts_and_one_period_figures(db, charts)
    series_platforms = series_anchors(
        [charted_platform[id(c)] for c in charts], [g["figures"][0]["platform_name"] for g in one_period]
    )
    # Every period of Telegram's bot this jurisdiction can expect, and its status in it
    # (coverage_cells is the build's view: a period the bot used for a few other countries only is
    # not listed). Each known period links to its fulfilled-requests figure, reported before derived.
    # A period inside a longer one (the first report's January–September 2024) links to the
    # shortest longer period's figure, and says which period that is.
    telegram = await rows(
        db,
        """SELECT c.period_start, c.period_end, c.status, f.figure_id,
             f.period_start AS figure_start, f.period_end AS figure_end
           FROM coverage_cells c
           LEFT JOIN figures f ON f.figure_id = (
             SELECT w.figure_id FROM figures w WHERE w.platform_id = 'telegram' AND w.jurisdiction_id = c.jurisdiction_id
               AND w.period_start <= c.period_start AND w.period_end >= c.period_end
             ORDER BY julianday(w.period_end) - julianday(w.period_start), w.metric_id <> 'requests_fulfilled',
               w.is_derived, w.figure_id LIMIT 1)
           WHERE c.platform_id = 'telegram' AND c.jurisdiction_id = ?
           ORDER BY c.period_start, c.period_end DESC""",
        [jurisdiction["jurisdiction_id"]],
    )
    for t in telegram:
        t["period"] = period_name(t["period_start"], t["period_end"])
        t["label"] = t["status"]
        if t["status"] == "in_longer_period" and t["figure_id"]:
            t["label"] = f"in {period_name(t['figure_start'], t['figure_end'])}"
    if all(t["status"] == "missing" for t in telegram):
        telegram = []
    # "How many in 2024?" is a year's question, and the page shows only each platform's newest
    # figure: the figures table, filtered to the jurisdiction and a year, is where it is answered.
    years = await rows(
        db,
        """SELECT year, count(*) AS figures FROM figures WHERE jurisdiction_id = ? AND year IS NOT NULL
           GROUP BY year ORDER BY year DESC""",
        [jurisdiction["jurisdiction_id"]],
    )
    fresh = await freshness(db)
    name = database_name(datasette)
    figures_url = (
        datasette.urls.table(name, "figures") + "?" + urlencode({"jurisdiction_id": jurisdiction["jurisdiction_id"]})
    )
    for y in years:
        y["url"] = figures_url + "&" + urlencode({"year": y["year"]})
    twin = urlencode({"jurisdiction": jurisdiction["jurisdiction_id"]})
    missing = [p for p in platforms if p["platform_id"] not in reporting]
    # A platform recorded only for EU DSA orders (Facebook, Instagram: Meta's global figures are
    # under meta) can have figures only where DSA orders come from: elsewhere it is not missing.
    dsa_only, dsa_places = await dsa_scope(db)
    outside = [p for p in missing if p["platform_id"] in dsa_only and jurisdiction["jurisdiction_id"] not in dsa_places]
    context = {
        "jurisdiction": jurisdiction,
        # Were "newest" (a date on /countries and /platforms) and "missing_platforms" (not
        # coverage_cells' missing periods): each platform's newest figures, and the platforms with none.
        "newest_figures": newest,
        "charts": charts,
        "charts_json": embed(charts),
        # The figures of what would have been a chart of one period: a table, not a chart.
        "one_period_figures": one_period,
        "series_platforms": series_platforms,
        "platforms_without_figures": [p for p in missing if p not in outside],
        "dsa_only_platforms": outside,
        "telegram": telegram,
        "figures_url": figures_url,
        "years": years,
        "freshness": fresh,
        "dsa_request_types": DSA_REQUEST_TYPES,
        "csv_url": datasette.urls.query(name, "country_newest", format="csv") + "?" + twin + "&_size=max",
        "json_url": datasette.urls.query(name, "country_newest", format="json") + "?" + twin + "&_shape=array",
    }
    context = with_old_keys(context, {"newest": "newest_figures", "missing_platforms": "platforms_without_figures"})
    return await render(datasette, request, "explore/country.html", context)


async def platforms_page(datasette, request):
    db = datasette.get_database(database_name(datasette))
    found = await rows(
        db,
        """SELECT p.platform_id, p.name, p.operator, count(f.figure_id) AS figures,
                  count(f.figure_id) - coalesce(sum(f.is_derived), 0) AS reported, coalesce(sum(f.is_derived), 0) AS derived,
                  count(DISTINCT f.jurisdiction_id) AS jurisdictions,
                  min(CASE WHEN f.request_type_id NOT IN ({dsa}) THEN f.period_start END) AS global_first,
                  max(CASE WHEN f.request_type_id NOT IN ({dsa}) THEN f.period_end END) AS global_newest,
                  min(CASE WHEN f.request_type_id IN ({dsa}) THEN f.period_start END) AS dsa_first,
                  max(CASE WHEN f.request_type_id IN ({dsa}) THEN f.period_end END) AS dsa_newest
           FROM platforms p LEFT JOIN figures f USING (platform_id) GROUP BY p.platform_id ORDER BY p.name COLLATE NOCASE, p.platform_id""".format(
            dsa=",".join("?" * len(DSA_REQUEST_TYPES))
        ),
        [*DSA_REQUEST_TYPES] * 4,
    )
    # Were "first" and "newest", which leave out the EU DSA orders (dsa_first, dsa_newest), where
    # /platform/<id>.json's span and /countries.json's newest count every figure.
    found = [with_old_keys(p, {"first": "global_first", "newest": "global_newest"}) for p in found]
    return await render(
        datasette, request, "explore/platforms.html", {"platforms": found, "freshness": await freshness(db)}
    )


def gap_names(periods: list[tuple[str, str]]) -> list[str]:
    """Readers' names of a series' gaps, oldest first, with a calendar year all of whose periods
    are gaps named once as the year: [("2022-01-01", "2022-06-30"), ("2022-07-01", "2022-12-31")]
    is ["2022"]."""
    by_year: dict[str, list[tuple[str, str]]] = {}
    for start, end in sorted(periods):
        by_year.setdefault(start[:4], []).append((start, end))
    names = []
    for year, found in by_year.items():
        whole = found[0][0] == f"{year}-01-01" and found[-1][1] == f"{year}-12-31"
        contiguous = all(
            date.fromisoformat(a[1]) + timedelta(days=1) == date.fromisoformat(b[0])
            for a, b in zip(found, found[1:], strict=False)
        )
        names += [year] if whole and contiguous else [period_name(s, e) for s, e in found]
    return names


async def series_gaps(db, platform_id: str) -> list[dict]:
    """The build's series_gaps of one platform, one entry per list of gap periods: {"labels":
    request type labels that share it, "periods": period names}, oldest gap first; empty before
    the build wrote that table."""
    if not await has_table(db, "series_gaps"):
        return []
    found = await rows(
        db,
        """SELECT g.request_type_id, r.label, g.period_start, g.period_end FROM series_gaps g
           JOIN request_types r USING (request_type_id) WHERE g.platform_id = ?
           ORDER BY r.label, g.period_start""",
        [platform_id],
    )
    by_type: dict[str, dict] = {}
    for r in found:
        entry = by_type.setdefault(r["request_type_id"], {"label": r["label"], "periods": []})
        entry["periods"].append((r["period_start"], r["period_end"]))
    shared: dict[tuple, dict] = {}
    for entry in by_type.values():
        key = tuple(entry["periods"])
        group = shared.setdefault(key, {"labels": [], "periods": gap_names(entry["periods"]), "first": key[0][0]})
        group["labels"].append(entry["label"])
    return sorted(shared.values(), key=lambda g: (g["first"], g["labels"]))


async def platform_page(datasette, request):
    db = datasette.get_database(database_name(datasette))
    asked = name_as_sent(request.url_vars["platform_id"])
    found = await rows(db, "SELECT * FROM platforms WHERE platform_id = ?", [asked])
    if not found:
        # /platform/Google, as /country/usa leads to USA: the platform's id or name in any case.
        named = await platform_id_of(db, asked)
        if named:
            return redirect_to_own_address(datasette, request, f"platform/{named}")
        # A name with a dot (mailbox.org) is matched whole above; otherwise the last dot may be
        # a format this page does not have (/platform/google.csv).
        head, dot, given = asked.rpartition(".")
        # By its name as well as its id (/platform/mailbox.org.csv, /platform/Daum%20(Kakao).csv):
        # each was "No platform 'mailbox.org.csv'", where /platform/google.csv said it has no .csv.
        # A trailing dot is no format: /platform/telegram. was a JSON 404 "has no .", to a page's address.
        # After a .json the route has read, the name is what was asked: /platform/google.json.json
        # said "/platform/google has no .json: its data is /platform/google.json".
        formatted = request.url_vars.get("format")
        known = await platform_id_of(db, head) if dot and head and given and not formatted else None
        if known:
            return other_format_answer(datasette, f"platform/{known}", given)
        return await not_found(datasette, request, no_platform_message(datasette, asked))
    platform = found[0]
    pid = platform["platform_id"]
    reports = await rows(
        db,
        """SELECT m.metric_id, m.label, m.unit, m.definition, group_concat(DISTINCT r.label) AS request_types,
                  count(*) AS figures
           FROM figures f JOIN metrics m USING (metric_id) JOIN request_types r USING (request_type_id)
           WHERE f.platform_id = ? GROUP BY m.metric_id ORDER BY m.label""",
        [pid],
    )
    cadence = await rows(
        db,
        """SELECT period_kind, count(DISTINCT period_start || period_end) AS periods FROM figures
           WHERE platform_id = ? GROUP BY period_kind ORDER BY periods DESC""",
        [pid],
    )
    (span,) = await rows(
        db, "SELECT min(period_start) AS first, max(period_end) AS newest FROM figures WHERE platform_id = ?", [pid]
    )
    # Worldwide (or the widest scope it reports), then its top countries by their largest figure.
    scope = await rows(
        db,
        """SELECT j.* FROM jurisdictions j WHERE j.jurisdiction_id IN (
             SELECT jurisdiction_id FROM figures_series WHERE platform_id = ?) AND j.kind = 'scope'
           ORDER BY j.jurisdiction_id = 'WORLD' DESC, j.jurisdiction_id LIMIT 1""",
        [pid],
    )
    charts = await headline_charts(datasette, request, platform, scope[0]) if scope else []
    top_chart = await top_countries_chart(datasette, request, platform)
    if top_chart:
        charts.append(top_chart)
    charts, one_period = await charts_and_one_period_figures(db, charts)
    periods = await rows(
        db,
        """SELECT DISTINCT period_start, period_end FROM coverage WHERE platform_id = ?
           ORDER BY period_start, period_end""",
        [pid],
    )
    for p in periods:
        p["name"] = period_name(p["period_start"], p["period_end"])
    cells = await rows(
        db,
        """SELECT c.jurisdiction_id, j.name, c.period_start, c.period_end, c.status, c.figures
           FROM coverage c JOIN jurisdictions j USING (jurisdiction_id) WHERE c.platform_id = ?
           ORDER BY j.kind = 'scope' DESC, j.name""",
        [pid],
    )
    matrix: dict[str, dict] = {}
    for c in cells:
        row = matrix.setdefault(c["jurisdiction_id"], {"id": c["jurisdiction_id"], "name": c["name"], "cells": {}})
        row["cells"][(c["period_start"], c["period_end"])] = c
    name = database_name(datasette)
    context = {
        "platform": platform,
        "reports": reports,
        "cadence": cadence,
        "span": span,
        "freshness": (await freshness(db)).get(pid),
        "series": await freshness_series(db, pid),
        # Were "gaps" and "gaps_url", the word each chart used for its line breaks.
        "series_gaps": await series_gaps(db, pid),
        "series_gaps_url": datasette.urls.table(name, "series_gaps") + "?platform_id=" + pid,
        "charts": charts,
        "charts_json": embed(charts),
        # The figures of what would have been a chart of one period: a table, not a chart.
        "one_period_figures": one_period,
        "periods": periods,
        "matrix": list(matrix.values()),
        # Every figure of this platform, as a country's figures_url is every figure of that country
        # (the JSON's figures_url was the whole table, all 38 platforms).
        "figures_url": datasette.urls.table(name, "figures") + "?" + urlencode({"platform_id": pid}),
        # Each with its source, as the home page gives it: a date and a title alone could not be checked.
        "events": [
            {**event, "row_url": datasette.urls.row(name, "events", tilde_encode(event["event_id"]))}
            for event in await rows(
                db,
                """SELECT e.*, s.title AS source_title, s.url AS source_url FROM events e
                   JOIN sources s USING (source_id) WHERE e.platform_id = ? ORDER BY e.event_date, e.event_id""",
                [pid],
            )
        ],
        # A platform that publishes cases, not counts (Signal): its page showed none of them.
        "cases": await rows(
            db,
            """SELECT c.case_id, c.disclosed_date, c.authority, c.legal_process, c.requested, c.produced,
                      c.source_id, s.title AS source_title, s.url AS source_url
               FROM cases c JOIN sources s USING (source_id) WHERE c.platform_id = ?
               ORDER BY c.disclosed_date, c.case_id""",
            [pid],
        ),
        "cases_url": datasette.urls.table(name, "cases"),
    }
    context = with_old_keys(context, {"gaps": "series_gaps", "gaps_url": "series_gaps_url"})
    return await render(datasette, request, "explore/platform.html", context)


def top_of(ranked: list[dict], n: int) -> list[dict]:
    """The first ``n`` of ``ranked`` (largest "largest" first), less those tied with one left out:
    a chart called "top 5 countries" drew Amazon Store's Czechia (3) and Lithuania (1), then
    Bulgaria, Cyprus and Estonia at 0, first in the alphabet of eleven member states at 0."""
    if len(ranked) <= n:
        return ranked
    left_out = ranked[n]["largest"]
    return [r for r in ranked[:n] if r["largest"] != left_out]


def ranking_metric(series: list[dict]) -> str:
    """The count a platform's top countries are ranked by, from its series of one request type
    (dicts with ``metric_id`` and ``n``, its number of points): the first headline count it reports,
    else its count with the most points that is no part of another (PART_COUNTS), else a part."""
    return min(
        series,
        key=lambda r: (
            HEADLINE_COUNTS.index(r["metric_id"]) if r["metric_id"] in HEADLINE_COUNTS else len(HEADLINE_COUNTS),
            r["metric_id"] in PART_COUNTS,
            -r["n"],
            r["metric_id"],
        ),
    )["metric_id"]


async def top_countries_chart(datasette, request, platform: dict) -> dict | None:
    """The platform's top countries on one metric: the first headline count it reports, else (a
    platform that reports none) its count with the most points that is no part of another
    (``ranking_metric``)."""
    db = datasette.get_database(database_name(datasette))
    # Ranked by a count: by its headline counts, else (Zoom's "requests processed") its other counts.
    found = await rows(
        db,
        """SELECT s.request_type_id, s.metric_id, count(*) AS n, max(s.period_end) AS newest FROM figures_series s
           JOIN jurisdictions j USING (jurisdiction_id) JOIN metrics m USING (metric_id)
           WHERE s.platform_id = ? AND j.kind = 'country' AND m.unit = 'count'
           GROUP BY s.request_type_id, s.metric_id""",
        [platform["platform_id"]],
    )
    found = charted_series(found, HEADLINE_COUNTS)
    counts: dict[str, int] = {}
    newest: dict[str, str] = {}
    for r in found:
        counts[r["request_type_id"]] = counts.get(r["request_type_id"], 0) + r["n"]
        newest[r["request_type_id"]] = max(newest.get(r["request_type_id"], ""), r["newest"])
    # Google's "all requests" ends in 2017: its top countries were drawn from 2009 to 2014-2017,
    # beside a legal-process series that runs to 2025 (the country pages already passed it over).
    # Judged within each regime: Pinterest's EU DSA orders of 2025-2026 passed over its global
    # reports (to mid-2020), and its page, whose other chart is the EU's DSA orders, drew none of them.
    request_type = headline_request_type(counts, newest, regimes_apart=True)
    if request_type is None:
        return None
    metric = ranking_metric([r for r in found if r["request_type_id"] == request_type])
    ranked = await rows(
        db,
        """SELECT s.jurisdiction_id, max(s.value) AS largest FROM figures_series s JOIN jurisdictions j USING (jurisdiction_id)
           WHERE s.platform_id = ? AND s.request_type_id = ? AND s.metric_id = ? AND j.kind = 'country'
           GROUP BY s.jurisdiction_id ORDER BY largest DESC, s.jurisdiction_id""",
        [platform["platform_id"], request_type, metric],
    )
    top = top_of(ranked, TOP_COUNTRIES)
    if not top:
        return None
    labels = await rows(
        db,
        """SELECT (SELECT label FROM metrics WHERE metric_id = ?) AS metric,
                  (SELECT label FROM request_types WHERE request_type_id = ?) AS request_type,
                  (SELECT name FROM jurisdictions WHERE jurisdiction_id = ?) AS first_country""",
        [metric, request_type, top[0]["jurisdiction_id"]],
    )
    # One line is named for its metric, not its country, in the legend and the table: the title
    # names the country, or "Pinterest, top country" drew the United States' series unnamed.
    ranked_as = f"top country ({labels[0]['first_country']})" if len(top) == 1 else f"top {len(top)} countries"
    drawn = await chart(
        datasette,
        request,
        platform=platform["platform_id"],
        # Ranked, largest first: the order of the chart's lines, legend and table.
        jurisdictions=[t["jurisdiction_id"] for t in top],
        request_type=request_type,
        metrics=[metric],
        title=(
            f"{platform['name']}, {ranked_as}: "
            f"{in_sentence(labels[0]['metric'])}, {in_sentence(labels[0]['request_type'])}"
        ),
    )
    if drawn and len(top) > 1:
        # What "top" means, under the chart and in its PNG: the largest figure, not the newest.
        drawn["ranked"] = "Countries ranked by their largest figure in one period, largest first."
    return drawn


async def vocabulary(db, table: str, key: str) -> list[str]:
    """Every ``key`` of a vocabulary table (platforms, jurisdictions, metrics, request_types), sorted."""
    return [r[key] for r in await rows(db, f"SELECT {key} FROM {table} ORDER BY {key}")]


async def platform_id_of(db, asked: str) -> str | None:
    """The id of the platform ``asked`` names, as /platform/<asked> finds it: its id or its name
    (Mailbox.org), in any case. /chart.json?platform=Google was a 400 (and /compare's) while
    /platform/Google redirected to /platform/google. Spaces around it are dropped, as /country/<asked>
    drops them: /platform/%20telegram was a 404."""
    asked = asked.strip()
    named = await rows(
        db,
        "SELECT platform_id FROM platforms WHERE platform_id = ? OR lower(platform_id) = lower(?) OR lower(name) = lower(?)"
        " ORDER BY platform_id = ? DESC, platform_id LIMIT 1",
        [asked, asked, asked, asked],
    )
    return named[0]["platform_id"] if named else None


async def labels(db) -> dict[str, str]:
    """Each request type's and metric's label, by id."""
    return {
        **{
            r["request_type_id"]: r["label"] for r in await rows(db, "SELECT request_type_id, label FROM request_types")
        },
        **{r["metric_id"]: r["label"] for r in await rows(db, "SELECT metric_id, label FROM metrics")},
    }


def series_words(names: dict[str, str], request_type: str | None, metrics: list[str]) -> str:
    """A series as a message names it, by ``names`` (``labels``): "'Requests received' of 'All
    requests'", or either alone."""
    words = in_words([repr(names[m]) for m in metrics]) if metrics else ""
    if request_type:
        return f"{words} of {names[request_type]!r}" if words else repr(names[request_type])
    return words


async def series_points(
    db, request_type: str | None, metrics: list[str], jurisdictions: list[str] | None = None
) -> dict[str, dict[str, int]]:
    """{platform_id: {jurisdiction_id: points}} of the series of every one of ``metrics`` in one
    request type (``request_type``, or any), in ``jurisdictions`` (or anywhere): its points are the
    rows of figures_series of those metrics, in the request types that have them all."""
    where, params = ["1"], []
    if jurisdictions is not None:
        where.append("jurisdiction_id IN ({})".format(",".join("?" * len(jurisdictions))))
        params += jurisdictions
    if request_type:
        where.append("request_type_id = ?")
        params.append(request_type)
    if metrics:
        where.append("metric_id IN ({})".format(",".join("?" * len(metrics))))
        params += metrics
    found: dict[str, dict[str, int]] = {}
    for r in await rows(
        db,
        f"""SELECT platform_id, jurisdiction_id, count(*) AS points FROM figures_series
            WHERE {" AND ".join(where)} GROUP BY platform_id, jurisdiction_id, request_type_id
            HAVING count(DISTINCT metric_id) >= ?""",
        [*params, max(len(metrics), 1)],
    ):
        places = found.setdefault(r["platform_id"], {})
        places[r["jurisdiction_id"]] = places.get(r["jurisdiction_id"], 0) + r["points"]
    return found


def most_points(points: dict[str, int]) -> list[tuple[str, int]]:
    """``points`` ({id: points}) as pairs, the most points first, then by id: deterministic."""
    return sorted(points.items(), key=lambda p: (-p[1], p[0]))


async def platforms_with_series(
    db, jurisdictions: list[str], request_type: str | None, metrics: list[str]
) -> list[tuple[str, int]]:
    """The platforms with a series of ``metrics`` of ``request_type`` (``series_points``) in
    ``jurisdictions``, each with its points there: first those with one in the most of
    ``jurisdictions``, then the most points, then by id. /chart's platform when the address names a
    metric or request type but no platform: Zoom's six U.S. points of "requests processed" would
    have drawn the United States alone where Germany was asked beside it, which Amazon has."""
    found = await series_points(db, request_type, metrics, jurisdictions)
    points = {platform: sum(places.values()) for platform, places in found.items()}
    return sorted(points.items(), key=lambda p: (-len(found[p[0]]), -p[1], p[0]))


async def platforms_anywhere(db, request_type: str | None, metrics: list[str]) -> list[tuple[str, int, str, int]]:
    """The platforms with a series of ``metrics`` of ``request_type`` (``series_points``) in any
    jurisdiction, the most points first, then by id: (platform, its points, the jurisdiction where
    it has the most, its points there). What /chart draws when the address names neither a
    platform nor a country, and the United States has no such series; else what its 404 lists."""
    found = await series_points(db, request_type, metrics)
    return [
        (platform, points, *most_points(found[platform])[0])
        for platform, points in most_points({p: sum(places.values()) for p, places in found.items()})
    ]


async def no_platform_series_message(
    datasette, db, jurisdictions: list[str], request_type: str | None, metrics: list[str], what: str, listed: bool
) -> str:
    """/chart's 404 when the address names a metric or request type but no platform, and no platform
    has a series of it in ``jurisdictions``: the platforms with one elsewhere, the most points
    first, each with the jurisdiction where it has the most (and its /chart.json address when
    ``listed``, for a program; the page's form picks)."""
    named = "&".join(([f"request_type={request_type}"] if request_type else []) + [f"metric={m}" for m in metrics])
    elsewhere = []
    for platform, _, place, _ in await platforms_anywhere(db, request_type, metrics):
        address = f": {chart_json_url(datasette, platform, [place], request_type, metrics)}" if listed else ""
        elsewhere.append(f"{platform} ({place}{address})")
    there = f"those with one elsewhere are {'; '.join(elsewhere)}" if elsewhere else "none has one anywhere"
    return f"{named}: no platform has a series of {what} for {', '.join(jurisdictions)}; {there}"


def chart_json_url(
    datasette, platform: str, jurisdictions: list[str], request_type: str | None, metrics: list[str]
) -> str:
    """The address of /chart.json for one selection, as a 404 of /chart.json names what there is."""
    query = [("platform", platform)] + [("jurisdiction", j) for j in jurisdictions]
    query += ([("request_type", request_type)] if request_type else []) + [("metric", m) for m in metrics]
    return datasette.urls.path("chart.json") + "?" + urlencode(query)


async def chart_page(datasette, request):
    """/chart?platform=&jurisdiction=&request_type=&metric= (jurisdiction and metric may repeat).

    A selection it cannot draw (two platforms, an id no vocabulary has) is a 400: the JSON in the
    API's error shape; the page is the chart page, its form holding what was valid (defaults in
    place of the rest), with what to change where the chart would be.
    """
    db = datasette.get_database(database_name(datasette))
    args = request.args
    as_json = request.url_vars.get("format") == "json"
    # The first reason the selection cannot be drawn; each bad value is then left out, so that
    # the page's form offers what exists.
    problem = None
    given = {}
    for single in ("platform", "request_type"):
        # Only the first was read: platform=google&platform=apple charted Google alone, silently,
        # and platform=&platform=google charted Telegram (the blank first one is no choice).
        # A request type's id in lower case (request_type=ALL); a platform's by platform_id_of, name too.
        chosen = choices(args, single, str.lower if single == "request_type" else str)
        if single == "platform":
            # One platform however it is named: platform=google&platform=Google is Google once.
            chosen = list(dict.fromkeys([await platform_id_of(db, p) or p for p in chosen]))
        if len(chosen) > 1:
            elsewhere = "; /compare sets platforms side by side" if single == "platform" else ""
            problem = problem or f"One {single} per chart (jurisdiction and metric may repeat){elsewhere}"
            chosen = []
        given[single] = chosen[0] if chosen else None
    platform = given["platform"] or "telegram"
    # Each once: jurisdiction=USA&jurisdiction=USA titled the chart "USA, USA".
    # USA stands in only once the values are checked: "asked" keeps [] where none was given.
    jurisdictions = list(dict.fromkeys(j.strip().upper() for j in args.getlist("jurisdiction") if j.strip()))
    # Ids as the data writes them, in lower case (metric=Requests_Received), as ISO codes in upper.
    metrics = list(dict.fromkeys(m.strip().lower() for m in args.getlist("metric") if m.strip()))
    known = await rows(db, "SELECT name FROM platforms WHERE platform_id = ?", [platform])
    if not known:
        # Drawn under the id, as jurisdictions are read in upper case (usa is USA).
        platform = await platform_id_of(db, platform) or platform
        known = await rows(db, "SELECT name FROM platforms WHERE platform_id = ?", [platform])
    if not known:
        platforms = await vocabulary(db, "platforms", "platform_id")
        problem = problem or choice_problem("platform", [platform], platforms, listed=as_json)
        platform = "telegram"
        known = await rows(db, "SELECT name FROM platforms WHERE platform_id = ?", [platform])
    # Values the vocabulary does not have are a 400; known ones that this platform lacks keep the
    # page's own message (the form keeps a country when the platform changes).
    vocabularies = {
        "jurisdiction": await vocabulary(db, "jurisdictions", "jurisdiction_id"),
        "request_type": await vocabulary(db, "request_types", "request_type_id"),
        "metric": await vocabulary(db, "metrics", "metric_id"),
    }
    chosen = {
        "jurisdiction": jurisdictions,
        "request_type": [given["request_type"]] if given["request_type"] else [],
        "metric": metrics,
    }
    for parameter, values in chosen.items():
        sent = as_sent(args, parameter, str.upper if parameter == "jurisdiction" else str.lower)
        problem = problem or await page_choice_problem(db, parameter, values, vocabularies[parameter], as_json, sent)
        chosen[parameter] = [v for v in values if v in vocabularies[parameter]]
    if problem and as_json:
        return await bad_request(datasette, request, problem)
    jurisdictions = chosen["jurisdiction"] or ["USA"]
    given["request_type"] = (chosen["request_type"] or [None])[0]
    metrics = chosen["metric"]
    # A platform named without a country opens where it has a series: the United States, the
    # default, where it has one there, else the jurisdiction with the most points of it (GitHub,
    # LINE, Tuta and Facebook have no U.S. series, so /chart?platform=github was a 404).
    jurisdiction_chosen_id, jurisdiction_chosen_sentence = None, None
    if given["platform"] and not chosen["jurisdiction"] and not problem:
        places = (await series_points(db, given["request_type"], metrics)).get(platform, {})
        such = bool(places) and bool(given["request_type"] or metrics)
        if not places:
            # None of what was asked anywhere (GitHub's "requests with content disclosed"): where it
            # has a series, whose 404 lists what it has there; the U.S., with no GitHub series, gave
            # a 404 listing GitHub's countries, as though one of them had the metric.
            places = (await series_points(db, None, [])).get(platform, {})
        if places and "USA" not in places:
            place, points = most_points(places)[0]
            jurisdictions = [place]
            (named,) = await rows(db, "SELECT name FROM jurisdictions WHERE jurisdiction_id = ?", [place])
            jurisdiction_chosen_id = place
            jurisdiction_chosen_sentence = (
                f"No country given, and {known[0]['name']} has no {'such ' if such else ''}"
                f"series for the United States (the default): this chart "
                f"is of {named['name']} ({place}), where it has the most points ({points:,})."
            )
    # What the address asked for (null or [] where the page chose a default), beside "selected",
    # what it shows: a 200 of /chart.json is the series asked for, defaults filled in.
    asked = {
        "platform": given["platform"],
        "jurisdictions": chosen["jurisdiction"],
        "request_type": given["request_type"],
        "metrics": list(metrics),
    }
    # Why the platform drawn is not Telegram, the default, when the address named none: a metric or
    # request type asked for is drawn from a platform that has a series of it (metric=
    # requests_content_disclosed was a 404, as Telegram has none).
    platform_chosen_id, platform_chosen_sentence, no_series = None, None, None
    if not given["platform"] and not problem and (metrics or given["request_type"]):
        ranked = await platforms_with_series(db, jurisdictions, given["request_type"], metrics)
        what = series_words(await labels(db), given["request_type"], metrics)
        if not ranked and not chosen["jurisdiction"]:
            # No country was asked either: the United States was the page's own default, so a
            # series no platform has there (Korea's request types, MLATs, items provided) opens
            # where the platform with the most of it has the most, rather than a 404 for USA.
            anywhere = await platforms_anywhere(db, given["request_type"], metrics)
            if anywhere:
                platform, points, place, here = anywhere[0]
                jurisdictions = [place]
                known = await rows(db, "SELECT name FROM platforms WHERE platform_id = ?", [platform])
                (named,) = await rows(db, "SELECT name FROM jurisdictions WHERE jurisdiction_id = ?", [place])
                platform_chosen_id, jurisdiction_chosen_id = platform, place
                platform_chosen_sentence = (
                    f"No platform given: this chart is {known[0]['name']}'s, the platform with the most points "
                    f"({points:,}) of {what} in the non-overlapping series."
                )
                jurisdiction_chosen_sentence = (
                    f"No country given, and no platform has such a series for the United States (the default): "
                    f"this chart is of {named['name']} ({place}), where {known[0]['name']} has the most points "
                    f"({here:,})."
                )
        elif ranked:
            platform, points = ranked[0]
            known = await rows(db, "SELECT name FROM platforms WHERE platform_id = ?", [platform])
            platform_chosen_id = platform
            platform_chosen_sentence = (
                f"No platform given: this chart is {known[0]['name']}'s, the platform with the most points ({points:,}) "
                f"of {what} for {', '.join(jurisdictions)} in the non-overlapping series."
            )
        else:
            no_series = await no_platform_series_message(
                datasette, db, jurisdictions, given["request_type"], metrics, what, as_json
            )
            if as_json:
                return await not_found(datasette, request, no_series)
    options = await rows(
        db,
        """SELECT DISTINCT s.request_type_id, r.label AS request_type, s.metric_id, m.label AS metric, m.unit
           FROM figures_series s JOIN request_types r USING (request_type_id) JOIN metrics m USING (metric_id)
           WHERE s.platform_id = ? AND s.jurisdiction_id IN ({})
           ORDER BY r.label, m.label""".format(",".join("?" * len(jurisdictions))),
        [platform, *jurisdictions],
    )
    counts: dict[str, int] = {}
    for o in options:
        counts[o["request_type_id"]] = counts.get(o["request_type_id"], 0) + 1
    # Each request type's newest period here, so that the one chosen for a reader is no series
    # that stopped long before the others (Google's "all requests", ended 2017, drawn from 2010).
    newest = {
        r["request_type_id"]: r["newest"]
        for r in await rows(
            db,
            """SELECT request_type_id, max(period_end) AS newest FROM figures_series
               WHERE platform_id = ? AND jurisdiction_id IN ({}) GROUP BY request_type_id""".format(
                ",".join("?" * len(jurisdictions))
            ),
            [platform, *jurisdictions],
        )
    }
    # The form keeps the request type and metrics when the platform (or request type) changes:
    # one this selection has no series of gives way to the platform's headline request type and
    # the request type's first metric, and the page says so. (Telegram's "IP address and/or phone
    # number" sent to Apple answered with an empty Metric list, and Draw then drew another chart.)
    notices = []
    request_type = given["request_type"]
    names = await labels(db)
    main = (await freshness(db)).get(platform, {}).get("main_request_type_id")
    having = {r for r in counts if set(metrics) <= {o["metric_id"] for o in options if o["request_type_id"] == r}}
    # The series (request type, metric) of this platform in every jurisdiction drawn: the default
    # request type and metric are one of them where there is one (Google's main series, legal
    # process requests, has Korea and not the United States: KOR beside USA drew Korea's line alone
    # and its JSON was a 404, where "emergency" has both).
    covered = {
        (r["request_type_id"], r["metric_id"])
        for r in await rows(
            db,
            """SELECT request_type_id, metric_id FROM figures_series WHERE platform_id = ? AND jurisdiction_id IN ({})
               GROUP BY request_type_id, metric_id HAVING count(DISTINCT jurisdiction_id) = ?""".format(
                ",".join("?" * len(jurisdictions))
            ),
            [platform, *jurisdictions, len(jurisdictions)],
        )
    }
    everywhere = {r for r, m in covered if not metrics or all((r, asked_metric) in covered for asked_metric in metrics)}
    if request_type and counts and request_type not in counts:
        if as_json:
            # A program reads the data, not the message: another request type's series under 200
            # was taken for the one asked (Google's India has no "IP address and/or phone number").
            there = [
                f"{r} ({names[r]}): {chart_json_url(datasette, platform, jurisdictions, r, [])}" for r in sorted(counts)
            ]
            return await not_found(
                datasette,
                request,
                f"request_type={request_type}: {known[0]['name']} has no series of {names[request_type]!r} for "
                f"{', '.join(jurisdictions)}; its request types there are {'; '.join(there)}",
            )
        headline = default_request_type(counts, newest, main, having, everywhere)
        notices.append(
            f"{known[0]['name']} has no series of the request type “{names[request_type]}” for "
            f"{', '.join(jurisdictions)}: this chart shows its “{names[headline]}”."
        )
        request_type = headline
    request_type = request_type or default_request_type(counts, newest, main, having, everywhere)
    # The headline counts first (requests received, then fulfilled, ...), the rest by label: by
    # label alone Google's India opened on "% of requests where some data was produced".
    offered = sorted(
        (o["metric_id"] for o in options if o["request_type_id"] == request_type),
        key=lambda m: HEADLINE_COUNTS.index(m) if m in HEADLINE_COUNTS else len(HEADLINE_COUNTS),
    )
    if options and metrics:
        missing = [m for m in metrics if m not in offered]
        if missing and as_json:
            # Left out or replaced, the chart is not the one asked for: a program took the rest for it.
            there = [
                f"{m} ({names[m]}): {chart_json_url(datasette, platform, jurisdictions, request_type, [m])}"
                for m in sorted(offered)
            ]
            return await not_found(
                datasette,
                request,
                f"metric={','.join(missing)}: {known[0]['name']} has no series of "
                f"{', '.join(repr(names[m]) for m in missing)} of {names[request_type]!r} for "
                f"{', '.join(jurisdictions)}; its metrics of that request type there are {'; '.join(there)}",
            )
        metrics = [m for m in metrics if m in offered]
        if missing:
            notices.append(
                f"No series of {', '.join(f'“{names[m]}”' for m in missing)} for this request type: "
                + ("left out." if metrics else f"this chart shows “{names[offered[0]]}”.")
            )
    if not metrics:
        metrics = ([m for m in offered if (request_type, m) in covered] or offered)[:1]
    drawn, message, refused = None, None, None
    if problem:
        # Nothing is drawn: a chart of the defaults would read as the answer to what was asked.
        refused = problem
        message = problem + "."
    elif options and request_type and metrics and not no_series:
        # A jurisdiction with no series of this selection draws no line: titled with the others
        # only, and said, where Google's legal process requests for USA and ISL were titled
        # "United States and Iceland" over Iceland's line alone.
        charted = {
            r["jurisdiction_id"]
            for r in await rows(
                db,
                """SELECT DISTINCT jurisdiction_id FROM figures_series WHERE platform_id = ? AND request_type_id = ?
                   AND metric_id IN ({}) AND jurisdiction_id IN ({})""".format(
                    ",".join("?" * len(metrics)), ",".join("?" * len(jurisdictions))
                ),
                [platform, request_type, *metrics, *jurisdictions],
            )
        }
        uncharted = [j for j in jurisdictions if j not in charted]
        if uncharted and charted and as_json:
            kept = [j for j in jurisdictions if j in charted]
            return await not_found(
                datasette,
                request,
                f"jurisdiction={','.join(uncharted)}: {known[0]['name']} has no series of "
                f"{in_words([repr(names[m]) for m in metrics])} of {names[request_type]!r}"
                f"{'' if asked['request_type'] else ' (drawn where no request_type is given)'} for "
                f"{', '.join(uncharted)}; the chart of the others is "
                f"{chart_json_url(datasette, platform, kept, request_type, metrics)}",
            )
        if uncharted and charted:
            notices.append(f"{known[0]['name']} has no series of this selection for {', '.join(uncharted)}: left out.")
        titled = [j for j in jurisdictions if j in charted] or jurisdictions
        # Titled in words, as the platform pages' charts are: "(USA, DEU, ip_or_phone)" named
        # the chart, its PNG and its citation in codes.
        places = {
            r["jurisdiction_id"]: r["name"]
            for r in await rows(
                db,
                "SELECT jurisdiction_id, name FROM jurisdictions WHERE jurisdiction_id IN ({})".format(
                    ",".join("?" * len(jurisdictions))
                ),
                jurisdictions,
            )
        }
        try:
            drawn = await chart(
                datasette,
                request,
                platform=platform,
                jurisdictions=jurisdictions,
                request_type=request_type,
                metrics=metrics,
                title=f"{known[0]['name']}, {in_words([places[j] for j in titled])}: "
                + f"{in_sentence(names[request_type])}, "
                + in_words(
                    [
                        in_sentence(o["metric"])
                        for o in options
                        if o["metric_id"] in metrics and o["request_type_id"] == request_type
                    ]
                ),
            )
        except BadSelection as error:
            # The JSON keeps the API's error shape; the page keeps its form, with what to change.
            if as_json:
                return await bad_request(datasette, request, str(error))
            refused = str(error)
            message = refused[:1].upper() + refused[1:] + "."
    # A selection with no series is a 404, page and JSON alike: the JSON's chart: null under 200 (one
    # jurisdiction alone) was taken for what the platform reports there, and the page's 200 said
    # what its JSON's 404 said. The page names no address (its form lists what there is).
    missing = no_series
    if drawn is None and not refused and not options and not missing:
        there = await rows(
            db,
            "SELECT DISTINCT jurisdiction_id FROM figures_series WHERE platform_id = ? ORDER BY jurisdiction_id",
            [platform],
        )
        if there and as_json:
            example = (
                datasette.urls.path("chart.json")
                + "?"
                + urlencode([("platform", platform), ("jurisdiction", there[0]["jurisdiction_id"])])
            )
            exists = f"its jurisdictions with series are {', '.join(r['jurisdiction_id'] for r in there)} (for example {example})"
        elif there:
            exists = "pick a jurisdiction from the Jurisdiction list, which lists those with series"
        else:
            # Signal publishes cases, not counts: no jurisdiction of its list has a series.
            exists = (
                f"it has no series to chart in any jurisdiction; what it publishes is on its page, "
                f"{datasette.urls.path('platform/' + platform)}"
            )
        named = f"jurisdiction={','.join(jurisdictions)}" if asked["jurisdictions"] else f"platform={platform}"
        given_where = "" if asked["jurisdictions"] else ", charted where no jurisdiction is given"
        missing = f"{named}: {known[0]['name']} has no series for {', '.join(jurisdictions)}{given_where}; {exists}"
    if missing and as_json:
        return await not_found(datasette, request, missing)
    if missing:
        message = missing + "."
    elif drawn is None and not refused:
        message = "No non-overlapping series matches this selection: try another request type or metric."
    elif drawn:
        message = " ".join(notices) or None
    context = {
        "chart": drawn,
        "charts_json": embed([drawn] if drawn else []),
        "message": message,
        # A 400 or 404: the message is what to change, shown as an error and announced by screen readers.
        "refused": bool(refused or missing),
        "asked": asked,
        # The platform chosen for the reader, when the address named a metric or request type but no
        # platform (else null): its id for programs, and why in a sentence for people.
        "platform_chosen_id": platform_chosen_id,
        "platform_chosen_sentence": platform_chosen_sentence,
        # The jurisdiction chosen for the reader, when the address named none and the United States,
        # the default, has no such series (else null): its id for programs, and why for people.
        "jurisdiction_chosen_id": jurisdiction_chosen_id,
        "jurisdiction_chosen_sentence": jurisdiction_chosen_sentence,
        "selected": {
            "platform": platform,
            "jurisdictions": jurisdictions,
            "request_type": request_type,
            "metrics": metrics,
        },
        "platforms": await rows(
            db, "SELECT platform_id, name FROM platforms ORDER BY name COLLATE NOCASE, platform_id"
        ),
        "jurisdiction_options": await rows(
            db,
            """SELECT DISTINCT j.jurisdiction_id, j.name FROM figures_series s JOIN jurisdictions j USING (jurisdiction_id)
               WHERE s.platform_id = ? ORDER BY j.name""",
            [platform],
        ),
        "request_type_options": sorted(
            {(o["request_type_id"], o["request_type"]) for o in options}, key=lambda o: o[1]
        ),
        "metric_options": sorted(
            {(o["metric_id"], o["metric"]) for o in options if o["request_type_id"] == request_type}, key=lambda o: o[1]
        ),
    }
    return await render(datasette, request, "explore/chart.html", context, 400 if refused else 404 if missing else 200)


# What a reader may add to /compare's address for a period it does not take (its HTML says so;
# its JSON refuses any parameter it does not read, page_parameter_problem).
PERIOD_WORDS = ("period", "year", "period_label")

# What /compare lists of a newest figure it does not compare (country_newest's columns).
NOT_COMPARED_FIELDS = (
    "figure_id",
    "platform_id",
    "platform_name",
    "request_type_id",
    "metric_id",
    "period_start",
    "period_end",
    "value_kind",
    "value_text",
)


def compare_contents(groups: list[dict]) -> list[dict]:
    """The compare page's "On this page" list: [{"metric_label", "entries": [{"request_type",
    "anchor", "platforms"}]}], each metric where its first table stands, its request types in
    the page's order (most platforms compared first). The United States' page holds 76 tables."""
    contents: dict[str, list[dict]] = {}
    for group in groups:
        contents.setdefault(group["metric_label"], []).append(
            {
                "request_type": group["request_type"],
                "anchor": group["anchor"],
                "platforms": len({c["platform_id"] for c in group["cells"]}),
            }
        )
    return [{"metric_label": label, "entries": entries} for label, entries in contents.items()]


async def compare_page(datasette, request):
    """/compare?jurisdiction=USA&platform=google&platform=meta: newest figures aligned by metric."""
    db = datasette.get_database(database_name(datasette))
    # Only the first was read: jurisdiction=USA&jurisdiction=DEU compared the United States alone,
    # silently, and jurisdiction=&jurisdiction=DEU compared the United States (the default).
    jurisdiction_id, problem = single_choice(
        request.args,
        "jurisdiction",
        "comparison",
        " (platform may repeat; /chart sets jurisdictions side by side)",
        str.upper,
    )
    if problem:
        return await bad_request(datasette, request, problem)
    jurisdiction_id = jurisdiction_id or "USA"
    found = await rows(db, "SELECT * FROM jurisdictions WHERE jurisdiction_id = ?", [jurisdiction_id])
    if not found:
        # Worded as /chart words it (it was "No jurisdiction 'GERMANY': ...; for DEU, jurisdiction=DEU"
        # here, "jurisdiction=GERMANY: no such jurisdiction; ...: for GERMANY, jurisdiction=DEU" there),
        # with the codes listed: this page's refusal is an error page, without the form's list. It
        # quotes the value as sent: "for GERMANY" named a value the client never wrote.
        jurisdictions = await vocabulary(db, "jurisdictions", "jurisdiction_id")
        sent = as_sent(request.args, "jurisdiction", str.upper)
        problem = await page_choice_problem(db, "jurisdiction", [jurisdiction_id], jurisdictions, True, sent)
        return await bad_request(datasette, request, problem)
    # Some platforms hold EU DSA orders alone here (Facebook's and Instagram's global figures are
    # Meta's, YouTube's Google's): the picker says so, or "Facebook" read as its request count. Read
    # for this jurisdiction: Reddit's one figure for Germany is an EU DSA order, and its picker
    # did not say so, since Reddit's own reports hold figures for other places.
    marks = ", ".join("?" for _ in DSA_REQUEST_TYPES)
    available = await rows(
        db,
        f"""SELECT p.platform_id, p.name, min(f.request_type_id IN ({marks})) AS dsa_only
            FROM figures f JOIN platforms p USING (platform_id)
            WHERE f.jurisdiction_id = ? GROUP BY p.platform_id ORDER BY p.name COLLATE NOCASE, p.platform_id""",
        [*DSA_REQUEST_TYPES, jurisdiction_id],
    )
    for p in available:
        p["dsa_only"] = bool(p["dsa_only"])
    chosen = [await platform_id_of(db, p) or p for p in choices(request.args, "platform")]
    chosen = list(dict.fromkeys(chosen)) or [p["platform_id"] for p in available]
    problem = choice_problem("platform", chosen, await vocabulary(db, "platforms", "platform_id"))
    if problem:
        return await bad_request(datasette, request, problem)
    newest_sql = (await datasette.get_canned_query(database_name(datasette), "country_newest", None))["sql"]
    newest = [f for f in await rows(db, newest_sql, {"jurisdiction": jurisdiction_id}) if f["platform_id"] in chosen]
    # Only exact figures are aligned and flagged: a band or a figure not reported has no number to
    # set beside another. The others are listed, so that every newest figure is accounted for.
    figures = [f for f in newest if f["value_kind"] == "exact"]
    not_compared = [{k: f[k] for k in NOT_COMPARED_FIELDS} for f in newest if f["value_kind"] != "exact"]
    fresh = await freshness(db)
    for platform_id, request_types in (await claim_request_types(db) if fresh else {}).items():
        fresh[platform_id]["published_up_to_request_types"] = request_types
    groups: dict[tuple, dict] = {}
    for f in figures:
        f["period"] = period_name(f["period_start"], f["period_end"])
        f["shown"] = shown_value(f["value"], f["unit"])
        group = groups.setdefault(
            (f["metric_group"], f["request_type_id"]),
            {
                "metric_label": f["metric_group_label"],
                "definition": f["metric_definition"],
                "request_type": f["request_type_label"],
                "cells": [],
            },
        )
        group["cells"].append(f)
    for group in groups.values():
        compare_flags(group["cells"])
        group["period_note"] = period_note(group["cells"])
        for cell in group["cells"]:
            for make_flag in (fresher_flag, overdue_flag):
                flag = make_flag(cell, fresh.get(cell["platform_id"]))
                if flag:
                    cell["flags"].append(flag)
            if cell["request_type_id"] == "all":
                record = {k: cell[k] for k in ("platform_id", "metric_id", "period_start", "period_end")}
                reported = await rows(db, TOTAL_PARTS_SQL, {**record, "jurisdiction_id": jurisdiction_id})
                parts = {r["request_type_id"]: r["value"] for r in reported}
                flag = preservation_flag(cell, parts)
                if flag:
                    cell["flags"].append(flag)
    ordered = sorted(
        groups.values(),
        key=lambda g: (-len({c["platform_id"] for c in g["cells"]}), g["metric_label"], g["request_type"]),
    )
    for index, group in enumerate(ordered):
        group["anchor"] = f"compare-{index}"
    # What each platform shown leaves out of its reports (Microsoft's consumer totals without its
    # enterprise requests from 2017): a caveat of the platform, not of one figure, so no flag
    # carried it, and a reader set two totals side by side that count different things.
    shown_platforms = sorted({f["platform_id"] for f in newest})
    caveats = await rows(
        db,
        f"""SELECT platform_id, name, not_reported FROM platforms
            WHERE platform_id IN ({", ".join("?" for _ in shown_platforms)}) AND coalesce(not_reported, '') != ''
            ORDER BY name COLLATE NOCASE, platform_id""",
        shown_platforms,
    )
    context = {
        "jurisdiction": found[0],
        # The countries with figures, and the one asked for even without any (/country/ABW links
        # here): the picker showed Afghanistan under the heading "Aruba".
        "jurisdictions": await rows(
            db,
            """SELECT j.jurisdiction_id, j.name FROM jurisdictions j
               WHERE j.jurisdiction_id IN (SELECT DISTINCT jurisdiction_id FROM figures) OR j.jurisdiction_id = ?
               ORDER BY j.name""",
            [jurisdiction_id],
        ),
        "available": available,
        "chosen": chosen,
        "groups": ordered,
        "contents": compare_contents(ordered),
        "flagged": sum(1 for g in ordered for c in g["cells"] if c["flags"]),
        "not_compared": not_compared,
        # Not "not_reported": beside not_compared, whose figures' value_kind can be not_reported.
        "platforms_not_reported": caveats,
        # No period picker: platforms report over different periods (halves, years, quarters,
        # Telegram's January–September 2024), so one period would set a half beside a year or leave
        # most platforms out. The page says so, with how many periods its figures cover, and says
        # that a period in its address (?period=2024, ?year=2024) was not applied.
        "compared_periods": len({(c["period_start"], c["period_end"]) for g in ordered for c in g["cells"]}),
        "period_asked": next((f"{key}={request.args[key]}" for key in PERIOD_WORDS if request.args.get(key)), None),
        "figures_url": datasette.urls.table(database_name(datasette), "figures")
        + "?"
        + urlencode([("jurisdiction_id", jurisdiction_id)]),
    }
    return await render(datasette, request, "explore/compare.html", context)


def in_words(names: list[str]) -> str:
    """Names as a sentence lists them: "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: its first letter lower-cased, unless its first word
    is an acronym ("EU DSA orders …", "IP address …" stay as they are)."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return label
    return label[:1].lower() + label[1:]


# The request types a headline total ("all") can be made of, preservation among them.
TOTAL_PARTS = ("legal_process", "emergency", "preservation")
TOTAL_PARTS_SQL = """SELECT request_type_id, value FROM figures
  WHERE platform_id = :platform_id AND jurisdiction_id = :jurisdiction_id AND metric_id = :metric_id
    AND period_start = :period_start AND period_end = :period_end AND value_kind = 'exact'
    AND request_type_id IN ('legal_process', 'emergency', 'preservation')"""


def preservation_flag(cell: dict, parts: dict[str, float]) -> dict | None:
    """A flag on a headline total (request type "all") that the platform's own figures show counts
    preservation requests, which disclose nothing: its reported legal, emergency and preservation
    figures of the same record add up to it exactly (TikTok's per-market totals; Google's and
    Meta's do not count them). A derived total (a year of two halves) is judged by the parts
    derived for the same year. ``parts``: {request type: value} of TOTAL_PARTS, exact."""
    if cell["request_type_id"] != "all" or not parts.get("preservation") or cell["value"] is None:
        return None
    # Preservation alone equal to the total (1 = 1, as Discord's Chile figures were while its
    # non-US requests were filed as all) shows nothing: another part must be in the sum too.
    if not (parts.keys() & {"legal_process", "emergency"}):
        return None
    if sum(parts.values()) != cell["value"]:
        return None
    shown = " + ".join(f"{name.replace('_', ' ')} {parts[name]:,}" for name in TOTAL_PARTS if name in parts)
    return {
        "kind": "scope",
        "text": "counts preservation requests",
        "detail": f"{cell['value']:,} = {shown}; preservation alone discloses nothing",
    }


def fresher_flag(cell: dict, info: dict | None) -> dict | None:
    """The "platform has published newer" flag of one compared figure, or None.

    ``cell``: platform_name, request_type_id, request_type_label, period_end. ``info``: the
    platform's platform_freshness row, with ``published_up_to_request_types`` (the request type ids
    of its freshness source's figures for the period ending ``published_up_to``; labels hold
    commas, so ``published_up_to_series`` cannot be split). Per regime: an EU DSA order is measured against the DSA
    series' newest period (``dsa_published_up_to``), anything else against the global reports', so
    a DSA file never makes a global figure look stale. And per series: when the global claim
    (``published_up_to``) rests only on series other than the main one (Google's 2025-12-31 is its
    National Security Letter bands'), it dates only those series; any other figure is measured
    against the main series' end (``main_series_up_to``), never against an unrelated series.
    """
    if not info:
        return None
    dsa = cell["request_type_id"] in DSA_REQUEST_TYPES
    checked = "" if dsa or not info.get("published_up_to_checked") else f" (checked {info['published_up_to_checked']})"
    if dsa:
        newest, text = info.get("dsa_published_up_to"), "has published EU DSA orders up to {}"
    elif info.get("published_up_to_series") and info.get("published_up_to_main_series") == 0:
        if cell["request_type_id"] in info.get("published_up_to_request_types", ()):
            newest, text = (
                info.get("published_up_to"),
                f"has published {cell['request_type_label']} up to {{}}{checked}",
            )
        else:
            # The claim says nothing of this series: compare with the main series' own end.
            newest = info.get("main_series_up_to")
            text = f"has figures for its main series, {info.get('main_series')}, up to {{}}"
    else:
        newest, text = info.get("published_up_to"), f"has published up to {{}}{checked}"
    if not newest or newest <= cell["period_end"]:
        return None
    return {
        "kind": "fresher",
        "text": f"{cell['platform_name']} {text.format(newest)}; this figure is older",
        "detail": "",
    }


def overdue_flag(cell: dict, info: dict | None) -> dict | None:
    """The "possibly out of date" flag of one compared figure of the global reports, or None.

    Set when the build found the platform's main series older than its cadence allows on the date
    its claim was checked (``behind_cadence``, measured on ``behind_cadence_up_to``), and this
    figure is from that newest period (an older one carries the "fresher" flag): a newer report
    may exist. EU DSA orders have a freshness of their
    own (``dsa_behind_cadence``).
    """
    if not info:
        return None
    if cell["request_type_id"] in DSA_REQUEST_TYPES:
        up_to, behind, cadence = (
            info.get("dsa_published_up_to"),
            info.get("dsa_behind_cadence"),
            info.get("dsa_cadence"),
        )
    else:
        up_to, behind, cadence = info.get("behind_cadence_up_to"), info.get("behind_cadence"), info.get("cadence")
    if behind != 1 or not up_to or cell["period_end"] != up_to:
        return None
    main = (
        ""
        if cell["request_type_id"] in DSA_REQUEST_TYPES or up_to == info.get("published_up_to")
        else " of its main series"
    )
    checked = info.get(
        "dsa_published_up_to_checked" if cell["request_type_id"] in DSA_REQUEST_TYPES else "published_up_to_checked"
    )
    return {
        "kind": "overdue",
        "text": f"possibly out of date: {cell['platform_name']}'s newest report{main} known here ends {up_to}",
        "detail": f"Older than a {cadence} cadence allows on {checked}, the date it was checked: a newer report may exist",
    }


# What each list of the map's JSON means, in its own words, as the page says it. ``missing`` meant
# something else here than in coverage_cells (222 countries against 56 for Q1 2026): the page's
# sense is now ``unsourced``, and coverage_cells' sense is ``missing_in_coverage``.
MAP_UNSOURCED_MEANS = (
    "the countries of without_figure for which no public source gives Telegram's figure, although its bot "
    "used this period for every country; empty when the bot used this period for a few countries only "
    "(regular_period false): the others' reports cover other periods, so none is missing a figure for this one"
)
MAP_MISSING_IN_COVERAGE_MEANS = (
    "the countries of without_figure whose coverage_status is missing: coverage_cells' missing for Telegram and "
    "this period, among the countries Telegram has a figure for in some period (any metric); the same countries, "
    "as many as coverage_cells counts"
)
MAP_NOT_IN_COVERAGE_MEANS = (
    "the countries of without_figure that Telegram has no figure for in any period, of any metric: coverage_cells "
    "has no row for them (coverage_status null), so it counts none of them as missing"
)
MAP_COVERAGE_STATUS_MEANS = (
    "each country of without_figure has the status coverage_cells gives it for Telegram and this period, over every "
    "metric (reported, derived, withheld, not_reported, in_longer_period or missing), or null when it has no row "
    "there for this period: no Telegram figure in any period (not_in_coverage), or a period the bot used for a few "
    "other countries only (regular_period false); reported, derived, withheld or not_reported here mean a row of the other metric, or one without an "
    "exact value"
)
# The map's ``missing`` until 2.0.0, kept one release for programs that read it.
MAP_MISSING_MEANS = (
    f"deprecated: the same list as unsourced, under its old name, which is removed after release "
    f"{RELEASE_KEEPING_OLD_KEYS}; it is not coverage_cells' missing, which is missing_in_coverage"
)


def newest_map_period(periods: list[dict]) -> str:
    """The key of the period the map opens on: the newest (latest end, then most countries) among those
    with at least a quarter as many countries as the best-covered one, so the page opens on recent
    figures and not on a map of the two countries whose newest answer is in. "" without periods.

    ``periods``: dicts with key, period_start, period_end (ISO dates) and countries.
    """
    if not periods:
        return ""
    enough = max(p["countries"] for p in periods) / 4
    candidates = [p for p in periods if p["countries"] >= enough]
    return max(candidates, key=lambda p: (p["period_end"], p["countries"], p["period_start"]))["key"]


async def telegram_map_page(datasette, request):
    """/telegram-map?period=START_END&metric=requests_fulfilled: Telegram's figures for one period."""
    db = datasette.get_database(database_name(datasette))
    periods = await rows(
        db,
        """SELECT period_start, period_end, max(period_label) AS label, count(DISTINCT jurisdiction_id) AS countries
           FROM figures WHERE platform_id = 'telegram' GROUP BY period_start, period_end
           ORDER BY period_start, period_end""",
    )
    for p in periods:
        p["key"] = f"{p['period_start']}_{p['period_end']}"
        p["name"] = period_name(p["period_start"], p["period_end"])
    # Only the first of each was read: metric=&metric=accounts_affected mapped requests, and
    # period=A&period=B mapped A alone, silently.
    given = {}
    for single in ("metric", "period"):
        # Ids as the data writes them, in lower case: period=2024Q4 is 2024q4.
        given[single], problem = single_choice(request.args, single, "map", normal=str.lower)
        if problem:
            return await bad_request(datasette, request, problem)
    metric = given["metric"] or "requests_fulfilled"
    if metric not in ("requests_fulfilled", "accounts_affected"):
        return await bad_request(datasette, request, "metric must be requests_fulfilled or accounts_affected")
    default = newest_map_period(periods)
    key = given["period"] or default
    # A period is also read as the figures name it (period_label: 2024, 2025q1, 2025h1,
    # 20250401-20250930), as the tables and a figure's id write it: period=2024 was "No Telegram
    # period '2024': pick one from the list", which a program reading the JSON had no list for.
    period = next((p for p in periods if key in (p["key"], p["label"])), None)
    if period is None:
        listed = ", ".join(f"{p['label']} ({p['name']})" for p in periods)
        return await bad_request(
            datasette,
            request,
            f"No Telegram period {key!r}: the map's periods are {listed}; name one as its period_label "
            "(2024, 2025q1) or as START_END (2024-01-01_2024-12-31), as the page's picker does",
        )
    values = await rows(
        db,
        """SELECT f.jurisdiction_id, j.name, j."numeric", f.value, f.value_text, f.is_derived, f.figure_id
           FROM figures f JOIN jurisdictions j USING (jurisdiction_id)
           WHERE f.platform_id = 'telegram' AND f.metric_id = ? AND f.period_start = ? AND f.period_end = ?
             AND f.value_kind = 'exact' ORDER BY f.value DESC, j.name""",
        [metric, period["period_start"], period["period_end"]],
    )
    without_figure = await rows(
        db,
        """SELECT j.jurisdiction_id, j.name, j."numeric" FROM jurisdictions j
           WHERE j.kind = 'country' AND j.jurisdiction_id NOT IN (
             SELECT jurisdiction_id FROM figures WHERE platform_id = 'telegram' AND metric_id = ?
               AND period_start = ? AND period_end = ? AND value_kind = 'exact')
           ORDER BY j.name""",
        [metric, period["period_start"], period["period_end"]],
    )
    # A period the bot used for a few countries only is not missing elsewhere (coverage_cells).
    regular = await rows(
        db,
        """SELECT coalesce(max(regular_period), 0) AS regular FROM coverage_cells
           WHERE platform_id = 'telegram' AND period_start = ? AND period_end = ?""",
        [period["period_start"], period["period_end"]],
    )
    regular_period = bool(regular[0]["regular"])
    coverage = await rows(
        db,
        """SELECT jurisdiction_id, status FROM coverage_cells
           WHERE platform_id = 'telegram' AND period_start = ? AND period_end = ?""",
        [period["period_start"], period["period_end"]],
    )
    coverage_status = {c["jurisdiction_id"]: c["status"] for c in coverage}
    for country in without_figure:
        country["coverage_status"] = coverage_status.get(country["jurisdiction_id"])
    tracked = {
        c["jurisdiction_id"]
        for c in await rows(db, "SELECT DISTINCT jurisdiction_id FROM coverage_cells WHERE platform_id = 'telegram'")
    }
    unsourced = without_figure if regular_period else []
    name = database_name(datasette)
    twin = [
        ("platform_id", "telegram"),
        ("metric_id", metric),
        ("period_start", period["period_start"]),
        ("period_end", period["period_end"]),
        ("value_kind", "exact"),
    ]
    twin += [("_col", c) for c in ("jurisdiction_id", "value", "is_derived", "period_label")] + [("_size", "max")]
    context = {
        "periods": periods,
        "period": period,
        "metric": metric,
        "values": values,
        "derived_count": sum(1 for v in values if v["is_derived"]),
        # The countries dotted in grey, and those of them missing a figure: every one in a period
        # the bot used for all countries, none in one it used for a few (the coverage table leaves
        # that cell blank). The JSON listed all 248 as missing where the page said none of them was.
        "without_figure": without_figure,
        "coverage_status_means": MAP_COVERAGE_STATUS_MEANS,
        "unsourced": unsourced,
        "unsourced_means": MAP_UNSOURCED_MEANS,
        # The two halves of without_figure that coverage_cells tells apart: a country it tracks for
        # Telegram and has no row of this period for, and one it has no row for in any period.
        "missing_in_coverage": [c for c in without_figure if c["coverage_status"] == "missing"],
        "missing_in_coverage_means": MAP_MISSING_IN_COVERAGE_MEANS,
        "not_in_coverage": [c for c in without_figure if c["jurisdiction_id"] not in tracked],
        "not_in_coverage_means": MAP_NOT_IN_COVERAGE_MEANS,
        "missing_means": MAP_MISSING_MEANS,
        "regular_period": regular_period,
        "map_json": embed(
            {
                "values": {v["numeric"]: v for v in values if v["numeric"]},
                "metric": metric,
                "period": period["name"],
                "world": datasette.urls.path("static/vendor/countries-50m.json"),
            }
        ),
        "csv_url": datasette.urls.table(name, "figures", format="csv") + "?" + urlencode(twin),
    }
    context = with_old_keys(context, {"missing": "unsourced"})
    return await render(datasette, request, "explore/telegram_map.html", context)


@hookimpl
def prepare_jinja2_environment(env, datasette):
    # Templates name periods as the pages do: {{ period_name(f.period_start, f.period_end) }}.
    env.globals["period_name"] = period_name
    # And flag a derived figure as its table cells do: {{ derived_badge() }}.
    env.globals["derived_badge"] = lambda: derived_badge(datasette)
    # And values as the comparison shows them: {{ shown_value(f.value, f.unit) }}.
    env.globals["shown_value"] = shown_value
    # And a log axis's note as value_axis decides it: {{ log_span }}.
    env.globals["log_span"] = LOG_SPAN


# The site's own pages under another format than they have: a 404 that says what there is,
# not Datasette's "Database not found" (it read /country/USA.csv as a database named country).
PAGES_WITH_JSON = ("countries", "platforms", "chart", "compare", "telegram-map", "country/", "platform/")


async def other_format(datasette, request):
    page = request.url_vars["page"]
    if page.startswith(("country/", "platform/")):
        # Named as its page reads it (/country/South%20Korea.csv, /country/usa.csv): the 404 names
        # the page's own address and JSON, not /country/South~20Korea.json, or "Nothing is at"
        # the ~ form; a name no page knows is that page's own 404, not a pointer to a JSON that is one.
        db = datasette.get_database(database_name(datasette))
        kind, asked = page.split("/", 1)
        asked = name_as_sent(asked)
        known = await (country_id(db, asked) if kind == "country" else platform_id_of(db, asked))
        if known is None:
            if kind == "platform":
                return error_json(404, no_platform_message(datasette, asked))
            return error_json(404, no_country_message(datasette, asked, await near_jurisdictions(db, [asked.upper()])))
        page = f"{kind}/{known}"
    answer = other_format_answer(datasette, page, request.url_vars["format"])
    if not request.url_vars["format"]:
        # /feed is an address a browser types: an HTML page, as every other 404 of the site.
        return await not_found(datasette, request, json.loads(answer.body)["error"])
    return answer


def other_format_answer(datasette, page: str, given: str) -> Response:
    """The 404 for /<page>.<given>, a format the page does not have, naming what there is."""
    if page == "feed":
        what = f"/feed has no .{given}" if given else "/feed is not a page"
        message = f"{what}: the releases' feed is /feed.atom (Atom), and /changes is its page"
    elif page.startswith(PAGES_WITH_JSON):
        message = (
            f"/{page} has no .{given}: its data is /{page}.json (with the same query), "
            "and the page links a CSV of each of its tables"
        )
    else:
        message = (
            f"/{page} is a page only, with no .{given}: the data it shows is in the /{database_name(datasette)} tables"
        )
    return error_json(404, message)


# The navigation's names, as a reader types them: /map, /coverage, /figures and /search led
# nowhere (a 404, "Database not found" for the last two), while the pages are /telegram-map, the
# coverage and figures tables, and the search box's query. /country and /platform are a page's
# address trimmed to its folder (/country/USA), which was Datasette's "Database not found".
# Each with a format leads to that format of its target (/figures.csv to the figures' CSV), as
# every address of the site has one: /figures.json was a 404. {name: (kind, target)}.
SHORT_PATHS = {
    "map": ("page", "telegram-map"),
    "coverage": ("table", "coverage"),
    "figures": ("table", "figures"),
    "search": ("query", "search_everything"),
    "country": ("page", "countries"),
    "platform": ("page", "platforms"),
}
# The formats a short address's target has: a table or query its JSON and CSV, a page its JSON.
SHORT_FORMATS = {"page": ("json",), "table": ("json", "csv"), "query": ("json", "csv")}


def short_target(datasette, name: str, fmt: str | None) -> str | None:
    """Where /<name>(.<fmt>) leads, or None when its target has no such format."""
    kind, target = SHORT_PATHS[name]
    if fmt is not None and fmt not in SHORT_FORMATS[kind]:
        return None
    if kind == "page":
        return datasette.urls.path(target + (f".{fmt}" if fmt else ""))
    if kind == "table":
        return datasette.urls.table(database_name(datasette), target, format=fmt)
    return datasette.urls.query(database_name(datasette), target, format=fmt)


async def short_path(datasette, request):
    name, fmt = request.url_vars["name"], request.url_vars.get("format")
    target = short_target(datasette, name, fmt)
    if target is None:
        kind, _ = SHORT_PATHS[name]
        there = " and ".join(f"/{name}.{f}" for f in SHORT_FORMATS[kind])
        message = f"/{name} has no .{fmt}: it leads to {short_target(datasette, name, None)}, which is also {there}"
        return error_json(404, message)
    return redirect_keeping_query(request, target)


@hookimpl
def register_routes():
    return [
        (r"^/(?P<name>map|coverage|figures|search|country|platform)(?:/|\.(?P<format>[A-Za-z0-9]+))?$", short_path),
        # Each page is also JSON (what it shows) with .json, as /api says.
        (r"^/countries(?:\.(?P<format>json))?$", countries_page),
        # ~ as well: Datasette answers /country/United%20States with a redirect to United~20States.
        # And what a name holds that a browser or curl leaves unescaped in a path: /country/Cote%20d'Ivoire
        # was redirected to Cote~20d'Ivoire, which no route matched (a 404).
        # Dots too, shortest first, as on /platform/: /country/U.S. and /country/U.K. (other names
        # the data gives, as the search finds them) were Datasette's bare "Not found".
        (r"^/country/(?P<iso3>[A-Za-z0-9_~.'(),-]+?)(?:\.(?P<format>json))?$", country_page),
        (r"^/platforms(?:\.(?P<format>json))?$", platforms_page),
        # ~ as well: Datasette answers /platform/Amazon%20Store with a redirect to Amazon~20Store.
        # Dots too, shortest first: /platform/mailbox.org and /platform/mailbox.org.json name
        # the platform called mailbox.org.
        # And parentheses, commas and apostrophes, as on /country/: /platform/Daum%20(Kakao).
        (r"^/platform/(?P<platform_id>[A-Za-z0-9_~.'(),-]+?)(?:\.(?P<format>json))?$", platform_page),
        (r"^/chart(?:\.(?P<format>json))?$", chart_page),
        (r"^/compare(?:\.(?P<format>json))?$", compare_page),
        (r"^/telegram-map(?:\.(?P<format>json))?$", telegram_map_page),
        (
            r"^/(?P<page>countries|platforms|chart|compare|telegram-map|changes|api"
            r"|(?:country|platform)/[A-Za-z0-9_~'(),-]+)\.(?P<format>[A-Za-z0-9]+)$",
            other_format,
        ),
        # /feed.atom is the feed (plugins/pages.py): any other format of it, and /feed itself.
        (r"^/(?P<page>feed)\.(?P<format>(?!atom$)[A-Za-z0-9]+)$", other_format),
        (r"^/(?P<page>feed)(?P<format>)/?$", other_format),
    ]
