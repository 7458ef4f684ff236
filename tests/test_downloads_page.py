"""Layer (c): /downloads, /changes and a removed figure's page, as a reader who wants a release's
files meets them: what each release changed, and what the site holds of a release whose files
this server does not serve (plugins/strict_paths.py, plugins/pages.py)."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import REFILED_FROM, Site, assert_error_shape, plugin, rows, unhurried


def text_of(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())


def releases_newest_first(db) -> list[str]:
    """The recorded releases, newest first, as /downloads lists them (by date, then version numbers)."""
    found = rows(db, "SELECT version, date FROM releases")
    ordered = sorted(found, key=lambda r: (r[1], [int(n) for n in r[0].split(".")]), reverse=True)
    return [version for version, _ in ordered]


def section(page: str, version: str) -> str:
    """The part of /downloads under a release's heading."""
    start = page.index(f'<h2 id="release-{version}">')
    end = page.find("<h2 ", start + 1)
    return page[start:end] if end != -1 else page[start:]


def test_each_release_on_the_downloads_page_says_what_it_changed(site, real_db):
    # The page said only "What changed in the latest one: What changed.", a link to /changes: no
    # release said how many figures it added, changed or removed, and none but the latest linked
    # to its own changes.
    page = site.get("/downloads").text
    assert "What changed in the latest one" not in page
    releases = rows(real_db, "SELECT version, previous, figures, added, changed, removed FROM releases")
    assert len(releases) > 1
    for version, previous, figures, added, changed, removed in releases:
        part = section(page, version)
        said = text_of(part)
        assert f"{figures:,} figures: {added:,} added, {changed:,} changed" in said, version
        assert f", {removed:,} removed" in said, version
        assert (f"since release {previous}" if previous else "(the first release: every figure new)") in said
        assert f'href="/changes?version={version}"' in part, version


def test_a_release_whose_files_are_not_here_says_so_once_and_what_the_site_keeps(unreleased, tmp_path):
    # Release 0.1.0 listed 30 files, each "(not on this server)", and nothing of where its figures
    # could still be had. A dist/ that holds no file of it is what every server has of 0.1.0.
    empty = tmp_path / "dist"
    empty.mkdir()
    site = Site(unhurried(unreleased.build, dist=empty))
    ((version, figures, previous),) = rows(unreleased.db, "SELECT version, figures, previous FROM releases")
    files = [path for (path,) in rows(unreleased.db, "SELECT path FROM release_files WHERE version = ?", version)]
    part = section(site.get("/downloads").text, version)
    said = text_of(part)
    assert f"This server does not hold the files of release {version}." in said
    assert "(not on this server)" not in part and '<a href="/downloads/' not in part
    assert f'href="/disclosures/release_changes?version={version}"' in part
    # What the first release held is its changes: every figure, each with its value and source.
    assert previous is None
    assert rows(unreleased.db, "SELECT count(*) FROM release_changes WHERE version = ?", version) == [(figures,)]
    assert "as the first release, every figure it held is one of them" in said
    details = part[part.index("<details") :]
    assert f"The {len(files)} files it published" in text_of(details)
    assert all(f"<li>{path}</li>" in details for path in files)
    # Its changes page offers the table, not a changelog.csv this server cannot give.
    changes = site.get(f"/changes?version={version}").text
    assert "whose files are not on this server" in text_of(changes)
    assert f'href="/disclosures/release_changes?version={version}"' in changes


def test_a_release_whose_files_are_here_lists_them(unreleased):
    ((version,),) = rows(unreleased.db, "SELECT version FROM releases")
    part = section(unreleased.site.get("/downloads").text, version)
    assert "does not hold" not in part and f'<a href="/downloads/{version}/csv/figures.csv">' in part


def test_a_removed_figure_says_where_its_released_value_is_kept(unreleased, tmp_path):
    # The page said the release that carried it "still has it with its value", with a link to
    # /changes, whether or not this server holds that release's files.
    ((version, value),) = rows(
        unreleased.db,
        "SELECT version, new_value FROM release_changes WHERE figure_id = ? AND change != 'removed'",
        REFILED_FROM,
    )
    record = f'href="/disclosures/release_changes?figure_id={REFILED_FROM}"'
    empty = tmp_path / "dist"
    empty.mkdir()
    for site, served in ((unreleased.site, True), (Site(unhurried(unreleased.build, dist=empty)), False)):
        response = site.get(f"/figure/{REFILED_FROM}")
        assert response.status_code == 410
        said = text_of(response.text)
        assert "still has it" not in said
        assert f"Release {version} carried it, with the value " in said
        if served:
            assert f'href="/downloads#release-{version}"' in response.text
            assert "does not hold" not in said
        else:
            assert f"This server does not hold the files of release {version}" in said
            assert record in response.text
            assert "/downloads#release-" not in response.text
    # Its value there, as the figure's own page writes values (a band here).
    assert value and re.match(r"^\d+-\d+$", value)
    low, high = value.split("-")
    assert f"with the value {int(low):,}–{int(high):,}" in text_of(unreleased.site.get(f"/figure/{REFILED_FROM}").text)


