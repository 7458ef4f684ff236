"""Layer (b): the real build into tmp_path: types, keys, counts, round trip, atomicity."""

import csv
import hashlib
import json
import os
import sqlite3

import pytest

from disclosures import build, derive, paths, schema_sql, stamp, table_schema, validate, vocabulary
from tests.conftest import rows, run_cli
from tests.packages import ROOT, make_package

DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))


def dump(db_path):
    with sqlite3.connect(db_path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables}


@pytest.mark.parametrize("resource", DESCRIPTOR["resources"], ids=lambda r: r["name"])
def test_columns_types_and_keys_come_from_the_schema(real_db, resource):
    info = {r[1]: r for r in rows(real_db, f"PRAGMA table_info({resource['name']})")}
    for field in resource["schema"]["fields"]:
        cid, name, sqltype, notnull, default, pk = info[field["name"]]
        assert sqltype == schema_sql.SQLITE_TYPES[field["type"]], field["name"]
        required = field.get("constraints", {}).get("required", False)
        relaxed = resource["name"] == "figures" and name in schema_sql.DERIVED_MAY_OMIT
        assert bool(notnull) == (required and not relaxed), field["name"]
        assert bool(pk) == (name in resource["schema"]["primaryKey"]), field["name"]
    declared = {
        (fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
        for fk in schema_sql.download_resource(resource)["schema"].get("foreignKeys", [])
    }
    actual = {(r[3], r[2], r[4]) for r in rows(real_db, f"PRAGMA foreign_key_list({resource['name']})")}
    assert actual == declared


@pytest.mark.parametrize("resource", DESCRIPTOR["resources"], ids=lambda r: r["name"])
def test_row_counts_match_the_csvs(real_db, resource):
    with (ROOT / resource["path"]).open(encoding="utf-8", newline="") as handle:
        expected = sum(1 for _ in csv.DictReader(handle))
    where = " WHERE is_derived = 0" if resource["name"] == "figures" else ""
    assert rows(real_db, f"SELECT count(*) FROM {resource['name']}{where}")[0][0] == expected


def test_counts_stay_integers_and_a_whole_percentage_is_stored_as_written(base_db):
    # SQLite keeps 80 (a whole percent, as 8,653 of the real data's are) an integer; a decimal one
    # stays real (test_build_checks).
    typed = dict(rows(base_db, "SELECT metric_id, typeof(value) FROM figures WHERE jurisdiction_id = 'DEU'"))
    assert typed == {
        "requests_received": "integer",
        "requests_fulfilled": "integer",
        "percent_requests_some_data": "integer",
    }
    assert rows(base_db, "SELECT value, value_low, value_high FROM figures WHERE value_kind = 'band'") == [
        (None, 0, 499)
    ]


def test_q4_is_derived_from_the_cumulative_year_and_jan_sep(base_db):
    derived = rows(
        base_db,
        """SELECT figure_id, period_start, period_end, value, period_kind, source_id, quote
                               FROM figures WHERE is_derived = 1 ORDER BY figure_id""",
    )
    assert derived == [
        (
            "examplechat-usa-2024q4-ip_or_phone-accounts_affected-derived",
            "2024-10-01",
            "2024-12-31",
            2145,
            "quarter",
            None,
            None,
        ),
        (
            "examplechat-usa-2024q4-ip_or_phone-requests_fulfilled-derived",
            "2024-10-01",
            "2024-12-31",
            886,
            "quarter",
            None,
            None,
        ),
    ]
    inputs = rows(
        base_db,
        "SELECT input_figure_id, sign FROM figure_inputs WHERE figure_id = ? ORDER BY sign DESC",
        "examplechat-usa-2024q4-ip_or_phone-requests_fulfilled-derived",
    )
    assert inputs == [
        ("examplechat-usa-2024-ip_or_phone-requests_fulfilled", 1),
        ("examplechat-usa-20240101-20240930-ip_or_phone-requests_fulfilled", -1),
    ]
    # An account count says how the rest can fall short; a count of requests needs no such word.
    notes = dict(rows(base_db, "SELECT metric_id, notes FROM figures WHERE is_derived = 1"))
    assert "counted per period" in notes["accounts_affected"]
    assert "counted per period" not in notes["requests_fulfilled"]


def test_a_reported_period_is_never_overwritten_by_a_derived_one(tmp_path):
    package = make_package(tmp_path)
    with (tmp_path / "data" / "figures.csv").open("a", encoding="utf-8") as handle:
        handle.write(
            "examplechat-usa-2024q4-ip_or_phone-requests_fulfilled,examplechat,USA,2024-10-01,2024-12-31,"
            "ip_or_phone,requests_fulfilled,exact,886,,,Fulfilled requests,example-2025-01-10-report,,Q4: 886,\n"
        )
    db = build.build_database(package, tmp_path / "d.db")
    assert rows(db, "SELECT figure_id, is_derived FROM figures WHERE period_start = '2024-10-01'") == [
        ("examplechat-usa-2024q4-ip_or_phone-requests_fulfilled", 0),
        ("examplechat-usa-2024q4-ip_or_phone-accounts_affected-derived", 1),
    ]


def test_a_share_of_requests_where_none_were_received_says_so(tmp_path):
    # Platforms publish 0% beside 0 requests (Snap, TikTok): read alone, "none complied".
    package = make_package(tmp_path)
    place = "examplechat,DEU,2024-07-01,2024-12-31,all"
    with (tmp_path / "data" / "figures.csv").open("a", encoding="utf-8") as handle:
        for metric, wording, quote in (
            ("requests_received", "Requests", "Germany H2: 0 requests"),
            ("percent_requests_some_data", "% some data", "Germany H2: 0 %"),
        ):
            figure_id = f"examplechat-deu-2024h2-all-{metric}"
            handle.write(f"{figure_id},{place},{metric},exact,0,,,{wording},example-2025-01-10-report,,{quote},\n")
    db = build.build_database(package, tmp_path / "d.db")
    notes = dict(rows(db, "SELECT figure_id, value_note FROM figures WHERE jurisdiction_id = 'DEU'"))
    assert notes["examplechat-deu-2024h2-all-percent_requests_some_data"] == vocabulary.SHARE_OF_NO_REQUESTS_NOTE
    # The count itself, and a share where requests were received (H1: 1,500), have no such note.
    assert notes["examplechat-deu-2024h2-all-requests_received"] is None
    assert notes["examplechat-deu-2024h1-all-percent_requests_some_data"] is None


def test_series_view_has_no_overlapping_periods(base_db):
    series = rows(
        base_db,
        """SELECT period_label FROM figures_series
                              WHERE jurisdiction_id = 'USA' AND metric_id = 'requests_fulfilled' ORDER BY period_start""",
    )
    assert series == [("20240101-20240930",), ("2024q4",)]
    assert (
        sum(
            r[0]
            for r in rows(
                base_db,
                """SELECT value FROM figures_series
               WHERE jurisdiction_id = 'USA' AND metric_id = 'requests_fulfilled'""",
            )
        )
        == 900
    )


def test_requests_and_accounts_side_by_side(base_db):
    assert rows(
        base_db,
        """SELECT period_label, requests_fulfilled, accounts_affected, includes_derived
                            FROM requests_and_accounts WHERE jurisdiction_id = 'USA' ORDER BY period_start, period_end""",
    ) == [("20240101-20240930", 14, 108, 0), ("2024", 900, 2253, 0), ("2024q4", 886, 2145, 1)]


def test_full_text_search_covers_quotes(base_db):
    hits = rows(
        base_db,
        "SELECT figure_id FROM figures WHERE rowid IN "
        "(SELECT rowid FROM figures_fts WHERE figures_fts MATCH 'Germany') ORDER BY figure_id",
    )
    assert [h[0] for h in hits] == [
        "examplechat-deu-2024h1-all-percent_requests_some_data",
        "examplechat-deu-2024h1-all-requests_fulfilled",
        "examplechat-deu-2024h1-all-requests_received",
    ]


def test_indexes_cover_the_facet_columns(real_db):
    indexed = {
        r[0]
        for name in [r[1] for r in rows(real_db, "PRAGMA index_list(figures)")]
        for r in [(i[2],) for i in rows(real_db, f"PRAGMA index_info({name})")]
    }
    assert {"platform_id", "jurisdiction_id", "metric_id", "request_type_id", "period_label", "period_kind"} <= indexed


def test_rebuild_gives_the_same_rows_and_bytes(tmp_path, real_db, real_build):
    # real_build validated the package itself (no stamp there); this build loads the rows that
    # make validate left beside its stamp. Both read the columns Arrow's proof made.
    typed: list = []
    key = stamp.current_key(paths.PACKAGE)
    assert validate.validate_package(paths.PACKAGE, typed=typed) == []
    stamp.record_valid(paths.PACKAGE, tmp_path, key, typed=typed.pop()["columns"])
    assert stamp.validated_tables(tmp_path, key, json.loads(paths.PACKAGE.read_text(encoding="utf-8")))
    again = build.build_site(paths.PACKAGE, tmp_path)
    assert dump(again) == dump(real_db)
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(real_db.read_bytes()).digest()
    built = sorted(p.name for p in real_build.iterdir())
    assert (
        built
        == sorted(p.name for p in tmp_path.iterdir() if p.name != stamp.ROWS_FILE)
        == [
            "datapackage.json",
            "disclosures.db",
            "feed.atom",
            "inspect-data.json",
            "metadata.json",
            "settings.json",
            "validated.json",
        ]
    )
    for name in built:
        assert (tmp_path / name).read_bytes() == (real_build / name).read_bytes(), name


def test_failure_mid_build_leaves_the_old_database(tmp_path, monkeypatch):
    target = tmp_path / "disclosures.db"
    build.build_database(make_package(tmp_path / "ok"), target)
    before = target.read_bytes()

    def explode(*args, **kwargs):
        raise build.BuildFailed("simulated failure after populating")

    monkeypatch.setattr(build, "check_database", explode)
    with pytest.raises(build.BuildFailed):
        build.build_database(make_package(tmp_path / "next"), target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disclosures.db", "next", "ok"]


def test_invalid_data_builds_nothing(tmp_path):
    target = tmp_path / "disclosures.db"
    build.build_database(make_package(tmp_path / "ok"), target)
    before = target.read_bytes()
    with pytest.raises(validate.ValidationFailed) as failure:
        build.build_database(make_package(tmp_path / "bad", "period_order"), target)
    assert [str(p) for p in failure.value.problems] == [
        "data/figures.csv:4:period_end: period_end 2024-01-01 is before period_start 2024-09-30"
    ]
    assert target.read_bytes() == before


@pytest.mark.parametrize(
    "table,change",
    [
        # One reported figure's value changes on its way into the database.
        ("figures", lambda column, cell: 901 if column == "value" else cell),
        # Its empty cells (NULL) stored as empty texts, which no CSV cell loads as.
        ("figures", lambda column, cell: "" if cell is None else cell),
        # The sources' empty cells (NULL: the fixture's archived_url) stored as empty texts.
        ("sources", lambda column, cell: "" if cell is None else cell),
    ],
    ids=["value", "null as empty text", "a source's nulls as empty texts"],
)
@pytest.mark.parametrize("reader", ["arrow", "check_package"])
def test_round_trip_check_catches_a_difference(tmp_path, monkeypatch, table, change, reader):
    # Changed once validated, on their way to the load: the rows the build validated itself
    # (no stamp here), from Arrow's columns or, where Arrow cannot decide, check_package's rows.
    if reader == "check_package":
        monkeypatch.setattr(build, "_proved_tables", lambda package_path, key: None)
    original = build.typed_tables

    def corrupt(*args, **kwargs):
        tables = original(*args, **kwargs)
        rows = tables[table]
        changed = []
        for row in rows.rows:
            # One reported figure; every source.
            if table != "figures" or row[0] == "examplechat-usa-2024-ip_or_phone-requests_fulfilled":
                row = tuple(change(column, cell) for column, cell in zip(rows.fields, row, strict=True))
            changed.append(row)
        assert changed != rows.rows
        rows.rows = changed
        return tables

    monkeypatch.setattr(build, "typed_tables", corrupt)
    with pytest.raises(build.BuildFailed, match=f"round trip of data/{table}.csv failed"):
        build.build_database(make_package(tmp_path), tmp_path / "d.db")
    assert not (tmp_path / "d.db").exists()


@pytest.mark.parametrize(
    "fixture,message",
    [
        ("value_not_in_quote", "data/figures.csv:5:quote: value 180 does not appear in the quote"),
        # A row the build would derive from, with a date that does not parse: once a traceback.
        ("date_not_iso_in_a_derivation", "data/figures.csv:4:period_end: '2024-09-31' is not a date"),
    ],
)
def test_build_cli_reports_problems_and_exits_non_zero(tmp_path, fixture, message):
    package = make_package(tmp_path, fixture)
    run = run_cli("build", "--package", package, "--out", tmp_path / "site")
    assert run.returncode == 1
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert "nothing was built" in run.stderr
    assert not (tmp_path / "site" / "disclosures.db").exists()


def test_build_cli_takes_paths_relative_to_the_working_directory(tmp_path):
    # `build --out site` ran every step and then stopped with "relative path can't be expressed
    # as a file URI" when its checks opened the database by URI.
    make_package(tmp_path)
    run = run_cli("build", "--package", "datapackage.json", "--out", "site", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    with sqlite3.connect(tmp_path / "site" / "disclosures.db") as conn:
        assert conn.execute("SELECT count(*) FROM figures").fetchone()[0] > 0


def test_build_cli_names_another_packages_files_from_the_working_directory(tmp_path):
    # Relative to the package's own folder, its problem said "data/figures.csv:5", which a curator
    # in the repository opened as the repository's own file, and "rerun: make build" built that.
    make_package(tmp_path / "p", "value_not_in_quote")
    run = run_cli("build", "--package", "p/datapackage.json", "--out", "site", cwd=tmp_path)
    assert run.returncode == 1
    assert "p/data/figures.csv:5:quote: value 180 does not appear in the quote" in run.stderr.splitlines()
    assert run.stderr.rstrip().endswith(
        "then rerun: python scripts/cli.py build --package p/datapackage.json --out site"
    ), run.stderr


def test_every_figure_carries_its_metrics_unit(base_db):
    assert dict(rows(base_db, "SELECT metric_id, unit FROM figures WHERE jurisdiction_id = 'DEU'")) == {
        "requests_received": "count",
        "requests_fulfilled": "count",
        "percent_requests_some_data": "percent",
    }


def test_build_rejects_a_name_datasette_cannot_serve(tmp_path, monkeypatch):
    # Datasette 0.65 answers 500 on every page once a name contains "]".
    monkeypatch.setitem(build.VIEWS, "bad]view", "SELECT 1 AS x")
    with pytest.raises(build.BuildFailed, match=r"bad\]view"):
        build.build_database(make_package(tmp_path), tmp_path / "d.db")
    assert not (tmp_path / "d.db").exists()


def test_column_sql_turns_constraints_into_checks():
    date_sql = schema_sql.column_sql({"name": "d", "type": "date", "constraints": {"minimum": "1990-01-01"}})
    assert date_sql == """"d" TEXT CHECK ("d" IS NULL OR ("d" >= '1990-01-01' AND date("d") = "d"))"""
    enum_sql = schema_sql.column_sql(
        {"name": "k", "type": "string", "constraints": {"required": True, "enum": ["a", "b'c"]}}
    )
    assert enum_sql == """"k" TEXT NOT NULL CHECK ("k" IS NULL OR ("k" IN ('a', 'b''c')))"""
    assert (
        schema_sql.column_sql({"name": "v", "type": "number", "constraints": {"minimum": 0}})
        == """"v" NUMERIC CHECK ("v" IS NULL OR ("v" >= 0))"""
    )


def test_keys_written_as_one_field_name_make_the_same_table():
    # Table Schema lets a one-field key be a string ("primaryKey": "figure_id"), and validation
    # reads it so; the table was PRIMARY KEY ("f", "i", ...), which SQLite refused mid-build.
    listed = {
        "name": "t",
        "schema": {
            "fields": [{"name": "id", "type": "string"}, {"name": "p", "type": "string"}],
            "primaryKey": ["id"],
            "foreignKeys": [{"fields": ["p"], "reference": {"resource": "u", "fields": ["id"]}}],
        },
    }
    named = {
        "name": "t",
        "schema": {
            **listed["schema"],
            "primaryKey": "id",
            "foreignKeys": [{"fields": "p", "reference": {"resource": "u", "fields": "id"}}],
        },
    }
    assert schema_sql.create_table_sql(named) == schema_sql.create_table_sql(listed)


def test_a_foreign_key_to_its_own_resource_references_its_own_table():
    # Table Schema's "resource": "" is the resource itself, as validation reads it; the table
    # referenced a table named "", and the build failed its foreign key check on every row.
    resource = {
        "name": "t",
        "schema": {
            "fields": [{"name": "id", "type": "string"}, {"name": "parent", "type": "string"}],
            "primaryKey": ["id"],
            "foreignKeys": [{"fields": ["parent"], "reference": {"resource": "", "fields": ["id"]}}],
        },
    }
    assert 'REFERENCES "t" ("id")' in schema_sql.create_table_sql(resource)


def test_a_derived_sum_too_large_for_sqlite_fails_the_build_by_name():
    # Each half fits a 64-bit integer (validation checks every cell); their sum does not.
    from disclosures import derive

    half = 2**62 + 1
    parts = [
        {
            "figure_id": f"p-usa-2024h{n}-all-requests_received",
            "platform_id": "p",
            "jurisdiction_id": "USA",
            "request_type_id": "all",
            "metric_id": "requests_received",
            "period_start": start,
            "period_end": end,
            "value_kind": "exact",
            "value": half,
        }
        for n, start, end in ((1, "2024-01-01", "2024-06-30"), (2, "2024-07-01", "2024-12-31"))
    ]
    units = {"requests_received": "count"}
    (year,) = derive.all_derived(parts, units)
    columns = [*year.row, "period_kind", "period_label", "unit", "value_text", "value_note", "year"]
    columns += ["recency_rank", "source_tier"]
    with pytest.raises(build.BuildFailed, match="p-usa-2024-all-requests_received-derived .*64-bit integer range"):
        build.derived_rows([year], units, columns, {year.row["figure_id"]: "primary"})
    # A sum that fits is a row.
    for part in parts:
        part["value"] = 2**61
    (year,) = derive.all_derived(parts, units)
    (row,) = build.derived_rows([year], units, columns, {year.row["figure_id"]: "primary"})
    assert row[columns.index("value")] == 2**62


def test_no_released_table_holds_an_empty_text_where_its_csv_would_read_null(real_db):
    # A CSV cell that is empty reads as null (missingValues [""]): a "" in the database made the
    # formats disagree (62,459 figures' value_note was "" in SQLite, Parquet and JSON, null in
    # the CSV as Frictionless reads it).
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    conn = sqlite3.connect(real_db)
    empty = {}
    for resource in [*descriptor["resources"], {"name": "series_members"}]:
        for (column,) in conn.execute("SELECT name FROM pragma_table_info(?)", [resource["name"]]).fetchall():
            (count,) = conn.execute(f'SELECT count(*) FROM "{resource["name"]}" WHERE "{column}" = \'\'').fetchone()
            if count:
                empty[f"{resource['name']}.{column}"] = count
    assert empty == {}


def test_a_field_added_to_figures_is_built_and_empty_for_derived_figures(tmp_path):
    # README: fields may be added to the contract's (vocabulary.PACKAGE_FIELDS) freely. One added
    # to figures passed validation and failed the build with KeyError in derived_rows.
    package = make_package(tmp_path / "package")
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    figures = next(r for r in descriptor["resources"] if r["name"] == "figures")
    figures["schema"]["fields"].append(
        {"name": "reviewer", "type": "string", "title": "Reviewer", "description": "Who checked the figure."}
    )
    package.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    path = package.parent / "data" / "figures.csv"
    header, *lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(
        "\n".join([header + ",reviewer", *(f"{line},A. Curator" for line in lines)]) + "\n", encoding="utf-8"
    )
    db_path = build.build_database(package, tmp_path / "site" / vocabulary.DATABASE_FILE)
    found = rows(db_path, "SELECT is_derived, reviewer, count(*) FROM figures GROUP BY is_derived, reviewer ORDER BY 1")
    assert found == [(0, "A. Curator", len(lines)), (1, None, found[-1][2])]
    assert found[-1][2] > 0


# Germany's requests by outcome in both halves of 2024 (the base package has H1's received and
# fulfilled): content + non-content = fulfilled, and the four outcomes = received.
OUTCOME_METRICS = (
    "requests_content_disclosed",
    "requests_non_content_disclosed",
    "requests_no_data_found",
    "requests_rejected",
)
GERMANY_OUTCOMES = {
    "2024h1": {"requests_content_disclosed": 700, "requests_non_content_disclosed": 500, "requests_no_data_found": 200}
    | {"requests_rejected": 100},
    "2024h2": {"requests_received": 1000, "requests_fulfilled": 800, "requests_content_disclosed": 300}
    | {"requests_non_content_disclosed": 500, "requests_no_data_found": 150, "requests_rejected": 50},
}


def package_with_outcomes(folder, outcomes=GERMANY_OUTCOMES):
    """The base package with the outcome metrics and ``outcomes`` (half -> metric -> value) for Germany."""
    package = make_package(folder)
    data = folder / "data"
    with (data / "metrics.csv").open("a", encoding="utf-8") as handle:
        for metric in OUTCOME_METRICS:
            handle.write(f"{metric},{metric.replace('_', ' ').capitalize()},count,Fixture: requests by outcome.\n")
    halves = {"2024h1": ("2024-01-01", "2024-06-30"), "2024h2": ("2024-07-01", "2024-12-31")}
    with (data / "figures.csv").open("a", encoding="utf-8") as handle:
        for half, values in outcomes.items():
            start, end = halves[half]
            for metric, value in values.items():
                words = metric.replace("_", " ")
                handle.write(
                    f"examplechat-deu-{half}-all-{metric},examplechat,DEU,{start},{end},all,{metric},exact,{value},,,"
                    f"{words},example-2025-01-10-report,,Germany {half} {words}: {value},\n"
                )
    return package


def test_requests_and_accounts_has_the_outcome_counts_beside_received_and_fulfilled(tmp_path):
    db = build.build_database(package_with_outcomes(tmp_path), tmp_path / "d.db")
    columns = [r[1] for r in rows(db, "PRAGMA table_info(requests_and_accounts)")]
    assert columns[7:13] == [
        "requests_received",
        "requests_fulfilled",
        "requests_content_disclosed",
        "requests_non_content_disclosed",
        "requests_no_data_found",
        "requests_rejected",
    ]
    table = rows(
        db,
        """SELECT period_label, requests_received, requests_fulfilled, requests_content_disclosed,
             requests_non_content_disclosed, requests_no_data_found, requests_rejected, includes_derived, figure_ids
           FROM requests_and_accounts WHERE jurisdiction_id = 'DEU' ORDER BY period_start, period_end""",
    )
    by_period = {r[0]: r[1:] for r in table}
    assert by_period["2024h1"][:7] == (1500, 1200, 700, 500, 200, 100, 0)
    assert by_period["2024h2"][:7] == (1000, 800, 300, 500, 150, 50, 0)
    # The year, no source gives: each count the sum of its halves, flagged, and every figure named.
    assert by_period["2024"][:7] == (2500, 2000, 1000, 1000, 350, 150, 1)
    year_ids = by_period["2024"][7].split()
    for metric in OUTCOME_METRICS:
        assert f"examplechat-deu-2024-all-{metric}-derived" in year_ids
        assert f"examplechat-deu-2024h2-all-{metric}" in by_period["2024h2"][7].split()


GAP = "do not add up"


def test_derived_years_by_outcome_that_add_up_say_nothing_more(tmp_path):
    db = build.build_database(package_with_outcomes(tmp_path), tmp_path / "d.db")
    notes = dict(
        rows(db, "SELECT metric_id, notes FROM figures WHERE jurisdiction_id = 'DEU' AND period_label = '2024'")
    )
    assert set(notes) >= {"requests_received", *OUTCOME_METRICS}
    assert all(GAP not in note for note in notes.values())


def test_a_half_whose_outcomes_do_not_add_up_says_so_in_the_derived_year(tmp_path):
    # As Microsoft's United States 2013-H1: its four outcomes add up to 7,013 of 7,014 requests,
    # a disagreement records it, and the year summed from both halves inherits the gap.
    outcomes = {half: dict(values) for half, values in GERMANY_OUTCOMES.items()}
    outcomes["2024h2"]["requests_received"] = 1001
    package = package_with_outcomes(tmp_path, outcomes)
    with (tmp_path / "data" / "disagreements.csv").open("a", encoding="utf-8") as handle:
        handle.write(
            "examplechat-deu-2024h2-outcomes-add-to-1000,examplechat-deu-2024h2-all-requests_received,"
            'example-2025-01-10-report,1000,"300, 500, 150 and 50 of 1001 requests",inconsistent_parts,'
            "Fixture: the outcomes add up to 1000.\n"
        )
    db = build.build_database(package, tmp_path / "d.db")
    year = dict(
        rows(
            db,
            "SELECT metric_id, value FROM figures WHERE jurisdiction_id = 'DEU' AND period_label = '2024'"
            " AND is_derived = 1",
        )
    )
    assert year["requests_received"] == 2501
    assert sum(year[m] for m in OUTCOME_METRICS) == 2500  # the values are the halves' sums, as reported
    notes = dict(
        rows(db, "SELECT metric_id, notes FROM figures WHERE jurisdiction_id = 'DEU' AND period_label = '2024'")
    )
    said = (
        " The year's counts by outcome, summed from the same parts, do not add up to its requests_received:"
        " requests_content_disclosed 1000 + requests_non_content_disclosed 1000 + requests_no_data_found 350"
        " + requests_rejected 150 = 2500 against 2501, because the platform's own do not for 2024h2:"
        " 300 + 500 + 150 + 50 = 1000 against 1001 in examplechat-deu-2024h2-all-requests_received"
        " (an inconsistent_parts disagreement records it)."
    )
    for metric in ("requests_received", *OUTCOME_METRICS):
        assert notes[metric].endswith(said), metric
    # Fulfilled is content + non-content in both halves, and in the year: no word about it.
    assert GAP not in notes["requests_fulfilled"]


def test_a_year_sum_that_does_not_carry_its_inputs_gap_fails_the_build(tmp_path, monkeypatch):
    # The halves add up; a year whose received is not their sum is the derivation's error.
    summed = derive.year_sum

    def off_by_one(plan):
        made = summed(plan)
        if plan.group[3] == "requests_received":
            made.row["value"] += 1
        return made

    monkeypatch.setattr(derive, "year_sum", off_by_one)
    with pytest.raises(build.BuildFailed, match="examplechat-deu-2024-all-requests_received-derived"):
        build.build_database(package_with_outcomes(tmp_path), tmp_path / "d.db")


def test_a_complement_whose_period_has_more_outcomes_than_requests_says_so(tmp_path):
    # Germany's year reports 1,600 received and 200 rejected; H1 1,500 and 100: H2 is derived as
    # 100 and 100. H2's 150 requests with no data found are reported on their own (a series with
    # no whole, which the build's derivation does not read): the two outcomes are 250 of 100.
    outcomes = {
        "2024h1": {"requests_content_disclosed": 700, "requests_non_content_disclosed": 500, "requests_rejected": 100},
        "2024h2": {"requests_no_data_found": 150},
    }
    package = package_with_outcomes(tmp_path, outcomes)
    with (tmp_path / "data" / "figures.csv").open("a", encoding="utf-8") as handle:
        for metric, value in (("requests_received", 1600), ("requests_rejected", 200)):
            words = metric.replace("_", " ")
            handle.write(
                f"examplechat-deu-2024-all-{metric},examplechat,DEU,2024-01-01,2024-12-31,all,{metric},exact,{value},,,"
                f"{words},example-2025-01-10-report,,Germany 2024 {words}: {value},\n"
            )
    db = build.build_database(package, tmp_path / "d.db")
    h2 = {
        r[0]: r[1:]
        for r in rows(
            db,
            "SELECT metric_id, figure_id, value, is_derived, notes FROM figures"
            " WHERE jurisdiction_id = 'DEU' AND period_label = '2024h2'",
        )
    }
    assert {m: v[1:3] for m, v in h2.items()} == {
        "requests_received": (100, 1),
        "requests_rejected": (100, 1),
        "requests_no_data_found": (150, 0),
    }
    said = (
        " This period's counts by outcome do not add up to its requests_received: requests_no_data_found 150"
        " (examplechat-deu-2024h2-all-requests_no_data_found) + requests_rejected 100"
        " (examplechat-deu-2024h2-all-requests_rejected-derived) = 250 against 100"
        " (examplechat-deu-2024h2-all-requests_received-derived), more than the whole"
    )
    assert said in h2["requests_received"][3]
    assert said in h2["requests_rejected"][3]
    assert h2["requests_no_data_found"][3] is None  # a reported figure is never changed
    inputs = rows(
        db,
        "SELECT input_figure_id, sign FROM figure_inputs WHERE figure_id = ? ORDER BY sign DESC",
        "examplechat-deu-2024h2-all-requests_received-derived",
    )
    assert inputs == [
        ("examplechat-deu-2024-all-requests_received", 1),
        ("examplechat-deu-2024h1-all-requests_received", -1),
    ]


def test_reported_rows_write_each_value_and_note_as_the_vocabulary_does():
    # reported_rows writes an exact count's text itself and makes each note once per kind, unit
    # and share of no requests: every route gives what value_text and value_note give.
    fields = ["figure_id", "platform_id", "jurisdiction_id", "period_start", "period_end", "request_type_id"]
    fields += ["metric_id", "value_kind", "value", "value_low", "value_high", "source_id"]
    place = ("examplechat", "DEU", "2024-01-01", "2024-12-31", "all")
    figures = [
        ("a", *place, "requests_received", "exact", 0, None, None, "s"),
        ("b", *place, "requests_received", "exact", 1234567, None, None, "s"),
        ("c", *place, "requests_received", "exact", 12.0, None, None, "s"),
        ("d", *place, "requests_received", "band", None, 0, 249, "s"),
        ("e", *place, "requests_received", "less_than", None, None, 30, "s"),
        ("f", *place, "requests_received", "withheld", None, None, None, "s"),
        ("g", *place, "percent_requests_some_data", "exact", 0, None, None, "s"),
        ("h", *place, "percent_requests_some_data", "exact", 81.5, None, None, "s"),
        (
            "i",
            "examplechat",
            "USA",
            "2024-01-01",
            "2024-06-30",
            "all",
            "percent_requests_some_data",
            "exact",
            7,
            None,
            None,
            "s",
        ),
        ("j", *place, "fraction_requests_some_data", "exact", 1, None, None, "s"),
        ("k", *place, "fraction_requests_some_data", "not_reported", None, None, None, "s"),
    ]
    table = table_schema.Table("figures", fields, list(figures), sql_values=True)
    units = {"requests_received": "count", "percent_requests_some_data": "percent"}
    units["fraction_requests_some_data"] = "fraction"
    no_requests = build.places_without_requests(table)
    assert no_requests == {place}
    made = list(build.reported_rows(table, units, [], {"s": "primary"}, no_requests=no_requests))
    columns = build.figure_columns(table)
    for row, made_row in zip(figures, made, strict=True):
        got = dict(zip(columns, made_row, strict=True))
        figure = dict(zip(fields, row, strict=True))
        unit = units[figure["metric_id"]]
        of_none = figure["metric_id"] != "requests_received" and figure["jurisdiction_id"] == "DEU"
        assert got["value_text"] == vocabulary.value_text(figure, unit)
        assert got["value_note"] == (vocabulary.value_note(figure, unit, of_none) or None)
        assert (got["unit"], got["source_tier"], got["is_derived"], got["recency_rank"]) == (unit, "primary", 0, None)
        assert got["period_label"] == derive.period_columns(figure["period_start"], figure["period_end"])[1]
    texts = [dict(zip(columns, r, strict=True))["value_text"] for r in made]
    assert texts[:3] == ["0", "1,234,567", "12"]
    notes = [dict(zip(columns, r, strict=True))["value_note"] for r in made]
    assert notes[6] == vocabulary.SHARE_OF_NO_REQUESTS_NOTE and notes[8] is None


def _schema(conn, table):
    """What SQLite knows of ``table``: its SQL, its indexes (name, unique, origin, columns) and
    its columns' key positions."""
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()
    indexes = [
        (name, unique, origin, [r[2] for r in conn.execute("SELECT * FROM pragma_index_xinfo(?)", [name])])
        for _, name, unique, origin, _ in conn.execute("SELECT * FROM pragma_index_list(?)", [table])
    ]
    keys = [(r[1], r[5]) for r in conn.execute("SELECT * FROM pragma_table_info(?)", [table])]
    return sql, sorted(indexes), keys


FIGURES_RESOURCE = next(r for r in DESCRIPTOR["resources"] if r["name"] == "figures")


def test_a_primary_key_added_after_the_load_is_the_one_declared_with_the_table():
    figures = FIGURES_RESOURCE
    columns = [f["name"] for f in figures["schema"]["fields"]] + list(schema_sql.BUILD_COLUMNS)
    loaded = [
        {**{name: "x" for name in columns}, "figure_id": f"f{n % 7}-{n}", "is_derived": 1, "recency_rank": n}
        for n in range(300)
    ]
    insert = f"INSERT INTO figures ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    declared, later = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    for conn in (declared, later):
        conn.execute("PRAGMA ignore_check_constraints = ON")  # "x" in every column, dates and enums too
    declared.execute(schema_sql.create_table_sql(figures))
    declared.executemany(insert, loaded)
    later.execute(schema_sql.create_table_sql(figures, key=False))
    later.executemany(insert, loaded)
    assert [r for r in later.execute("PRAGMA index_list(figures)")] == []
    db = build.sqlite_utils.Database(later)
    assert build.schema_writable(db)
    build.add_primary_key(db, figures)
    assert _schema(later, "figures") == _schema(declared, "figures")
    assert later.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    # The key is enforced and used, as the declared one is.
    with pytest.raises(sqlite3.IntegrityError, match=r"UNIQUE constraint failed: figures\.figure_id"):
        later.execute(insert, loaded[0])
    plan = later.execute("EXPLAIN QUERY PLAN SELECT * FROM figures WHERE figure_id = 'f1-1'").fetchall()
    assert "sqlite_autoindex_figures_1" in plan[0][3]


def test_a_key_added_after_the_load_refuses_two_rows_with_one_key():
    figures = FIGURES_RESOURCE
    conn = sqlite3.connect(":memory:")
    conn.execute(schema_sql.create_table_sql(figures, key=False))
    conn.execute("PRAGMA ignore_check_constraints = ON")
    columns = [f["name"] for f in figures["schema"]["fields"]] + list(schema_sql.BUILD_COLUMNS)
    conn.executemany(
        f"INSERT INTO figures VALUES ({', '.join('?' for _ in columns)})",
        [tuple(figure_id if c == "figure_id" else "x" for c in columns) for figure_id in ("same", "same")],
    )
    with pytest.raises(sqlite3.IntegrityError, match=r"UNIQUE constraint failed: figures\.figure_id"):
        build.add_primary_key(build.sqlite_utils.Database(conn), figures)


def test_the_build_keys_figures_after_the_load_or_with_the_table(tmp_path, monkeypatch):
    # Where the library refuses to rewrite the schema (a defensive build), the table is created
    # with its key and loaded as before; the database is the same either way.
    later = build.build_database(ROOT / "datapackage.json", tmp_path / "later" / "d.db")
    created = []
    monkeypatch.setattr(build, "schema_writable", lambda db: False)
    original = build.create_table_sql
    monkeypatch.setattr(
        build, "create_table_sql", lambda r, key=True: created.append((r["name"], key)) or original(r, key)
    )
    declared = build.build_database(ROOT / "datapackage.json", tmp_path / "declared" / "d.db")
    assert ("figures", True) in created
    with sqlite3.connect(later) as a, sqlite3.connect(declared) as b:
        assert _schema(a, "figures") == _schema(b, "figures")
        assert a.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert dump(later) == dump(declared)


def test_a_key_the_schema_does_not_take_fails_the_build(monkeypatch):
    # The table's SQL written without its PRIMARY KEY: SQLite finds the key's index an orphan,
    # and the build stops rather than publish figures without their key.
    conn = sqlite3.connect(":memory:")
    conn.execute(schema_sql.create_table_sql(FIGURES_RESOURCE, key=False))
    conn.execute("PRAGMA ignore_check_constraints = ON")
    columns = [f["name"] for f in FIGURES_RESOURCE["schema"]["fields"]] + list(schema_sql.BUILD_COLUMNS)
    conn.execute(f"INSERT INTO figures VALUES ({', '.join('?' for _ in columns)})", ["x"] * len(columns))
    monkeypatch.setattr(
        build, "create_table_sql", lambda resource, key=True: schema_sql.create_table_sql(resource, False)
    )
    with pytest.raises(
        build.BuildFailed, match=r"figures: the primary key added after the load is not its index \(\[\]\)"
    ):
        build.add_primary_key(build.sqlite_utils.Database(conn), FIGURES_RESOURCE)


def test_a_build_after_validate_imports_arrow_without_numpy(tmp_path):
    # The child that counts the figures imports Arrow; numpy, which nothing in the build uses,
    # cost 0.2-0.3 s of its CPU. (A build that validates itself imports it for validation.)
    out = tmp_path / "site"
    run_cli("validate", "--out", out, check=True)
    done = run_cli("build", "--out", out, env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}, check=True)
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert {"pyarrow", "pyarrow.compute", "sqlite_utils"} <= imported
    # Asked for and refused, numpy is listed alone; imported, with its submodules.
    assert not {name for name in imported if name.startswith("numpy.")}
    with sqlite3.connect(out / "disclosures.db") as conn:
        assert conn.execute("SELECT count(*) FROM facet_counts WHERE table_name = 'figures'").fetchone()[0] > 0


def test_an_integer_key_is_created_with_its_table():
    # One integer field is SQLite's rowid (INTEGER PRIMARY KEY), not an index to add later.
    integer = {**FIGURES_RESOURCE, "schema": {**FIGURES_RESOURCE["schema"], "primaryKey": ["recency_rank"]}}
    integer["schema"]["fields"] = [*FIGURES_RESOURCE["schema"]["fields"], {"name": "recency_rank", "type": "integer"}]
    assert build.rowid_key(integer)
    assert not build.rowid_key(FIGURES_RESOURCE)
    two = {**FIGURES_RESOURCE, "schema": {**FIGURES_RESOURCE["schema"], "primaryKey": ["figure_id", "value"]}}
    assert not build.rowid_key(two)
