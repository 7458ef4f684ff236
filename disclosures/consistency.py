"""Cross-file honesty rules: what one table claims about another must hold.

Each rule returns ``rules.Problem`` values (``file:line:field: message``) and never raises on bad
input (a damaged cell is reported by the schema checks and skipped here):

* corrections (``correction_chain_problems``): the corrections of one figure, in the order they
  were made (``corrected_date``, then ``correction_id``), form a chain: each one's ``old_value`` is
  the previous one's ``new_value``, and the last ``new_value`` is the figure's value in
  ``figures.csv``. A correction that says 10980 → 99999 while the figure says 11016 is refused.
* released values (``released_value_problems``): the first correction of a figure since the
  latest recorded release (releases/<version>/) starts from the value that release published.
* removed figures (``removed_figure_problems``): a figure that release carried and the data no
  longer holds has a correction that removes it, as the release itself requires
  (``changelog.removal_reason``).
* freshness (``freshness_problems``): per regime. The global claim (``published_up_to``) is at
  least the end of the newest reported figure outside the EU DSA request types, and does not rest
  on a source whose figures are all EU DSA orders; the EU DSA claim (``dsa_published_up_to``) is at
  least the newest reported DSA figure. The date a claim was checked is not before the period it
  names ended.
* locator files (``locator_file_problems``): a figure or corroboration whose source has a file
  recorded in ``source_files.csv`` and whose ``source_locator`` names a file (its first word has
  a file extension) names that very file. An import run with ``--allow-different-file`` names the
  local copy (``dataset.sha256-0123456789ab.json``); left under the source's id, the figure would
  claim to come from a file it was not read from.
* locator records (``locator_record_file_problems``): a figure whose locator names its record's
  period or place (Google's "Period Ending=2025-06-30, CLDR Territory Code=AE") is filed under
  that period and jurisdiction: moved to another, it would keep the value its record holds.
* source tiers (``source_tier_problems``): a press article, a compilation or an issue thread is
  never given a tier of the platform's own file.
* source dates (``source_date_problems``): a source is not published after it was retrieved, and
  an event is not dated after the source that reports it was published (or, undated, retrieved):
  a year typed wrong (2042 for 2024) would otherwise move the event on every chart.

* figure periods (``figure_period_problems``): a figure's period ends on or before the date its
  source was retrieved and, but for an issue thread (whose comments come after the date it was
  opened), the date it was published: a source cannot count requests in a period that had not
  ended. A wrong year or a wrong ``source_id`` shows this way. So does an authority report's,
  where it states its period's dates (``SOURCED_PERIODS``).

* past days (``past_day_problems``): a field that records a day already past when written
  (``rules.PAST_DAYS``: when a source was read or published, a correction made, a claim checked,
  an event or a case made public) names no day after the day of the validation (UTC), as a
  search log does not.

* search logs (``search_log_problems``): a platform's ``search_log``, where its newer reports
  were looked for, names the day of a search as YYYY-MM-DD (``rules.search_log_problems``): a
  Table Schema pattern could ask for the digits, not for a day of the calendar, nor say why.

* disagreements' claims (``claimed_value_problems``): the number a disagreeing source published
  (``claimed_value``) is in its verbatim words (``claimed_text``), as a figure's value is in its
  quote (``rules.value_in_text``; a field of the record for a data file or compilation). Not for
  the press, which writes numbers in words, in other languages and rounded ("almost seven
  thousand", "tweeduizend", "33 nghìn", "64pc"), nor for ``inconsistent_parts``, whose claimed
  value is the sum of the parts its text lists, not a number the text holds. A ``rounded`` claim
  may write it with a scale word ("nearly 1.2 million" for 1200000).
* disagreements' columns (``claimed_column_problems``): a claimed_text that is one row of a bulk
  file ``rules.record_column`` knows (the file the disagreeing source's URL names: Google's
  user-data exports, Facebook 2013-H1, Twitter 2017-H1, a DSA orders table) holds the
  claimed_value in the column of the kept figure's metric, as a figure's or a corroboration's row
  holds its value: a claim of 19 requests from a row whose requests are 10 and accounts 19 is the
  accounts number filed under the wrong figure.

``package_problems`` runs them all on a package: typed tables when the one-pass reader read them,
else the CSV text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import rules, table_schema
from .freshness import DSA_REQUEST_TYPES
from .vocabulary import number_text, value_token

RESOURCES = ("figures", "corrections", "platforms")
# The tables whose rows carry a source_id and a source_locator, checked against source_files.
LOCATED = ("figures", "corroborations")
# A locator's leading file name: a word with an extension (a letter, then up to nine letters or
# digits), before a space, comma, semicolon, colon or the end. "dataset.json line 277" names
# dataset.json; "page 3" and "Table 2.1" name no file.
LOCATOR_FILE = re.compile(r"([^\s,;:]+\.[A-Za-z][A-Za-z0-9]{0,9})(?=[\s,;:]|$)")


def _text(value) -> str:
    return "" if value is None else str(value)


def _rows_from_table(table) -> list[tuple[int, dict]]:
    return [
        (line, {name: _text(value) for name, value in zip(table.fields, row, strict=True)})
        for row, line in zip(table.rows, table.lines, strict=True)
    ]


def correction_chains(corrections: list[tuple[int, dict]]) -> dict[str, list[tuple[int, dict]]]:
    """{figure_id: its (line, row) corrections in the order they were made (corrected_date, then
    correction_id)}, by figure_id; rows naming no figure are left out."""
    by_figure: dict[str, list[tuple[int, dict]]] = {}
    for line, row in corrections:
        if row.get("figure_id"):
            by_figure.setdefault(row["figure_id"], []).append((line, row))
    for chain in by_figure.values():
        chain.sort(key=lambda item: (item[1].get("corrected_date", ""), item[1].get("correction_id", "")))
    return dict(sorted(by_figure.items()))


def latest_release(releases: Path) -> tuple[str, Collection[str]] | None:
    """(version, the ids of the corrections it published) of the latest release recorded in
    ``releases``, or None when none is, or its record is damaged (which the build and the release
    report): the rules that judge the data against the latest release then judge nothing."""
    from . import release_records

    try:
        recorded = release_records.recorded_releases(releases)
        if not recorded:
            return None
        version, manifest = next(reversed(recorded.items()))
        return version, release_records.published_corrections(releases, version, manifest)
    except (release_records.RecordDamaged, OSError, ValueError):
        return None


def released_value_problems(
    corrections: list[tuple[int, dict]], releases: Path, shown: str, in_data: set[str] | None = None
) -> list[rules.Problem]:
    """The first correction of a figure since the latest release recorded in ``releases`` (the
    first after every correction that release published) starts from the value the release
    published: 899 -> 901 of a figure released as 900 records a change no reader saw, and only
    ``make release`` refused it, after the build had served it. The corrections after it are
    held to it by ``correction_chain_problems``.

    ``corrections``: (line, row) of corrections.csv as text. Only the figures those corrections
    name are looked up in the release's figures.csv (``release_records.recorded_figures``). A
    figure the release lacks (added since, or removed before it) has no released value to start
    from. No recorded release, or a damaged record (which the build and the release report),
    judges nothing here.

    ``in_data``: the ids of the figures the data holds, of those the corrections name. Given, a
    removal (the last correction since the release, its new_value empty) of a figure neither the
    data nor the release holds is refused: it removes nothing a reader had, so its id is
    mistyped, and a misspelt removal would otherwise pass, the figure it meant still served."""
    from . import release_records

    latest = latest_release(releases)
    if latest is None:
        return []
    version, published = latest
    firsts: dict[str, tuple[int, dict]] = {}
    lasts: dict[str, tuple[int, dict]] = {}
    for figure_id, chain in correction_chains(corrections).items():
        since = max((at for at, (_, row) in enumerate(chain) if row.get("correction_id") in published), default=-1) + 1
        if since < len(chain):
            firsts[figure_id], lasts[figure_id] = chain[since], chain[-1]
    if not firsts:
        return []
    try:
        released = release_records.recorded_figures(releases / version / "figures.csv", firsts)
    except (OSError, ValueError):
        return []
    problems = []
    for figure_id, (line, row) in firsts.items():
        if figure_id not in released:
            last_line, last = lasts[figure_id]
            if in_data is not None and figure_id not in in_data and not last.get("new_value"):
                problems.append(
                    rules.Problem(
                        shown,
                        last_line,
                        "figure_id",
                        f"{figure_id} is neither in figures nor in release {version}{released_near(releases / version, figure_id)}: "
                        "a removal is of a figure readers had, so this one removes nothing",
                    )
                )
            continue
        value = value_token(released[figure_id])
        if row.get("old_value", "") != value:
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "old_value",
                    f"is {row.get('old_value', '')!r}, but {figure_id} was released {value} in {version}: the "
                    "first correction since a release starts from the value that release published, the one "
                    f"its readers have (write old_value {value})",
                )
            )
    return problems


def released_removals(path: Path, in_data) -> list[tuple[int, dict]]:
    """(line, row as text) of each figure of a release's figures.csv (``path``) that the data
    lacks (``in_data``: the data's figure ids, an Arrow array or any iterable of text), but for
    those the build derived: the removal of a derived figure always has its reason (it is no
    longer derived, ``changelog.removal_reason``). Arrow reads the ids and derivations of every
    released figure (0.02 s for 65,000, where Python's csv took 0.1 s); only the rows it leaves
    are read into Python. The release writes one figure a line, so a row's line is its index + 2.
    Raises OSError, ValueError."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv

    from . import release_records

    wanted = ["figure_id", "derivation"]
    released = pa_csv.read_csv(
        path,
        read_options=pa_csv.ReadOptions(use_threads=False),
        convert_options=pa_csv.ConvertOptions(
            include_columns=wanted,
            # A record without a derivation column derived nothing, as the release reads it
            # (csv.DictReader's None): its figures are judged, not skipped as Arrow's error would.
            include_missing_columns=True,
            column_types=dict.fromkeys(wanted, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    present = in_data if isinstance(in_data, pa.Array | pa.ChunkedArray) else pa.array(list(in_data), pa.string())
    if isinstance(present, pa.ChunkedArray):
        present = present.combine_chunks()
    ids = released.column("figure_id")
    underived = pc.equal(pc.fill_null(released.column("derivation"), ""), "")
    gone = pc.and_(pc.invert(pc.is_in(ids, value_set=present)), underived)
    at = pc.indices_nonzero(gone).to_pylist()
    if not at:
        return []
    rows = release_records.recorded_figures(path, pc.take(ids, at).to_pylist())
    return [(index + 2, rows[ids[index].as_py()]) for index in at if ids[index].as_py() in rows]


def removed_figure_problems(
    corrections: list[tuple[int, dict]],
    releases: Path,
    in_data,
    base: Path,
    shown_figures: str,
    shown_corrections: str,
) -> list[rules.Problem]:
    """A figure the latest release recorded in ``releases`` carried that the data no longer holds
    is removed, and a removal needs its reason: a correction with an empty new_value, or (a figure
    the build derived) that it is no longer derived. The rule is the release's own
    (``changelog.removal_reason``), so that a curator learns it from ``make validate``, not at
    release time. Told at the figure's line of the release's figures.csv (shown relative to
    ``base``), naming the data's files as ``shown_figures`` and ``shown_corrections``.

    ``in_data``: the data's figure ids (``released_removals``). ``corrections``: (line, row) of
    corrections.csv as text. A figure with a correction since the release is left to the rules of
    its corrections (``released_value_problems``, ``correction_chain_problems``,
    ``validate.correction_problems``), which tell it at that correction's line: once they all
    hold, its corrections chain from the released value to removed, which explains the removal.
    No recorded release, or a damaged record (which the build and the release report), judges
    nothing here."""
    from . import changelog

    latest = latest_release(releases)
    if latest is None:
        return []
    version, published = latest
    path = releases / version / "figures.csv"
    try:
        absent = released_removals(path, in_data)
    except (OSError, ValueError):
        return []
    if not absent:
        return []
    try:
        shown = path.resolve().relative_to(Path(base).resolve()).as_posix()
    except ValueError:
        shown = path.as_posix()
    chains = correction_chains(corrections)
    problems = []
    for line, released in absent:
        figure_id = released["figure_id"]
        records = [row for _, row in chains.get(figure_id, [])]
        if changelog.removal_reason(released, records, published):
            continue
        since = max((at for at, row in enumerate(records) if row.get("correction_id") in published), default=-1) + 1
        if since < len(records):
            continue
        value = value_token(released)
        problems.append(
            rules.Problem(
                shown,
                line,
                "figure_id",
                f"{figure_id} was released {value} in {version} but is not in {shown_figures}, and no correction "
                f"records its removal: add a row to {shown_corrections} (figure_id {figure_id}, old_value {value}, "
                "new_value empty, the reason, source_id and corrected_date), or restore the figure",
            )
        )
    return problems


def released_near(folder: Path, figure_id: str) -> str:
    """' (did you mean "<id>"?)' for the id of the release in ``folder`` that ``figure_id``
    nearly is (``validate.near_figure_id``), or ""; read only when a removal names no figure."""
    from .validate import near_figure_id

    try:
        with (folder / "figures.csv").open(encoding="utf-8", newline="") as handle:
            ids = {row.partition(",")[0] for row in handle}
    except OSError:
        return ""
    near = near_figure_id(figure_id, ids)
    return f' (did you mean "{near}"?)' if near is not None else ""


def correction_chain_problems(
    corrections: list[tuple[int, dict]], figures: dict[str, dict], shown: str
) -> list[rules.Problem]:
    """Each figure's corrections chain, and the last one gives the figure's current value.

    ``corrections``: (line, row) of corrections.csv as text; ``figures``: text rows by figure id.
    A removal (empty ``new_value``) of a figure no longer in figures ends its chain; whether the
    figure named exists is ``validate.correction_problems``' job.
    """
    problems = []
    for line, row in corrections:
        if row.get("old_value") and row.get("old_value") == row.get("new_value"):
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "new_value",
                    f"is {row['new_value']!r}, its old_value too: a correction that changes nothing "
                    "records nothing (give the value before and the value after)",
                )
            )
    for figure_id, chain in correction_chains(corrections).items():
        for (_, before), (line, after) in itertools.pairwise(chain):
            if after.get("old_value") != (before.get("new_value") or ""):
                problems.append(
                    rules.Problem(
                        shown,
                        line,
                        "old_value",
                        f"is {after.get('old_value')!r}, but the correction before it "
                        f"({before.get('correction_id')}) left {figure_id} at {before.get('new_value')!r}; "
                        "corrections of one figure must chain, each old_value the previous new_value",
                    )
                )
        line, last = chain[-1]
        figure = figures.get(figure_id)
        if figure is None or not last.get("new_value"):
            continue
        current = value_token(figure)
        if last["new_value"] != current:
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "new_value",
                    f"is {last['new_value']!r}, but {figure_id} is {current!r} in figures.csv; the "
                    "newest correction of a figure must give its current value (fix the figure or the correction)",
                )
            )
    return problems


def freshness_problems(platforms: list[tuple[int, dict]], figures: list[dict], shown: str) -> list[rules.Problem]:
    """``published_up_to`` and ``dsa_published_up_to`` against the reported figures, per regime.

    ``platforms``: (line, row) of platforms.csv as text; ``figures``: text rows of figures.csv
    (reported only; the derived ones are the build's). Dates are ISO 8601 text, so they compare
    as strings; a damaged date is the schema checks' to report.
    """
    newest: dict[tuple[str, bool], str] = {}
    source_regimes: dict[str, set[bool]] = {}
    for row in figures:
        dsa = row.get("request_type_id") in DSA_REQUEST_TYPES
        key = (row.get("platform_id", ""), dsa)
        if row.get("period_end", "") > newest.get(key, ""):
            newest[key] = row["period_end"]
        source_regimes.setdefault(row.get("source_id", ""), set()).add(dsa)
    return claim_problems(platforms, newest, source_regimes, shown)


def claim_problems(
    platforms: list[tuple[int, dict]],
    newest: dict[tuple[str, bool], str],
    source_regimes: dict[str, set[bool]],
    shown: str,
) -> list[rules.Problem]:
    """``freshness_problems`` once the figures are summed up: ``newest`` maps (platform_id, is
    DSA) to the end of its newest reported figure, ``source_regimes`` a source_id to the regimes
    (is DSA) of its figures."""
    problems = []
    for line, row in platforms:
        platform = row.get("platform_id", "")
        for prefix, dsa, regime in (
            ("", False, "reported figures outside the EU DSA orders"),
            ("dsa_", True, "EU DSA orders"),
        ):
            field = f"{prefix}published_up_to"
            claim, figure_end = row.get(field, ""), newest.get((platform, dsa), "")
            if claim and figure_end and claim < figure_end:
                problems.append(
                    rules.Problem(
                        shown,
                        line,
                        field,
                        f"is {claim}, but the dataset holds {platform}'s {regime} up to {figure_end}; "
                        f"the platform has published at least that far (raise {field} with its source and quote)",
                    )
                )
        source = row.get("freshness_source_id", "")
        if source and source_regimes.get(source) == {True}:
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "freshness_source_id",
                    f"{source} holds only EU DSA orders, a separate regime: it cannot show how far the "
                    "global reports go (put it in dsa_freshness_source_id with dsa_published_up_to)",
                )
            )
        dsa_source = row.get("dsa_freshness_source_id", "")
        if dsa_source and source_regimes.get(dsa_source, {True}) != {True}:
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "dsa_freshness_source_id",
                    f"{dsa_source} has figures outside the EU DSA request types; the DSA claim must rest on a DSA source",
                )
            )
        checked, claim = row.get("published_up_to_checked", ""), row.get("published_up_to", "")
        if checked and claim and checked < claim:
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "published_up_to_checked",
                    f"is {checked}, before the end of the period it vouches for ({claim})",
                )
            )
        if claim and not checked:
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "published_up_to_checked",
                    "is empty; say when published_up_to was last checked (the source's retrieved_date "
                    "with basis source_retrieved when no later check is known)",
                )
            )
    return problems