def test_a_figure_a_release_removed_names_that_release(site, real_db):
    ((figure_id, version),) = rows(
        real_db,
        """SELECT figure_id, version FROM release_changes WHERE change = 'removed'
           ORDER BY figure_id LIMIT 1""",
    )
    said = text_of(site.get(f"/figure/{figure_id}").text)
    assert f"release {version} removed it (its changes)" in said


def test_a_removed_figure_on_the_changes_page_links_to_its_page(site, real_db):
    # A removed figure's id was plain text on /changes, while its page (410) gives the correction,
    # the value a release carried and the figure that replaced it.
    ((figure_id, version),) = rows(
        real_db, "SELECT figure_id, version FROM release_changes WHERE change = 'removed' ORDER BY figure_id LIMIT 1"
    )
    page = site.get(f"/changes?version={version}").text
    row = re.search(rf'<tr class="change-removed">(?:(?!</tr>).)*?>{re.escape(figure_id)}</a>', page, re.S)
    assert row is not None and f'href="/figure/{figure_id}"' in row.group(0)
    assert site.get(f"/figure/{figure_id}").status_code == 410


def test_each_releases_changes_page_leads_to_the_others(site, real_db):
    # /changes showed the latest release's changes and nothing led to an older release's: only
    # the feed's entries and a typed ?version= did.
    releases = rows(real_db, "SELECT version, date FROM releases ORDER BY date DESC, version DESC")
    assert len(releases) > 1
    for version, _ in releases:
        nav = site.get(f"/changes?version={version}").text.partition('<p class="releases">')[2].partition("</p>")[0]
        assert f"<strong>{version}</strong>" in nav
        others = [v for v, _ in releases if v != version]
        assert re.findall(r'href="/changes\?version=([^"]+)"', nav) == others
        assert [v for v in re.findall(r"(\d+\.\d+\.\d+)</(?:a|strong)> \(", nav)] == [v for v, _ in releases]


def not_held(path: str, version: str) -> str:
    """What the address of a file of a recorded release this server does not hold is told."""
    return (
        f"{path}: release {version} is recorded, but this server does not hold its files. A release's files are "
        f"the folder dist/{version}/ that make release writes from that version's data in the project's repository, "
        f"and a server serves only the folders in its own dist/. What the site keeps of {version}, each figure it "
        f"changed with its value and source, is at /changes?version={version} and "
        f"/disclosures/release_changes?version={version}; /downloads lists each release's files and which this "
        "server holds"
    )


