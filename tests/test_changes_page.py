"""Layers (a) and (c): /changes writes a change's values as the site writes the figure's own
(plugins/pages.py, token_text): it showed the changelog's raw tokens, 26160 and 52 for 52%. And
of the figures a release changed, it says how many have a new value, and lists those first."""

from __future__ import annotations

import html
import json
import re
import shutil
import sqlite3

import pytest

from disclosures import feed, paths, release_records
from disclosures.vocabulary import DATABASE_FILE, value_token
from tests.conftest import Site, plugin, rows, unhurried

pages = plugin("pages")


@pytest.mark.parametrize(
    ("token", "unit", "shown"),
    [
        ("26160", "count", "26,160"),
        ("52", "percent", "52%"),
        ("81.5", "percent", "81.5%"),
        ("0.87", "fraction", "0.87"),
        ("1000-1499", "count", "1,000–1,499"),
        ("<500", "count", "fewer than 500"),
        ("withheld", "count", "withheld"),
        ("not_reported", "percent", "not reported"),
        ("26160", None, "26,160"),
        ("", "count", ""),
        (None, None, ""),
    ],
)
def test_a_value_token_reads_as_the_figures_value(token, unit, shown):
    assert pages.token_text(token, unit) == shown


def test_every_released_value_still_held_reads_as_the_figure_page_writes_it(real_db):
    held = rows(
        real_db,
        """SELECT c.new_value, m.unit, f.value_kind, f.value, f.value_low, f.value_high, f.value_text
           FROM release_changes c JOIN figures f USING (figure_id) JOIN metrics m ON m.metric_id = f.metric_id
           WHERE c.change != 'removed'""",
    )
    same = [
        r
        for r in held
        if r[0] == value_token(dict(zip(("value_kind", "value", "value_low", "value_high"), r[2:6], strict=True)))
    ]
    assert len(same) > 10_000
    kinds = {r[2] for r in same}
    assert {"exact", "band"} <= kinds
    for token, unit, *_, value_text in same:
        assert pages.token_text(token, unit) == value_text, (token, unit, value_text)


def test_the_changes_page_writes_values_as_the_figures_do(site):
    # Release 1.0.0 corrected a figure to 26160 (its page, not the latest release's: that one changes)
    html = site.get("/changes?version=1.0.0").text
    assert 'data-label="New value">26,160<' in html and 'data-label="New value">26160<' not in html


ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def site_after_a_resourcing(real_build, tmp_path_factory):
    """The site over a copy of the build whose latest release changed figures as 1.0.0 did: most
    of them the same value from a new source, a few a new value."""
    folder = tmp_path_factory.mktemp("resourced")
    shutil.copytree(real_build, folder, dirs_exist_ok=True)
    with sqlite3.connect(folder / DATABASE_FILE) as conn:
        figures = conn.execute(
            "SELECT figure_id, source_id FROM figures WHERE is_derived = 0 AND value_kind = 'exact' ORDER BY figure_id LIMIT 6"
        ).fetchall()
        old = conn.execute("SELECT * FROM releases WHERE version = '0.1.0'").fetchone()
        conn.execute(
            """INSERT INTO releases (version, date, previous, content_hash, figures, added, changed, removed)
               VALUES ('0.2.0', '2026-12-01', '0.1.0', ?, ?, 0, 6, 0)""",
            [old[3], old[4]],
        )
        # The last figure by id is the one corrected: listed by id, the five before it hid it.
        for n, (figure_id, source_id) in enumerate(figures):
            new = "1001" if n == 5 else "1000"
            conn.execute(
                "INSERT INTO release_changes VALUES ('0.2.0', 'changed', ?, '1000', ?, 'old-source', ?, ?)",
                [figure_id, new, source_id, f"new source: {source_id}"],
            )
        release_records.count_same_values(conn)  # as the build does once it has the changes
        conn.execute("UPDATE dataset SET latest_release = '0.2.0'")
    (folder / "inspect-data.json").unlink()
    return Site(unhurried(folder)), figures[5][0]


