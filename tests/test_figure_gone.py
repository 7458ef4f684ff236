"""Layer (c): an id a release or a citation carried, which the data no longer holds, still leads
somewhere (plugins/pages.py, figure_gone)."""

from __future__ import annotations

import html
import re
import sqlite3
from html import unescape

import pytest

from disclosures import build
from tests.conftest import Site, assert_error_shape, unhurried
from tests.packages import make_package


def test_a_refiled_figure_answers_gone_with_its_correction_and_new_id(site):
    # 0.1.0 carried this id; a correction moved the same 41 under accounts_counted.
    response = site.get("/figure/cloudflare-world-2013-all-accounts_specified")
    html = unescape(response.text)
    assert response.status_code == 410
    assert "cloudflare-world-2013-all-accounts_specified-metric-unsettled" in html
    assert 'href="/figure/cloudflare-world-2013-all-accounts_counted"' in html
    assert "Release 0.1.0 carried it" in html
    assert site.get("/figure/cloudflare-world-2013-all-accounts_counted").status_code == 200


def test_a_removed_figures_json_is_gone_too_with_its_correction(site):
    response = site.get("/figure/cloudflare-world-2013-all-accounts_specified.json")
    message = assert_error_shape(response, 410)
    assert "correction cloudflare-world-2013-all-accounts_specified-metric-unsettled of 20" in message
    assert "cloudflare-world-2013-all-accounts_counted" in message  # the reason names the new id
    assert "release 0.1.0 carried it" in message
    assert message.endswith("/figure/cloudflare-world-2013-all-accounts_specified")


def test_a_removed_figures_json_joins_a_reason_that_ends_a_sentence_once(site, real_db):
    # The reason ends with a full stop, and the message went on after it: "... under
    # accounts_counted.; release 0.1.0 carried it".
    with sqlite3.connect(real_db) as db:
        reason = db.execute(
            "SELECT reason FROM corrections WHERE figure_id = 'cloudflare-world-2013-all-accounts_specified'"
        ).fetchone()[0]
    assert reason.endswith(".")
    message = assert_error_shape(site.get("/figure/cloudflare-world-2013-all-accounts_specified.json"), 410)
    assert f"{reason[:-1]}; release 0.1.0 carried it. Its page says more" in message
    assert ".;" not in message and ".." not in message


def test_an_unknown_figures_json_echoes_its_id_as_the_url_wrote_it(site):
    message = assert_error_shape(site.get("/figure/%3Cscript%3Ex.json"), 404)
    assert message.startswith("No figure '%3Cscript%3Ex'")
    message = assert_error_shape(site.get("/figure/telegram-usa-1999-ip_or_phone-requests_fulfilled.json"), 404)
    assert message.startswith("No figure 'telegram-usa-1999-ip_or_phone-requests_fulfilled'")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/country/%C3%A9.json", "No jurisdiction 'é': a country page is named by its ISO 3166-1 alpha-3 code"),
        # A byte that is no UTF-8 text as the client escaped it (it was a replacement character).
        ("/country/%ff.json", "No jurisdiction '%ff': a country page is named by"),
        ("/country/%E2%80%AEUSA.json", "No jurisdiction '\\u202eUSA': a country page is named by"),
        ("/platform/caf%C3%A9.json", "No platform 'café': every platform is listed at /platforms"),
        ("/disclosures/figures/%C3%A9.json", "No row 'é' in figures: none has that figure_id"),
        ("/disclosures/%ff.json", "Nothing is at /disclosures/~ff.json: no page, table or row has this address"),
        ("/disclosures/figures/%C3%A9.csv", "No row 'é' in figures: none has that figure_id"),
    ],
)
def test_a_percent_escaped_json_or_csv_path_that_names_nothing_is_a_404_in_the_error_shape(site, path, message):
    # Datasette redirected it to /country/~C3~A9~2Ejson: the format folded into the name, then
    # an HTML 404. It is read as that ~ form with its format kept, whose own 404 says what is named.
    response = site.get(path)
    assert assert_error_shape(response, 404).startswith(message)
    assert "location" not in response.headers


def test_percent_escapes_in_the_query_string_still_answer(site):
    response = site.get("/disclosures/figures.json?_size=1&platform_id=tele%67ram")
    assert response.status_code == 200 and response.json()["rows"]
    assert all("telegram" in str(row) for row in response.json()["rows"])