def checked_date_problems(
    platforms: list[tuple[int, dict]], sources: list[tuple[int, dict]], shown: str
) -> list[rules.Problem]:
    """A platform's ``published_up_to_checked`` against its freshness source: not before the source
    was published (nobody checked a claim on a report that did not exist yet: a curator's
    2026-01-15 passed on a source published 2026-03-01), and, with basis ``source_retrieved``,
    the source's retrieved_date itself, which is what that basis says the date is. Dates that are
    not ISO text are the schema checks' to report."""
    dates = {
        row.get("source_id", ""): (iso_or_empty(row.get("published_date")), iso_or_empty(row.get("retrieved_date")))
        for _, row in sources
    }
    problems = []
    for line, row in platforms:
        checked, source = iso_or_empty(row.get("published_up_to_checked")), row.get("freshness_source_id", "")
        if not checked or source not in dates:
            continue
        published, retrieved = dates[source]
        # Told once: a check before the claimed period's end (claim_problems), a source published
        # after it was retrieved (source_date_problems: its dates are the ones at fault).
        if checked < iso_or_empty(row.get("published_up_to")) or (published and retrieved and published > retrieved):
            continue
        if published and checked < published:
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "published_up_to_checked",
                    f"is {checked}, before its freshness source {source} was published ({published}): "
                    "give the date the claim was checked, on or after that",
                )
            )
        elif row.get("published_up_to_checked_basis") == "source_retrieved" and retrieved and checked != retrieved:
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "published_up_to_checked",
                    f"is {checked}, but its basis source_retrieved makes it the date {source} was retrieved "
                    f"({retrieved}): write {retrieved}, or basis curator_check if a curator checked on {checked}",
                )
            )
    return problems


