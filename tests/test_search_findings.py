"""Full-text search, as a newcomer broke it: "U.S." found nothing, the obvious figure was not
first, ``_search`` was ignored on tables without search, FTS5's errors reached readers, and the
index's own page showed its internals.

Layers: (a) the pure rules of plugins/search.py and the jurisdictions' other names, (b) the real
build's index, (c) the site through Datasette's client.
"""

import csv
import re
from urllib.parse import urlencode

import pycountry
import pytest

from disclosures import paths
from tests.conftest import assert_error_shape, plugin, rows

search = plugin("search")
SEARCH = "/disclosures/search_everything.json?_shape=array&"
FIGURES = "/disclosures/figures"


def search_everything(site, q):
    response = site.get(SEARCH + urlencode({"q": q}))
    assert response.status_code == 200, response.text[:300]
    return response.json()


def figure_ids(hits):
    return [h["id"] for h in hits if h["kind"] == "figure"]


def jurisdictions():
    with (paths.ROOT / "data" / "jurisdictions.csv").open(encoding="utf-8", newline="") as f:
        return {row["jurisdiction_id"]: row for row in csv.DictReader(f)}


# (a) Pure rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("U.S.", '"U.S."'),
        ('telegram "united states"', '"telegram" "united states"'),
        ("tele*", '"tele"*'),
        ("NEAR( a AND", '"NEAR(" "a" "AND"'),
        ("e-mail", '"e-mail"'),
        ('"unbalanced', '"unbalanced"'),
        ("telegram\x00usa", '"telegram" "usa"'),
        # No letter or digit: nothing to find, never a syntax error.
        ('""', search.NOTHING),
        ('"""', search.NOTHING),
        ("*", search.NOTHING),
        ("\x00", search.NOTHING),
        ("", search.NOTHING),
        (None, search.NOTHING),
    ],
)
def test_fts_query_reads_any_text_as_words_phrases_and_prefixes(typed, query):
    assert search.fts_query(typed) == query


def test_a_search_of_more_words_than_the_limit_is_refused_in_words_not_parts():
    limit = search.MAX_SEARCH_WORDS
    distinct = [f"word{i}" for i in range(limit)]
    assert search.too_many_words(" ".join(distinct)) is None
    # A repeat is searched and counted once; text without a letter or digit is no word.
    assert search.too_many_words(" ".join(distinct + distinct + ["*", "-", '""'])) is None
    # A repeat is what FTS5 reads as the same tokens, however it is spelt: 32 spellings of a*
    # (A*, .a*, ,a* ...) ran past the time limit.
    assert search.fts_query("telegram tele* telegram TELEGRAM tele*") == '"telegram" "tele"*'
    assert search.fts_query(" ".join(["a*", "A*", ".a*", ",a*", "(a*", "a"])) == '"a"* "a"'
    # Counted in FTS5's own tokens: a combining mark between two words separates them there, and
    # Python's normalisation had joined 2,000 of them into one word (a search of 7 s).
    joined = "\u0305".join(["requests"] * 2000)
    assert search.search_words(joined) == 2000 and search.too_many_words(joined) is not None
    assert search.search_words("½ Côte d'Ivoire") == 4
    # A phrase counts each of its words, and so does a word FTS5 splits ("U.S." is two): one
    # "word" of 2,000 tokens took 6 s.
    assert search.too_many_words(" ".join(distinct[:-1] + ['"united states"'])).endswith(f"this one has {limit + 1}")
    assert search.too_many_words(" ".join(distinct[:-1] + ["U.S."])).endswith(f"this one has {limit + 1}")
    assert search.too_many_words(".".join(["requests"] * 2000)).endswith("this one has 2000")
    refused = search.too_many_words(" ".join(f"w{i}*" for i in range(limit + 1)))
    assert refused.endswith(f"this one has {limit + 1}") and f"at most {limit} words" in refused
    assert search.too_many_words(None) is None
    # FTS5's own syntax (_searchmode=raw): its operators are not words, and not all must match.
    assert search.too_many_words(" OR ".join(f"w{i}" for i in range(limit)), raw=True) is None
    refused = search.too_many_words(" OR ".join(f"w{i}" for i in range(limit + 1)), raw=True)
    assert refused.endswith(f"this one has {limit + 1}") and "must match" not in refused
    assert search.too_many_words(" ".join(["w"] * (limit + 1)), raw=True) is not None
    # Nor are a column filter and NEAR's distance.
    assert search.search_words("{terms quote}: telegram NEAR(usa india, 9) AND terms: x", raw=True) == 4
    # Inside quotes they are words: "AND AND ..." counted as none and ran past the time limit.
    assert search.search_words('"' + " ".join(["AND"] * 40) + '"', raw=True) == 40
    assert search.search_words('"' + " ".join(["requests:"] * 40) + '" OR x', raw=True) == 41