def test_an_id_nothing_ever_held_is_not_found(site):
    response = site.get("/figure/telegram-usa-1999-ip_or_phone-requests_fulfilled")
    assert response.status_code == 404
    assert "No figure telegram-usa-1999-ip_or_phone-requests_fulfilled" in response.text
    # It says where to look instead (it was Datasette's bare "Not found").
    assert (
        'href="/disclosures/search_everything?q=telegram%20usa%201999%20ip_or_phone%20requests_fulfilled"'
        in response.text
    )
    assert 'href="/disclosures/figures"' in response.text.partition("is not a figure")[2]
    # The figures table's row page of such an id is that page's 404 itself (it was "Record not
    # found", then a 302 to the page, a redirect to a 404).
    row = site.get("/disclosures/figures/telegram-usa-1999-ip_or_phone-requests_fulfilled")
    assert row.status_code == 404 and "location" not in row.headers
    assert row.text == response.text
    markup = site.get("/figure/%3Cb%3Ex%3C%2Fb%3E")
    assert markup.status_code in (302, 404) and "<b>x</b>" not in markup.text


def test_a_derived_id_whose_period_a_source_now_reports_links_to_the_reported_figure(tmp_path):
    package = make_package(tmp_path / "package")
    with (tmp_path / "package" / "data" / "figures.csv").open("a", encoding="utf-8") as handle:
        handle.write(
            "examplechat-usa-2024q4-ip_or_phone-requests_fulfilled,examplechat,USA,2024-10-01,2024-12-31,"
            "ip_or_phone,requests_fulfilled,exact,886,,,Fulfilled requests,example-2025-01-10-report,,Q4: 886,\n"
        )
    build.build_site(package, tmp_path / "build")
    site = Site(unhurried(tmp_path / "build"))
    # No release carried the derived id, so nothing shows it was ever a figure: a 404 (it was a
    # 410 that said "this was a figure the build derived", of ids no build ever derived) that
    # still leads to the reported figure.
    response = site.get("/figure/examplechat-usa-2024q4-ip_or_phone-requests_fulfilled-derived")
    assert response.status_code == 404
    assert 'href="/figure/examplechat-usa-2024q4-ip_or_phone-requests_fulfilled"' in response.text
    assert "886" in response.text and "No release carried this id" in response.text
    assert "This was a figure" not in response.text and "still has it" not in response.text
    message = assert_error_shape(
        site.get("/figure/examplechat-usa-2024q4-ip_or_phone-requests_fulfilled-derived.json"), 404
    )
    assert (
        "no release carried it, and a source reports its period: /figure/examplechat-usa-2024q4-ip_or_phone-requests_fulfilled"
        in message
    )
    assert message == assert_error_shape(
        site.get("/disclosures/figures/examplechat-usa-2024q4-ip_or_phone-requests_fulfilled-derived.json"), 404
    )
    # A derived id whose period no source reports is still a figure of its own.
    assert site.get("/figure/examplechat-usa-2024q4-ip_or_phone-accounts_affected-derived").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled",
        "/figure/cloudflare-world-2013-all-accounts_specified",
        "/country/USA",
        "/changes",
    ],
)
def test_the_sites_own_pages_name_the_data_licence_and_source_in_their_footer(site, path):
    # Datasette's footer shows them from the metadata its own views pass; these pages said only
    # "Powered by Datasette".
    footer = site.get(path).text.rpartition("<footer")[2]
    assert "Data license:" in footer and 'href="https://creativecommons.org/licenses/by/4.0/"' in footer
    assert 'href="/disclosures/sources"' in footer


def test_the_site_names_derived_figures_as_the_build_does():
    # The site imports nothing from the pipeline: its copy of the suffix is held equal here.
    from disclosures import vocabulary
    from tests.conftest import plugin

    assert plugin("pages").DERIVED_SUFFIX == vocabulary.DERIVED_SUFFIX
    assert plugin("strict_paths").DERIVED_SUFFIX == vocabulary.DERIVED_SUFFIX


def test_both_plugins_ask_which_releases_carried_an_id_in_one_way(real_db):
    # Plugins cannot import each other (Datasette loads each file on its own), so the figure
    # page and the JSON/CSV gone answers each hold a copy: they must never disagree on it.
    from tests.conftest import plugin, rows

    assert plugin("pages").RELEASED_SQL == plugin("strict_paths").RELEASED_SQL
    ((version,),) = rows(real_db, "SELECT version FROM releases ORDER BY date LIMIT 1")
    ((carried,),) = rows(
        real_db,
        "SELECT figure_id FROM release_changes WHERE version = ? AND change != 'removed' ORDER BY figure_id LIMIT 1",
        version,
    )
    assert version in [row[0] for row in rows(real_db, plugin("pages").RELEASED_SQL, carried)]
    assert rows(real_db, plugin("pages").RELEASED_SQL, "no-such-figure") == []