@pytest.mark.parametrize("path", ["/changes", "/"])
def test_changed_figures_say_how_many_have_a_new_value(site_after_a_resourcing, path):
    # "438 figures changed since 0.1.0" where 5 values changed and 433 figures kept theirs from a
    # new source (CHANGELOG.md said so; the pages did not).
    served, _ = site_after_a_resourcing
    html = served.get(path).text
    assert "6 changed (1 with a new value, 5 the same value from another source)" in " ".join(html.split()).replace(
        "6 figures changed", "6 changed"
    )


def test_the_feed_splits_changed_figures_as_the_changes_page_does(site_after_a_resourcing):
    # The feed said "6 changed" where /changes said 1 new value and 5 re-sourced figures.
    served, _ = site_after_a_resourcing
    with sqlite3.connect(served.datasette.get_database("disclosures").path) as conn:
        atom = feed.release_feed(conn).decode("utf-8")
    assert (
        "0 figures added, 6 changed (1 with a new value, 5 the same value from another source), 0 removed since 0.1.0."
        in atom
    )
    page = " ".join(served.get("/changes").text.split())
    assert "6 changed (1 with a new value, 5 the same value from another source)" in page


def test_a_new_value_is_listed_before_the_same_value_from_a_new_source(site_after_a_resourcing):
    served, corrected = site_after_a_resourcing
    html = served.get("/changes").text
    listed = re.findall(r'data-label="Figure" class="figure-id"><a href="/figure/([^"]+)"', html)
    assert listed[0] == corrected, listed


def test_each_feed_entry_leads_to_the_changes_of_its_own_release(site_after_a_resourcing):
    # Every entry linked to /changes, which shows the latest release only: a reader following
    # 0.1.0's entry read 0.2.0's changes under it.
    import xml.etree.ElementTree as ElementTree

    served, _ = site_after_a_resourcing
    with sqlite3.connect(served.datasette.get_database("disclosures").path) as conn:
        entries = ElementTree.fromstring(feed.release_feed(conn)).findall(f"{ATOM}entry")
    links = {e.findtext(f"{ATOM}title").split()[1]: e.find(f"{ATOM}link").get("href") for e in entries}
    assert set(links) == {"0.1.0", "0.2.0"}
    for version, link in links.items():
        assert link.endswith(f"/changes?version={version}")
        page = " ".join(served.get(link[link.index("/changes") :]).text.split())
        assert f"Release <strong>{version}</strong>" in page
    older = " ".join(served.get("/changes?version=0.1.0").text.split())
    assert "against nothing (the first release)" in older and "release 0.2.0 came after it" in older
    assert "Release <strong>0.2.0</strong>" in served.get("/changes").text


@pytest.mark.parametrize("version", ["9.9.9", "x" * 300])
def test_the_changes_of_a_release_never_made_are_a_404_naming_those_made(site_after_a_resourcing, version):
    served, _ = site_after_a_resourcing
    answer = served.get(f"/changes?version={version}")
    assert answer.status_code == 404
    assert "0.1.0, 0.2.0" in answer.text and "x" * 201 not in answer.text


def test_a_release_asked_for_twice_is_a_400(site_after_a_resourcing):
    served, _ = site_after_a_resourcing
    answer = served.get("/changes?version=0.1.0&version=0.2.0")
    assert answer.status_code == 400 and "give version= once" in answer.text
    assert served.get("/changes?version=0.1.0&version=0.1.0").status_code == 200


def test_the_build_records_what_each_release_changed_besides_the_figures(real_db):
    # Each release's CHANGELOG.md lists, under "Other changes", the files it changed besides the
    # figures (releases/<version>/manifest.json, other_inputs): the database now holds them too.
    recorded = release_records.recorded_releases(paths.RELEASES)
    assert any(m.get("other_inputs") for m in recorded.values())
    held = dict(rows(real_db, "SELECT version, other_inputs FROM releases"))
    assert {v: json.loads(text) for v, text in held.items()} == {
        v: m.get("other_inputs", []) for v, m in recorded.items()
    }