def test_a_release_files_address_on_a_server_without_them_says_so(real_db, real_build, tmp_path):
    # Without dist/, /downloads/<version>/<file> (the address /downloads and a citation give) was
    # read as a database named "downloads": a 404 "Database not found". With a dist/ that holds
    # other releases, a bare "File not found". Each says the release is recorded, that its files
    # are not here, and where they and what the site keeps of it are.
    ((version, file),) = rows(real_db, "SELECT version, path FROM release_files ORDER BY version DESC, path LIMIT 1")
    (tmp_path / "other" / "0.0.1").mkdir(parents=True)
    (tmp_path / "other" / "0.0.1" / file).write_bytes(b"another release")
    # Servers of their own: the session's site serves the repository's dist/ when a release has
    # been made in this checkout.
    for dist in (tmp_path / "no-dist", tmp_path / "other"):
        unserved = Site(unhurried(real_build, dist=dist))
        for path in (f"/downloads/{version}/{file}", f"/downloads/{version}/csv/figures.csv"):
            answer = unserved.get(path)
            assert answer.status_code == 404 and answer.headers["access-control-allow-origin"] == "*"
            assert answer.json() == {"ok": False, "status": 404, "error": not_held(path, version)}, dist
    # The addresses it gives answer.
    for link in (f"/changes?version={version}", f"/disclosures/release_changes?version={version}", "/downloads"):
        assert unserved.get(link).status_code == 200, link
    # An address no recorded release published names the files it published: it was a bare "File
    # not found" with a dist/ of other releases, and said only that none were served without one.
    published = [p for (p,) in rows(real_db, "SELECT path FROM release_files WHERE version = ? ORDER BY path", version)]
    for dist in (tmp_path / "no-dist", tmp_path / "other"):
        path = f"/downloads/{version}/nope.txt"
        assert assert_error_shape(Site(unhurried(real_build, dist=dist)).get(path), 404) == (
            f"{path}: release {version} has no file nope.txt. Its {len(published)} files are "
            f"{', '.join(published[:-1])} and {published[-1]}, and this server does not hold them; "
            "/downloads lists each release's files and which this server holds"
        ), dist
    # A server started with dist/ serves what it holds, and its own 404 for the rest.
    (tmp_path / version).mkdir()
    (tmp_path / version / file).write_bytes(b"held")
    served = Site(unhurried(real_build, dist=tmp_path))
    assert served.get(f"/downloads/{version}/{file}").content == b"held"
    path = f"/downloads/{version}/nope.txt"
    assert assert_error_shape(served.get(path), 404) == (
        f"{path}: release {version} has no file nope.txt. Its one file is {file}; "
        f"/downloads#release-{version} lists them with their sizes"
    )
    assert "is recorded" not in served.get(f"/downloads/{version}/csv/figures.csv").text


def test_a_name_a_held_release_has_no_file_of_names_the_files_it_has(real_build, tmp_path):
    # /downloads/<version>/nope.csv under a release this server holds was Datasette's bare "File
    # not found": it names the release's files, the nearest in spelling first, and where the list is.
    release = tmp_path / "dist" / "1.2.0"
    (release / "csv").mkdir(parents=True)
    for name in ("SHA256SUMS", "csv/figures.csv", "csv/cases.csv", "disclosures.db"):
        (release / name).write_bytes(b"held")
    # Neither a release being written nor a symlink is served, so neither is named.
    (release / ".partial.csv").write_bytes(b"x")
    (release / "linked.csv").symlink_to(release / "csv" / "figures.csv")
    served = Site(unhurried(real_build, dist=tmp_path / "dist"))
    files = "SHA256SUMS, csv/cases.csv, csv/figures.csv and disclosures.db"
    for path, guess in (
        ("/downloads/1.2.0/nope.csv", "."),
        ("/downloads/1.2.0/csv/figure.csv", "; did you mean csv/figures.csv?"),
        ("/downloads/1.2.0/figures.csv", "; did you mean csv/figures.csv?"),
        ("/downloads/1.2.0/nope/SHA256SUMS", "; did you mean SHA256SUMS?"),
    ):
        answer = served.get(path)
        assert answer.headers["access-control-allow-origin"] == "*"
        assert assert_error_shape(answer, 404) == (
            f"{path}: release 1.2.0 has no file {path.removeprefix('/downloads/1.2.0/')}{guess} Its 4 files are "
            f"{files}; /downloads#release-1.2.0 lists them with their sizes"
        ), path
    assert served.get("/downloads/1.2.0/csv/figures.csv").content == b"held"
    # A release this server holds and the site does not record has no place in /downloads' list.
    (tmp_path / "dist" / "0.0.1").mkdir()
    (tmp_path / "dist" / "0.0.1" / "SHA256SUMS").write_bytes(b"held")
    assert assert_error_shape(served.get("/downloads/0.0.1/nope"), 404) == (
        "/downloads/0.0.1/nope: release 0.0.1 has no file nope. Its one file is SHA256SUMS; "
        "/downloads lists the releases the site records, and 0.0.1 is not one of them"
    )
    # Quoted as the client sent it, not as the server decoded it.
    for sent, said in (("caf%C3%A9.csv", "café.csv"), ("%FF.csv", "%FF.csv")):
        assert assert_error_shape(served.get(f"/downloads/1.2.0/{sent}"), 404).startswith(
            f"/downloads/1.2.0/{said}: release 1.2.0 has no file {said}. Its 4 files"
        ), sent
    # A HEAD is the same answer without its body.
    head = served.loop.run_until_complete(served.datasette.client.head("/downloads/1.2.0/nope.csv"))
    assert head.status_code == 404 and head.content == b""


