"""An identifier given to a page or a canned query is read as the data writes it: an id (platform,
metric, request type, period) in lower case, an ISO code (jurisdiction) in upper case, with the
spaces around it dropped. /chart.json?platform=GOOGLE and country_newest.json?jurisdiction=Deu
were read so, while top_jurisdictions.json?platform=Google was a 400 and /telegram-map?period=2024Q4
another. A table's filter compares as SQL does, exactly, and its 400 names the key meant.
"""

import pytest
from conftest import assert_error_shape

TOP = "/disclosures/top_jurisdictions.json?period_start=2024-01-01&period_end=2024-12-31&_shape=array&_size=max"


@pytest.mark.parametrize(
    ("written", "as_the_data"),
    [
        (f"{TOP}&platform=Telegram&metric=Requests_Fulfilled", f"{TOP}&platform=telegram&metric=requests_fulfilled"),
        (
            f"{TOP}&platform=%20TELEGRAM%20&metric=requests_fulfilled",
            f"{TOP}&platform=telegram&metric=requests_fulfilled",
        ),
        (
            "/disclosures/compare_platforms.json?jurisdiction=%20deu&_shape=array",
            "/disclosures/compare_platforms.json?jurisdiction=DEU&_shape=array",
        ),
        (
            "/disclosures/country_newest.json?jurisdiction=Deu&_shape=array",
            "/disclosures/country_newest.json?jurisdiction=DEU&_shape=array",
        ),
        (
            "/disclosures/platform_coverage.json?platform=Tuta&_shape=array",
            "/disclosures/platform_coverage.json?platform=tuta&_shape=array",
        ),
    ],
)
def test_a_canned_query_reads_its_identifiers_as_the_data_writes_them(site, written, as_the_data):
    expected = site.get(as_the_data)
    assert expected.status_code == 200 and expected.json(), expected.text[:300]
    answer = site.get(written)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json() == expected.json()


def test_a_canned_querys_identifier_twice_in_two_cases_is_one(site):
    query = f"{TOP}&metric=requests_fulfilled&platform=TELEGRAM&platform=telegram"
    assert site.get(query).json() == site.get(f"{TOP}&metric=requests_fulfilled&platform=telegram").json()
    message = assert_error_shape(site.get(f"{TOP}&metric=requests_fulfilled&platform=telegram&platform=apple"), 400)
    assert message.startswith("platform is given 2 times ('telegram', 'apple')")


def test_a_canned_querys_form_shows_the_identifier_as_read(site):
    page = site.get("/disclosures/top_jurisdictions?platform=Telegram")
    assert page.status_code == 200 and 'name="platform" value="telegram"' in page.text


@pytest.mark.parametrize(
    ("written", "as_the_data"),
    [
        (
            "/chart.json?platform=GOOGLE&jurisdiction=usa&request_type=ALL&metric=Requests_Received",
            "/chart.json?platform=google&jurisdiction=USA&request_type=all&metric=requests_received",
        ),
        ("/compare.json?jurisdiction=%20deu&platform=Apple", "/compare.json?jurisdiction=DEU&platform=apple"),
        (
            "/telegram-map.json?period=2024Q4&metric=Requests_Fulfilled",
            "/telegram-map.json?period=2024q4&metric=requests_fulfilled",
        ),
        ("/country/deu.json", "/country/DEU.json"),
    ],
)
def test_a_page_reads_its_identifiers_as_the_data_writes_them(site, written, as_the_data):
    expected = site.get(as_the_data)
    assert expected.status_code == 200, expected.text[:300]
    answer = site.get(written, follow_redirects=True)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json() == expected.json()
    page = site.get(written.replace(".json", ""), follow_redirects=True)
    assert page.status_code == 200, page.text[:300]


def test_an_unknown_identifier_is_quoted_as_sent(site):
    message = assert_error_shape(site.get("/chart.json?platform=google&jurisdiction=USA&request_type=Nope"), 400)
    assert message.startswith("request_type=Nope: no such request_type")
    message = assert_error_shape(site.get(f"{TOP}&metric=requests_fulfilled&platform=Googel"), 400)
    assert message.startswith("platform=Googel: no such platform")


def test_a_tables_filter_compares_exactly_and_names_the_key(site):
    message = assert_error_shape(site.get("/disclosures/figures.json?platform_id=Google"), 400)
    assert "(did you mean google?)" in message
