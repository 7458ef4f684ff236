"""One word, one meaning across the pages' JSON: where two lists or keys had the same name for
different things, each now says what it is, and the counts tie to the tables they come from."""

import json
from html import unescape

import pytest

from disclosures import paths
from tests.conftest import plugin, rows


def telegram_periods(real_db) -> list[tuple[str, str, int]]:
    return rows(
        real_db,
        """SELECT period_start, period_end, max(regular_period) FROM coverage_cells
           WHERE platform_id = 'telegram' GROUP BY period_start, period_end ORDER BY period_start, period_end""",
    )


@pytest.mark.parametrize("metric", ["requests_fulfilled", "accounts_affected"])
def test_the_maps_missing_in_coverage_is_exactly_coverage_cells_missing(site, real_db, metric):
    # /telegram-map.json's "missing" listed 222 countries for Q1 2026 where coverage_cells marked 56
    # missing: the map meant every country without a figure, the table only those Telegram has a
    # figure for in some other period. Each is now named for what it is, and they tie.
    (countries,) = rows(real_db, "SELECT count(*) FROM jurisdictions WHERE kind = 'country'")[0]
    (tracked,) = rows(
        real_db,
        """SELECT count(DISTINCT c.jurisdiction_id) FROM coverage_cells c JOIN jurisdictions j USING (jurisdiction_id)
           WHERE c.platform_id = 'telegram' AND j.kind = 'country'""",
    )[0]
    periods = telegram_periods(real_db)
    assert len(periods) > 10
    told_apart = 0
    for start, end, regular in periods:
        got = site.get(f"/telegram-map.json?period={start}_{end}&metric={metric}").json()
        missing_cells = {
            jurisdiction
            for (jurisdiction,) in rows(
                real_db,
                """SELECT jurisdiction_id FROM coverage_cells WHERE platform_id = 'telegram'
                   AND period_start = ? AND period_end = ? AND status = 'missing'""",
                start,
                end,
            )
        }
        assert {c["jurisdiction_id"] for c in got["missing_in_coverage"]} == missing_cells, (start, end)
        assert len(got["not_in_coverage"]) == countries - tracked, (start, end)
        assert all(c["coverage_status"] is None for c in got["not_in_coverage"])
        if not regular:
            # A period the bot used for a few countries: no cell, and none missing, for the others.
            assert got["missing_in_coverage"] == [] and len(got["not_in_coverage"]) < len(got["without_figure"])
            assert {c["coverage_status"] for c in got["without_figure"]} == {None}
        without = {c["jurisdiction_id"] for c in got["without_figure"]}
        assert missing_cells <= without
        # The page's sense, now unsourced; missing stays one release as its alias.
        assert got["unsourced"] == (got["without_figure"] if regular else [])
        assert got["missing"] == got["unsourced"] and got["deprecated"] == {"missing": "unsourced"}
        told_apart += len(got["unsourced"]) != len(got["missing_in_coverage"])
    assert told_apart > 0
    # Q1 2026, the period the two answers were first compared on: every missing cell is a grey country.
    q1 = site.get(f"/telegram-map.json?period=2026q1&metric={metric}").json()
    assert len(q1["unsourced"]) > len(q1["missing_in_coverage"]) > 0


def test_the_maps_lists_say_what_they_mean_and_the_page_says_both_counts(site):
    got = site.get("/telegram-map.json?period=2026q1").json()
    assert "coverage_cells' missing" in got["missing_in_coverage_means"]
    assert "coverage_cells has no row for them" in got["not_in_coverage_means"]
    assert "no public source gives Telegram's figure" in got["unsourced_means"]
    assert got["missing_means"].startswith("deprecated: the same list as unsourced")
    page = unescape(site.get("/telegram-map?period=2026q1").text)
    assert f"{len(got['missing_in_coverage'])} of them are the missing cells of the" in page
    assert f"{len(got['not_in_coverage'])} have no Telegram figure for any period" in page
    # A period with countries inside a longer one (Q1 2024, inside January–September 2024) says so.
    q1_2024 = site.get("/telegram-map.json?period=2024q1").json()
    inside = sum(c["coverage_status"] == "in_longer_period" for c in q1_2024["without_figure"])
    others = len(q1_2024["without_figure"]) - len(q1_2024["missing_in_coverage"]) - len(q1_2024["not_in_coverage"])
    assert others >= inside > 0
    assert f"The other {others} have a row there for this period" in unescape(
        site.get("/telegram-map?period=2024q1").text
    )