@pytest.fixture(scope="module")
def site_after_notes_only(real_build, tmp_path_factory):
    """The site over a copy of the build whose latest release changed no figure, only a platform's
    notes, as 1.0.1 did."""
    folder = tmp_path_factory.mktemp("notes-only")
    shutil.copytree(real_build, folder, dirs_exist_ok=True)
    with sqlite3.connect(folder / DATABASE_FILE) as conn:
        (latest,) = conn.execute("SELECT latest_release FROM dataset").fetchone()
        old = conn.execute("SELECT content_hash, figures FROM releases WHERE version = ?", [latest]).fetchone()
        conn.execute(
            """INSERT INTO releases (version, date, previous, content_hash, figures, added, changed, removed,
                                     other_inputs)
               VALUES ('9.9.1', '2026-12-05', ?, ?, ?, 0, 0, 0, '["data/platforms.csv"]')""",
            [latest, *old],
        )
        conn.execute("UPDATE dataset SET latest_release = '9.9.1'")
    (folder / "inspect-data.json").unlink()
    return Site(unhurried(folder))


def test_a_release_that_changed_no_figure_says_what_it_changed(site_after_notes_only):
    # 1.0.1 changed only data/platforms.csv (Discord's notes): its page said "0 added, 0 changed,
    # 0 removed" above a table with no rows, where its CHANGELOG.md names the file.
    html = site_after_notes_only.get("/changes").text
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Release 9.9.1 of 2026-12-05" in text
    assert "Besides the figures' values and sources, this release changed data/platforms.csv" in text
    assert "No figure was added, changed or removed in this release." in text
    assert 'class="changelog"' not in html
    # A release that changed figures keeps its table.
    assert 'class="changelog"' in site_after_notes_only.get("/changes?version=0.1.0").text


# The corrections no release has published yet: /changes listed only released changes, and a
# journalist who cited the latest release could not see the corrections recorded after it.


def pending_paragraph(html: str) -> str | None:
    found = re.search(r'<p class="pending-corrections">(.*?)</p>', html, re.S)
    return " ".join(found.group(1).split()) if found else None


@pytest.mark.parametrize("path", ["/changes", "/changes?version=1.0.0"])
def test_the_changes_page_counts_the_corrections_since_the_latest_release_and_links_to_them(unreleased, path):
    # The fixture's version 1.1.0 holds two corrections that its release 1.0.0 did not.
    paragraph = pending_paragraph(unreleased.site.get(path).text)
    assert paragraph is not None
    assert paragraph.startswith("<strong>2 corrections</strong> recorded since release 1.0.0 are in the data")
    link, table = re.findall(r'href="([^"]+)"', paragraph)
    assert link == "/disclosures/unreleased_corrections"
    assert table == "/disclosures/release_corrections"
    listed = unreleased.site.get(link + ".json?_shape=objects").json()
    pending = rows(unreleased.db, "SELECT correction_id FROM corrections")
    assert len(pending) == 2
    assert sorted(row["correction_id"] for row in listed["rows"]) == sorted(c for (c,) in pending)
    page = unreleased.site.get(link)
    assert page.status_code == 200 and "<title>Corrections in no release yet: disclosures</title>" in page.text
    assert unreleased.site.get(table).status_code == 200


def published_by_release(build_dir, folder, where="1 = 1"):
    """A copy of ``build_dir`` in ``folder`` as if release 1.0.0 had published the corrections
    ``where`` selects, served."""
    shutil.copytree(build_dir, folder, dirs_exist_ok=True)
    with sqlite3.connect(folder / DATABASE_FILE) as conn:
        conn.execute(f"INSERT INTO release_corrections SELECT '1.0.0', correction_id FROM corrections WHERE {where}")
    (folder / "inspect-data.json").unlink()
    return Site(unhurried(folder))


def test_the_changes_page_says_nothing_of_pending_corrections_when_a_release_published_them(
    unreleased, tmp_path_factory
):
    site = published_by_release(unreleased.build, tmp_path_factory.mktemp("all_released"))
    assert pending_paragraph(site.get("/changes").text) is None
    assert site.get("/disclosures/unreleased_corrections.json?_shape=objects").json()["rows"] == []


