"""Layer (b): the build under faults: temporary files of a killed build are swept, a terminated
build removes its own, and disk-full or I/O errors are one line, not a traceback."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from disclosures import build, files, paths, site_config, validate
from disclosures.vocabulary import DATABASE_FILE
from tests.conftest import cli_module, run_cli
from tests.packages import make_package


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_only_the_temporary_files_of_dead_processes_are_swept(tmp_path):
    dead = dead_pid()
    stale = [tmp_path / f".disclosures.db.{dead}.tmp", tmp_path / f".disclosures.db.{dead}.tmp-journal"]
    live = tmp_path / f".metadata.json.{os.getpid()}.tmp"
    other = tmp_path / ".keep.tmp"
    for path in [*stale, live, other]:
        path.write_text("x")
    assert files.remove_stale_temporaries(tmp_path) == sorted(stale)
    assert live.exists() and other.exists()


def test_a_build_sweeps_what_a_killed_build_left_even_when_it_is_refused(tmp_path):
    out = tmp_path / "build"
    out.mkdir()
    left = out / f".disclosures.db.{dead_pid()}.tmp"
    left.write_bytes(b"half a database")
    package = make_package(tmp_path / "package", "empty_table")
    with pytest.raises(validate.ValidationFailed):
        build.build_site(package, out)
    assert not left.exists()


def test_disk_full_is_one_line_and_a_hint(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(build, "build_site", full)
    result = CliRunner().invoke(cli_module().cli, ["build", "--out", str(tmp_path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line]
    assert lines == [
        f"build failed, {tmp_path / DATABASE_FILE} left as it was: database or disk is full",
        # A break test's full SQLITE_TMPDIR, with --out roomy: where to free space is said.
        "Free space (the build's folder, or SQLite's temporary one: SQLITE_TMPDIR, TMPDIR or /var/tmp) or fix "
        f"the folder, then rerun: python scripts/cli.py build --out {tmp_path}",
    ]


def test_sqlite_refusing_the_package_is_not_told_to_free_space(tmp_path, monkeypatch):
    # A resource named as one of the build's tables passed validate (fixed since), and the build's
    # "table coverage already exists" came with "Free space or fix the folder".
    def refused(*args, **kwargs):
        raise sqlite3.OperationalError("table coverage already exists")

    monkeypatch.setattr(build, "build_site", refused)
    result = CliRunner().invoke(cli_module().cli, ["build", "--out", str(tmp_path)])
    assert result.exit_code == 1
    reason, hint = [line for line in result.output.splitlines() if line]
    assert reason == f"build failed, {tmp_path / DATABASE_FILE} left as it was: table coverage already exists"
    assert "Free space" not in hint and "passed validation" in hint


def test_sqlite_failing_to_write_is_told_to_free_space_or_fix_the_folder():
    full = sqlite3.OperationalError("database or disk is full")
    assert build.storage_failure(full) and build.storage_failure(PermissionError(13, "Permission denied"))
    with sqlite3.connect(":memory:") as db, pytest.raises(sqlite3.OperationalError) as duplicate:
        db.execute("CREATE TABLE t (a, a)")
    assert not build.storage_failure(duplicate.value)


def test_an_io_error_is_one_line(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(build, "build_site", read_only)
    result = CliRunner().invoke(cli_module().cli, ["build", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0].endswith("left as it was: Permission denied")


def test_a_terminated_build_removes_its_temporary_file_and_keeps_the_database(real_build, tmp_path):
    out = tmp_path / "build"
    out.mkdir()
    (out / DATABASE_FILE).write_bytes((real_build / DATABASE_FILE).read_bytes())
    before = (out / DATABASE_FILE).read_bytes()
    process = subprocess.Popen(
        [sys.executable, str(paths.ROOT / "scripts" / "cli.py"), "build", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Wait until the temporary database exists, then terminate the build mid-way.
    deadline = time.monotonic() + 120
    while not list(out.glob(".*.tmp")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    assert process.returncode != 0
    # No temporary file is left, and no stamp: a build records its validation only once its
    # database has passed its checks, just before it is put in place.
    assert [p.name for p in out.iterdir()] == [DATABASE_FILE]
    assert (out / DATABASE_FILE).read_bytes() == before


def test_the_derivations_process_terminated_alone_is_one_line_and_the_database_kept(real_build, tmp_path):
    # Terminated on its own, the child that derives the figures was a ChildFailed traceback (and,
    # before the child ended on SIGTERM by default, the build's own silent exit 143).
    out = tmp_path / "build"
    out.mkdir()
    (out / DATABASE_FILE).write_bytes((real_build / DATABASE_FILE).read_bytes())
    before = (out / DATABASE_FILE).read_bytes()
    probe = (
        "import os, signal, sys, runpy; from disclosures import build; derivation = build.derivation\n"
        "def terminated(*args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    yield from derivation(*args, **kwargs)\n"
        "build.derivation = terminated\n"
        f"sys.argv = ['cli.py', 'build', '--out', {str(out)!r}]\n"
        f"runpy.run_path({str(paths.ROOT / 'scripts' / 'cli.py')!r}, run_name='__main__')\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], cwd=paths.ROOT, capture_output=True, text=True)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert "the process deriving the figures ended: the child process ended without an answer (killed by SIGTERM)" in (
        run.stderr
    )
    assert [p.name for p in out.iterdir()] == [DATABASE_FILE]
    assert (out / DATABASE_FILE).read_bytes() == before


def test_a_damaged_descriptor_is_refused_in_one_line_and_the_old_database_kept(tmp_path):
    # Without a stamp the build validates first, so a descriptor that is not JSON is a problem
    # named by validation, never a JSONDecodeError from the build.
    (tmp_path / "datapackage.json").write_text('{"name": "x",\n  "resources": [\n  }\n', encoding="utf-8")
    folder = tmp_path / "build"
    folder.mkdir()
    (folder / "disclosures.db").write_bytes(b"previous")
    with pytest.raises(validate.ValidationFailed) as refused:
        build.build_site(tmp_path / "datapackage.json", folder, tmp_path / "releases")
    assert [str(p) for p in refused.value.problems] == [
        "datapackage.json:3:-: cannot be read as JSON: Expecting value (column 3)"
    ]
    assert (folder / "disclosures.db").read_bytes() == b"previous"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\nbad: [unclosed\n", "metadata.yml:3: not valid YAML: expected ',' or ']', but got '<stream end>'"),
        ("a: 1\nb: : 2\n", "metadata.yml:2: not valid YAML: mapping values are not allowed here"),
        ("- a\n- b\n", "metadata.yml:1: must be a YAML mapping, not list"),
    ],
)
def test_a_yaml_file_that_does_not_read_is_named_with_its_line(tmp_path, text, message):
    from disclosures import site_config

    path = tmp_path / "metadata.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(site_config.ConfigDamaged) as raised:
        site_config.read_yaml(path)
    assert str(raised.value).startswith(message)


def test_a_build_with_damaged_yaml_is_one_line_not_a_traceback(tmp_path, monkeypatch):
    # PyYAML's traceback ended in 'in "<unicode string>", line 512': no file name.
    from disclosures import site_config

    broken = tmp_path / "settings.yml"
    broken.write_text("x: [1\n", encoding="utf-8")
    monkeypatch.setattr(build, "build_site", lambda *args, **kwargs: site_config.read_yaml(broken))
    result = CliRunner().invoke(cli_module().cli, ["build", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.splitlines()[0].endswith(
        "left as it was: settings.yml:2: not valid YAML: "
        "expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence begun on line 1)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Datasette refused to start, naming settings.json, a file the curator never wrote.
        (
            "sql_time_limit_ms: 1000\nmax_returned_row: 5000\n",
            "settings.yml:2: max_returned_row is not a Datasette setting (did you mean max_returned_rows?)",
        ),
        # Every table's JSON answered 500 ("can only concatenate str").
        (
            "max_returned_rows: five thousand\n",
            "settings.yml:1: max_returned_rows must be a whole number, not str 'five thousand'",
        ),
        ("allow_download: 1\n", "settings.yml:1: allow_download must be true or false, not int 1"),
        ("max_csv_mb: true\n", "settings.yml:1: max_csv_mb must be a whole number, not bool True"),
        # Every table's JSON answered no rows, every SQL query none, every table's JSON 500.
        (
            "sql_time_limit_ms: 1000\ndefault_page_size: 0\n",
            "settings.yml:2: default_page_size must be at least 1, not 0",
        ),
        ("max_returned_rows: -1\n", "settings.yml:1: max_returned_rows must be at least 1, not -1"),
        ("sql_time_limit_ms: 0\n", "settings.yml:1: sql_time_limit_ms must be at least 1, not 0"),
        ("default_cache_ttl: -5\n", "settings.yml:1: default_cache_ttl must be at least 0, not -5"),
        # Every page's links were written after it: /static/site.css as sitestatic/site.css.
        (
            "base_url: site\n",
            "settings.yml:1: base_url must begin and end with /, not 'site': Datasette writes its links after it "
            "('site' made /static/site.css 'sitestatic/site.css')",
        ),
    ],
)
def test_a_setting_datasette_does_not_have_or_cannot_read_is_named_with_its_line(tmp_path, text, message):
    from disclosures import site_config

    path = tmp_path / "settings.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(site_config.ConfigDamaged) as raised:
        site_config.site_settings(path)
    assert str(raised.value) == message


def test_the_settings_the_build_knows_are_datasettes():
    import datasette.app

    from disclosures import site_config

    assert {s.name: type(s.default) for s in datasette.app.SETTINGS} == site_config.DATASETTE_SETTINGS
    # Each whole-number setting has its least value, and Datasette's default is at least that.
    defaults = {s.name: s.default for s in datasette.app.SETTINGS}
    whole = {name for name, kind in site_config.DATASETTE_SETTINGS.items() if kind is int}
    assert set(site_config.SETTING_MINIMUMS) == whole
    assert all(defaults[name] >= least for name, least in site_config.SETTING_MINIMUMS.items())
    assert site_config.site_settings()  # the repository's own


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # The build stopped with AttributeError ("'list' object has no attribute 'setdefault'").
        (
            ("plugins:\n  platform-disclosures:", "plugins:\n  - platform-disclosures:"),
            "metadata.yml:{line}: plugins must be a mapping, not list",
        ),
        (
            ("    tables:\n      figures:", "    tables: figures\n    x:\n      figures:"),
            "metadata.yml:{line}: databases.disclosures.tables must be a mapping, not str 'figures'",
        ),
        # The home page answered 500 (TypeError).
        (
            (
                "    home_chart_events:\n      telegram-ceo-detained-france: CEO detained in France\n"
                "      telegram-privacy-policy-ip-phone-2024-09: Privacy policy changed\n",
                "    home_chart_events: telegram-ceo-detained-france\n",
            ),
            "metadata.yml:{line}: plugins.platform-disclosures.home_chart_events must be a mapping, not str",
        ),
        (
            (
                "        facets: [platform_id, jurisdiction_id, metric_id",
                "        facets: platform_id\n        x: [platform_id, jurisdiction_id, metric_id",
            ),
            "metadata.yml:{line}: databases.disclosures.tables.figures.facets must be a list, not str 'platform_id'",
        ),
        # Datasette hid the table from every listing: the text "false" is true.
        (
            ("      series_members:\n        hidden: true\n", '      series_members:\n        hidden: "false"\n'),
            "databases.disclosures.tables.series_members.hidden must be true or false, not str 'false'",
        ),
        (
            ("        fts_pk: rowid\n", "        fts_pk: rowid\n        searchmode: fts5\n"),
            "databases.disclosures.tables.figures.searchmode must be 'raw', not str 'fts5'",
        ),
    ],
)
def test_metadata_of_the_wrong_shape_is_named_with_its_line(tmp_path, edit, message):
    check_metadata_edit(tmp_path, edit, message)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # The build stopped with a TypeError in create_index.
        (
            ("        sort: recency_rank\n", "        sort: [recency_rank]\n"),
            "tables.figures.sort must be text, not list",
        ),
        # These built, and the figures page or its search answered 500.
        (
            ("        fts_table: figures_fts\n", "        fts_table: [figures_fts]\n"),
            "tables.figures.fts_table must be text",
        ),
        (
            ("        facet_size: 50\n", "        facet_size: fifty\n"),
            "facet_size must be a whole number or 'max', not str",
        ),
        (
            ("        facets: [platform_id, jurisdiction_id,", "        facets: [[platform_id], jurisdiction_id,"),
            "tables.figures.facets.0 must be text or a mapping, not list",
        ),
        # These built too, and a page answered 500 (sortable_columns: 5 as bare text/plain).
        (
            ("      jurisdictions:\n", "      jurisdictions:\n        sortable_columns: 5\n"),
            "sortable_columns must be a list",
        ),
        (
            ("      jurisdictions:\n", "      jurisdictions:\n        units: 5\n"),
            "tables.jurisdictions.units must be a mapping",
        ),
        (("    queries:\n", "    queries:\n      broken: 5\n"), "queries.broken must be text or a mapping, not int 5"),
    ],
)
def test_metadata_a_table_reads_of_the_wrong_type_is_named_with_its_line(tmp_path, edit, message):
    check_metadata_edit(tmp_path, edit, message)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("      search_everything:\n", "      figures:\n"),
            "queries.figures: a canned query may not be named as a table the build writes: "
            "Datasette would answer /disclosures/figures with the query in the table's place; rename the query",
        ),
        (
            ("      platform_coverage:\n", "      coverage:\n"),
            "queries.coverage: a canned query may not be named as a table",
        ),
        (
            ("      telegram_coverage_matrix:\n", "      telegram_coverage:\n"),
            "queries.telegram_coverage: a canned query may not be named as a view the build writes",
        ),
    ],
)
def test_a_canned_query_named_as_a_table_or_view_is_refused_at_its_line(tmp_path, real_db, edit, message):
    # Datasette answers /disclosures/<name> with a canned query of that name before the table:
    # the table's page, JSON and CSV became the query's, and nothing said so.
    text = paths.SITE_METADATA_SOURCE.read_text(encoding="utf-8")
    assert edit[0] in text
    source = tmp_path / "metadata.yml"
    # The query's defaults (query_defaults, before the queries) follow it to its new name.
    renamed = text.replace(edit[0], edit[1], 1).replace(f"{edit[0][:-2]}: {{", f"{edit[1][:-2]}: {{", 1)
    source.write_text(renamed, encoding="utf-8")
    metadata = site_config.site_metadata(json.loads(paths.PACKAGE.read_text(encoding="utf-8")), source)
    built, _columns = built_schema(real_db)
    problem = site_config.shadowing_query_problem(metadata, built, source)
    line = text[: text.index(edit[0])].count("\n") + 1
    assert str(problem).startswith(f"metadata.yml:{line}: {message}"), problem
    assert site_config.shadowing_query_problem(site_config.read_yaml(paths.SITE_METADATA_SOURCE), built) is None


def test_a_platform_whose_coverage_view_a_canned_query_would_shadow_stops_the_build(tmp_path):
    # The coverage view of a platform with the id "platform" is platform_coverage, the name of a
    # canned query in metadata.yml: the build refuses, and the old site is left as it was.
    package = make_package(tmp_path / "package")
    platforms = package.parent / "data" / "platforms.csv"
    row = platforms.read_text(encoding="utf-8").splitlines()[1]
    assert row.startswith("examplechat,ExampleChat,")
    platforms.write_text(platforms.read_text(encoding="utf-8") + row.replace("examplechat,", "platform,", 1) + "\n")
    with pytest.raises(site_config.ConfigDamaged) as raised:
        build.build_site(package, tmp_path / "site")
    text = paths.SITE_METADATA_SOURCE.read_text(encoding="utf-8")
    line = text[: text.index("      platform_coverage:\n")].count("\n") + 1
    assert str(raised.value).startswith(
        f"metadata.yml:{line}: queries.platform_coverage: a canned query may not be named as a view the build writes"
    )
    assert not (tmp_path / "site" / DATABASE_FILE).exists()
    assert not [p for p in (tmp_path / "site").iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            (
                "platform_id, jurisdiction_id, metric_id, request_type_id",
                "platform_id, jurisdiction, metric_id, request_type_id",
            ),
            "tables.figures.facets: figures has no column jurisdiction (did you mean jurisdiction_id?)",
        ),
        (
            ("        sort: recency_rank\n", "        sort: recency\n"),
            "tables.figures.sort: figures has no column recency",
        ),
        (
            ("        sort_desc: disclosed_date\n", "        sort_desc: disclosure_date\n"),
            "has no column disclosure_date (did you mean disclosed_date?)",
        ),
        (("        label_column: figure_id\n", "        label_column: figure\n"), "tables.figures.label_column:"),
    ],
)
def test_metadata_naming_a_column_its_table_lacks_is_refused_at_its_line(tmp_path, real_db, edit, message):
    # A misspelt facet built a facet of one value, the column's name, counted over every row
    # (SQLite reads the unknown quoted name as a string); a misspelt sort answered the table 400.
    source, line = metadata_edited(tmp_path, *edit)
    metadata = site_config.site_metadata(json.loads(paths.PACKAGE.read_text(encoding="utf-8")), source)
    _built, columns = built_schema(real_db)
    problem = site_config.unknown_column_problem(metadata, columns, source)
    assert str(problem).startswith(f"metadata.yml:{line}: "), problem
    assert message in str(problem)
    assert site_config.unknown_column_problem(site_config.read_yaml(paths.SITE_METADATA_SOURCE), columns) is None


def test_metadata_of_a_table_the_build_does_not_write_is_refused_at_its_line(tmp_path, real_db):
    # Datasette ignores the metadata of a table it does not serve: a misspelt "jurisdiction:"
    # dropped the jurisdictions' facets and label column, and the build passed.
    edit = ("      jurisdictions:\n        label_column: name\n", "      jurisdiction:\n        label_column: name\n")
    source, line = metadata_edited(tmp_path, *edit)
    metadata = site_config.site_metadata(json.loads(paths.PACKAGE.read_text(encoding="utf-8")), source)
    built, _columns = built_schema(real_db)
    assert str(site_config.unknown_table_problem(metadata, built, source)) == (
        f"metadata.yml:{line}: tables.jurisdiction: the build writes no table or view jurisdiction, "
        "so Datasette ignores what is written here (did you mean jurisdictions?)"
    )
    assert site_config.unknown_table_problem(site_config.read_yaml(paths.SITE_METADATA_SOURCE), built) is None


def test_a_full_text_index_the_build_does_not_write_is_refused_at_its_line(tmp_path, real_db):
    # A misspelt fts_table built without complaint, and every search of figures answered 400
    # ("no such table: figure_fts").
    edit = ("        fts_table: figures_fts\n", "        fts_table: figure_fts\n")
    source, line = metadata_edited(tmp_path, *edit)
    metadata = site_config.site_metadata(json.loads(paths.PACKAGE.read_text(encoding="utf-8")), source)
    built, _columns = built_schema(real_db)
    assert str(site_config.unknown_table_problem(metadata, built, source)) == (
        f"metadata.yml:{line}: tables.figures.fts_table: the build writes no table figure_fts (did you mean "
        "figures_fts?): every search of figures (?_search=) would answer 400"
    )


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            ("metric_id, period_start\n      platform_coverage:", "metric_id, period_strat\n      platform_coverage:"),
            "queries.jurisdiction_series: SQLite refuses its SQL: no such column: period_strat",
        ),
        (
            ("order by rank limit 2000) best", "order by rank limit 2000 best"),
            'queries.search_everything: SQLite refuses its SQL: near "best": syntax error',
        ),
        (
            (
                "metric_id, period_start\n      platform_coverage:",
                "metric_id, period_start; select 1\n      platform_coverage:",
            ),
            "queries.jurisdiction_series: SQLite refuses its SQL: You can only execute one statement at a time.",
        ),
    ],
)
def test_a_canned_query_sqlite_cannot_prepare_is_refused_at_its_sql(tmp_path, real_db, edit, message):
    # A misspelt column in a canned query built without complaint, and the query answered every
    # request 400. The real queries use the site's own functions (fts_query, search_mentions),
    # which the build does not have: they pass.
    source, _line = metadata_edited(tmp_path, *edit)
    edited = source.read_text(encoding="utf-8")
    metadata = site_config.site_metadata(json.loads(paths.PACKAGE.read_text(encoding="utf-8")), source)
    query = message.split(":")[0].removeprefix("queries.")
    at = edited.index(f"      {query}:\n")
    line = edited[: edited.index("        sql: |-\n", at)].count("\n") + 1
    assert str(site_config.broken_query_problem(metadata, real_db, source)) == f"metadata.yml:{line}: {message}"
    assert site_config.broken_query_problem(site_config.read_yaml(paths.SITE_METADATA_SOURCE), real_db) is None


def test_a_canned_query_of_a_platforms_coverage_matrix_the_package_lacks_is_no_mistake(base_db):
    # telegram_coverage_matrix reads telegram_coverage, a view the build writes only for a
    # package with telegram: the tiny package has none, and its build must pass.
    with sqlite3.connect(base_db) as conn:
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'telegram_coverage'").fetchone()
    metadata = site_config.read_yaml(paths.SITE_METADATA_SOURCE)
    assert "telegram_coverage" in metadata["databases"]["disclosures"]["queries"]["telegram_coverage_matrix"]["sql"]
    assert site_config.broken_query_problem(metadata, base_db) is None


def test_an_array_facet_on_a_column_of_no_json_arrays_is_refused_at_its_line(tmp_path, real_db):
    # Datasette reads an array facet's column with json_each: over plain text it built without
    # complaint, and every page of the table answered 400 ("malformed JSON").
    text = paths.SITE_METADATA_SOURCE.read_text(encoding="utf-8")
    edit = ("        facets: [kind, tier]\n", "        facets: [kind, {array: tier}]\n")
    arrays = ("      dataset:\n", "      dataset:\n        facets: [{array: licenses}]\n")
    assert edit[0] in text and arrays[0] in text
    source = tmp_path / "metadata.yml"
    descriptor = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))
    with sqlite3.connect(real_db) as conn:
        source.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
        problem = site_config.array_facet_problem(site_config.site_metadata(descriptor, source), conn, source)
        line = text[: text.index(edit[0])].count("\n") + 1
        assert str(problem) == (
            f"metadata.yml:{line}: tables.sources.facets: {{array: tier}}: tier holds 'crowdsourced', not a JSON "
            "array, so Datasette answers every page of sources 400 (malformed JSON); facet it as a column"
        )
        # The dataset's licences are a JSON array: an array facet of them is Datasette's to count.
        source.write_text(text.replace(arrays[0], arrays[1], 1), encoding="utf-8")
        assert site_config.array_facet_problem(site_config.site_metadata(descriptor, source), conn, source) is None


def test_a_misspelt_facet_stops_the_build_and_leaves_no_database(tmp_path, monkeypatch):
    text = paths.SITE_METADATA_SOURCE.read_text(encoding="utf-8")
    source = tmp_path / "metadata.yml"
    source.write_text(
        text.replace(" request_type_id, period_label,", " request_type, period_label,", 1), encoding="utf-8"
    )
    reading = site_config.site_metadata
    monkeypatch.setattr(site_config, "site_metadata", lambda descriptor: reading(descriptor, source))
    with pytest.raises(
        site_config.ConfigDamaged, match="figures has no column request_type .did you mean request_type_id"
    ):
        build.build_site(make_package(tmp_path / "package"), tmp_path / "site")
    assert not (tmp_path / "site" / DATABASE_FILE).exists()
    assert not [p for p in (tmp_path / "site").iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            (
                "        label_column: name\n        facets: [kind]\n",
                "        label_column: name\n        facet: [kind]\n",
            ),
            "tables.jurisdictions.facet: not a key of a table, so Datasette ignores it (did you mean facets?)",
        ),
        (
            ("        sort_desc: disclosed_date\n", "        sort_des: disclosed_date\n"),
            "tables.cases.sort_des: not a key of a table, so Datasette ignores it (did you mean sort_desc?)",
        ),
        (
            ("databases:\n  disclosures:\n", "databases:\n  disclosure:\n"),
            "databases.disclosure: the site serves no database of that name, so Datasette ignores it "
            "(did you mean disclosures?)",
        ),
    ],
)
def test_a_key_datasette_does_not_read_is_refused_at_its_line(tmp_path, edit, message):
    # Datasette ignores a key it does not know: a misspelt "facet:" dropped the table's facets from
    # every page, a misspelt database name every table's facets, sorts and labels, and it built.
    source, line = metadata_edited(tmp_path, *edit)
    with pytest.raises(site_config.ConfigDamaged) as raised:
        site_config.site_metadata(json.loads(paths.PACKAGE.read_text(encoding="utf-8")), source)
    line += edit[0][:-1].count("\n")  # the edit's last line, where the key is
    assert str(raised.value) == f"metadata.yml:{line}: {message}"


@pytest.mark.parametrize(
    "edit, marker, message",
    [
        (
            ("        sort: rank\n", "        sort: rank\n        sort_desc: label\n"),
            "sort_desc: label",
            "tables.source_tiers: sort and sort_desc both given; Datasette answers every page of source_tiers 400 "
            "('Cannot use _sort and _sort_desc at the same time'): keep one",
        ),
        (
            ("facets: [kind, tier]\n", "facets: [kind,\n          {}]\n"),
            "{}]",
            "tables.sources.facets: {} is no facet; a facet is a column's name, or one of column, array, date "
            "naming one: {array: column}",
        ),
        (
            ("facets: [kind, tier]\n", "facets: [kind,\n          {arrays: tier}]\n"),
            "{arrays",
            "tables.sources.facets: {'arrays': 'tier'} is no facet;",
        ),
        (
            ("facets: [kind, tier]\n", "facets: [kind,\n          {array: tier, date: kind}]\n"),
            "{array",
            "tables.sources.facets: {'array': 'tier', 'date': 'kind'} is no facet;",
        ),
        (
            ("facets: [regime, main_series]\n", "facets: [regime, main_series,\n          main_series]\n"),
            "main_series]",
            "tables.freshness_series.facets: main_series is listed twice; Datasette shows it once: keep one",
        ),
        (
            ("facets: [kind, tier]\n", "facets: [kind, tier,\n          {column: kind}]\n"),
            "{column",
            "tables.sources.facets: kind is listed twice;",
        ),
    ],
)
def test_a_sort_or_facet_datasette_cannot_apply_is_refused_at_its_line(tmp_path, edit, marker, message):
    # Each built without complaint: both sorts answered every page of the table 400, a facet {}
    # answered it 500, and a facet of a type Datasette lacks ({arrays: tier}) was left out unsaid.
    # A facet listed twice stopped the build on a UNIQUE constraint, blaming the package.
    source, _line = metadata_edited(tmp_path, *edit)
    edited = source.read_text(encoding="utf-8")
    with pytest.raises(site_config.ConfigDamaged) as raised:
        site_config.site_metadata(json.loads(paths.PACKAGE.read_text(encoding="utf-8")), source)
    line = edited[: edited.index(marker)].count("\n") + 1
    assert str(raised.value).startswith(f"metadata.yml:{line}: {message}"), raised.value


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            ("      compare_platforms: {jurisdiction: USA}\n", "      compare_platform: {jurisdiction: USA}\n"),
            "query_defaults.compare_platform: no canned query is named so (did you mean compare_platforms?)",
        ),
        (
            ("      country_newest: {jurisdiction: USA}\n", "      country_newest: {jurisdction: USA}\n"),
            "query_defaults.country_newest.jurisdction: the query country_newest has no parameter :jurisdction "
            "(did you mean jurisdiction?)",
        ),
        (
            ("      search_everything: {q: fulfilled}\n", "      search_everything: {query: fulfilled}\n"),
            "query_defaults.search_everything.query: the query search_everything has no parameter :query; they are: q",
        ),
    ],
)
def test_a_query_default_naming_no_query_or_parameter_is_refused_at_its_line(tmp_path, edit, message):
    # The forms read query_defaults by the query's and the parameter's name: a misspelt one was
    # ignored, and its form opened on no value, "0 results", with nothing said.
    source, line = metadata_edited(tmp_path, *edit)
    with pytest.raises(site_config.ConfigDamaged) as raised:
        site_config.site_metadata(json.loads(paths.PACKAGE.read_text(encoding="utf-8")), source)
    assert str(raised.value) == f"metadata.yml:{line}: {message}"


def test_a_canned_query_parameter_without_a_default_is_refused_at_the_query(tmp_path):
    # platform_coverage's :platform had no default, in query_defaults or its SQL: its form opened
    # on no value, "0 results", where every other query's opened on an answer.
    text = paths.SITE_METADATA_SOURCE.read_text(encoding="utf-8")
    default = "      platform_coverage: {platform: telegram}\n"
    assert default in text
    source = tmp_path / "metadata.yml"
    source.write_text(text.replace(default, "", 1), encoding="utf-8")
    with pytest.raises(site_config.ConfigDamaged) as raised:
        site_config.site_metadata(json.loads(paths.PACKAGE.read_text(encoding="utf-8")), source)
    line = text.replace(default, "", 1).split("\n").index("      platform_coverage:") + 1
    assert str(raised.value) == (
        f"metadata.yml:{line}: queries.platform_coverage: its parameter :platform has no default, so its form "
        "opens on no value, '0 results': give one in query_defaults (platform_coverage: {platform: ...})"
    )
    # A default in the query's own SQL is one: country_newest's coalesce(nullif(:jurisdiction, ''), 'USA').
    own = "      country_newest: {jurisdiction: USA}\n"
    source.write_text(text.replace(own, "", 1), encoding="utf-8")
    assert site_config.site_metadata(json.loads(paths.PACKAGE.read_text(encoding="utf-8")), source)


def test_metadata_and_settings_datasette_accepts_are_accepted(tmp_path):
    from disclosures import paths, site_config

    text = paths.SITE_METADATA_SOURCE.read_text(encoding="utf-8")
    path = tmp_path / "metadata.yml"
    # A facet Datasette reads as a mapping of its type to a column.
    edited = text.replace("        facet_size: 50\n", "        facet_size: max\n", 1)
    path.write_text(
        edited.replace("facets: [kind, tier]", "facets: [{column: kind}, {date: tier}]", 1), encoding="utf-8"
    )
    descriptor = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))
    assert (
        site_config.site_metadata(descriptor, path)["databases"]["disclosures"]["tables"]["figures"]["facet_size"]
        == "max"
    )
    # A settings.yml of comments alone: Datasette's defaults (it was "must be a YAML mapping, not NoneType").
    settings = tmp_path / "settings.yml"
    settings.write_text("# every setting as Datasette has it\n", encoding="utf-8")
    assert site_config.site_settings(settings) == {}
    # 0 is Datasette's "none" for these: no CSV size limit, no truncation, no cache, no thread pool.
    settings.write_text("max_csv_mb: 0\ntruncate_cells_html: 0\ndefault_cache_ttl: 0\nnum_sql_threads: 0\n")
    assert site_config.site_settings(settings)["max_csv_mb"] == 0


def metadata_edited(tmp_path, old: str, new: str) -> tuple[Path, int]:
    """metadata.yml with its first ``old`` replaced by ``new``, written into ``tmp_path``, and
    the line (1-based) where ``old`` begins."""
    text = paths.SITE_METADATA_SOURCE.read_text(encoding="utf-8")
    assert old in text
    source = tmp_path / "metadata.yml"
    source.write_text(text.replace(old, new, 1), encoding="utf-8")
    return source, text[: text.index(old)].count("\n") + 1


def built_schema(database: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """site_config.built_schema of the database file at ``database``."""
    with sqlite3.connect(database) as conn:
        return site_config.built_schema(conn)


def check_metadata_edit(tmp_path, edit, message):
    from disclosures import paths, site_config

    # "{line}" in ``message`` is the line where the edit begins: the line the problem is told at.
    path, line = metadata_edited(tmp_path, *edit)
    message = message.replace("{line}", str(line))
    descriptor = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))
    with pytest.raises(site_config.ConfigDamaged) as raised:
        site_config.site_metadata(descriptor, path)
    assert str(raised.value).startswith("metadata.yml:") and message in str(raised.value), str(raised.value)


@pytest.mark.parametrize("name", ["SITE_METADATA_SOURCE", "SITE_SETTINGS_SOURCE", "API_EXAMPLES"])
def test_the_fast_yaml_parser_reads_the_site_files_as_pyyaml_does(name):
    """read_yaml parses with libyaml; the documents are PyYAML's own, value for value."""
    import yaml

    text = getattr(paths, name).read_text(encoding="utf-8")
    assert site_config.FAST_LOADER is yaml.CSafeLoader  # the wheel has libyaml: not the fallback
    assert yaml.load(text, Loader=site_config.FAST_LOADER) == yaml.safe_load(text)
    assert site_config.read_yaml(getattr(paths, name), empty_ok=True) == (yaml.safe_load(text) or {})