def search_log_problems(
    platforms: list[tuple[int, dict]], shown: str, today: date | None = None
) -> list[rules.Problem]:
    """``rules.search_log_problems`` of each platform's ``search_log`` (``today``: as there), at
    its line in ``shown``."""
    today = today or rules.utc_today()  # one day for every platform, should the run pass midnight
    return [
        rules.Problem(shown, line, "search_log", message)
        for line, row in platforms
        for message in rules.search_log_problems(row.get("search_log"), today)
    ]


def past_day_problems(
    rows: dict[str, list[tuple[int, dict]]], shown: dict[str, str], today: date | None = None
) -> list[rules.Problem]:
    """``rules.past_day_problems`` of every row of ``rows`` ({resource: (line, row as text)}),
    at its line in ``shown[resource]``; ``today``: as there."""
    today = today or rules.utc_today()  # one day for every row, should the run pass midnight
    return [
        rules.Problem(shown[resource], line, field, message)
        for resource, lined_rows in rows.items()
        for line, row in lined_rows
        for field, message in rules.past_day_problems(resource, row, today)
    ]


# The resources with fields rules.PAST_DAYS holds to the day of the validation.
PAST_DAY_RESOURCES = tuple(dict.fromkeys(resource for resource, _ in rules.PAST_DAYS))


