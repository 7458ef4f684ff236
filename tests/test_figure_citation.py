"""Layer (c): a figure page says how to cite it (plugins/pages.py, figure_citation): the
dataset's version, and, while the data shown are in no release, the content hash and the newest
release that carried the figure with its value there."""

from __future__ import annotations

import re
from html import unescape

import pytest


def citation(site, figure_id: str) -> str:
    page = site.get(f"/figure/{figure_id}")
    assert page.status_code == 200
    section = page.text.partition('<section class="cite"')[2].partition("</section>")[0]
    assert section, "no citation section"
    return " ".join(unescape(re.sub(r"<[^>]+>", "", section)).split())


def test_an_unreleased_figure_page_cites_the_content_hash_and_the_release_that_carried_it(unreleased):
    from tests.conftest import rows

    # A correction changed this figure after release 1.0.0 carried it: 1,501 now, 1,500 there.
    figure_id = "examplechat-deu-2024h1-all-requests_received"
    ((version, content_hash, latest),) = rows(
        unreleased.db, "SELECT version, content_hash, latest_release FROM dataset"
    )
    assert (version, latest) == ("1.1.0", "1.0.0")
    assert rows(
        unreleased.db, "SELECT new_value FROM release_changes WHERE version = ? AND figure_id = ?", latest, figure_id
    ) == [("1500",)]
    text = citation(unreleased.site, figure_id)
    assert "“ExampleChat, Germany, H1 2024: Requests received · All requests”" in text
    assert f"(figure {figure_id}, 1,501)" in text
    assert f"version {version} (unreleased), content {content_hash}" in text
    assert f"Release {latest} (2025-01-15) carried this figure, with the value 1,500" in text
    assert f"/figure/{figure_id}, accessed on" in text
    assert "ExampleChat transparency report" in text  # the figure's own source


def test_a_refiled_figure_names_the_former_id_its_release_carried(unreleased):
    # A correction refiled the band 1.0.0 carried under REFILED_FROM as REFILED; the citation said
    # "no release has carried this figure" (as it did for Cloudflare's 2013 accounts, refiled after 0.1.0).
    from tests.conftest import REFILED, REFILED_FROM

    text = citation(unreleased.site, REFILED)
    assert (
        f"Release 1.0.0 (2025-01-15) carried this figure under its former id {REFILED_FROM}"
        f" (correction {REFILED_FROM}-removed refiled it)" in text
    )
    assert "with the value 0–499" in text and "No release has carried this figure" not in text


def test_a_figure_no_release_carried_says_so(unreleased):
    from tests.conftest import rows

    ((figure_id,),) = rows(
        unreleased.db,
        """SELECT figure_id FROM figures f WHERE is_derived = 0
             AND NOT EXISTS (SELECT 1 FROM release_changes c WHERE c.figure_id = f.figure_id)
             AND NOT EXISTS (SELECT 1 FROM corrections c WHERE instr(c.reason, f.figure_id) > 0)
           ORDER BY figure_id LIMIT 1""",
    )
    assert figure_id == "examplechat-deu-2024h2-all-requests_received"  # added after 1.0.0
    text = citation(unreleased.site, figure_id)
    assert "No release has carried this figure yet." in text and "Release 1.0.0" not in text


def test_a_derived_figure_asks_for_its_inputs_sources(site):
    text = citation(site, "telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived")
    assert "this figure is derived, so cite the sources of the figures it was computed from" in text


def test_the_source_line_says_when_it_was_published_and_retrieved_and_links_its_archived_copy(site, real_db):
    from tests.conftest import rows

    # A comment of 2026 on an issue opened in 2024: the date shown was the issue's, unlabelled.
    page = site.get("/figure/telegram-esp-2026q1-ip_or_phone-requests_fulfilled")
    source = " ".join(unescape(re.sub(r"<[^>]+>", "", page.text.partition('<p class="source">')[2])).split())
    assert source.startswith("Te-k/telegram-transparency issue #9")
    assert "published 2024-10-11, retrieved 2026-11-28" in source and "Where: comment by notklea, 2026-05-03" in source
    ((figure_id, archived),) = rows(
        real_db,
        "SELECT f.figure_id, s.archived_url FROM figures f JOIN sources s USING (source_id)"
        " WHERE s.archived_url LIKE 'http%' ORDER BY f.figure_id LIMIT 1",
    )
    assert f'<a href="{archived}" rel="nofollow noopener">Archived copy</a>' in site.get(f"/figure/{figure_id}").text