def test_a_figures_csv_answers_as_its_json_does(site):
    # /figure/<id>.csv rendered the "not a figure" page for the id "<id>.csv", whose whole text
    # became the error message.
    removed = "cloudflare-world-2013-all-accounts_specified"
    message = assert_error_shape(site.get(f"/figure/{removed}.csv"), 410)
    assert message == assert_error_shape(site.get(f"/figure/{removed}.json"), 410)
    kept = site.get("/figure/cloudflare-world-2013-all-accounts_counted.csv")
    assert kept.status_code == 302
    assert kept.headers["location"] == "/disclosures/figures/cloudflare-world-2013-all-accounts_counted.csv"
    assert len(assert_error_shape(site.get("/figure/no-such-figure.csv"), 404)) < 300


def test_a_derived_derived_id_does_not_lead_to_a_derived_figure_as_reported(site, real_db):
    from tests.conftest import rows

    ((derived,),) = rows(real_db, "SELECT figure_id FROM figures WHERE is_derived = 1 ORDER BY figure_id LIMIT 1")
    response = site.get(f"/figure/{derived}-derived")
    assert response.status_code == 404 and "a source reports this one" not in response.text
    assert assert_error_shape(site.get(f"/figure/{derived}-derived.json"), 404).startswith("No figure")


def test_a_removed_figures_row_is_gone_in_json_and_leads_to_its_page_in_html(site):
    # Datasette's row JSON of a removed id was a 404 that said only "not found".
    removed = "cloudflare-world-2013-all-accounts_specified"
    message = assert_error_shape(site.get(f"/disclosures/figures/{removed}.json"), 410)
    assert message == assert_error_shape(site.get(f"/figure/{removed}.json"), 410)
    # Its row CSV was a 404 "Record not found"; a CSV's errors are the JSON shape.
    assert message == assert_error_shape(site.get(f"/disclosures/figures/{removed}.csv"), 410)
    response = site.get(f"/disclosures/figures/{removed}")
    assert response.status_code == 302 and response.headers["location"] == f"/figure/{removed}"
    # An id nothing ever named is still Datasette's 404, and a row that exists its 200.
    assert site.get("/disclosures/figures/telegram-usa-1999-ip_or_phone-requests_fulfilled.json").status_code == 404
    assert site.get("/disclosures/figures/cloudflare-world-2013-all-accounts_counted.json").status_code == 200
    assert site.get("/disclosures/figures/cloudflare-world-2013-all-accounts_counted.csv").status_code == 200
    assert site.get("/disclosures/figures/telegram-usa-1999-ip_or_phone-requests_fulfilled.csv").status_code == 404


def test_the_row_redirect_knows_the_ids_the_figure_page_answers():
    from tests.conftest import plugin

    routes = dict((pattern, view.__name__) for pattern, view in plugin("pages").register_routes())
    (figure_route,) = [pattern for pattern, name in routes.items() if name == "figure_page"]
    assert f"(?P<figure_id>{plugin('strict_paths').FIGURE_PAGE_ID.pattern})" in figure_route


@pytest.mark.parametrize(
    ("path", "shown"),
    [("/figure/abc%2Fdef", "abc/def"), ("/figure/a/b", "a/b"), ("/figure/a%20b", "a b"), ("/figure/%25", "%")],
)
def test_a_figure_address_no_id_can_have_is_the_not_a_figure_page(site, path, shown):
    # Datasette answered these "Database not found": the route for ids took only their characters.
    page = site.get(path)
    assert page.status_code == 404
    assert f"<h1>{html.escape(shown)} is not a figure</h1>" in page.text
    assert "Database not found" not in page.text
    assert "/disclosures/search_everything?q=" in page.text


@pytest.mark.parametrize("path", ["/figure/a/b.json", "/figure/a%2Fb.json", "/figure/a b.csv"])
def test_a_figure_json_of_text_no_id_can_be_is_a_short_404(site, path):
    # The "not a figure" page took these, and its whole text (menus, footer) became the error.
    message = assert_error_shape(site.get(path), 404)
    assert message.startswith("No figure 'a%") and len(message) < 300 and "Powered by" not in message
    assert f"FIGURE_ID.{path.rsplit('.', 1)[1]}" in message


def test_a_figure_with_a_slash_after_it_is_that_figure(site):
    # It was "not a figure", and for a removed figure that contradicted its 410.
    for figure_id in (
        "telegram-usa-2024-ip_or_phone-requests_fulfilled",
        "cloudflare-world-2013-all-accounts_specified",
    ):
        response = site.get(f"/figure/{figure_id}/")
        assert response.status_code == 302 and response.headers["location"] == f"/figure/{figure_id}"
        response = site.get(f"/figure/{figure_id}/?x=1")
        assert response.status_code == 302 and response.headers["location"] == f"/figure/{figure_id}?x=1"