# Source kinds whose claimed texts are not held to claimed_value (see the module's docstring).
CLAIMS_IN_WORDS = frozenset({"press"})
# Disagreement kinds whose claimed_value is computed from the claimed text, not written in it.
CLAIMS_COMPUTED = frozenset({"inconsistent_parts"})


# The words a rounded claim writes its number with ("nearly 1.2 million"), and what each multiplies by.
# Each scale word and its abbreviations as written ("1.2k", "1.2m", "1.2bn"): not the word's first
# letter, since "t" for thousand read "1.2T" (a trillion) as 1200.
SCALE_WORDS = (("thousand", 10**3, ("k",)), ("million", 10**6, ("m", "mn", "mio")), ("billion", 10**9, ("b", "bn")))


def written_with_scale(value: Decimal, text: str) -> bool:
    """Whether ``text`` writes ``value`` as a number and a scale word: 1200000 as "1.2 million"
    (or "1,2 million", "1.2m"), the way a rounded claim is worded."""
    for word, scale, short in SCALE_WORDS:
        if value < scale:
            break
        amount = (value / scale).normalize()
        written = format(amount, "f")
        for form in {written, written.replace(".", ",")}:
            if re.search(rf"(?<![0-9.,]){re.escape(form)}\s?(?:{word}|(?:{'|'.join(short)})\b)", text, re.IGNORECASE):
                return True
    return False