def test_citations_and_titles_name_the_request_type_and_a_derived_figure_says_so(site):
    # Google's emergency, legal process and preservation requests in Germany were cited alike:
    # "Google, Germany, H1 2025: Requests received", the id alone told them apart.
    cited = {
        kind: citation(site, f"google-deu-2025h1-{kind}-requests_received")
        for kind in ("emergency", "legal_process", "preservation")
    }
    assert "H1 2025: Requests received · Emergency requests”" in cited["emergency"]
    assert "H1 2025: Requests received · Legal process requests”" in cited["legal_process"]
    assert "H1 2025: Requests received · Preservation requests”" in cited["preservation"]
    title = re.search(r"<title>([^<]+)</title>", site.get("/figure/google-deu-2025h1-emergency-requests_received").text)
    assert "Requests received · Emergency requests (google-deu-2025h1-emergency-requests_received)" in unescape(
        title.group(1)
    )
    assert "derived" not in cited["emergency"].partition(").")[0]
    # A sum of quarters is no reported number: its citation says so, not only its page.
    derived = citation(site, "telegram-usa-2025-ip_or_phone-accounts_affected-derived")
    assert "derived by the dataset from reported figures: no source reported it)" in derived


# Removed in the unreleased 1.2.0, after releases 1.0.0 and 1.1.0 carried it (1.1.0 unchanged).
REMOVED_LATER = "examplechat-deu-2024h1-all-requests_fulfilled"
REMOVAL = [
    {
        "file": "data/figures.csv",
        "old": f"{REMOVED_LATER},examplechat,DEU,2024-01-01,2024-06-30,all,requests_fulfilled,exact,1200,,,"
        "Requests with data,example-2025-01-10-report,,Germany 1 200 with data,\n",
        "new": "",
    },
    {
        "file": "data/corrections.csv",
        "append": f"{REMOVED_LATER}-removed,{REMOVED_LATER},1200,,A fixture's removal after its second release.,"
        "example-2025-01-10-report,2025-08-01",
    },
]


@pytest.fixture(scope="module")
def third_version(tmp_path_factory):
    """Releases 1.0.0 and 1.1.0 of the small package, then 1.2.0 (REMOVAL) built unreleased and
    served with both releases' files."""
    from types import SimpleNamespace

    from disclosures import release
    from tests.conftest import Site, unhurried
    from tests.test_release import built

    root = tmp_path_factory.mktemp("third_version")
    releases, dist = root / "releases", root / "dist"
    release.make_release(built(root / "a", "1.0.0", releases=releases), dist, releases, "2025-01-15")
    release.make_release(built(root / "b", "1.1.0", "release_next", releases=releases), dist, releases, "2025-07-15")
    folder = built(root / "c", "1.2.0", "release_next", REMOVAL, releases=releases)
    return SimpleNamespace(db=folder / "disclosures.db", site=Site(unhurried(folder, dist=dist)))


def test_the_newest_release_that_carried_a_figure_is_one_it_did_not_change_in(third_version):
    # A release's changes list only what changed: a figure 1.0.0 added and 1.1.0 left alone was
    # cited as carried by 1.0.0 only, so a reader was sent to the older release.
    from tests.conftest import rows

    ((figure_id, value),) = rows(
        third_version.db,
        """SELECT c.figure_id, c.new_value FROM release_changes c JOIN figures f USING (figure_id)
           WHERE c.version = '1.0.0' AND c.change = 'added' AND f.is_derived = 0 AND c.figure_id NOT IN
             (SELECT figure_id FROM release_changes WHERE version = '1.1.0') ORDER BY c.figure_id LIMIT 1""",
    )
    assert f"Release 1.1.0 (2025-07-15) carried this figure, with the value {int(value):,}" in citation(
        third_version.site, figure_id
    )
    # A figure removed after both: its page names both releases that carried it, and the newer one's value.
    assert rows(third_version.db, "SELECT version, change FROM release_changes WHERE figure_id = ?", REMOVED_LATER) == [
        ("1.0.0", "added")
    ]
    gone = third_version.site.get(f"/figure/{REMOVED_LATER}")
    said = " ".join(unescape(re.sub(r"<[^>]+>", "", gone.text)).split())
    assert gone.status_code == 410
    assert "Releases 1.0.0, 1.1.0 carried it, with the value 1,200 in 1.1.0" in said
    assert 'href="/downloads#release-1.1.0"' in gone.text
    message = third_version.site.get(f"/figure/{REMOVED_LATER}.json").json()["error"]
    assert "releases 1.0.0, 1.1.0 carried it" in message  # "release 1.0.0, 1.1.0" named two as one
