"""Pages that answered what a client sent as if it had not been sent, without a word.

The explore pages, /figure/<id> and /changes already say which parameters of their address they did
not apply (plugins/_unread.py, tests/test_explore.py). The home page and /api said nothing of
``?foo=1``.
"""

import re

import pytest


def notice_of(html: str) -> str:
    """The words of a page's "not applied" notice, or "" when it has none."""
    found = re.search(r'<p class="notice" id="not-applied">(.*?)</p>', html, re.S)
    return " ".join(found.group(1).split()) if found else ""


@pytest.mark.parametrize("path", ["/", "/api"])
def test_the_home_and_api_pages_say_which_parameters_they_did_not_apply(site, path):
    page = site.get(f"{path}?foo=1&utm_source=feed")
    assert page.status_code == 200
    notice = notice_of(page.text)
    assert "no parameters <code>foo</code>, <code>utm_source</code>, so" in notice, notice
    assert "<code>foo=1</code>, <code>utm_source=feed</code> were not applied" in notice, notice
    assert "it takes none, and shows the same without them." in notice, notice
    # Without one, or with Datasette's cache time alone, the page says nothing of the kind.
    assert notice_of(site.get(path).text) == ""
    assert notice_of(site.get(f"{path}?_ttl=5").text) == ""
