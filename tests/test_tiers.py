"""Source tiers: the pure rules, the repository's data, and the tier on the site and in downloads."""

import csv

import pytest

from disclosures import tiers
from tests.conftest import rows
from tests.packages import ROOT

TIERS = [
    {"tier_id": "platform_file", "rank": "1"},
    {"tier_id": "third_party_extraction", "rank": "3"},
    {"tier_id": "press_paraphrasing", "rank": "6"},
]
SOURCES = [
    {"source_id": "own", "tier": "platform_file"},
    {"source_id": "extract", "tier": "third_party_extraction"},
    {"source_id": "paper", "tier": "press_paraphrasing"},
]


def figure(figure_id, source_id, quote="900"):
    return {"figure_id": figure_id, "source_id": source_id, "source_locator": "", "quote": quote, "value": "900"}


def corroboration(figure_id, source_id, quote="900"):
    return {"figure_id": figure_id, "source_id": source_id, "source_locator": "row 3", "quote": quote, "notes": ""}


def read(name):
    with (ROOT / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_derived_figure_is_as_strong_as_its_weakest_input():
    figures = [figure("whole", "own"), figure("part", "paper")]
    result = tiers.figure_tiers(figures, SOURCES, TIERS, {"rest": ["whole", "part"]})
    assert result == {"whole": "platform_file", "part": "press_paraphrasing", "rest": "press_paraphrasing"}


def test_a_stronger_corroboration_asks_for_a_swap_naming_the_strongest():
    figures = [figure("a", "paper"), figure("b", "extract"), figure("c", "own")]
    corroborations = [
        corroboration("a", "extract"),
        corroboration("a", "own"),
        corroboration("b", "paper"),  # weaker: fine as it is
        corroboration("c", "extract"),
    ]
    assert tiers.needed_swaps(figures, corroborations, SOURCES, TIERS) == [
        tiers.Swap("a", "paper", "press_paraphrasing", "own", "platform_file")
    ]


def test_applying_a_swap_moves_the_weaker_source_to_the_corroborations():
    figures = [figure("a", "paper", "nearly 900"), figure("b", "own")]
    corroborations = [corroboration("a", "extract", '{"value": 900}')]
    swaps = tiers.needed_swaps(figures, corroborations, SOURCES, TIERS)
    new_figures, new_corroborations = tiers.apply_swaps(figures, corroborations, swaps)
    assert new_figures[0] == {
        "figure_id": "a",
        "source_id": "extract",
        "source_locator": "row 3",
        "quote": '{"value": 900}',
        "value": "900",
    }
    assert new_figures[1] == figures[1]
    assert [(c["figure_id"], c["source_id"], c["quote"]) for c in new_corroborations] == [("a", "paper", "nearly 900")]
    assert "extract replaced it" in new_corroborations[0]["notes"]
    assert tiers.needed_swaps(new_figures, new_corroborations, SOURCES, TIERS) == []


def test_every_tier_is_defined_once_and_ranked_strongest_first():
    rows_ = read("source_tiers")
    assert [r["tier_id"] for r in sorted(rows_, key=lambda r: int(r["rank"]))] == [
        "platform_file",
        "platform_file_archived",
        "third_party_extraction",
        "crowdsourced",
        "press_quoting",
        "press_paraphrasing",
    ]


def test_no_figure_rests_on_a_source_weaker_than_a_stored_corroboration_of_its_value():
    swaps = tiers.needed_swaps(read("figures"), read("corroborations"), read("sources"), read("source_tiers"))
    assert swaps == [], f"{len(swaps)} figures should swap sources, e.g. {swaps[:3]}"


def test_every_figure_in_the_database_has_the_tier_of_its_source(real_db):
    assert rows(real_db, "SELECT count(*) FROM figures WHERE source_tier IS NULL")[0][0] == 0
    mismatched = rows(
        real_db,
        """SELECT count(*) FROM figures f JOIN sources s USING (source_id)
           WHERE f.is_derived = 0 AND f.source_tier != s.tier""",
    )
    assert mismatched[0][0] == 0


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_tier_is_a_column_of_the_figures_download(site, fmt):
    response = site.get(
        f"/disclosures/figures.{fmt}?_size=5&_shape=array" if fmt == "json" else "/disclosures/figures.csv?_size=5"
    )
    assert response.status_code == 200
    if fmt == "csv":
        assert "source_tier" in response.text.splitlines()[0].split(",")
    else:
        assert all(row["source_tier"] for row in response.json())


def test_the_figure_page_names_the_tier(site):
    html = site.get("/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled").text
    assert 'class="source-tier"' in html and "tier " in html