def test_a_release_folder_address_leads_to_its_files_whether_or_not_this_server_holds_them(
    real_db, real_build, tmp_path
):
    # /downloads/1.2.0/ on a server whose dist/ did not hold 1.2.0 (or without dist/) was a bare
    # 404 "Not found": it leads to the release's place in the list, which says what is here.
    ((version,),) = rows(real_db, "SELECT version FROM releases ORDER BY date DESC, rowid DESC LIMIT 1")
    (tmp_path / "older" / "0.0.1").mkdir(parents=True)
    (tmp_path / "older" / "0.0.1" / "SHA256SUMS").write_bytes(b"held")
    (tmp_path / "held" / version / "csv").mkdir(parents=True)
    (tmp_path / "held" / version / "csv" / "figures.csv").write_bytes(b"held")
    listed = {
        # The release's files: links to those this server holds, or that it holds none of them.
        "older": f"This server does not hold the files of release {version}.",
        # Without dist/ at all, as with a dist/ that holds other releases: one sentence, not each
        # of its 43 files marked "(not on this server)" (a page of 170 such lines after `make serve`).
        "no-dist": f"This server does not hold the files of release {version}.",
        "held": f"csv/figures.csv {len(b'held')} bytes",
    }
    for folder, files in listed.items():
        dist = tmp_path / folder
        served = Site(unhurried(real_build, dist=dist))
        for path in (f"/downloads/{version}/", f"/downloads/{version}", f"/downloads/{version}/csv/"):
            answer = served.get(path)
            assert answer.status_code == 302, (dist, path, answer.text)
            assert answer.headers["location"] == f"/downloads#release-{version}"
        part = section(served.get("/downloads").text, version)
        assert files in text_of(part), (folder, text_of(part)[:300])
        assert (f'<a href="/downloads/{version}/csv/figures.csv">' in part) is (folder == "held")
        # An address ending in a slash that is no folder of a release is a 404 naming its files.
        for path in (f"/downloads/{version}/nope/", f"/downloads/{version}/csv/figures.csv/"):
            said = assert_error_shape(served.get(path), 404)
            assert said.startswith(f"{path}: release {version} has no file {path.split('/', 3)[3]}"), said


def test_an_address_under_a_release_that_never_was_says_so_and_where_the_releases_are(real_build, tmp_path):
    # /downloads/9.9.9/ was a bare "Not found", a file under it "File not found" (or, without
    # dist/, that this server serves no release files): no release 9.9.9 was ever made.
    (tmp_path / "held" / "0.0.1").mkdir(parents=True)
    (tmp_path / "held" / "0.0.1" / "SHA256SUMS").write_bytes(b"held")
    recorded = releases_newest_first(real_build / "disclosures.db")
    # Which releases there are, and which this server holds: it said only where they are listed.
    releases = {
        "held": f"The releases are {', '.join(recorded)} and 0.0.1, and this server holds the files of 0.0.1",
        "no-dist": f"The releases are {', '.join(recorded[:-1])} and {recorded[-1]}, and this server holds none "
        "of their files",
    }
    for dist in (tmp_path / "held", tmp_path / "no-dist"):
        served = Site(unhurried(real_build, dist=dist))
        for path in (
            "/downloads/9.9.9/",
            "/downloads/9.9.9",
            "/downloads/9.9.9/csv/",
            "/downloads/9.9.9/disclosures.db",
        ):
            answer = served.get(path)
            assert answer.headers["access-control-allow-origin"] == "*"
            assert assert_error_shape(answer, 404) == (
                f"{path}: no release 9.9.9 exists, so nothing is at this address. {releases[dist.name]}; "
                "/downloads lists each release and its files"
            ), dist
        # A release this server holds though the site records none of it is no such release.
        assert (served.get("/downloads/0.0.1/SHA256SUMS").status_code == 200) is (dist.name == "held")


def test_a_post_to_a_file_address_is_the_405_in_the_json_error_shape(site, real_db):
    # nginx hands a release file it does not find to the workers, a POST too (deploy/nginx.conf.j2):
    # a POST to /downloads/9.9.9/ or to a recorded release's file was their text/plain 405, where
    # a GET of the same address is a JSON 404 and nginx's 405 for a file it holds is JSON too.
    ((version, file),) = rows(real_db, "SELECT version, path FROM release_files ORDER BY version, path LIMIT 1")
    for path in (
        "/downloads/9.9.9/",
        "/downloads/9.9.9/x.db",
        f"/downloads/{version}/{file}",
        "/disclosures.db",
        "/static/site.css",
    ):
        answer = site.loop.run_until_complete(site.datasette.client.post(path))
        assert assert_error_shape(answer, 405) == "This site is read-only: use GET", path
        assert answer.headers["allow"] == "GET, HEAD, OPTIONS"
    # The list of downloads is a page: its 405 is the site's error page.
    page = site.loop.run_until_complete(site.datasette.client.post("/downloads"))
    assert page.status_code == 405 and page.headers["content-type"].startswith("text/html")


