"""Layer (c): requests_and_accounts' counts by outcome, as the site serves them."""

import re

from tests.conftest import rows

TABLE = "/disclosures/requests_and_accounts"
# Microsoft's United States, all requests, 2013: both halves reported, the year derived.
PLACE = "platform_id=microsoft&jurisdiction_id=USA&request_type_id=all"
OUTCOMES = ("requests_content_disclosed", "requests_non_content_disclosed", "requests_no_data_found")


def test_the_outcome_counts_are_served_beside_received_and_fulfilled(site, real_db):
    served = site.get(f"{TABLE}.json?{PLACE}&period_label=2013h1&_shape=array").json()
    assert len(served) == 1
    row = served[0]
    expected = dict(
        rows(
            real_db,
            "SELECT metric_id, value FROM figures WHERE figure_id GLOB 'microsoft-usa-2013h1-all-requests_*'",
        )
    )
    # The platform's own halves, as transcribed: 749 with content, 4,569 non-content only, 1,107 no data.
    assert (row["requests_content_disclosed"], row["requests_non_content_disclosed"]) == (749, 4569)
    assert row["requests_no_data_found"] == 1107
    assert {metric: row[metric] for metric in ("requests_received", *OUTCOMES)} == {
        metric: expected[metric] for metric in ("requests_received", *OUTCOMES)
    }
    assert row["includes_derived"] == 0
    for metric in OUTCOMES:
        assert f"microsoft-usa-2013h1-all-{metric}" in row["figure_ids"].split()


def test_a_derived_outcome_count_links_to_its_figure_and_says_it_is_derived(site):
    html = site.get(f"{TABLE}?{PLACE}&period_label=2013").text
    for metric in OUTCOMES:
        shown = re.search(rf'<td class="col-{metric} [^"]*">(.*?)</td>', html).group(1)
        assert f'href="/figure/microsoft-usa-2013-all-{metric}-derived"' in shown, metric
        assert 'class="derived-badge"' in shown, metric


def test_each_outcome_column_is_described(site):
    columns = site.get("/-/metadata.json").json()["databases"]["disclosures"]["tables"]["requests_and_accounts"][
        "columns"
    ]
    for metric in OUTCOMES:
        assert columns[metric].startswith(f"Exact figure of metric {metric}: requests for which the platform"), metric
    # Apple gives its counts with content and with non-content only for account requests alone.
    assert "account requests only" in columns["requests_content_disclosed"]
    assert "account requests only" in columns["requests_non_content_disclosed"]