def test_a_platforms_series_gaps_and_its_charts_line_breaks_are_named_apart(site, real_db):
    # /platform/<id>.json had a top-level "gaps" (periods no stored source has a figure for, the
    # series_gaps table) and a "gaps" in each chart (where the drawn line breaks): two things, one name.
    got = site.get("/platform/linkedin.json").json()
    table = rows(real_db, "SELECT DISTINCT request_type_id FROM series_gaps WHERE platform_id = 'linkedin'")
    labels = {
        label
        for (label,) in rows(
            real_db,
            "SELECT label FROM request_types WHERE request_type_id IN (SELECT request_type_id FROM series_gaps "
            "WHERE platform_id = 'linkedin')",
        )
    }
    assert table and {label for g in got["series_gaps"] for label in g["labels"]} == labels
    assert got["series_gaps_url"] == "/disclosures/series_gaps?platform_id=linkedin"
    # The old names stay one release, as aliases the object names.
    assert got["gaps"] == got["series_gaps"] and got["gaps_url"] == got["series_gaps_url"]
    assert got["deprecated"] == {"gaps": "series_gaps", "gaps_url": "series_gaps_url"}
    assert got["charts"] and all("line_breaks" in c and "series_gaps" not in c for c in got["charts"])
    # The page still lists the series' gaps from the renamed key.
    assert '<dd class="series-gaps">' in site.get("/platform/linkedin").text


def test_a_charts_line_breaks_keep_gaps_as_a_deprecated_alias(site):
    chart = site.get("/chart.json?platform=meta&jurisdiction=DEU&request_type=all&metric=requests_received").json()[
        "chart"
    ]
    assert chart["line_breaks"] and chart["gaps"] == chart["line_breaks"]
    assert chart["deprecated"] == {"gaps": "line_breaks"}
    country = site.get("/country/DEU.json").json()
    assert country["charts"] and all(c["gaps"] == c["line_breaks"] for c in country["charts"])
    api = site.get("/api").text
    assert "<code>line_breaks</code>" in api and "<code>series_gaps</code>" in api


def test_newest_is_a_date_and_the_global_one_says_so(site, real_db):
    # /country/<iso3>.json's "newest" was a list of figures where every other "newest" is a date, and
    # /platforms.json's "newest" left out the EU DSA orders where /platform/<id>.json's span.newest
    # counts them: Amazon Store's were null and 2026-06-30.
    country = site.get("/country/USA.json").json()
    assert country["newest_figures"] and country["newest"] == country["newest_figures"]
    reporting = {f["platform_id"] for f in country["newest_figures"]}
    assert reporting.isdisjoint(p["platform_id"] for p in country["platforms_without_figures"])
    assert country["missing_platforms"] == country["platforms_without_figures"] != []
    assert country["deprecated"] == {"newest": "newest_figures", "missing_platforms": "platforms_without_figures"}
    platforms = {p["platform_id"]: p for p in site.get("/platforms.json").json()["platforms"]}
    dsa_only = [
        pid
        for (pid,) in rows(
            real_db,
            """SELECT platform_id FROM figures GROUP BY platform_id
               HAVING sum(request_type_id <> 'dsa_information_order') = 0""",
        )
    ]
    assert dsa_only
    for pid in dsa_only:
        listed = platforms[pid]
        assert listed["global_newest"] is None and listed["dsa_newest"] is not None
        assert site.get(f"/platform/{pid}.json").json()["span"]["newest"] == listed["dsa_newest"]
    for listed in platforms.values():
        assert (listed["first"], listed["newest"]) == (listed["global_first"], listed["global_newest"])
        assert listed["deprecated"] == {"first": "global_first", "newest": "global_newest"}
    (google_global,) = rows(
        real_db,
        "SELECT max(period_end) FROM figures WHERE platform_id = 'google' AND request_type_id <> 'dsa_information_order'",
    )[0]
    assert platforms["google"]["global_newest"] == google_global


def test_the_old_key_names_are_kept_for_no_release_after_the_one_the_readme_promises():
    # The README promises the renamed keys' old names for 2.0.0 only: a package whose version has
    # moved past it must have dropped them (with_old_keys and its callers), or the promise is broken
    # without anyone deciding to.
    version = json.loads((paths.ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]
    kept = plugin("explore").RELEASE_KEEPING_OLD_KEYS
    as_numbers = [tuple(int(part) for part in v.split(".")) for v in (version, kept)]
    assert as_numbers[0] <= as_numbers[1], (
        f"datapackage.json is {version}: drop the old JSON key names kept for {kept} (plugins/explore.py)"
    )
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert f"release {kept} only" in readme or f"{kept} only" in readme