def test_search_mentions_needs_the_whole_name():
    assert search.search_mentions("google united states", "United States; U.S.") == 1
    assert search.search_mentions("google united states", "United States Minor Outlying Islands") == 0
    assert search.search_mentions("google united states", "United Kingdom; U.K.; UK") == 0
    assert search.search_mentions("telegram U.S. 2024", "United States; U.S.; U.S.A.") == 1
    # "us" the word is not "U.S." the written form, and a name inside a word is no mention.
    assert search.search_mentions("tell us", "U.S.") == 0
    assert search.search_mentions("fulfilled requests usa 2024", "Google; google") == 0
    assert search.search_mentions("cote d'ivoire", "Côte d'Ivoire") == 1
    assert search.search_mentions(None, "United States") == 0
    # Long arguments are read up to a cap, so one call stays one quick step.
    assert search.search_mentions("x " * 100_000 + "united states", "United States") == 0


def test_plain_searches_drops_blank_searches_and_spaces_control_characters():
    assert search.plain_searches(b"_search=&platform_id=telegram") == b"platform_id=telegram"
    assert search.plain_searches(b"_search=++&_size=1") == b"_size=1"
    # Control characters alone are not a blank box: a search with no letter or digit, which
    # finds nothing (/api), where it answered every row.
    assert search.plain_searches(b"_search=+%00&_size=1") == b"_search=++&_size=1"
    assert search.plain_searches(b"_search=telegram%00usa&a=%00") == b"_search=telegram+usa&a=%00"
    assert search.plain_searches(b"_search=U.S.&_searchmode=raw") == b"_search=U.S.&_searchmode=raw"
    assert search.plain_searches(b"_search=a&_searchmode=&_searchmode=+&_searchmode") == b"_search=a"
    assert search.plain_searches(b"_searchmode=&_searchmode=raw") == b"_searchmode=raw"


def test_jurisdictions_have_the_written_forms_readers_type():
    places = jurisdictions()
    other = {code: [n.strip() for n in row["other_names"].split(";") if n.strip()] for code, row in places.items()}
    assert {"U.S.", "U.S.A.", "USA"} <= set(other["USA"])
    assert {"U.K.", "UK"} <= set(other["GBR"])
    # ISO 3166's common names (iso-codes, as pycountry ships them) are among them.
    for country in pycountry.countries:
        common = getattr(country, "common_name", None)
        if common:
            assert common in other[country.alpha_3], country.alpha_3
    # A name is given once, and never as one of the jurisdiction's codes or its own name.
    for code, names in other.items():
        assert len(names) == len(set(names)), code
        assert places[code]["name"] not in names, code


# (b) The real build ----------------------------------------------------------------------------


def test_the_index_reads_other_names_and_each_row_names_its_figure(real_db):
    (terms,) = rows(
        real_db,
        "SELECT terms FROM search_text WHERE figure_id = 'telegram-usa-2024-ip_or_phone-requests_fulfilled'",
    )
    for word in ("U.S.", "U.S.A.", "United States of America"):
        assert word in terms[0]
    assert rows(
        real_db,
        "SELECT count(*) FROM search_text s JOIN figures f ON f.rowid = s.figure_rowid "
        "WHERE s.figure_id IS NOT f.figure_id",
    ) == [(0,)]
    found = rows(
        real_db,
        """SELECT f.jurisdiction_id, count(*) FROM figures_fts JOIN figures f ON f.rowid = figures_fts.rowid
           WHERE figures_fts MATCH '"U.K." "google"' GROUP BY 1""",
    )
    assert [place for place, _ in found] == ["GBR"]