def claimed_value_problems(
    disagreements: list[tuple[int, dict]], source_kinds: dict[str, str], shown: str
) -> list[rules.Problem]:
    """A disagreement whose claimed_value is not in its claimed_text (see the module's docstring):
    a typed 2235 for the source's "2,253" would be published as what that source said."""
    problems = []
    for line, row in disagreements:
        source_kind = source_kinds.get(row.get("source_id", ""), "")
        if row.get("kind") in CLAIMS_COMPUTED or source_kind in CLAIMS_IN_WORDS:
            continue
        try:
            value = Decimal(row.get("claimed_value") or "")
        except InvalidOperation:
            continue  # empty, or not a number: the schema checks report it
        text = row.get("claimed_text", "")
        if not value.is_finite() or not text or rules.value_in_text(value, text):
            continue
        if source_kind in rules.RECORD_SOURCE_KINDS and rules.value_in_record(value, text):
            continue
        if row.get("kind") == "rounded" and written_with_scale(value, text):
            continue
        problems.append(
            rules.Problem(
                shown, line, "claimed_text", f"claimed_value {number_text(value)} does not appear in claimed_text"
            )
        )
    return problems


def claimed_column_problems(
    disagreements: list[tuple[int, dict]], figures: dict[str, dict], urls: dict[str, str], shown: str
) -> list[rules.Problem]:
    """A disagreement whose claimed_text is one row of a bulk file rules.record_column knows, and
    whose claimed_value is not in that row's column for its kept figure's metric (see the module's
    docstring). ``figures``: the kept figures by id (metric_id, source_locator); ``urls``: each
    source's URL, whose file is the one the row is from. Not for ``inconsistent_parts``, whose
    claimed value is a sum the text does not hold, nor for a disagreement that keeps no figure (no
    metric names a column)."""
    problems = []
    for line, row in disagreements:
        figure = figures.get(row.get("figure_id", ""))
        if figure is None or row.get("kind") in CLAIMS_COMPUTED:
            continue
        try:
            value = Decimal(row.get("claimed_value") or "")
        except InvalidOperation:
            continue  # empty, or not a number: the schema checks report it
        if not value.is_finite():
            continue  # NaN or Infinity: the schema checks report it
        notes = rules.claim_column_problems(
            rules.url_file_name(urls.get(row.get("source_id", ""), "")),
            row.get("figure_id"),
            figure.get("metric_id"),
            figure.get("source_locator"),
            row.get("claimed_text"),
            value,
        )
        problems += [rules.Problem(shown, line, field, note) for field, note in notes]
    return problems


def iso_or_empty(cell: str | None) -> str:
    """``cell`` when it is an ISO date's text, else "" (the schema checks report it)."""
    return cell if rules.ISO_DATE_TEXT.fullmatch(cell or "") else ""


def source_date_problems(
    sources: list[tuple[int, dict]], events: list[tuple[int, dict]], shown_sources: str, shown_events: str
) -> list[rules.Problem]:
    """Sources published after they were retrieved, and events dated after their source
    (``sources`` and ``events``: (line, row) as text). Dates that are not ISO text are the
    schema checks' to report, and are skipped here."""

    problems = []
    known: dict[str, str] = {}
    for line, row in sources:
        published, retrieved = iso_or_empty(row.get("published_date", "")), iso_or_empty(row.get("retrieved_date", ""))
        if published and retrieved and published > retrieved:
            problems.append(
                rules.Problem(
                    shown_sources,
                    line,
                    "published_date",
                    f"{published} is after the date the source was retrieved ({retrieved})",
                )
            )
        known[row.get("source_id", "")] = published or retrieved
    for line, row in events:
        date, source = iso_or_empty(row.get("event_date", "")), row.get("source_id", "")
        if date and known.get(source) and date > known[source]:
            problems.append(
                rules.Problem(
                    shown_events,
                    line,
                    "event_date",
                    f"{date} is after {source} reported it ({known[source]}, its publication or retrieval date)",
                )
            )
    return problems


