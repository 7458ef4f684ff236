"""Layer (b): what the dataset says may be summed names every scope a sum must leave out (a
reviewer summed the EU's 2,333 DSA orders beside its member states' 2,333)."""

from __future__ import annotations

import json

from disclosures import release
from tests.conftest import rows


def scopes(db_path) -> list[str]:
    return [j for (j,) in rows(db_path, "SELECT jurisdiction_id FROM jurisdictions WHERE kind = 'scope' ORDER BY 1")]


def test_the_series_description_names_every_scope_and_the_units_that_add_up(real_build, real_db):
    metadata = json.loads((real_build / "metadata.json").read_text(encoding="utf-8"))
    described = metadata["databases"]["disclosures"]["tables"]["figures_series"]["description"]
    shipped = next(r for r in release.BUILT_RESOURCES if r["name"] == "series_members")["description"]
    found = scopes(real_db)
    assert found, "the data has scopes (WORLD, EU, ...)"
    for text in (described, shipped):
        assert all(scope in text for scope in found), (found, text)
        assert "never percent or fraction" in text and "request type all beside its parts" in text
    # What it says of the units holds: the series has percentages, which never add up.
    assert rows(real_db, "SELECT count(*) FROM figures_series WHERE unit != 'count'")[0][0] > 0


def test_the_served_figures_table_says_it_holds_derived_figures_and_overlapping_periods(real_build, real_db):
    metadata = json.loads((real_build / "metadata.json").read_text(encoding="utf-8"))
    described = metadata["databases"]["disclosures"]["tables"]["figures"]["description"]
    assert "is_derived = 1" in described and "use figures_series" in described
    # Both hold: the table has derived figures, and a year beside its own quarters.
    assert rows(real_db, "SELECT count(*) FROM figures WHERE is_derived = 1")[0][0] > 0
    assert (
        rows(
            real_db,
            "SELECT count(*) FROM figures y JOIN figures q USING (platform_id, jurisdiction_id, request_type_id, metric_id)"
            " WHERE y.period_kind = 'year' AND q.period_kind = 'quarter'"
            " AND q.period_start >= y.period_start AND q.period_end <= y.period_end",
        )[0][0]
        > 0
    )