# (c) The site ----------------------------------------------------------------------------------


def test_us_finds_the_united_states_figures(site, real_db):
    hits = search_everything(site, "telegram U.S. 2024")
    ids = figure_ids(hits)
    assert ids[:2] == [
        "telegram-usa-2024-ip_or_phone-requests_fulfilled",
        "telegram-usa-2024-ip_or_phone-accounts_affected",
    ]
    assert all(i.startswith("telegram-usa-") for i in ids)
    expected = rows(real_db, "SELECT count(*) FROM figures WHERE platform_id = 'telegram' AND jurisdiction_id = 'USA'")
    for typed in ("telegram U.S.", "telegram U.S.A.", "telegram USA", "telegram United States"):
        table = site.get(FIGURES + ".json?" + urlencode({"_search": typed, "_size": 1})).json()
        assert table["filtered_table_rows_count"] == expected[0][0] > 10, typed
    uk = site.get(FIGURES + ".json?" + urlencode({"_search": "U.K. google", "_facet": "jurisdiction_id"})).json()
    assert [v["value"] for v in uk["facet_results"]["jurisdiction_id"]["results"]] == ["GBR"]
    # The /api page's example, q=U.S., finds United States figures too.
    assert any(i.split("-")[1] == "usa" for i in figure_ids(search_everything(site, "U.S.")))


def test_the_obvious_figure_comes_first(site):
    google = figure_ids(search_everything(site, "google united states"))
    assert google[0].startswith("google-usa-") and not google[0].endswith("-derived")
    # Every Google United States figure comes before any other place's.
    places = [i.split("-")[1] for i in google]
    assert places[: places.count("usa")] == ["usa"] * places.count("usa")
    assert "umi" not in places[:50] and "gbr" not in places[:50]

    apple = figure_ids(search_everything(site, "apple germany 2024"))
    # Apple's main series (platform_freshness.main_request_type_id) is its device requests; of
    # its two halves of 2024, which FTS5 ranks alike, the newer (the order no longer rests on
    # the rows' order in the file).
    assert apple[:2] == ["apple-deu-2024h2-device-requests_received", "apple-deu-2024h1-device-requests_received"]
    # Germany's own figures: reported ones before derived ones. A figure of another place that
    # matches only through its notes (the worldwide H1 2023 push tokens' note names Germany's
    # rows) comes after all of them.
    germany = [i for i in apple if i.startswith("apple-deu-")]
    assert apple[: len(germany)] == germany
    derived = [n for n, i in enumerate(germany) if i.endswith("-derived")]
    reported = [n for n, i in enumerate(germany) if not i.endswith("-derived")]
    assert derived and reported and max(reported) < min(derived)

    fulfilled = figure_ids(search_everything(site, "fulfilled requests usa 2024"))
    assert fulfilled[0] == "telegram-usa-2024-ip_or_phone-requests_fulfilled"
    assert all(not i.endswith("-derived") for i in fulfilled[:10])


@pytest.mark.parametrize("table", ["search_text", "platforms", "jurisdictions", "coverage"])
def test_search_on_a_table_without_it_is_a_400(site, table):
    message = assert_error_shape(site.get(f"/disclosures/{table}.json?_search=zzzz"), 400)
    assert f"not available on {table}" in message
    assert "figures" in message and "sources" in message
    page = site.get(f"/disclosures/{table}?_search=zzzz")
    assert page.status_code == 400 and "text/html" in page.headers["content-type"]
    assert f"not available on {table}" in page.text
    # Without _search the table answers as before.
    assert site.get(f"/disclosures/{table}.json?_size=1").status_code == 200