def locator_file(locator: str) -> str | None:
    """The file a ``source_locator`` names first, or None when it names none."""
    match = LOCATOR_FILE.match(locator)
    return match.group(1) if match else None


def locator_file_problems(
    located: list[tuple[int, dict]], source_files: dict[str, str], shown: str
) -> list[rules.Problem]:
    """Locators against the file their source records.

    ``located``: (line, row) of figures.csv or corroborations.csv as text; ``source_files``: each
    source_id to the ``file_name`` data/source_files.csv records for it. A locator naming no file,
    or a source with no recorded file, is not compared.
    """
    problems = []
    for line, row in located:
        expected = source_files.get(row.get("source_id", ""))
        named = locator_file(row.get("source_locator", "")) if expected else None
        if named is not None and named != expected:
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "source_locator",
                    f"names {named}, but data/source_files.csv records {expected} as the file of "
                    f"{row['source_id']}; a locator must name its source's own file (import that file, or "
                    "record the file it was read from as a source of its own)",
                )
            )
    return problems


# The tiers a source of each kind can have: a news article is never the platform's own file, nor
# is a third party's compilation or an issue thread (tier is set by reading the source, so the
# other kinds may have any).
TIERS_OF_KIND = {
    "press": {"press_quoting", "press_paraphrasing"},
    "compilation": {"third_party_extraction", "crowdsourced"},
    "issue_thread": {"crowdsourced"},
}


def source_tier_problems(sources: list[tuple[int, dict]], shown: str) -> list[rules.Problem]:
    """A source's tier out of those its kind can have (TIERS_OF_KIND): a press article given
    tier platform_file showed its figures as the platform's own, tier 1."""
    problems = []
    for line, row in sources:
        allowed = TIERS_OF_KIND.get(row.get("kind", ""))
        if allowed and row.get("tier") and row["tier"] not in allowed:
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "tier",
                    f"{row['tier']} is not a tier of a {row['kind']} source: it is one of {', '.join(sorted(allowed))}",
                )
            )
    return problems


def locator_record_file_problems(
    located: list[tuple[int, dict]], jurisdictions: list[dict], shown: str
) -> list[rules.Problem]:
    """``rules.locator_record_problems`` on each (line, row) of figures.csv (text), against
    jurisdictions.csv's rows."""
    places = rules.place_names(jurisdictions)
    problems = []
    for line, row in located:
        for field, note in rules.locator_record_problems(
            row.get("source_locator", ""),
            row.get("jurisdiction_id", ""),
            row.get("period_start", ""),
            row.get("period_end", ""),
            places,
        ):
            problems.append(rules.Problem(shown, line, field, note))
    return problems


# The tables whose rows count a period (period_end) from a source (source_id), each held to the
# source's dates (figure_period_problems): an authority's count of a period that ends after the
# article reporting it was published is a wrong year or a wrong source as surely as a figure's.
SOURCED_PERIODS = ("figures", "authority_reports")
# Source kinds whose publication date is when they began: an issue thread's comments, each with
# its own date, come later.
OPENED_KINDS = frozenset({"issue_thread"})


def source_dates(sources: list[tuple[int, dict]]) -> dict[str, tuple[str, str]]:
    """{source_id: (latest date its figures may end by its publication, its retrieval date)};
    "" where the date is missing, not ISO text, or (publication of an issue thread) not a limit."""
    return {
        row.get("source_id", ""): (
            "" if row.get("kind", "") in OPENED_KINDS else iso_or_empty(row.get("published_date", "")),
            iso_or_empty(row.get("retrieved_date", "")),
        )
        for _, row in sources
    }


def figure_period_problem(period_end: str, source_id: str, dates: tuple[str, str]) -> str | None:
    """Why a row's ``period_end`` (a figure's, an authority report's) cannot come from its source
    with these ``dates``, or None (also when the row states no end)."""
    published, retrieved = dates
    if not iso_or_empty(period_end):
        return None
    if retrieved and period_end > retrieved:
        return f"{period_end} is after {source_id} was retrieved ({retrieved}): check the period, or the source_id"
    if published and period_end > published:
        return (
            f"{period_end} is after {source_id} was published ({published}), and a source cannot "
            "count a period that had not ended: check the period, or the source_id"
        )
    return None


def figure_period_problems(
    figures: list[tuple[int, dict]], sources: list[tuple[int, dict]], shown: str
) -> list[rules.Problem]:
    """``figure_period_problem`` of each row of ``figures``, or of another of ``SOURCED_PERIODS``
    (``figures``, ``sources``: (line, row) as text)."""
    dates = source_dates(sources)
    problems = []
    for line, row in figures:
        source_id = row.get("source_id", "")
        if source_id not in dates:
            continue  # an unknown source is the foreign key's to report
        message = figure_period_problem(row.get("period_end", ""), source_id, dates[source_id])
        if message:
            problems.append(rules.Problem(shown, line, "period_end", message))
    return problems


