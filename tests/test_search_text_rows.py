"""search_index.search_text_view_rows computes the search_text view in Python (for the index the
build writes from rows in memory): it must give the view's rows, edge cases included."""

import sqlite3

from disclosures import search_index

VOCABULARIES = {
    "platforms": [("telegram", "Telegram"), ("nameless", None)],
    "jurisdictions": [("USA", "United States", "US", "U.S.|America"), ("XKX", "Kosovo", None, None)],
    "request_types": [("ip_phone", "IP addresses and phone numbers")],
    "metrics": [("requests_fulfilled", "Requests fulfilled")],
}
FIGURES = [
    # rowid, figure_id, platform, jurisdiction, start, end, label, year, request type, metric, quote, notes, wording
    (
        1,
        "a",
        "telegram",
        "USA",
        "2024-01-01",
        "2024-12-31",
        "2024",
        2024,
        "ip_phone",
        "requests_fulfilled",
        "900",
        None,
        "fulfilled",
    ),
    (
        2,
        "b",
        "telegram",
        "XKX",
        "2023-07-01",
        "2024-06-30",
        "2023-07-01_2024-06-30",
        None,
        "ip_phone",
        "requests_fulfilled",
        None,
        "n",
        None,
    ),
    (
        3,
        "c",
        "unknown",
        "USA",
        "2024-01-01",
        "2024-12-31",
        "2024",
        2024,
        "ip_phone",
        "requests_fulfilled",
        "q",
        None,
        "w",
    ),
    (
        4,
        "d",
        "nameless",
        "USA",
        "2024-01-01",
        "2024-06-30",
        "2024h1",
        2024,
        "ip_phone",
        "requests_fulfilled",
        "q",
        None,
        "w",
    ),
]


def view_rows() -> list[tuple]:
    """The same rows through the view itself, in SQLite."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE figures ({', '.join(search_index.FIGURE_COLUMNS[1:])})")
    marks = ", ".join("?" for _ in search_index.FIGURE_COLUMNS)
    conn.executemany(f"INSERT INTO figures ({', '.join(search_index.FIGURE_COLUMNS)}) VALUES ({marks})", FIGURES)
    for table, names in search_index.VOCABULARY_COLUMNS.items():
        conn.execute(f"CREATE TABLE {table} ({', '.join(names)})")
        conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in names)})", VOCABULARIES[table])
    conn.execute(search_index.PERIOD_NAMES_SQL)
    for start, end, label in {(f[4], f[5], f[6]) for f in FIGURES}:
        conn.execute(
            "INSERT INTO period_names VALUES (?, ?, ?, ?, ?, ?)", search_index.period_names_row(start, end, label)
        )
    conn.execute(search_index.TEXT_VIEW_SQL)
    return conn.execute(search_index.TERMS_SQL).fetchall()


def test_the_rows_computed_in_python_are_the_views():
    ours = list(search_index.search_text_view_rows(FIGURES, VOCABULARIES))
    assert ours == view_rows()
    # An unknown platform has no row; a platform without a name has no terms.
    assert [row[0] for row in ours] == [1, 2, 4]
    assert ours[2][1] is None
    assert ours[0][1].startswith("Telegram telegram United States USA US U.S.|America 2024 ")
    assert ours[1][1].split(" ")[4:6] == ["", ""]