@pytest.mark.parametrize(
    "typed", ['""', '"""', "\x00", "telegram\x00usa", "NEAR(", "a AND", "*", "-", "^x", "x:y", "'"]
)
def test_typed_searches_are_never_fts5_errors(site, typed):
    for path in (FIGURES + ".json?", FIGURES + "?", "/disclosures/sources.json?"):
        response = site.get(path + urlencode({"_search": typed}))
        assert response.status_code == 200, (path, typed, response.text[:300])
        assert "fts5" not in response.text and "Invalid SQL" not in response.text
    assert site.get(SEARCH + urlencode({"q": typed})).status_code == 200


def test_a_nul_is_a_space_and_a_blank_search_is_no_search(site, real_db):
    nul = site.get(FIGURES + ".json?_search=telegram%00usa&_size=1").json()
    plain = site.get(FIGURES + ".json?_search=telegram+usa&_size=1").json()
    assert nul["filtered_table_rows_count"] == plain["filtered_table_rows_count"] > 0
    # The filters form sends an empty _search with the filters.
    blank = site.get(FIGURES + ".json?_search=&platform_id=telegram&_size=1").json()
    expected = rows(real_db, "SELECT count(*) FROM figures WHERE platform_id = 'telegram'")
    assert blank["filtered_table_rows_count"] == expected[0][0]
    assert site.get(FIGURES + ".json?_search=%22%22&_size=1").json()["filtered_table_rows_count"] == 0


def test_a_raw_search_fts5_cannot_read_is_a_plain_400(site):
    message = assert_error_shape(site.get(FIGURES + ".json?_search=%22&_searchmode=raw"), 400)
    assert message.startswith("could not read this search:") and "_searchmode=raw" in message
    page = site.get(FIGURES + "?_search=NEAR(&_searchmode=raw")
    assert page.status_code == 400 and "could not read this search" in page.text
    assert "Invalid SQL" not in page.text
    raw = site.get(FIGURES + ".json?_search=telegram+OR+signal&_searchmode=raw&_size=1").json()
    assert raw["filtered_table_rows_count"] > 0


def test_a_search_of_too_many_words_is_a_400_naming_the_limit_not_an_interrupted_query(site):
    # 400 prefixes ran past the time limit: a 400 "SQL Interrupted" page showing the whole query.
    many = " ".join(f"a{i}*" for i in range(search.MAX_SEARCH_WORDS + 1))
    message = assert_error_shape(site.get(SEARCH + urlencode({"q": many})), 400)
    assert message.startswith("q: a search takes at most") and "Interrupted" not in message
    assert assert_error_shape(site.get("/disclosures/search_everything.csv?" + urlencode({"q": many})), 400) == message
    page = site.get("/disclosures/search_everything?" + urlencode({"q": many}))
    assert page.status_code == 400 and "a search takes at most" in page.text and "figures_fts" not in page.text
    message = assert_error_shape(site.get(FIGURES + ".json?" + urlencode({"_search": many})), 400)
    assert message.startswith("_search: a search takes at most")
    # One "word" of 2,000 tokens ran past the time limit: each token is a word (and within the
    # characters a search takes, 100 are still a 400).
    joined = ".".join(["req"] * 100)
    assert "this one has 100" in assert_error_shape(site.get(FIGURES + ".json?" + urlencode({"_search": joined})), 400)
    assert "this one has 100" in assert_error_shape(site.get(SEARCH + urlencode({"q": joined})), 400)
    # Repeats are searched once: 32 times a* ran past it too.
    assert site.get(SEARCH + urlencode({"q": " ".join(["a*"] * 40)})).status_code == 200
    enough = " ".join(["telegram"] * search.MAX_SEARCH_WORDS)
    assert figure_ids(search_everything(site, enough))
    assert site.get(FIGURES + ".json?" + urlencode({"_search": enough, "_size": 1})).status_code == 200