def test_readme_without_a_built_database_is_one_line_and_a_hint(tmp_path):
    before = paths.README.read_bytes()
    result = CliRunner().invoke(cli_module().cli, ["readme", "--db", str(tmp_path / "disclosures.db")])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{tmp_path / 'disclosures.db'}: no built database to read the README's tables from" in result.output
    assert "make readme" in result.output
    assert not (tmp_path / "disclosures.db").exists()  # nothing created in its place
    assert paths.README.read_bytes() == before


@pytest.mark.parametrize("content", ["text", "empty database"])
def test_readme_over_a_file_that_is_no_built_database_is_one_line_and_a_hint(tmp_path, content):
    db = tmp_path / "disclosures.db"
    if content == "text":
        db.write_text("# not a database\n", encoding="utf-8")
    else:
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE other (a)")
    before = paths.README.read_bytes()
    result = CliRunner().invoke(cli_module().cli, ["readme", "--db", str(db), "--check"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"{db}: not a database this project built" in result.output
    assert "make readme" in result.output
    assert paths.README.read_bytes() == before


@pytest.mark.parametrize("under", [False, True])
def test_build_out_naming_a_file_is_refused_before_validating(tmp_path, monkeypatch, under):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me\n", encoding="utf-8")
    out = blocker / "site" if under else blocker

    def never(*args, **kwargs):
        raise AssertionError("validated and built although --out cannot be a folder")

    monkeypatch.setattr(build, "build_site", never)
    result = CliRunner().invoke(cli_module().cli, ["build", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{out}: cannot be the build's folder: {blocker} is a file" in result.output
    assert "give --out a folder" in result.output
    assert "Free space" not in result.output and "make build" not in result.output
    assert blocker.read_text(encoding="utf-8") == "keep me\n"


def test_a_failed_build_into_another_folder_says_to_rerun_with_that_folder(tmp_path, monkeypatch):
    def refused(package, out, **options):
        raise build.BuildFailed("the round trip differs")

    monkeypatch.setattr(build, "build_site", refused)
    out = tmp_path / "site"
    result = CliRunner().invoke(cli_module().cli, ["build", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert f"Fix it, then rerun: python scripts/cli.py build --out {out}" in result.output
    assert "make build" not in result.output  # make build builds build/, not this folder


@pytest.mark.parametrize("content", [None, "text", "empty database"])
def test_bench_serving_over_a_folder_without_a_build_is_one_line_and_a_hint(tmp_path, content):
    site = tmp_path / "site"
    site.mkdir()
    db = site / DATABASE_FILE
    if content == "text":
        db.write_text("not a database\n", encoding="utf-8")
    elif content == "empty database":
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE other (a)")
    result = CliRunner().invoke(cli_module().cli, ["bench-serving", str(site)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{db}: not a database this project built" in result.output
    assert f"python scripts/cli.py build --out {site}" in result.output
    assert (content is None) == (not db.exists())  # nothing created in its place


@pytest.mark.parametrize("figures", ["5", "1000000000000"])
def test_bench_refuses_a_synthetic_size_it_cannot_make_before_measuring_anything(monkeypatch, figures):
    from disclosures import bench, synthetic

    def never(*args, **kwargs):
        raise AssertionError("measured although --figures cannot be made")

    monkeypatch.setattr(bench, "pipeline_comparison", never)
    fewest, most = synthetic.sizes()
    result = CliRunner().invoke(cli_module().cli, ["bench", "--figures", figures, "--pipelines-only"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"--figures {figures}: a synthetic package holds more than the {fewest:,} real figures" in result.output
    assert f"from {fewest + 1} to {most}" in result.output


@pytest.mark.parametrize(("verb", "option"), [("bench", "--figures=-5"), ("reliability", "--flood-seconds=0")])
def test_a_benchmark_size_below_its_range_is_a_usage_error(verb, option):
    result = CliRunner().invoke(cli_module().cli, [verb, option])
    assert result.exit_code == 2, result.output
    assert "Invalid value for" in result.output


@pytest.mark.parametrize("port", ["99999", "0", "-1"])
def test_serve_refuses_a_port_no_server_can_listen_on_before_saying_it_serves(port):
    # It printed "Serving on http://127.0.0.1:99999/" and then handed the number to datasette,
    # whose own usage error followed.
    run = run_cli("serve", "--port", port, timeout=60)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Serving on" not in run.stdout
    assert "Invalid value for '--port'" in run.stderr and "1<=x<=65535" in run.stderr


@pytest.mark.parametrize("port", ["99999", "0"])
def test_prod_start_refuses_a_port_nginx_cannot_listen_on_before_starting_anything(tmp_path, monkeypatch, port):
    from disclosures import prod

    def never(*args, **kwargs):
        raise AssertionError("started although --port is no port")

    monkeypatch.setattr(prod, "start", never)
    result = CliRunner().invoke(cli_module().cli, ["prod", "start", "--run", str(tmp_path / "run"), "--port", port])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--port'" in result.output and "1<=x<=65535" in result.output


@pytest.mark.parametrize("reader", ["proved_descriptor", "check_package"])
def test_a_build_that_validates_refuses_a_file_changed_after_its_key_was_taken(tmp_path, monkeypatch, reader):
    # The key is taken before anything is read; a file saved between it and the build's own
    # validation was validated (and would be built) in other bytes than those the key, and the
    # stamp the build records from it, name. A break test showed a later build trusting that
    # stamp for the first bytes, which validation refuses, and publishing them. Validated by
    # Arrow (proved_descriptor), or by check_package where Arrow cannot decide.
    package = make_package(tmp_path / "package")
    events = package.parent / "data" / "events.csv"
    if reader == "check_package":
        monkeypatch.setattr(build, "_proved_tables", lambda package_path, key: None)
    validation = getattr(validate, reader)

    def saved_meanwhile(*args, **kwargs):
        events.write_bytes(events.read_bytes().replace(b"Policy change", b"Policy changed", 1))
        return validation(*args, **kwargs)

    monkeypatch.setattr(validate, reader, saved_meanwhile)
    site = tmp_path / "site"
    with pytest.raises(build.BuildFailed, match="a file of the package changed while it was validated"):
        build.build_site(package, site)
    assert not (site / DATABASE_FILE).exists()
    assert not (site / "validated.json").exists()
    # Unchanged while validated, the same build passes, and records its stamp when Arrow proved
    # the package: check_package cannot say which bytes it parsed (a file put back since would
    # match the key again), so its decision vouches for nothing and the next build validates.
    monkeypatch.setattr(validate, reader, validation)
    build.build_site(package, site)
    assert (site / DATABASE_FILE).exists()
    assert (site / "validated.json").exists() is (reader == "proved_descriptor")


def test_a_fifo_in_place_of_the_stamp_or_its_rows_is_read_as_no_stamp(tmp_path):
    # Opened for reading, a FIFO waits for a writer: a build that found one named
    # validated-rows.marshal (or validated.json) in its folder hung, at 0% CPU, for ever.
    # In a child process with a deadline, so a hang fails this test rather than the suite.
    package = make_package(tmp_path / "package")
    site = tmp_path / "site"
    site.mkdir()
    for name in ("validated-rows.marshal", "validated.json"):
        os.mkfifo(site / name)
    run = subprocess.run(
        [
            sys.executable,
            str(paths.ROOT / "scripts" / "cli.py"),
            "build",
            "--package",
            str(package),
            "--out",
            str(site),
        ],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert (site / DATABASE_FILE).is_file() and (site / "validated.json").is_file()


@pytest.mark.parametrize("command", ["validate", "build"])
@pytest.mark.parametrize("where", ["datapackage.json", "data/sources.csv", "releases/1.0.0/changelog.csv"])
def test_a_fifo_in_place_of_a_package_file_is_named_rather_than_waited_for(tmp_path, command, where):
    # Opened for reading, a FIFO waits for a writer: validate and build hung, at 0% CPU, on one
    # in place of a data file or the descriptor (only the build folder's own files were
    # guarded). In a child process with a deadline, so that a hang fails this test.
    package = make_package(tmp_path / "package")
    fifo = package.parent / where
    fifo.parent.mkdir(parents=True, exist_ok=True)
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)
    site = tmp_path / "site"
    arguments = (
        [str(package), "--out", str(site)] if command == "validate" else ["--package", str(package), "--out", str(site)]
    )
    run = subprocess.run(
        [sys.executable, str(paths.ROOT / "scripts" / "cli.py"), command, *arguments],
        cwd=package.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"{where}:-:-: cannot be read: a FIFO, not a file; put the file back" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (site / DATABASE_FILE).exists()
    assert not (site / "validated.json").exists()


def test_the_library_names_a_fifo_too(tmp_path):
    package = make_package(tmp_path / "package")
    os.mkfifo(package.parent / "data" / "events.csv.part")  # not a resource's: not asked about
    (package.parent / "data" / "sources.csv").unlink()
    os.mkfifo(package.parent / "data" / "sources.csv")
    link = package.parent / "data" / "linked.csv"
    link.symlink_to(package.parent / "data" / "sources.csv")
    assert files.special_file_kind(link) == "a FIFO"  # links are followed
    assert files.special_file_kind(package) is None
    assert files.special_file_kind(package.parent) is None  # a folder: its readers say so
    assert files.special_file_kind(tmp_path / "missing") is None
    assert files.special_file_kind(Path("/dev/null")) == "a character device"
    assert [str(p) for p in validate.validate_package(package)] == [
        "data/sources.csv:-:-: cannot be read: a FIFO, not a file; put the file back"
    ]
    with pytest.raises(validate.ValidationFailed) as refused:
        build.build_site(package, tmp_path / "site")
    assert [str(p) for p in refused.value.problems] == [
        "data/sources.csv:-:-: cannot be read: a FIFO, not a file; put the file back"
    ]
    assert not (tmp_path / "site" / DATABASE_FILE).exists()


def test_open_regular_refuses_anything_but_a_regular_file_without_waiting(tmp_path):
    path = tmp_path / "file"
    path.write_bytes(b"rows")
    with files.open_regular(path) as handle:
        assert handle.read() == b"rows"
    with pytest.raises(IsADirectoryError):
        files.open_regular(tmp_path)
    os.mkfifo(tmp_path / "fifo")
    started = time.monotonic()
    with pytest.raises(IsADirectoryError, match="not a regular file"):
        files.open_regular(tmp_path / "fifo")
    assert time.monotonic() - started < 5
    with pytest.raises(FileNotFoundError):
        files.open_regular(tmp_path / "missing")


@pytest.mark.parametrize(
    "obstacle,told",
    [
        ("validated-rows.marshal", "Is a directory"),
        ("metadata.json", "not a file, so it cannot be replaced"),
        ("inspect-data.json", "not a file, so it cannot be replaced"),
    ],
)
def test_a_file_the_build_cannot_write_fails_it_with_the_old_site_in_place(tmp_path, obstacle, told):
    # A folder where the build writes a file: the error said the database was left as it was,
    # after the new one had replaced it (the stamp was written after the move), and the files
    # written one at a time before the one in the way were new (inspect-data.json counting a
    # database never put in place). The validation's own record may be new: it was validated.
    site = tmp_path / "site"
    package = make_package(tmp_path / "package")
    build.build_site(package, site)
    events = package.parent / "data" / "events.csv"
    events.write_bytes(events.read_bytes().replace(b"Policy change", b"Policy changed", 1))
    (site / "validated.json").unlink()
    (site / obstacle).unlink(missing_ok=True)
    (site / obstacle).mkdir()
    before = {p.name: p.read_bytes() for p in site.iterdir() if p.is_file()}
    run = run_cli("build", "--package", package, "--out", site)
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"build failed, {site / DATABASE_FILE} left as it was: {site / obstacle}: {told}" in run.stderr
    after = {p.name: p.read_bytes() for p in site.iterdir() if p.is_file() and p.name != "validated.json"}
    assert after == before
    assert not list(site.glob(".*.tmp"))


def test_a_descriptor_saved_after_validation_is_not_built_from(tmp_path, monkeypatch):
    # A break test: the descriptor replaced just after validation (with a homepage validation
    # refuses), then put back before the stamp. The build read it again, so metadata.json and
    # the build's copy of datapackage.json held bytes nobody validated, under a valid stamp.
    package = make_package(tmp_path / "package")
    original = package.read_bytes()
    validated = build.typed_tables

    def saved_after_validation(*args, **kwargs):
        tables = validated(*args, **kwargs)
        package.write_bytes(original.replace(b'"resources"', b'"homepage": "http://localhost/", "resources"', 1))
        return tables

    monkeypatch.setattr(build, "typed_tables", saved_after_validation)
    site = tmp_path / "site"
    with pytest.raises(build.BuildFailed, match="a file of the package changed while it was validated"):
        build.build_site(package, site)
    assert not site.exists() or not any(site.iterdir())
    # Unchanged, it builds, and its copy is the descriptor validated.
    package.write_bytes(original)
    monkeypatch.setattr(build, "typed_tables", validated)
    build.build_site(package, site)
    assert (site / "datapackage.json").read_bytes() == original


@pytest.mark.parametrize("refused_at", [0, 1, 2])
def test_a_rename_refused_part_way_puts_back_the_files_already_replaced(tmp_path, monkeypatch, refused_at):
    # A rename refused for an immutable file (chattr +i), not for a folder, which is refused
    # before anything is written: the files renamed before it stayed new beside old ones.
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "a.json").write_bytes(b"old a")
    (folder / "b.json").write_bytes(b"old b")
    (folder / "link.json").symlink_to(folder / "b.json")
    contents = {folder / "a.json": b"new a", folder / "new.json": b"new", folder / "b.json": b"new b"}
    moved = []
    original = files.move_into_place

    def refusing(source, target):
        if len(moved) == refused_at:
            raise PermissionError(1, "Operation not permitted", str(source), None, str(target))
        moved.append(target)
        original(source, target)

    monkeypatch.setattr(files, "move_into_place", refusing)
    with pytest.raises(PermissionError):
        files.replace_files(contents)
    assert sorted(p.name for p in folder.iterdir()) == ["a.json", "b.json", "link.json"]
    assert (folder / "a.json").read_bytes() == b"old a"
    assert (folder / "b.json").read_bytes() == b"old b"
    assert (folder / "link.json").is_symlink()
    # Unrefused, all are replaced, and nothing is left beside them.
    monkeypatch.setattr(files, "move_into_place", original)
    files.replace_files(contents)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == {
        "a.json": b"new a",
        "b.json": b"new b",
        "link.json": b"new b",
        "new.json": b"new",
    }


def finishes(work, seconds=10):
    """``work()``'s result, or its exception, from a thread given ``seconds`` to end: a reader
    that waits for a FIFO's writer fails the test instead of hanging the suite."""
    import threading

    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except BaseException as error:  # handed back to the test
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "waited for a FIFO's writer"
    return outcome


def test_a_fifo_made_after_the_first_look_is_named_not_waited_for(tmp_path, monkeypatch):
    # A break test swapped a FIFO in for data/events.csv 0.2 s into validate, after the check:
    # Arrow's reader waited for a writer for ever, and a SIGTERM another thread took did not end it.
    from disclosures import arrow_validate

    package = make_package(tmp_path / "package")
    events = package.parent / "data" / "events.csv"
    events.unlink()
    os.mkfifo(events)
    outcome = finishes(lambda: arrow_validate.read_strings(events, ["event_id"]))
    assert isinstance(outcome.get("error"), arrow_validate.Undecided)
    outcome = finishes(lambda: arrow_validate.read_strings(events, ["event_id"], digests={}))
    assert isinstance(outcome.get("error"), arrow_validate.Undecided)
    assert "error" in finishes(lambda: files.sha256_file(events))
    # The first look missed it: Arrow's reader refuses it, and the second look names it before
    # check_package's readers could wait for it.
    looks = []
    real = validate.special_file_problems

    def late(package_path, base):
        looks.append(package_path)
        return [] if len(looks) == 1 else real(package_path, base)

    monkeypatch.setattr(validate, "special_file_problems", late)
    outcome = finishes(lambda: validate.validate_package(package))
    assert [str(p) for p in outcome["result"]] == [
        "data/events.csv:-:-: cannot be read: a FIFO, not a file; put the file back"
    ]
    looks.clear()
    outcome = finishes(lambda: build.build_site(package, tmp_path / "site"))
    assert [str(p) for p in outcome["error"].problems] == [
        "data/events.csv:-:-: cannot be read: a FIFO, not a file; put the file back"
    ]


@pytest.mark.parametrize("name", ["metadata.yml", "settings.yml", "api_examples.yml"])
def test_a_fifo_in_place_of_a_site_file_is_named_not_waited_for(tmp_path, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    outcome = finishes(lambda: site_config.read_yaml(fifo))
    assert isinstance(outcome.get("error"), site_config.ConfigDamaged)
    assert str(outcome["error"]) == f"{name}: cannot be read: a FIFO, not a file; put the file back"


def test_a_fifo_named_sha256sums_makes_no_release_package(tmp_path):
    from disclosures import release_records

    package = make_package(tmp_path / "package")
    os.mkfifo(package.parent / "SHA256SUMS")
    assert finishes(lambda: release_records.is_release_package(package)) == {"result": False}
