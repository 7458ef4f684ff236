"""The whole database's download says its size.

A newcomer's finding: ``/disclosures.db`` (143 MB) came without a Content-Length, so a browser or
``curl`` showed no size or progress and a HEAD could not tell a program how large it is.
Datasette 0.65 writes both ``Content-Length`` and ``Transfer-Encoding: chunked``, which RFC 9112
(6.2) forbids together, and uvicorn kept the second.
"""

import urllib.request

from disclosures.vocabulary import DATABASE_FILE


def test_the_database_is_sent_with_its_length_and_not_chunked(site, real_build):
    size = (real_build / DATABASE_FILE).stat().st_size
    response = site.get("/disclosures.db")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(size) == str(len(response.content))
    assert "transfer-encoding" not in response.headers


def test_a_served_heads_length_is_the_files(live_server, real_build):
    size = (real_build / DATABASE_FILE).stat().st_size
    with urllib.request.urlopen(urllib.request.Request(live_server + "/disclosures.db", method="HEAD")) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Length"] == str(size)
        assert answer.headers.get("Transfer-Encoding") is None