def test_a_release_that_never_was_is_quoted_as_the_client_sent_it(site):
    # The path as the server decodes it held a replacement character for bytes that are no UTF-8
    # (/downloads/%FF/x said "no release \ufffd"), a character the client never sent.
    for sent, version in (("/downloads/%FF/x", "%FF"), ("/downloads/%C3%A9/", "é"), ("/downloads/~2E/x?a=%FF", "~2E")):
        path = sent.partition("?")[0].replace("%C3%A9", "é")
        # The releases it names depend on the dist/ this session's site serves (tested above).
        said = assert_error_shape(site.get(sent), 404)
        assert said.startswith(f"{path}: no release {version} exists, so nothing is at this address. The releases are")
        assert said.endswith("; /downloads lists each release and its files"), sent


@pytest.mark.parametrize(
    ("sent", "file"),
    [
        ("/downloads/1.2.0/.hidden", ".hidden"),
        ("/downloads/1.2.0/" + "x" * 300, "x" * 300),
        ("/downloads/1.2.0//x", "/x"),
        ("/downloads/1.2.0/figures.csv/", "figures.csv/"),
        ("/downloads/1.2.0/%00", "%00"),
    ],
)
def test_a_held_releases_address_no_file_can_have_names_the_files_it_has(real_build, tmp_path, sent, file):
    # These were a bare "Not found" where /downloads/1.2.0/nope.csv names the release's files.
    (tmp_path / "dist" / "1.2.0" / "csv").mkdir(parents=True)
    (tmp_path / "dist" / "1.2.0" / "csv" / "figures.csv").write_bytes(b"held")
    (tmp_path / "dist" / "1.2.0" / "SHA256SUMS").write_bytes(b"held")
    served = Site(unhurried(real_build, dist=tmp_path / "dist"))
    answer = served.get(sent)
    said = assert_error_shape(answer, 404)
    if len(file) > 255:  # a long echo is cut (plugins/echoes.py), the sentence kept
        assert said.startswith("/downloads/1.2.0/xxx") and ": release 1.2.0 has no file xxx" in said, said
    else:
        assert said.startswith(f"{sent}: release 1.2.0 has no file {file}"), said
    assert "Its 2 files are SHA256SUMS and csv/figures.csv" in said and "\x00" not in said
    assert answer.headers["access-control-allow-origin"] == "*"
    page = served.get(sent, headers={"accept": BROWSER_ACCEPT})
    assert page.status_code == 404 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert "Its 2 files are SHA256SUMS and csv/figures.csv" in page.text


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def test_a_release_files_404_is_the_sites_error_page_for_a_browser_and_json_for_a_program(real_build, tmp_path):
    # A reader who followed a release file's address in a browser got the API's JSON (or, for a
    # held release, Datasette's bare "File not found"): a browser that asks for HTML gets the
    # site's error page with the same message; a program (*/*, no Accept, JSON) the JSON shape.
    (tmp_path / "dist" / "1.2.0").mkdir(parents=True)
    (tmp_path / "dist" / "1.2.0" / "SHA256SUMS").write_bytes(b"held")
    served = Site(unhurried(real_build, dist=tmp_path / "dist"))
    for path in ("/downloads/1.2.0/nope.csv", "/downloads/1.2.0/nope", "/downloads/9.9.9/x.db", "/downloads/9.9.9/"):
        said = assert_error_shape(served.get(path), 404)
        assert served.get(path).headers["vary"] == "Accept"
        for accept in ("*/*", "application/json", "text/html;q=0.5, application/json"):
            answer = served.get(path, headers={"accept": accept})
            assert assert_error_shape(answer, 404) == said, (path, accept)
            assert answer.headers["vary"] == "Accept"
        page = served.get(path, headers={"accept": BROWSER_ACCEPT})
        assert page.status_code == 404 and page.headers["content-type"] == "text/html; charset=utf-8", path
        assert page.headers["vary"] == "Accept" and page.headers["cache-control"] == "no-store"
        assert page.headers["access-control-allow-origin"] == "*"
        assert "<title>Not found</title>" in page.text and html.escape(said, quote=False) in page.text, path
        assert '<html lang="en">' in page.text  # the site's page, with its landmarks
    # The files themselves and a release's folder are answered as before, whatever the Accept.
    held = served.get("/downloads/1.2.0/SHA256SUMS", headers={"accept": BROWSER_ACCEPT})
    assert held.status_code == 200 and held.content == b"held"
    assert served.get("/downloads/1.2.0/", headers={"accept": BROWSER_ACCEPT}).status_code == 302