def test_the_not_a_figure_pages_search_is_one_the_search_takes(site):
    # Its link searched for every word of the text, and 40 words were refused (400).
    from tests.conftest import plugin

    assert plugin("pages").SEARCH_WORDS == plugin("search").MAX_SEARCH_WORDS
    text = "-".join(f"word{i % 40}" for i in range(120)) + "_x"
    page = site.get(f"/figure/{text}")
    assert page.status_code == 404
    link = html.unescape(re.search(r'href="(/disclosures/search_everything\?q=[^"]*)"', page.text).group(1))
    assert site.get(link).status_code == 200
    assert "word31" in link and "word32" not in link
    # Nor more characters than it takes: a part of 600 letters was offered, and refused.
    assert plugin("pages").SEARCH_CHARACTERS == plugin("search").MAX_SEARCH_CHARACTERS
    page = site.get(f"/figure/{'ab' * 200}-{'c' * 300}_x")
    assert page.status_code == 404
    link = html.unescape(re.search(r'href="(/disclosures/search_everything\?q=[^"]*)"', page.text).group(1))
    assert site.get(link).status_code == 200 and "ab" * 200 in link and "ccc" not in link
    # Characters FTS5 reads as words of their own ("½" is one there, two once Python normalises it).
    page = site.get("/figure/" + "-".join(["½x"] * 40))
    link = html.unescape(re.search(r'href="(/disclosures/search_everything\?q=[^"]*)"', page.text).group(1))
    assert site.get(link).status_code == 200


@pytest.mark.parametrize("path", ["/figure", "/figure/"])
def test_the_figure_address_without_an_id_leads_to_the_figures(site, path):
    response = site.get(path)
    assert response.status_code == 302 and response.headers["location"] == "/disclosures/figures"


@pytest.mark.parametrize("path", ["/figure/.json", "/figure/.csv"])
def test_a_figure_json_with_no_id_is_a_short_404(site, path):
    # The page route took ".json" for an id, and its whole page became the error's text.
    message = assert_error_shape(site.get(path), 404)
    assert message.startswith("No figure ''") and len(message) < 300


def test_the_id_of_a_period_the_build_derives_leads_to_the_derived_figure(site, real_db):
    # telegram-usa-2024q4-ip_or_phone-requests_fulfilled, written as the README's id scheme makes it,
    # was "not a figure ... no record says one was", while the dataset holds that period, derived.
    from tests.conftest import rows

    ((derived, value_text),) = rows(
        real_db,
        "SELECT figure_id, value_text FROM figures WHERE is_derived = 1 AND figure_id LIKE 'telegram-usa-%q4-%' "
        "ORDER BY figure_id LIMIT 1",
    )
    plain = derived.removesuffix("-derived")
    assert not rows(real_db, "SELECT 1 FROM figures WHERE figure_id = ?", plain)
    page = site.get(f"/figure/{plain}")
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page.text)))
    assert page.status_code == 404 and "no record says one was" not in text
    assert f"<h1>{plain} is not a reported figure</h1>" in page.text
    assert f'href="/figure/{derived}"' in page.text
    assert "No source reports this period. The build derives its figure" in text and f"({value_text}, derived" in text
    # Its row page is that 404 page, at the row's address: it was a 302 to the 404.
    row = site.get(f"/disclosures/figures/{plain}")
    assert row.status_code == 404 and "location" not in row.headers and row.text == page.text
    for path in (f"/figure/{plain}.json", f"/disclosures/figures/{plain}.json"):
        message = assert_error_shape(site.get(path), 404)
        assert message.startswith(f"No figure '{plain}': no release carried it, and no source reports its period")
        assert f"the build derives its figure: /figure/{derived}." in message
    # An id of nothing, derived or not, is still the plain "not a figure".
    assert "no record says one was" in site.get("/figure/telegram-usa-1999q4-ip_or_phone-requests_fulfilled").text