def test_a_search_longer_than_the_limit_is_a_400_naming_it(site):
    # A search of thousands of characters went to the tokenizer and FTS5 whole.
    limit = search.MAX_SEARCH_CHARACTERS
    longest = "telegram " * (limit // 9) + "u" * (limit % 9)
    assert len(longest) == limit and search.search_problem(longest) is None
    assert site.get(FIGURES + ".json?" + urlencode({"_search": longest, "_size": 1})).status_code == 200
    assert site.get(SEARCH + urlencode({"q": longest})).status_code == 200
    over = "x" * (limit + 1)
    said = f"a search takes at most {limit} characters; this one has {limit + 1:,}"
    for path, name in [
        (FIGURES + ".json?", "_search"),
        (FIGURES + ".json?", "_search_quote"),
        (FIGURES + ".json?_searchmode=raw&", "_search"),
        (SEARCH, "q"),
        ("/disclosures/search_everything.csv?", "q"),
    ]:
        assert assert_error_shape(site.get(path + urlencode({name: over})), 400) == f"{name}: {said}"
    page = site.get(FIGURES + "?" + urlencode({"_search": over}))
    assert page.status_code == 400 and said in page.text


def test_prefix_search_works_through_search(site, real_db):
    prefix = site.get(FIGURES + ".json?_search=tele*&_size=1").json()
    telegram = rows(real_db, "SELECT count(*) FROM figures WHERE platform_id = 'telegram'")
    assert prefix["filtered_table_rows_count"] >= telegram[0][0] > 0
    assert figure_ids(search_everything(site, "tele* usa 2024"))[0].startswith("telegram-usa-2024")


def test_the_index_is_not_listed_and_its_page_points_to_the_figures_search(site):
    # As its .json, .csv and rows (tests/test_site_rough_edges.py): a 404 naming the search.
    listing = site.get("/disclosures.json").json()
    assert "figures_fts" not in {t["name"] for t in listing["tables"]}
    assert 'href="/disclosures/figures_fts"' not in site.get("/disclosures").text
    page = site.get("/disclosures/figures_fts?_search=telegram")
    assert page.status_code == 404 and "search with /disclosures/figures?_search=" in page.text


def test_search_text_rows_lead_to_their_figure(site):
    data = site.get("/disclosures/search_text.json?_size=1&_shape=objects").json()["rows"][0]
    assert data["figure_id"]
    html = site.get("/disclosures/search_text?_size=1").text
    link = f'<a href="/figure/{data["figure_id"]}">'
    assert re.search(r'class="col-figure_rowid[^"]*">' + re.escape(link), html)
    assert re.search(r'class="col-figure_id[^"]*">' + re.escape(link), html)
    assert site.get(f"/figure/{data['figure_id']}").status_code == 200


def test_the_api_page_documents_the_search_syntax(site):
    html = site.get("/api").text
    limit = f"At most {search.MAX_SEARCH_WORDS} words"
    for said in ("tele*", "_searchmode=raw", "other_names", "U.K.", "could not read this search", limit):
        assert said in html, said


def test_a_search_parameter_datasette_cannot_read_is_a_400_not_a_500(site):
    message = assert_error_shape(site.get(FIGURES + ".json?_searchx=1"), 400)
    assert "_searchx: unknown parameter" in message
    assert "_searchmode must be one of escaped, raw" in assert_error_shape(
        site.get(FIGURES + ".json?_search=a&_searchmode=nope"), 400
    )
    # A column's search is Datasette's, read as words too.
    column = site.get(FIGURES + ".json?_search_terms=telegram+U.S.&_size=1").json()
    assert column["filtered_table_rows_count"] > 0 and 'search column "terms"' in column["human_description_en"]


def test_a_blank_searchmode_is_no_mode_as_a_blank_search_is_no_search(site):
    # _searchmode= was a 400 "must be one of escaped, raw", where Datasette reads a blank mode as
    # none and the site reads a blank _search (or _sort_desc) as absent.
    def count(query):
        response = site.get(f"{FIGURES}.json?{query}&_size=1")
        assert response.status_code == 200, (query, response.text[:300])
        return response.json()["filtered_table_rows_count"]

    escaped = count("_search=telegram+OR+signal")
    raw = count("_search=telegram+OR+signal&_searchmode=raw")
    assert escaped != raw
    assert count("_search=telegram+OR+signal&_searchmode=") == escaped
    assert count("_search=telegram+OR+signal&_searchmode=%20") == escaped
    # A blank first value is no first choice: the mode written after it is the one searched.
    assert count("_search=telegram+OR+signal&_searchmode=&_searchmode=raw") == raw
    # Read as words, not as FTS5 syntax it cannot parse (raw's 400).
    assert count("_search=%22&_searchmode=") == 0
    assert count("_searchmode=") == count("_searchmode=escaped")
    page = site.get(f"{FIGURES}?_search=telegram&_searchmode=&_size=1")
    assert page.status_code == 200 and "telegram" in page.text
    assert "_searchmode must be one of escaped, raw" in assert_error_shape(
        site.get(f"{FIGURES}.json?_search=a&_searchmode=RAW"), 400
    )


def test_the_search_page_is_named_for_the_search_and_leads_with_its_results(site):
    # Its <title> was the query's 50 lines of SQL (3,165 characters read out as the page's name),
    # and on a phone the SQL put the first result four screens down.
    html = site.get("/disclosures/search_everything?q=telegram+india").text
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.startswith("Search: telegram india:") and "SELECT" not in title.upper()
    assert 'id="sql-query"' not in html and "_show_sql=1" in html
    # Each result's text is its link, and says what it leads to.
    assert re.search(
        r'<td class="col-text"><a href="/figure/telegram-ind-2024-ip_or_phone-requests_fulfilled">'
        r"Telegram, India, 2024: 14,641 requests fulfilled",
        html,
    )
    assert "<title>Search quotes, notes, sources" in site.get("/disclosures/search_everything").text


def test_a_querys_page_column_links_only_to_this_sites_own_paths(site):
    # "/\\evil.example/x" was linked, and a browser reads it as another host; the result's text
    # (now a link too) could then be anything.
    sql = "select 'Official corrected figures' as text, '/\\evil.example/x' as page, '/figure/x' as other"
    html = site.get("/disclosures?" + urlencode({"sql": sql})).text
    assert "evil.example" in html and 'href="/\\evil' not in html and 'href="\\evil' not in html
    assert ">Official corrected figures</a>" not in html


def test_a_long_search_is_named_in_short(site):
    html = site.get("/disclosures/search_everything?" + urlencode({"q": "telegram " * search.MAX_SEARCH_WORDS})).text
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert len(title) < 200 and "…" in title


def test_figure_results_name_their_request_type_and_the_headline_comes_first(site):
    # Five results read "Google, Germany, H1 2025: N requests received", N from emergency,
    # legal process, preservation and two kinds of diplomatic requests, the emergency one first.
    hits = [h for h in search_everything(site, "google germany 2025") if h["kind"] == "figure"]
    assert hits[0]["id"] == "google-deu-2025h1-legal_process-requests_received"  # Google's main series
    assert hits[0]["text"] == "Google, Germany, H1 2025: 42,595 requests received (Legal process requests)"
    texts = [h["text"] for h in hits]
    assert len(set(texts)) == len(texts)
    assert any("(EU DSA orders to provide information (member states))" in t for t in texts)
    # A request type the search names comes before the main series.
    named = [h for h in search_everything(site, "google germany 2025 emergency") if h["kind"] == "figure"]
    assert named[0]["id"] == "google-deu-2025h1-emergency-requests_received"
    # A share is not "87% % of requests".
    shares = [h["text"] for h in search_everything(site, "google germany percent") if h["kind"] == "figure"]
    assert shares and not any("% %" in t for t in shares)
    assert any("% of requests" in t for t in shares)


def test_a_disagreement_about_no_figure_of_the_dataset_links_to_its_own_row(site, real_db):
    # 32 of 117 disagreements name no figure: their result's page was null, an unlinked id.
    unattached = rows(
        real_db,
        "SELECT disagreement_id, claimed_text FROM disagreements WHERE figure_id IS NULL ORDER BY disagreement_id",
    )
    assert len(unattached) > 10
    disagreement_id, text = unattached[0]
    words = " ".join(re.findall(r"[A-Za-z]{4,}", text)[:4])
    hits = [h for h in search_everything(site, words) if h["kind"] == "disagreement"]
    assert hits and all(h["page"] for h in hits)
    hit = next(h for h in hits if h["id"] == disagreement_id)
    assert hit["page"] == f"/disclosures/disagreements/{disagreement_id}"
    assert site.get(hit["page"]).status_code == 200


def test_the_search_page_says_why_it_found_nothing_or_not_everything(site):
    def hints(q):
        page = site.get("/disclosures/search_everything?" + urlencode({"q": q})).text
        return [
            " ".join(re.sub(r"<[^>]+>", "", h).split())
            for h in re.findall(r'<p class="search-hint">(.*?)</p>', page, re.S)
        ]

    # A question in words found nothing, and the page said only "0 results".
    (said,) = hints("how many requests did telegram fulfil in the US in 2024")
    assert "a result must hold all of them" in said and "Try fewer words" in said
    (said,) = hints("")
    assert said.startswith("Type the words to look for")
    # Each kind is cut at 100 matches: the page says which reached it.
    (said,) = hints("google germany")
    assert "and more figures than that match, so not all are shown" in said
    assert hints("telegram india 2024") == []


def test_one_of_a_count_reads_in_the_singular(site):
    # "Google Workspace, Germany, H1 2025: 1 requests received"
    texts = [h["text"] for h in search_everything(site, "google workspace germany 2025") if h["kind"] == "figure"]
    assert any(": 1 request received (" in t for t in texts)
    assert not any(": 1 requests " in t for t in texts)
    accounts = [h["text"] for h in search_everything(site, "linkedin argentina 2023") if h["kind"] == "figure"]
    assert any(": 1 user or account affected (" in t for t in accounts), accounts[:5]


def fts_matches(real_db, index: str, word: str) -> int:
    import sqlite3

    with sqlite3.connect(real_db) as conn:
        return conn.execute(f"SELECT count(*) FROM {index} WHERE {index} MATCH ?", [word]).fetchone()[0]


def test_search_everything_says_which_kinds_it_cut_at_100(site, real_db):
    # Datasette's "truncated" counts only its own row limit: a search of thousands of matching
    # figures answered "truncated": false with 100 of them.
    matching = fts_matches(real_db, "figures_fts", "fulfilled")
    assert matching > 100
    for shape in ("", "&_shape=objects", "&_shape=arrays"):
        data = site.get("/disclosures/search_everything.json?q=fulfilled" + shape).json()
        at = data["columns"].index("kind")
        kinds = [row["kind"] if isinstance(row, dict) else row[at] for row in data["rows"]]
        assert kinds.count("figure") == 100
        assert data["truncated"] is True and data["truncated_kinds"] == ["figure"], shape
    # Fewer matches than the cap: nothing cut, and the JSON says so.
    narrow = site.get("/disclosures/search_everything.json?q=" + "telegram india 2024".replace(" ", "+")).json()
    assert 0 < len(narrow["rows"]) < 100
    assert narrow["truncated"] is False and narrow["truncated_kinds"] == []
    # The bare list stays the rows alone.
    bare = site.get("/disclosures/search_everything.json?q=fulfilled&_shape=array").json()
    assert isinstance(bare, list) and len(bare) == len(data["rows"])


def test_a_kind_with_exactly_100_matches_is_not_called_cut(site):
    # The cap is reached but nothing is left out: a 101st match decides, not the count of 100.
    guards = plugin("guards")
    db = site.datasette.get_database("disclosures")
    counts = {}
    for cap in (99, 100, 10_000):
        counts[cap] = site.loop.run_until_complete(guards.more_matches_than(db, "sources_fts", "transparency", cap))
    total = site.loop.run_until_complete(
        db.execute("SELECT count(*) FROM sources_fts WHERE sources_fts MATCH 'transparency'")
    ).rows[0][0]
    assert counts == {99: total > 99, 100: total > 100, 10_000: False}
    exact = site.loop.run_until_complete(guards.more_matches_than(db, "sources_fts", "transparency", total))
    assert exact is False
    assert site.loop.run_until_complete(guards.more_matches_than(db, "sources_fts", "transparency", total - 1)) is True


def test_the_search_page_calls_cut_only_the_kinds_the_json_calls_cut(site, real_db):
    # The page counted 100 figures and said "there may be more" where exactly 100 figures match and
    # none is left out; the JSON's truncated_kinds (a 101st match decides) already said nothing was cut.
    import sqlite3

    with sqlite3.connect(real_db) as conn:
        conn.execute("CREATE VIRTUAL TABLE temp.words USING fts5vocab(main, figures_fts, row)")
        # Words of letters first; the data need not hold one in exactly 100 figures (each curation
        # moves the counts), then a number or code.
        exact = [
            t
            for (t,) in conn.execute(
                "SELECT term FROM temp.words WHERE doc = 100 AND term GLOB '[a-z0-9]*'"
                " ORDER BY term GLOB '[a-z]*' DESC, term"
            )
        ]
        more = [t for (t,) in conn.execute("SELECT term FROM temp.words WHERE doc > 100 AND term GLOB '[a-z]*'")]
    assert exact and more, "the data has a word in exactly 100 figures and one in more"

    def answer(q):
        data = site.get("/disclosures/search_everything.json?" + urlencode({"q": q})).json()
        html = site.get("/disclosures/search_everything?" + urlencode({"q": q})).text
        hint = " ".join(
            re.sub(r"<[^>]+>", "", " ".join(re.findall(r'<p class="search-hint">(.*?)</p>', html, re.S))).split()
        )
        return [row[data["columns"].index("kind")] for row in data["rows"]], data["truncated_kinds"], hint

    kinds, cut, hint = answer(exact[0])
    assert kinds.count("figure") == 100 and cut == []
    assert "100" not in hint and "more" not in hint, hint
    kinds, cut, hint = answer(more[0])
    assert kinds.count("figure") == 100 and "figure" in cut
    named = " and ".join(kind + "s" for kind in cut)
    assert f"and more {named} than that match, so not all are shown" in hint, hint


# What HTML reads as a control character: C0 but tab, line feed and carriage return; DEL; C1.
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures/search_everything?q=telegram%00usa",
        "/disclosures/search_everything?q=telegram%1busa%7f",
        "/disclosures/search_everything?q=%00",
        "/disclosures/figures?_search=telegram%00usa",
        "/disclosures/sources?_search=telegram%08",
        "/?q=telegram%00usa",
        "/disclosures/figures?platform_id=telegram%00",
    ],
)
def test_a_control_character_sent_is_never_written_raw_into_a_page(site, path):
    # ?q=%00 was written raw into the search page's title, its search box and its parameter field.
    page = site.get(path)
    assert page.status_code in (200, 400, 404), path
    assert page.headers["content-type"].startswith("text/html")
    assert RAW_CONTROL.search(page.text) is None, RAW_CONTROL.findall(page.text)
    # The length is the changed body's, and a HEAD's is the GET's. A table page prints how long
    # its queries took ("Queries took 3.217ms"), a number whose length differs between the two
    # renders: only that number may differ.
    assert int(page.headers["content-length"]) == len(page.content)
    head = site.loop.run_until_complete(site.datasette.client.head(path))
    assert head.status_code == page.status_code and head.content == b""
    timing = re.search(rb"Queries took ([0-9.]+)ms", page.content)
    if timing is None:
        assert int(head.headers["content-length"]) == len(page.content)
    else:
        without_timing = len(page.content) - len(timing.group(1))
        assert 1 <= int(head.headers["content-length"]) - without_timing <= len("1234.567"), timing.group(0)


def test_the_search_page_says_its_control_characters_are_shown_as_spaces(site):
    page = site.get("/disclosures/search_everything?q=telegram%00usa").text
    assert "<title>Search: telegram usa: " in page
    assert 'value="telegram usa"' in page  # the header's search box and the query's field
    said = "The search holds control characters (such as a NUL), which a page cannot show"
    assert f"{said}: each is shown as a space in “telegram usa”." in page
    plain = site.get("/disclosures/search_everything?q=telegram+usa").text
    assert said not in plain
    alone = site.get("/disclosures/search_everything?q=%00").text
    assert f"{said}: it holds nothing else, so no word was searched for." in alone
