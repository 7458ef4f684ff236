"""search_index.search_text_view_rows computes the search_text view in Python (for the index the
build writes from rows in memory): it must give the view's rows, edge cases included."""

import sqlite3

from disclosures import derive, search_index

VOCABULARIES = {
    "platforms": [("telegram", "Telegram"), ("nameless", None)],
    "jurisdictions": [("USA", "United States", "US", "U.S.|America"), ("XKX", "Kosovo", None, None)],
    "request_types": [("ip_phone", "IP addresses and phone numbers")],
    "metrics": [("requests_fulfilled", "Requests fulfilled")],
}
# The figures as the build holds them: a column the index does not read ("value") among those
# it does, in an order of their own (the package's).
COLUMNS = ("figure_id", "value", "platform_id", "jurisdiction_id", "period_start", "period_end")
COLUMNS += ("request_type_id", "metric_id", "quote", "notes", "platform_wording")
FIGURES = [
    # figure_id, value, platform, jurisdiction, start, end, request type, metric, quote, notes, wording
    (
        "a",
        900,
        "telegram",
        "USA",
        "2024-01-01",
        "2024-12-31",
        "ip_phone",
        "requests_fulfilled",
        "900",
        None,
        "fulfilled",
    ),
    ("b", 1, "telegram", "XKX", "2023-07-01", "2024-06-30", "ip_phone", "requests_fulfilled", None, "n", None),
    ("c", 2, "unknown", "USA", "2024-01-01", "2024-12-31", "ip_phone", "requests_fulfilled", "q", None, "w"),
    ("d", 3, "nameless", "USA", "2024-01-01", "2024-06-30", "ip_phone", "requests_fulfilled", "q", None, "w"),
    # Sharing the place, period and kind of "a" and of "b": their words, made once, are the same.
    ("e", 4, "telegram", "USA", "2024-01-01", "2024-12-31", "ip_phone", "requests_fulfilled", "q", None, "w"),
    ("f", 5, "telegram", "XKX", "2023-07-01", "2024-06-30", "ip_phone", "requests_fulfilled", "q", "n", "w"),
    ("g", 6, "telegram", "USA", "2024-01-01", "2024-12-31", "ip_phone", "unknown_metric", "q", None, "w"),
    ("h", 7, "telegram", "ATL", "2024-01-01", "2024-12-31", "ip_phone", "requests_fulfilled", "q", None, "w"),
]


def view_rows() -> list[tuple]:
    """The same rows through the view itself, in SQLite, from a figures table whose rowids are
    the rows' positions and whose period_label and year are the build's."""
    conn = sqlite3.connect(":memory:")
    names = (*COLUMNS, "period_label", "year")
    conn.execute(f"CREATE TABLE figures ({', '.join(names)})")
    rows = [(*f, *derive.period_columns(f[4], f[5])[1:]) for f in FIGURES]
    conn.executemany(f"INSERT INTO figures VALUES ({', '.join('?' for _ in names)})", rows)
    for table, columns in search_index.VOCABULARY_COLUMNS.items():
        conn.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
        conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in columns)})", VOCABULARIES[table])
    conn.execute(search_index.PERIOD_NAMES_SQL)
    for start, end, label in {(r[4], r[5], r[-2]) for r in rows}:
        conn.execute(
            "INSERT INTO period_names VALUES (?, ?, ?, ?, ?, ?)", search_index.period_names_row(start, end, label)
        )
    conn.execute(search_index.TEXT_VIEW_SQL)
    return conn.execute(search_index.TERMS_SQL).fetchall()


def test_the_rows_computed_in_python_are_the_views():
    ours = list(search_index.search_text_view_rows(FIGURES, COLUMNS, VOCABULARIES))
    assert ours == view_rows()
    # An unknown platform, jurisdiction or metric has no row; a platform without a name has no terms.
    assert [row[0] for row in ours] == [1, 2, 4, 5, 6]
    assert ours[2][1] is None
    assert ours[0][1].startswith("Telegram telegram United States USA US U.S.|America 2024 ")
    assert ours[1][1].split(" ")[4:6] == ["", ""]
    assert ours[1][1].split(" ")[6] == "20230701-20240630"
    assert ours[3][1] == ours[0][1][:-1] + "e" and ours[3][2:] == ("q", None, "w")
