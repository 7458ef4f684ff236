"""Every HTML page says it is in English and marks its content as the main landmark
(plugins/landmarks.py), error pages included; other answers pass byte for byte."""

import re

import pytest

from tests.conftest import plugin


def assert_length_counts_the_body(response):
    """A Content-Length, when the answer has one, counts the added attributes."""
    if "content-length" in response.headers:
        assert int(response.headers["content-length"]) == len(response.content)


PAGES = [
    "/",
    "/disclosures",
    "/disclosures/figures",
    "/disclosures/figures?platform_id=telegram",
    "/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled",
    "/country/USA",
    "/platform/telegram",
    "/compare",
    "/api",
    "/changes",
    "/disclosures/search_everything?q=telegram",
]


@pytest.mark.parametrize("path", PAGES)
def test_a_page_says_its_language_and_marks_its_main_content_once(site, path):
    response = site.get(path)
    assert response.status_code == 200, path
    text = response.text
    assert text.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert text.count('role="main"') == 1
    # The landmark holds the page's content, after the navigation and before the footer.
    assert text.index("</nav>") < text.index('<section class="content" role="main">') < text.index("<footer")
    assert_length_counts_the_body(response)
    assert text.rstrip().endswith("</html>")


def stylesheets(html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/disclosures/figures?_sort=nope", 400),
        ("/disclosures/nope", 404),
        ("/figure/nope", 404),
        # Datasette's own error pages: its handler rendered them without the site's stylesheets.
        ("/nope", 404),
        ("/disclosures/figures?platfrom_id=telegram", 400),
    ],
)
def test_an_html_error_page_has_them_too(site, path, status):
    response = site.get(path)
    assert response.status_code == status
    assert response.text.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert 'role="main"' in response.text
    assert stylesheets(response.text) == stylesheets(site.get("/").text)
    assert_length_counts_the_body(response)


@pytest.mark.parametrize(
    "path", ["/disclosures/figures.json?_size=1", "/disclosures/figures.csv?_size=1", "/-/static/app.css"]
)
def test_other_answers_are_untouched(site, path):
    response = site.get(path)
    assert response.status_code == 200
    assert b'lang="en"' not in response.content and b'role="main"' not in response.content


def test_a_content_length_is_corrected():
    import asyncio

    page = b'<!DOCTYPE html>\n<html>\n<section class="content">x</section></html>'

    async def app(scope, receive, send):
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(page)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": page})

    sent = []

    async def send(message):
        sent.append(message)

    wrapped = plugin("landmarks").asgi_wrapper(None)(app)
    asyncio.run(wrapped({"type": "http"}, None, send))
    start, body = sent
    assert dict(start["headers"])[b"content-length"] == str(len(body["body"])).encode()
    assert body["body"].startswith(b'<!DOCTYPE html>\n<html lang="en">')


def test_the_rewrite_is_made_once_and_only_of_datasettes_own_tags():
    with_landmarks = plugin("landmarks").with_landmarks
    page = b'<!DOCTYPE html>\n<html>\n<section class="content">quote: <section class="content"></section>'
    assert with_landmarks(page) == (
        b'<!DOCTYPE html>\n<html lang="en">\n<section class="content" role="main">quote: '
        b'<section class="content"></section>'
    )
    assert with_landmarks(b"<p>no page</p>") == b"<p>no page</p>"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        *((path, 200) for path in PAGES),
        ("/disclosures/country_newest?jurisdiction=USA", 200),  # a canned query passes metadata of its own
        ("/-/versions", 200),
        ("/disclosures/figures?platfrom_id=telegram", 400),  # Datasette's own error page
        ("/nope", 404),
        ("/disclosures/nope", 404),
    ],
)
def test_every_pages_footer_names_the_datas_licence_and_source(site, path, status):
    # Canned queries and Datasette's error pages said only "Powered by Datasette".
    response = site.get(path)
    assert response.status_code == status
    footer = response.text.split('<footer class="ft">', 1)[1].split("</footer>", 1)[0]
    assert 'Data license:\n    <a href="https://creativecommons.org/licenses/by/4.0/">CC-BY-4.0</a>' in footer
    assert "Data source: " in footer and 'About: <a href="/api">API and examples</a>' in footer