def test_one_pending_correction_is_written_in_the_singular(unreleased, tmp_path_factory):
    site = published_by_release(
        unreleased.build,
        tmp_path_factory.mktemp("one_pending"),
        "correction_id != (SELECT min(correction_id) FROM corrections)",
    )
    paragraph = pending_paragraph(site.get("/changes").text)
    assert "<strong>1 correction</strong> recorded since release 1.0.0 is in the data" in paragraph
    assert "lists it</a>" in paragraph


def no_release_published(build_dir, folder):
    """A copy of ``build_dir`` in ``folder`` in which no release published any correction: every
    one of the repository's corrections (hundreds) is in unreleased_corrections, whatever the
    repository's own releases hold."""
    shutil.copytree(build_dir, folder, dirs_exist_ok=True)
    with sqlite3.connect(folder / DATABASE_FILE) as conn:
        conn.execute("DELETE FROM release_corrections")
    (folder / "inspect-data.json").unlink()
    return folder


@pytest.fixture(scope="module")
def every_correction_pending(real_build, tmp_path_factory):
    folder = no_release_published(real_build, tmp_path_factory.mktemp("none_released"))
    return Site(unhurried(folder)), folder / DATABASE_FILE


SHOWN_ROWS = 50  # templates/query-disclosures-unreleased_corrections.html


def test_unreleased_corrections_open_on_their_first_rows_and_hold_every_one(every_correction_pending):
    # 260 corrections, each a 600 px card on a phone, made a page 170,000 px tall at 390 px.
    site, db = every_correction_pending
    (pending,) = rows(db, "SELECT count(*) FROM corrections")[0]
    assert pending > SHOWN_ROWS
    page = site.get("/disclosures/unreleased_corrections").text
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    assert body.count("<tr>") == pending  # every row is in the page; the first are shown
    assert f'<label for="every-correction">Show all {pending:,} corrections</label>' in page
    assert f"tbody tr:nth-child(n+{SHOWN_ROWS + 1}) {{ display: none; }}" in page
    assert f"returning {pending:,} rows" in page
    # /changes counts every one, and the JSON lists every one with its reason whole.
    assert pending_paragraph(site.get("/changes").text).startswith(f"<strong>{pending:,} corrections</strong>")
    listed = site.get("/disclosures/unreleased_corrections.json?_shape=array").json()
    assert {r["correction_id"]: r["reason"] for r in listed} == dict(
        rows(db, "SELECT correction_id, reason FROM corrections")
    )


def test_unreleased_corrections_cut_each_reason_with_a_link_to_its_correction(every_correction_pending):
    site, db = every_correction_pending
    first = site.get("/disclosures/unreleased_corrections.json?_shape=array").json()[0]
    assert len(first["reason"]) > 80
    page = site.get("/disclosures/unreleased_corrections").text
    href = f"/disclosures/corrections/{first['correction_id']}"
    correction = re.search(r'<td class="col-correction_id">(.*?)</td>', page).group(1)
    assert correction == f'<a href="{href}">{first["correction_id"]}</a>'
    reason = re.search(r'<td class="col-reason">(.*?)</td>', page, re.S).group(1)
    shown = re.fullmatch(
        r'<span class="cell-text cut">(.*?)…</span> <a class="more" href="([^"]+)">whole reason</a>', reason
    )
    assert shown and shown.group(2) == href
    text = html.unescape(re.sub(r"<[^>]+>", "", shown.group(1)))
    assert first["reason"].startswith(text) and len(text) <= 80
    # The row it links to holds the reason whole.
    assert site.get(f"{href}.json?_shape=array").json()[0]["reason"] == first["reason"]


def test_a_few_unreleased_corrections_are_all_shown_without_a_box_to_tick(unreleased):
    page = unreleased.site.get("/disclosures/unreleased_corrections").text
    assert page.count('<td class="col-correction_id">') == 2 and "every-correction" not in page