def test_a_browser_is_told_from_a_program_by_the_weights_of_its_accept():
    responses = plugin("_responses")

    def prefers(accept):
        return responses.prefers_html({"headers": [(b"accept", accept.encode())]} if accept is not None else {})

    assert prefers(BROWSER_ACCEPT) and prefers("text/html") and prefers("application/xhtml+xml, */*;q=0.1")
    assert prefers("application/json;q=0.5, text/html")
    for program in (None, "", "*/*", "application/json", "text/html;q=0", "text/html, application/json"):
        assert not prefers(program), program
    assert not prefers("text/html;q=0.4, application/json;q=0.9") and not prefers("text/html;q=nope")


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        # RFC 9110 12.5.1: text/* is a range that holds text/html, and not JSON. It was read as
        # naming neither, and answered JSON.
        ("text/*", True),
        ("TEXT/*", True),
        ("text/*;q=0.5", True),
        ("text/*, */*;q=0.1", True),
        ("text/*;q=0.9, application/json;q=0.8", True),
        ("text/*;q=0.5, application/*;q=0.4", True),
        ("text/*, application/json", False),  # a tie is the API's, as */* alone is
        ("text/*;q=0.5, application/json", False),
        ("text/*;q=0.5, */*", False),  # */* ranks JSON higher
        # The most specific range decides: text/html refused by name is refused whatever text/* says.
        ("text/*, text/html;q=0", False),
        ("text/*, text/html;q=0.1, application/json;q=0.5", False),
        ("text/html;q=0.5, */*", False),
        ("application/*", False),
        ("application/*, text/html;q=0.9", False),
        ("text/plain", False),
        ("*/*;q=0.5, text/html", True),
    ],
)
def test_a_range_of_media_types_is_weighed_as_rfc_9110_says(accept, html):
    responses = plugin("_responses")
    assert responses.prefers_html({"headers": [(b"accept", accept.encode())]}) is html


def test_a_client_that_accepts_any_text_gets_a_release_files_error_page(real_build, tmp_path):
    # Accept: text/* got the API's JSON for a release file's 404, a body it did not ask for.
    (tmp_path / "dist" / "1.2.0").mkdir(parents=True)
    (tmp_path / "dist" / "1.2.0" / "SHA256SUMS").write_bytes(b"held")
    served = Site(unhurried(real_build, dist=tmp_path / "dist"))
    path = "/downloads/1.2.0/nope.csv"
    said = assert_error_shape(served.get(path), 404)
    for accept in ("text/*", "text/*;q=0.9, application/json;q=0.5"):
        page = served.get(path, headers={"accept": accept})
        assert page.status_code == 404 and page.headers["content-type"] == "text/html; charset=utf-8", accept
        assert html.escape(said, quote=False) in page.text and page.headers["vary"] == "Accept"
    for accept in ("text/*, application/json", "text/*, text/html;q=0"):
        assert assert_error_shape(served.get(path, headers={"accept": accept}), 404) == said, accept


@pytest.mark.parametrize("weight", ["inf", "1e999", "2", "1_0", "1.5", "0.0001", "-1", "nan", " "])
def test_a_weight_that_is_no_qvalue_makes_no_browser(weight):
    # text/html;q=inf was read by float() as above every weight, and the 404 of a release file was
    # the HTML page for a client that asked for nothing a browser sends.
    responses = plugin("_responses")
    accept = f"text/html;q={weight}, application/json;q=0.5"
    assert not responses.prefers_html({"headers": [(b"accept", accept.encode())]}), accept
    for weight in ("1", "1.000", "0.6", "0.501"):
        accept = f"text/html;q={weight}, application/json;q=0.5"
        assert responses.prefers_html({"headers": [(b"accept", accept.encode())]}), accept
