"""Layer (c): requests_and_accounts' counts by outcome, as the site serves them."""

import re

from tests.conftest import rows

TABLE = "/disclosures/requests_and_accounts"
# Microsoft's United States, all requests, 2013: both halves reported, the year derived.
PLACE = "platform_id=microsoft&jurisdiction_id=USA&request_type_id=all"
OUTCOMES = (
    "requests_content_disclosed",
    "requests_non_content_disclosed",
    "requests_no_data_found",
    "requests_rejected",
)


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
    assert row["requests_rejected"] == 588
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
    for metric in OUTCOMES[:3]:
        assert columns[metric].startswith(f"Exact figure of metric {metric}: requests for which the platform"), metric
    assert columns["requests_rejected"].startswith(
        "Exact figure of metric requests_rejected: requests the platform refused"
    )
    # Apple gives its counts with content and with non-content only for account requests alone.
    assert "account requests only" in columns["requests_content_disclosed"]
    assert "account requests only" in columns["requests_non_content_disclosed"]


# The derived years whose outcome counts, summed from the same halves as their requests received,
# do not add up to it: computed here in SQL over the built figures, apart from derive.outcome_gaps.
YEARS_NOT_ADDING_UP = """
WITH year_values AS (
  SELECT platform_id, jurisdiction_id, request_type_id, period_start,
    sum(CASE WHEN metric_id = 'requests_received' THEN value END) AS received,
    sum(CASE WHEN metric_id <> 'requests_received' THEN value END) AS outcomes,
    count(*) AS metrics
  FROM figures
  WHERE is_derived = 1 AND period_kind = 'year' AND metric_id IN ('requests_received',
    'requests_content_disclosed', 'requests_non_content_disclosed', 'requests_no_data_found', 'requests_rejected')
  GROUP BY platform_id, jurisdiction_id, request_type_id, period_start
)
SELECT platform_id, jurisdiction_id, request_type_id, period_start FROM year_values
WHERE metrics = 5 AND received <> outcomes ORDER BY 1, 2, 3, 4
"""


def test_only_derived_years_whose_outcomes_do_not_add_up_say_so(real_db):
    assert rows(real_db, YEARS_NOT_ADDING_UP) == [("microsoft", "USA", "all", "2013-01-01")]
    said = rows(
        real_db,
        "SELECT figure_id FROM figures WHERE is_derived = 1 AND notes LIKE '%do not add up to its requests_received%'"
        " ORDER BY figure_id",
    )
    metrics = ("requests_content_disclosed", "requests_no_data_found", "requests_non_content_disclosed")
    metrics += ("requests_received", "requests_rejected")
    assert [figure_id for (figure_id,) in said] == [f"microsoft-usa-2013-all-{metric}-derived" for metric in metrics]


def test_a_derived_years_figure_page_says_its_outcomes_do_not_add_up(site):
    figure = site.get("/disclosures/figures/microsoft-usa-2013-all-requests_received-derived.json?_shape=array").json()[
        0
    ]
    assert figure["value"] == 12666
    assert (
        "requests_content_disclosed 1361 + requests_non_content_disclosed 8415 + requests_no_data_found 2083"
        " + requests_rejected 806 = 12665 against 12666, because the platform's own do not for 2013h1:"
        " 749 + 4569 + 1107 + 588 = 7013 against 7014 in microsoft-usa-2013h1-all-requests_received"
    ) in figure["notes"]
    # And its page, which readers reach from requests_and_accounts' cell.
    assert "7013 against 7014 in" in site.get("/figure/microsoft-usa-2013-all-requests_received-derived").text