def test_a_released_derived_figure_whose_inputs_were_refiled_leads_to_the_one_derived_in_its_place(site):
    # 1.0.0-1.2.0 carried Discord's 2022 sum of its quarterly totals as all; corrections refiled
    # the four quarters as legal_process (d085b50), and the build derives their sum under that id.
    gone, in_place = (
        "discord-world-2022-all-requests_received-derived",
        "discord-world-2022-legal_process-requests_received-derived",
    )
    response = site.get(f"/figure/{gone}")
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())
    assert response.status_code == 410
    assert f'href="/figure/{in_place}"' in response.text
    assert f"the build derives its figure in place of this one: {in_place} (3,910, derived" in text
    for quarter in ("2022q1", "2022q2", "2022q3", "2022q4"):
        assert f"discord-world-{quarter}-all-requests_received as discord-world-{quarter}-legal_process" in text
    assert "Releases 1.0.0, 1.1.0, 1.2.0 carried it" in text
    message = assert_error_shape(site.get(f"/figure/{gone}.json"), 410)
    assert f"the build derives its figure from the ids they became: /figure/{in_place}. Its page" in message
    assert site.get(f"/figure/{in_place}").status_code == 200


class _Database:
    """Datasette's Database.execute over an sqlite3 connection: the rows, read by column name."""

    def __init__(self, conn: sqlite3.Connection):
        conn.row_factory = sqlite3.Row
        self.conn = conn

    async def execute(self, sql, params=()):
        return type("Results", (), {"rows": self.conn.execute(sql, params).fetchall()})


def _records(derivation: str, removals: dict[str, str], derived_now: dict[str, list[tuple[str, int]]]):
    """A database holding what plugins/_refiled.py reads: release 1.0.0 carried old-derived with
    ``derivation``, corrections removed the ids of ``removals`` with those reasons, and the build
    derives ``derived_now`` (id -> its signed inputs), whose inputs are reported figures."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(
        """CREATE TABLE releases (version TEXT, date TEXT);
           CREATE TABLE release_changes (version TEXT, change TEXT, figure_id TEXT, reason TEXT);
           CREATE TABLE corrections (correction_id TEXT, figure_id TEXT, new_value TEXT, reason TEXT,
                                     corrected_date TEXT);
           CREATE TABLE figures (figure_id TEXT, value_text TEXT, is_derived INTEGER);
           CREATE TABLE figure_inputs (figure_id TEXT, input_figure_id TEXT, sign INTEGER);
           INSERT INTO releases VALUES ('1.0.0', '2026-12-04');"""
    )
    conn.execute("INSERT INTO release_changes VALUES ('1.0.0', 'added', 'old-derived', ?)", [derivation])
    for figure_id, reason in removals.items():
        conn.execute(
            "INSERT INTO corrections VALUES (?, ?, '', ?, '2026-12-05')", [f"{figure_id}-x", figure_id, reason]
        )
    for figure_id, inputs in derived_now.items():
        conn.execute("INSERT INTO figures VALUES (?, '7', 1)", [figure_id])
        for input_id, sign in inputs:
            conn.execute("INSERT OR IGNORE INTO figures VALUES (?, '1', 0)", [input_id])
            conn.execute("INSERT INTO figure_inputs VALUES (?, ?, ?)", [figure_id, input_id, sign])
    return _Database(conn)


def test_derived_in_place_needs_every_input_refiled_to_the_inputs_of_one_derived_figure():
    import asyncio

    from tests.conftest import plugin

    refiled = plugin("_refiled")
    a, b = "p-world-2022q1-all-requests_received", "p-world-2022q2-all-requests_received"
    a2, b2 = "p-world-2022q1-legal_process-requests_received", "p-world-2022q2-legal_process-requests_received"
    removals = {a: f"Refiled as {a2}: a reason.", b: f"refiled as {b2}: another."}
    now = {"new-derived": [(a2, 1), (b2, -1)]}

    def in_place(derivation, removals=removals, now=now):
        return asyncio.run(refiled.derived_in_place(_records(derivation, removals, now), "old-derived"))

    found = in_place(f"derived: {a} - {b} (its inputs changed)")
    assert found == {"figure_id": "new-derived", "value_text": "7", "inputs": [(a, a2), (b, b2)]}
    assert in_place(f"derived: {a} + {b}") is None  # the signs differ: another arithmetic
    assert in_place(f"derived: {a} - {b} - p-world-2022q3-all-requests_received") is None  # one not refiled
    assert in_place(f"derived: {a} - {b}", removals={a: removals[a], b: "Removed: no figure named."}) is None
    assert in_place(f"derived: {a} - {b}", now={"new-derived": [(a2, 1)]}) is None  # no figure of both
    assert in_place("a reason that is no derivation") is None
    # Both refiled as one figure: a figure derived from it alone is not their sum.
    assert in_place(f"derived: {a} + {b}", {a: f"refiled as {a2}.", b: f"refiled as {a2}."}, {"one": [(a2, 1)]}) is None