def package_problems(
    package_path: Path, descriptor: dict, base: Path, tables: dict | None, today: date | None = None
) -> list[rules.Problem]:
    """Every rule above on one package. ``tables``: ``table_schema.read_package``'s, or None.
    ``today``: the day search logs and ``rules.PAST_DAYS`` are judged on (default: ``rules.utc_today()``)."""
    resources = {r.get("name"): r for r in descriptor.get("resources", []) if isinstance(r, dict)}
    if not set(RESOURCES) <= resources.keys():
        return []
    folder = Path(package_path).parent

    def rows_of(name: str) -> list[tuple[int, dict]]:
        if tables is not None and name in tables:
            return _rows_from_table(tables[name])
        fields = resources[name].get("schema", {}).get("fields", [])
        return table_schema.read_text_rows(folder / resources[name]["path"], [f.get("name") for f in fields] or None)

    def shown(name: str) -> str:
        path = (folder / resources[name]["path"]).resolve()
        try:
            return path.relative_to(Path(base).resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    figure_rows = [row for _, row in rows_of("figures")]
    problems = correction_chain_problems(
        rows_of("corrections"), {row.get("figure_id", ""): row for row in figure_rows}, shown("corrections")
    )
    in_data = {row.get("figure_id", "") for row in figure_rows}
    problems += released_value_problems(rows_of("corrections"), folder / "releases", shown("corrections"), in_data)
    problems += removed_figure_problems(
        rows_of("corrections"), folder / "releases", in_data, base, shown("figures"), shown("corrections")
    )
    problems += freshness_problems(rows_of("platforms"), figure_rows, shown("platforms"))
    problems += search_log_problems(rows_of("platforms"), shown("platforms"), today)
    past = [name for name in PAST_DAY_RESOURCES if name in resources]
    problems += past_day_problems({name: rows_of(name) for name in past}, {name: shown(name) for name in past}, today)
    if {"sources", "events"} <= resources.keys():
        problems += source_date_problems(rows_of("sources"), rows_of("events"), shown("sources"), shown("events"))
    if "sources" in resources:
        problems += source_tier_problems(rows_of("sources"), shown("sources"))
        problems += checked_date_problems(rows_of("platforms"), rows_of("sources"), shown("platforms"))
        if "disagreements" in resources:
            kinds = {row.get("source_id", ""): row.get("kind", "") for _, row in rows_of("sources")}
            problems += claimed_value_problems(rows_of("disagreements"), kinds, shown("disagreements"))
            urls = {row.get("source_id", ""): row.get("url", "") for _, row in rows_of("sources")}
            kept = {row.get("figure_id", ""): row for row in figure_rows}
            problems += claimed_column_problems(rows_of("disagreements"), kept, urls, shown("disagreements"))
        for name in SOURCED_PERIODS:
            if name in resources:
                problems += figure_period_problems(rows_of(name), rows_of("sources"), shown(name))
    if "jurisdictions" in resources:
        problems += locator_record_file_problems(
            rows_of("figures"), [row for _, row in rows_of("jurisdictions")], shown("figures")
        )
    if "source_files" in resources:
        files = {row.get("source_id", ""): row.get("file_name", "") for _, row in rows_of("source_files")}
        for name in LOCATED:
            if name in resources and files:
                problems += locator_file_problems(rows_of(name), files, shown(name))
    return problems


def distinct_rows(table) -> list[tuple]:
    """The distinct rows of an Arrow ``table`` of text and boolean columns without nulls, as
    tuples of Python values, in no set order."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # Each row as one text, its cells joined by a character no cell holds (controls are
    # refused in every cell before any rule runs), so that Arrow's unique finds the rows.
    separator = "\x1f"
    texts = [column.cast(pa.string()) if column.type == pa.bool_() else column for column in table.columns]
    kinds = [column.type == pa.bool_() for column in table.columns]
    joined = pc.binary_join_element_wise(*texts, separator)
    return [
        tuple(cell == "true" if boolean else cell for cell, boolean in zip(text.split(separator), kinds, strict=True))
        for text in pc.unique(joined).to_pylist()
    ]


def arrow_problems(tables: dict, releases: Path | None = None, today: date | None = None) -> list[rules.Problem]:
    """Every rule above on Arrow tables of the package's cells as text (``arrow_validate``'s:
    one record per line, so a row's line is its index + 2). Only the columns the rules need are
    turned into Python values: the corrections, the platforms and the figures corrections name;
    the newest period per platform and regime is read from the distinct rows (``distinct_rows``).
    ``releases``: the package's folder of release records (``released_value_problems``), or None
    to leave corrections unchecked against them. ``today``: as ``package_problems``'."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not set(RESOURCES) <= tables.keys():
        return []

    def text_rows(table) -> list[dict]:
        return [{name: _text(value) for name, value in row.items()} for row in table.to_pylist()]

    def lined(table) -> list[tuple[int, dict]]:
        return list(enumerate(text_rows(table), start=2))

    figures, corrections = tables["figures"], tables["corrections"]
    named = figures.filter(
        pc.is_in(figures.column("figure_id"), value_set=corrections.column("figure_id").combine_chunks())
    )
    correction_rows = lined(corrections)
    problems = correction_chain_problems(
        correction_rows, {row["figure_id"]: row for row in text_rows(named)}, "data/corrections.csv"
    )
    if releases is not None:
        problems += released_value_problems(
            correction_rows, releases, "data/corrections.csv", set(named.column("figure_id").to_pylist())
        )
        problems += removed_figure_problems(
            correction_rows,
            releases,
            figures.column("figure_id"),
            releases.parent,
            "data/figures.csv",
            "data/corrections.csv",
        )
    dsa = pc.is_in(figures.column("request_type_id"), value_set=pa.array(sorted(DSA_REQUEST_TYPES), pa.string()))
    facts = pa.table(
        {
            "platform_id": figures.column("platform_id"),
            "source_id": figures.column("source_id"),
            "period_end": figures.column("period_end"),
            "dsa": dsa,
        }
    )
    # The distinct rows of the few columns read (hundreds), grouped here: Arrow's Table.group_by
    # would import Acero and with it the dataset, Parquet and cloud-filesystem libraries, which
    # cost more CPU than every rule of this module.
    newest: dict[tuple[str, bool], str] = {}
    source_regimes: dict[str, set[bool]] = {}
    for platform, source, end, regime in distinct_rows(facts):
        if (platform, regime) not in newest or end > newest[(platform, regime)]:
            newest[(platform, regime)] = end
        source_regimes.setdefault(source, set()).add(regime)
    platforms = lined(tables["platforms"])
    problems += claim_problems(platforms, newest, source_regimes, "data/platforms.csv")
    problems += search_log_problems(platforms, "data/platforms.csv", today)
    past = [name for name in PAST_DAY_RESOURCES if name in tables]
    # Only the dated columns become Python values.
    problems += past_day_problems(
        {
            name: lined(
                tables[name].select([f for r, f in rules.PAST_DAYS if r == name and f in tables[name].column_names])
            )
            for name in past
        },
        {name: f"data/{name}.csv" for name in past},
        today,
    )
    if "sources" in tables and "events" in tables:
        problems += source_date_problems(
            lined(tables["sources"]), lined(tables["events"]), "data/sources.csv", "data/events.csv"
        )
    if "sources" in tables:
        sources = lined(tables["sources"])
        problems += source_tier_problems(sources, "data/sources.csv")
        problems += checked_date_problems(platforms, sources, "data/platforms.csv")
        if "disagreements" in tables:
            kinds = {row.get("source_id", ""): row.get("kind", "") for _, row in sources}
            disagreements = lined(tables["disagreements"])
            problems += claimed_value_problems(disagreements, kinds, "data/disagreements.csv")
            # Only the kept figures of disagreements become Python values.
            kept = figures.select(["figure_id", "metric_id", "source_locator"]).filter(
                pc.is_in(
                    figures.column("figure_id"), value_set=tables["disagreements"].column("figure_id").combine_chunks()
                )
            )
            urls = {row.get("source_id", ""): row.get("url", "") for _, row in sources}
            problems += claimed_column_problems(
                disagreements, {row["figure_id"]: row for row in text_rows(kept)}, urls, "data/disagreements.csv"
            )
        # Each figure's source's limits side by side with its period's end, compared in Arrow:
        # only the figures that end too late become Python values. (ISO dates compare as text.)
        dates = source_dates(sources)
        ids = list(dates)
        at = pc.index_in(figures.column("source_id"), value_set=pa.array(ids, pa.string()))
        ends = figures.column("period_end")
        late = pa.array([False] * len(figures), pa.bool_())
        for position in (0, 1):
            limit = pc.take(pa.array([dates[i][position] or None for i in ids], pa.string()), at)
            after = pc.fill_null(pc.greater(ends, limit), False)
            late = pc.or_(late, after)
        for index in pc.indices_nonzero(late).to_pylist():
            source_id = figures.column("source_id")[index].as_py()
            message = figure_period_problem(ends[index].as_py(), source_id, dates[source_id])
            if message:
                problems.append(rules.Problem("data/figures.csv", index + 2, "period_end", message))
        # The other tables of SOURCED_PERIODS are a few rows each: read as Python values.
        for name in SOURCED_PERIODS:
            if name != "figures" and name in tables:
                problems += figure_period_problems(lined(tables[name]), sources, f"data/{name}.csv")
    if "jurisdictions" in tables:
        # Only the figures whose locators name a record's period or place become Python values.
        index = pc.indices_nonzero(
            pc.match_substring_regex(figures.column("source_locator"), rules.LOCATOR_KEY.pattern)
        )
        picked = figures.select(["source_locator", "jurisdiction_id", "period_start", "period_end"]).take(index)
        rows = [(int(i) + 2, row) for i, row in zip(index.to_pylist(), text_rows(picked), strict=True)]
        problems += locator_record_file_problems(rows, text_rows(tables["jurisdictions"]), "data/figures.csv")
    if "source_files" in tables and len(tables["source_files"]):
        files = tables["source_files"]
        recorded = dict(zip(files.column("source_id").to_pylist(), files.column("file_name").to_pylist(), strict=True))
        for name in LOCATED:
            if name not in tables:
                continue
            table = tables[name]
            # Only the rows of sources with a recorded file become Python values.
            index = pc.indices_nonzero(pc.is_in(table.column("source_id"), value_set=files.column("source_id")))
            picked = table.select(["source_id", "source_locator"]).take(index)
            rows = [(int(i) + 2, row) for i, row in zip(index.to_pylist(), text_rows(picked), strict=True)]
            problems += locator_file_problems(rows, recorded, f"data/{name}.csv")
    return problems
