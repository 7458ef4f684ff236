"""top_jurisdictions ranks one request type at a time, and says which.

A newcomer's finding: the query ranked every request type of a platform together, without a column
naming any. Google's H1 2024 requests received put the United States' search warrants (29,129),
subpoenas (25,345) and preservation requests (21,094) between India's, Germany's and Brazil's legal
process totals, so one country stood in the ranking several times, each time for a different count.
"""

import re

import pytest
from conftest import assert_error_shape, rows

TOP = "/disclosures/top_jurisdictions"
GOOGLE_H1_2024 = "platform=google&metric=requests_received&period_start=2024-01-01&period_end=2024-06-30"
TELEGRAM_2024 = "platform=telegram&metric=requests_fulfilled&period_start=2024-01-01&period_end=2024-12-31"


def ranked(site, query):
    response = site.get(f"{TOP}.json?{query}&_shape=array")
    assert response.status_code == 200, response.text
    return response.json()


def test_a_platform_with_many_request_types_is_ranked_by_one_and_each_row_names_it(site):
    rows = [row for row in ranked(site, GOOGLE_H1_2024) if row["value"] is not None]
    # Without request_type: the one the most countries have a figure of, each country once.
    assert {row["request_type_id"] for row in rows} == {"legal_process"}
    countries = [row["jurisdiction_id"] for row in rows]
    assert len(countries) == len(set(countries)) == 50
    assert (rows[0]["jurisdiction_id"], rows[0]["value"]) == ("IND", 48802)
    assert [row["value"] for row in rows] == sorted((row["value"] for row in rows), reverse=True)
    # Asked for, another request type: the United States' subpoenas, the only country with that type.
    subpoenas = ranked(site, f"{GOOGLE_H1_2024}&request_type=subpoena")
    assert [(row["jurisdiction_id"], row["request_type_id"], row["value"]) for row in subpoenas[:2]] == [
        ("USA", "subpoena", 25345),
        # Then every other country with a figure of the period, not ranked, and why.
        ("ALB", None, None),
    ]
    assert subpoenas[1]["note"].startswith("Not ranked: no figure of Subpoenas for this period, only of ")


def test_a_platform_with_one_request_type_ranks_as_before(site):
    rows = ranked(site, TELEGRAM_2024)
    assert rows == ranked(site, f"{TELEGRAM_2024}&request_type=ip_or_phone")
    assert (rows[0]["jurisdiction_id"], rows[0]["request_type_id"], rows[0]["value"]) == ("IND", "ip_or_phone", 14641)


@pytest.mark.parametrize("fmt", [".json", ".csv"])
def test_a_request_type_that_does_not_exist_is_a_400_not_an_empty_ranking(site, fmt):
    message = assert_error_shape(site.get(f"{TOP}{fmt}?{TELEGRAM_2024}&request_type=ip_or_phon"), 400)
    assert message.startswith("request_type=ip_or_phon: no such request_type")


@pytest.mark.parametrize(
    ("query", "as_the_data"),
    [
        # An id is read in lower case, as /chart reads it (the README's rule for identifiers): these
        # were each a 400 "did you mean", while country_newest.json?jurisdiction=Deu answered DEU's.
        (f"{TELEGRAM_2024}&request_type=IP_or_phone", f"{TELEGRAM_2024}&request_type=ip_or_phone"),
        (GOOGLE_H1_2024.replace("platform=google", "platform=Google"), GOOGLE_H1_2024),
        (
            "platform=telegram&metric=Requests_fulfilled&period_start=2024-01-01&period_end=2024-12-31",
            "platform=telegram&metric=requests_fulfilled&period_start=2024-01-01&period_end=2024-12-31",
        ),
    ],
)
def test_a_name_in_another_case_is_read_as_the_one_meant(site, query, as_the_data):
    expected = site.get(f"{TOP}.json?{as_the_data}&_shape=array")
    assert expected.status_code == 200 and expected.json()
    assert site.get(f"{TOP}.json?{query}&_shape=array").json() == expected.json()


