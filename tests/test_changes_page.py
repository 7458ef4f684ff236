"""Layers (a) and (c): /changes writes a change's values as the site writes the figure's own
(plugins/pages.py, token_text): it showed the changelog's raw tokens, 26160 and 52 for 52%."""

from __future__ import annotations

import pytest

from disclosures.vocabulary import value_token
from tests.conftest import plugin, rows

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
    html = site.get("/changes").text
    assert 'data-label="New value">26,160<' in html and 'data-label="New value">26160<' not in html