def test_the_form_offers_a_blank_request_type_for_the_querys_own_default(site):
    import json
    import re

    html = site.get(f"{TOP}?{TELEGRAM_2024}").text
    data = json.loads(re.search(r"window.disclosuresForms = (.*?);</script>", html, re.S).group(1))
    assert data["blank_means_default"] == ["request_type"]
    assert ["ip_or_phone", "IP address and/or phone number"] in data["choices"]["request_type"]


def test_the_api_page_lists_a_request_type_that_does_not_exist_among_the_400s(site):
    assert "<code>metric</code> or <code>request_type</code> that does not exist" in site.get("/api").text


def test_each_row_names_its_request_type_by_its_label_too(site, real_db):
    # The page showed "legal_process" alone, where the country's page and country_newest give the
    # request type's label: which of Google's requests were ranked was left to guess.
    ((label,),) = rows(real_db, "SELECT label FROM request_types WHERE request_type_id = 'legal_process'")
    ranking = [row for row in ranked(site, GOOGLE_H1_2024) if row["value"] is not None]
    assert {(row["request_type_id"], row["request_type_label"]) for row in ranking} == {("legal_process", label)}
    page = site.get(f"{TOP}?{GOOGLE_H1_2024}").text
    cells = re.findall(r'<td class="col-request_type_label">\s*(.*?)\s*</td>', page, re.S)
    assert cells[: len(ranking)] == [label] * len(ranking)


def test_a_country_the_ranking_leaves_out_is_listed_after_it_with_the_reason(site, real_db):
    # Google's United States has no legal process total, only its requests by type: it was missing
    # from the ranking of Google's legal process requests without a word.
    answer = ranked(site, GOOGLE_H1_2024)
    values = [row["value"] for row in answer]
    first_unranked = values.index(None)
    assert first_unranked == 50 and all(value is None for value in values[first_unranked:])
    unranked = {row["jurisdiction_id"]: row for row in answer[first_unranked:]}
    usa = unranked["USA"]
    assert usa["note"].startswith("Not ranked: no figure of Legal process requests for this period, only of ")
    assert "; Search warrants; Subpoenas;" in usa["note"]
    assert (usa["request_type_id"], usa["figure_id"], usa["period_label"]) == (None, None, "2024h1")
    assert all(row["note"] is None for row in answer[:first_unranked])
    # Every country with a figure of the metric and period is either ranked, below the top 50, or
    # listed with its reason: none is left out silently.
    with_figures = {
        code
        for (code,) in rows(
            real_db,
            """SELECT DISTINCT f.jurisdiction_id FROM figures f JOIN jurisdictions j USING (jurisdiction_id)
               WHERE f.platform_id = 'google' AND f.metric_id = 'requests_received' AND j.kind = 'country'
                 AND f.period_start = '2024-01-01' AND f.period_end = '2024-06-30'""",
        )
    }
    legal_process = {
        code
        for (code,) in rows(
            real_db,
            """SELECT jurisdiction_id FROM figures WHERE figure_id GLOB 'google-*-2024h1-legal_process-requests_received'
                 AND value_kind = 'exact'""",
        )
    }
    assert set(unranked) == with_figures - legal_process and "USA" in set(unranked)


def test_a_country_whose_figure_is_a_band_is_listed_as_not_ranked_with_its_band(site):
    # Meta's first report gave the United States' requests for January-June 2013 as 11,000-12,000.
    answer = ranked(site, "platform=meta&metric=requests_received&period_start=2013-01-01&period_end=2013-06-30")
    (usa,) = [row for row in answer if row["jurisdiction_id"] == "USA"]
    assert usa["value"] is None and answer[-1]["value"] is None
    assert usa["note"] == (
        "Not ranked: its figure of All requests is a band (11000 to 12000), not an exact number"
        " (figure meta-usa-2013h1-all-requests_received)"
    )
