"""The reliability suite behind ``make reliability``: hostile requests, bad data edits, faults and a
flood, each against a copy (never build/ or data/ themselves), on loopback only, bounded in time.

``run_suite(workdir)`` returns a ``Report`` (its ``rows`` are the figures table the README
publishes, its ``failures`` what missed a target). Nothing is printed; ``scripts/cli.py
reliability`` prints. The stock ``datasette`` from ``.venv-site`` serves each copy, so the guards
under test are exactly the plugins the site runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from . import build, release_records, validate
from .paths import BUILD, PACKAGE, ROOT
from .site import DATASETTE, datasette_arguments
from .vocabulary import DATABASE_FILE

FIXTURES = ROOT / "tests" / "fixtures"
# The site's SQL time limit (settings.yml) plus the half second the issue allows.
SLOW_AFTER_S = 1.5
CANARY_P95_TARGET_S = 0.5
RECOVERY_TARGET_S = 2.0
PEAK_MEMORY_TARGET = 1024**3
FLOOD_SECONDS = 15
FLOOD_CLIENTS = 32
REQUEST_TIMEOUT_S = 30


# Results ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the figures table: what was measured, its value and the target it must meet."""

    figure: str
    value: str
    target: str
    ok: bool


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, figure: str, value, target: str, ok: bool) -> None:
        self.rows.append(Row(figure, str(value), target, ok))

    def markdown(self) -> str:
        lines = ["| figure | value | target | met |", "|---|---|---|---|"]
        lines += [f"| {r.figure} | {r.value} | {r.target} | {'yes' if r.ok else 'NO'} |" for r in self.rows]
        return "\n".join(lines) + "\n"


# A server over a copy of the build -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Answer:
    status: int
    seconds: float
    body: bytes
    headers: dict


def request(
    port: int,
    path: str,
    headers: dict | None = None,
    method: str = "GET",
    timeout=REQUEST_TIMEOUT_S,
    source: str | None = None,
) -> Answer:
    """One HTTP request to 127.0.0.1:port, from the loopback address ``source`` when given (any
    127.x.y.z is loopback on Linux, so each client can be its own address); status 0 when the
    connection failed."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        conn.putrequest(method, path, skip_host=bool(headers and "Host" in headers), skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        return Answer(
            response.status, time.perf_counter() - started, body, {k.lower(): v for k, v in response.getheaders()}
        )
    except (OSError, http.client.HTTPException):
        return Answer(0, time.perf_counter() - started, b"", {})
    finally:
        conn.close()


class Server:
    """The stock ``datasette serve`` over ``build_dir`` on a free loopback port."""

    def __init__(self, build_dir: Path):
        self.build_dir = Path(build_dir)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self, wait: bool = True) -> Server:
        command = [str(DATASETTE), "serve", *datasette_arguments(self.build_dir), "--port", str(self.port)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
        if wait:
            deadline = time.monotonic() + 60
            while request(self.port, "/-/versions.json", timeout=2).status != 200:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start: " + self.stop_and_read())
                time.sleep(0.2)
        return self

    def peak_memory(self) -> int:
        """The process's peak resident memory (VmHWM), in bytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return 0

    def stop_and_read(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.stderr.read().decode("utf-8", "replace")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop_and_read()


def copy_build(target: Path, source: Path = BUILD) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".*"))
    return target


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# Hostile requests -----------------------------------------------------------------------------


def q(path: str, **params) -> str:
    return path + ("?" + urlencode(params) if params else "")


def sql(statement: str, **params) -> str:
    return q("/disclosures.json", sql=statement, **params)


def no_body_contains(text: bytes) -> Callable[[Answer], bool]:
    return lambda answer: text not in answer.body and text not in json.dumps(answer.headers).encode()


def answered(*statuses: int) -> Callable[[Answer], bool]:
    return lambda answer: answer.status in statuses


def not_redirected_away(answer: Answer) -> bool:
    location = answer.headers.get("location", "")
    return not location or (location.startswith("/") and not location.startswith(("//", "/\\")))


# (kind, [paths], optional check of each answer, optional headers)
HOSTILE: list[tuple[str, list[str], Callable[[Answer], bool] | None, dict | None]] = [
    (
        "printf width in the SQL text",
        [sql("select printf('%.*c', 999999999, 'x')"), sql("select printf('%999999999d', 1)")],
        None,
        None,
    ),
    ("format() width", [sql("select format('%.*c', 99999999, 'x')")], None, None),
    ("printf width built at run time", [sql("select printf('%' || '99999999' || 'd', 1)")], None, None),
    ("zeroblob of a gigabyte", [sql("select zeroblob(900000000)")], None, None),
    ("randomblob of half a gigabyte", [sql("select length(randomblob(500000000))")], None, None),
    (
        "zeroblob on every row (memory)",
        [
            sql("select zeroblob(199999+rowid%2) as b from figures limit 300"),
            sql("select zeroblob(199999) as b from figures"),
        ],
        None,
        None,
    ),
    (
        "NUL text on every row (JSON escapes)",
        [sql("select cast(zeroblob(150000) as text) as t from figures limit 1000")],
        None,
        None,
    ),
    (
        "trim() with a huge character set",
        [
            sql("select trim('aaa', hex(zeroblob(100000)))"),
            sql("select trim(quote, substr(hex(zeroblob(99999)), 1, 199998)) from figures"),
        ],
        None,
        None,
    ),
    (
        "ltrim()/rtrim() with a huge set",
        [
            sql("select ltrim(quote, hex(zeroblob(90000))) from figures"),
            sql("select rtrim(quote, hex(zeroblob(90000))) from figures"),
        ],
        None,
        None,
    ),
    (
        "replace() amplification",
        [
            sql("select replace(hex(zeroblob(150000)), '0', '00')"),
            sql("select replace(quote, ' ', hex(zeroblob(5000))) from figures"),
        ],
        None,
        None,
    ),
    (
        "instr() with long needle",
        [sql("select instr(hex(zeroblob(99999)), hex(zeroblob(50000)) || '1') from figures")],
        None,
        None,
    ),
    (
        "LIKE with a long pattern",
        [sql("select count(*) from figures where quote like '%' || hex(zeroblob(5000)) || '%'")],
        None,
        None,
    ),
    (
        "LIKE/GLOB with many wildcards",
        [
            sql("select count(*) from figures a, figures b where a.quote like '%a%a%a%a%a%a%a%a%a%a%a%a%b'"),
            sql("select count(*) from figures where quote glob '*a*a*a*a*a*a*a*a*a*a*b'"),
        ],
        None,
        None,
    ),
    (
        "cross join",
        [sql("select count(*) from figures a, figures b"), sql("select count(*) from figures a, figures b, figures c")],
        None,
        None,
    ),
    (
        "endless recursive CTE",
        [sql("with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c")],
        None,
        None,
    ),
    (
        "recursive string doubling",
        [sql("with recursive c(x) as (select 'a' union all select x || x from c) select length(x) from c")],
        None,
        None,
    ),
    ("group_concat over a cross join", [sql("select group_concat(quote) from figures a, figures b")], None, None),
    (
        "json_group_array over a cross join",
        [sql("select json_group_array(quote) from figures a, figures b")],
        None,
        None,
    ),
    ("sort of a cross join", [sql("select a.quote from figures a, figures b order by random() limit 1")], None, None),
    ("load_extension()", [sql("select load_extension('/lib/x86_64-linux-gnu/libc.so.6')")], None, None),
    ("fts3_tokenizer() pointer leak", [sql("select hex(fts3_tokenizer('simple'))")], None, None),
    ("ATTACH a file", [sql("attach database '/etc/passwd' as x")], None, None),
    ("writing pragmas", [sql("pragma writable_schema = 1"), sql("pragma query_only = 0")], None, None),
    (
        "server paths through pragmas",
        [sql("select * from pragma_database_list"), sql("select file from pragma_database_list")],
        no_body_contains(b"/work/"),
        None,
    ),
    ("dbstat pages", [sql("select * from dbstat")], None, None),
    ("two statements", [sql("select 1; select 2"), sql("select 1; attach database ':memory:' as m")], None, None),
    ("SQL over the length limit", [sql("select 1" + " " * 60_000)], None, None),
    ("deep expression", [sql("select " + "(" * 2000 + "1" + ")" * 2000)], None, None),
    ("many compound selects", [sql(" union ".join(f"select {i}" for i in range(600)))], None, None),
    ("thousands of columns", [sql("select " + ", ".join("1" for _ in range(2000)))], None, None),
    (
        "a function with hundreds of arguments",
        [sql("select char(" + ", ".join("65" for _ in range(300)) + ")")],
        None,
        None,
    ),
    (
        "_where with an unlisted function",
        [
            q("/disclosures/figures.json", _where="sqlite_version() is not null"),
            q("/disclosures/figures.json", _where="load_extension('x')"),
        ],
        None,
        None,
    ),
    (
        "_where injection",
        [
            q("/disclosures/figures.json", _where="1) union select * from sources --"),
            q("/disclosures/figures.json", _where="rowid in (select a.rowid from figures a, figures b)"),
        ],
        None,
        None,
    ),
    (
        "_where with a trim bomb",
        [q("/disclosures/figures.json", _where="trim(quote, hex(zeroblob(90000))) != ''")],
        None,
        None,
    ),
    (
        "the same facet ten times",
        [q("/disclosures/figures.json?" + "&".join(["_facet=quote"] * 10) + "&_facet_size=max")],
        None,
        None,
    ),
    (
        "many distinct facets",
        [
            q(
                "/disclosures/figures.json?"
                + "&".join(
                    f"_facet={c}" for c in ("quote", "notes", "source_id", "year", "value", "metric_id", "platform_id")
                )
            )
        ],
        None,
        None,
    ),
    (
        "array and date facets on text",
        [q("/disclosures/figures.json", _facet_array="quote"), q("/disclosures/figures.json", _facet_date="quote")],
        None,
        None,
    ),
    ("huge facet size", [q("/disclosures/figures.json", _facet="quote", _facet_size="999999999")], None, None),
    (
        "huge page size",
        [
            q("/disclosures/figures.json", _size="999999999"),
            q("/disclosures/figures.json", _size="max", _facet="quote"),
        ],
        None,
        None,
    ),
    (
        "malformed _timelimit",
        [
            q("/disclosures/figures.json", _timelimit="abc"),
            q("/disclosures/figures.json", _timelimit="-1"),
            q("/disclosures/figures.json", _timelimit="1e9"),
        ],
        None,
        None,
    ),
    ("huge _timelimit", [sql("select count(*) from figures a, figures b", _timelimit="999999")], None, None),
    (
        "unknown sort column",
        [q("/disclosures/figures.json", _sort="nope"), q("/disclosures/figures.json", _sort_desc="quote) --")],
        None,
        None,
    ),
    (
        "malformed _next",
        [q("/disclosures/figures.json", _next="zzz"), q("/disclosures/figures.json", _next="~~~,~~")],
        None,
        None,
    ),
    (
        "FTS syntax errors in _search",
        [
            q("/disclosures/figures.json", _search='" AND OR NOT ('),
            q("/disclosures/figures.json", _search="NEAR(" * 50),
        ],
        None,
        None,
    ),
    ("very long _search", [q("/disclosures/figures.json", _search="telegram " * 3000)], None, None),
    (
        "path traversal",
        ["/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd", "/-/static/..%2f..%2fetc%2fpasswd"],
        no_body_contains(b"root:x:"),
        None,
    ),
    (
        "open redirect with a backslash",
        ["/\\evil.example/", "/%5Cevil.example/", "/\\\\evil.example/"],
        not_redirected_away,
        None,
    ),
    ("open redirect with //", ["//evil.example/", "///evil.example/"], not_redirected_away, None),
    (
        "foreign Host header",
        ["/disclosures/figures.json", "/disclosures/figures.json?_size=1"],
        no_body_contains(b"evil.example"),
        {"Host": "evil.example"},
    ),
    (
        "hidden introspection",
        ["/-/databases.json", "/-/threads.json", "/-/databases", "/-/threads"],
        no_body_contains(b"/work/"),
        None,
    ),
    (
        "debugging and sign-in pages",
        [
            "/-/actor.json",
            "/-/permissions",
            q("/-/allow-debug", actor='{"id": "root"}', allow='{"id": "*"}'),
            ("POST", "/-/messages"),
            q("/-/auth-token", token="x"),
            ("POST", "/-/logout"),
            "/-/patterns",
        ],
        # Closed (plugins/guards.py); a POST, as to any page of this read-only site, is a 405.
        answered(404, 405),
        None,
    ),
    ("huge query string", [q("/disclosures/figures.json", junk="x" * 60_000)], None, None),
    ("unknown database and table", ["/nope.json", "/disclosures/nope.json", "/disclosures/nope/1.json"], None, None),
    (
        "markup in a figure id",
        ["/figure/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/figure/" + "a" * 5000],
        no_body_contains(b"<script>alert(1)"),
        None,
    ),
    (
        "CSV of a hostile query",
        [
            q("/disclosures.csv", sql="select zeroblob(199999) as b from figures", _stream="on"),
            q("/disclosures.csv", sql="select count(*) from figures a, figures b"),
        ],
        None,
        None,
    ),
    (
        "odd row keys",
        ["/disclosures/figures/%00.json", "/disclosures/figures/~00~FF.json", "/disclosures/figures/" + "~" * 3000],
        None,
        None,
    ),
    (
        "canned query with injection",
        [
            q("/disclosures/compare_platforms.json", jurisdiction="' or 1=1 --"),
            q("/disclosures/compare_platforms.json", jurisdiction="x" * 10_000),
        ],
        None,
        None,
    ),
    (
        "invalid _shape and _json",
        [q("/disclosures/figures.json", _shape="nope"), q("/disclosures/figures.json", _json="nope", _shape="objects")],
        None,
        None,
    ),
    (
        "unknown columns",
        [
            q("/disclosures/figures.json", _col="nope"),
            q("/disclosures/figures.json", _nocol="figure_id"),
            q("/disclosures/figures.json", **{"nope__exact": "1"}),
        ],
        None,
        None,
    ),
    (
        "filters with hostile operators",
        [
            q("/disclosures/figures.json", **{"quote__contains": "x" * 10_000}),
            q("/disclosures/figures.json", **{"value__gt": "1e999"}),
            q("/disclosures/figures.json", **{"quote__in": ",".join(["x"] * 5000)}),
        ],
        None,
        None,
    ),
    ("undecodable bytes in the path", ["/disclosures/%ff%fe.json", "/figure/%c0%af"], None, None),
    (
        "methods other than GET",
        [("POST", "/disclosures.json?sql=select+1"), ("DELETE", "/disclosures/figures.json"), ("PUT", "/")],
        None,
        None,
    ),
    ("oversized headers", ["/"], None, {"Cookie": "a=" + "x" * 7000, "X-Junk": "y" * 7000}),
]


def run_hostile(port: int, report: Report) -> tuple[int, int, int, float]:
    """Send every hostile case once; return (kinds, cases, bad answers, slowest seconds)."""
    bad = 0
    slowest = 0.0
    cases = 0
    for kind, paths, check, headers in HOSTILE:
        for path in paths:
            method, path = path if isinstance(path, tuple) else ("GET", path)
            cases += 1
            answer = request(port, path, headers=headers, method=method)
            slowest = max(slowest, answer.seconds)
            problems = []
            if answer.status == 0 or answer.status >= 500:
                problems.append(f"status {answer.status}")
            if answer.seconds > SLOW_AFTER_S:
                problems.append(f"{answer.seconds:.2f} s")
            if check is not None and not check(answer):
                problems.append("unsafe answer")
            if problems:
                bad += 1
                report.failures.append(f"hostile: {kind}: {path[:100]}: {', '.join(problems)}")
    return len(HOSTILE), cases, bad, slowest


# Bad data edits -------------------------------------------------------------------------------


def fixture_edits() -> list[tuple[str, list[dict]]]:
    """The broken fixtures of tests/fixtures/ (those that expect a refusal), as edits."""
    found = []
    for folder in sorted(FIXTURES.iterdir()):
        edits = folder / "edits.json"
        refused = [folder / "expected.txt", folder / "expected_build.txt"]
        if edits.exists() and any(p.exists() and p.read_text(encoding="utf-8").strip() for p in refused):
            found.append((folder.name, json.loads(edits.read_text(encoding="utf-8"))))
    return found


SOURCE_ROW = "example-2025-01-10-report,ExampleChat transparency report,ExampleChat,https://example.org/report"
QUOTE = "Fulfilled requests: 900 ¶ Affected users: 2,253"
EVENT_QUOTE = "On 23 September 2024 the policy changed."

# Edits beyond the fixtures: each a way hostile or careless data has been seen to arrive.
EXTRA_EDITS: list[tuple[str, list[dict]]] = [
    ("data: URL", [{"file": "data/sources.csv", "old": "https://example.org/report", "new": "data:text/html,x"}]),
    ("vbscript: URL", [{"file": "data/sources.csv", "old": "https://example.org/report", "new": "vbscript:msgbox"}]),
    (
        "protocol-relative URL",
        [{"file": "data/sources.csv", "old": "https://example.org/report", "new": "//evil.example/report"}],
    ),
    ("ftp URL", [{"file": "data/sources.csv", "old": "https://example.org/report", "new": "ftp://example.org/report"}]),
    (
        "backslash URL",
        [{"file": "data/sources.csv", "old": "https://example.org/report", "new": "https:\\\\evil.example"}],
    ),
    (
        "javascript: in mixed case",
        [{"file": "data/sources.csv", "old": "https://example.org/report", "new": "JaVaScRiPt:alert(1)"}],
    ),
    ("formula with +", [{"file": "data/sources.csv", "old": "ExampleChat transparency report", "new": "+SUM(1;2)"}]),
    ("formula with -", [{"file": "data/sources.csv", "old": "ExampleChat transparency report", "new": "-SUM(1;2)"}]),
    ("formula with @", [{"file": "data/sources.csv", "old": "ExampleChat transparency report", "new": "@SUM(1;2)"}]),
    ("DDE payload", [{"file": "data/events.csv", "old": "Policy change", "new": "=cmd|' /C calc'!A0"}]),
    ("formula in a quote", [{"file": "data/events.csv", "old": EVENT_QUOTE, "new": "=HYPERLINK(A1)"}]),
    (
        "right-to-left override in a title",
        [{"file": "data/sources.csv", "old": "ExampleChat transparency report", "new": "ExampleChat \u202etroper"}],
    ),
    ("isolate controls", [{"file": "data/events.csv", "old": "Policy change", "new": "Policy \u2066change\u2069"}]),
    ("right-to-left mark", [{"file": "data/events.csv", "old": "Policy change", "new": "Policy\u200f change"}]),
    ("Arabic letter mark", [{"file": "data/events.csv", "old": "Policy change", "new": "Policy\u061c change"}]),
    ("header-only figures.csv", [{"file": "data/figures.csv", "truncate": True}]),
    ("header-only sources.csv", [{"file": "data/sources.csv", "truncate": True}]),
    ("header-only platforms.csv", [{"file": "data/platforms.csv", "truncate": True}]),
    ("header-only metrics.csv", [{"file": "data/metrics.csv", "truncate": True}]),
    ("misspelt primaryKey", [{"file": "datapackage.json", "old": '"primaryKey"', "new": '"primarykey"'}]),
    ("misspelt foreignKeys", [{"file": "datapackage.json", "old": '"foreignKeys"', "new": '"foreignkeys"'}]),
    ("misspelt maxLength", [{"file": "datapackage.json", "old": '"maxLength"', "new": '"maxlength"'}]),
    ("unknown package key", [{"file": "datapackage.json", "old": '"resources"', "new": '"resource": [], "resources"'}]),
    (
        "integer below SQLite's range",
        [
            {"file": "data/figures.csv", "old": "exact,900,", "new": "exact,-99999999999999999999,"},
            {
                "file": "data/figures.csv",
                "old": "Fulfilled requests: 900 ¶",
                "new": "Fulfilled requests: -99999999999999999999 ¶",
            },
        ],
    ),
    (
        "decimal a double cannot hold",
        [
            {"file": "data/figures.csv", "old": "exact,900,", "new": "exact,900.00000000000000001,"},
            {
                "file": "data/figures.csv",
                "old": "Fulfilled requests: 900 ¶",
                "new": "Fulfilled requests: 900.00000000000000001 ¶",
            },
        ],
    ),
    ("NUL byte in a cell", [{"file": "data/events.csv", "old": "Policy change", "new": "Policy\u0000change"}]),
    ("impossible date", [{"file": "data/events.csv", "old": "2024-09-23", "new": "2024-02-30"}]),
    ("invalid JSON descriptor", [{"file": "datapackage.json", "old": "{", "new": "{{"}]),
]


def apply_edits(package_dir: Path, edits: list[dict]) -> None:
    """Apply text edits to files under ``package_dir`` (the bad-edit fixtures' ``edits.json``):
    ``{"file", "old", "new"}`` replaces the first occurrence of ``old``; ``{"file", "pattern",
    "new"}`` the first match of the regular expression ``pattern`` (text that changes with the
    data, such as the package's version); ``{"file", "append"}`` adds a line; ``{"file",
    "truncate": true}`` keeps the first line. Any may add ``"encoding"`` (say ``"latin-1"``) to
    save the file that way instead of UTF-8. Raises ValueError when ``old`` or ``pattern`` is not
    found."""
    for edit in edits:
        path = package_dir / edit["file"]
        text = path.read_text(encoding="utf-8")
        if edit.get("truncate"):
            text = text.splitlines(keepends=True)[0]
        elif "append" in edit:
            text += edit["append"] + "\n"
        elif "pattern" in edit:
            found = re.search(edit["pattern"], text)
            if found is None:
                raise ValueError(f"{edit['pattern']!r} matches nothing in {edit['file']}")
            text = text[: found.start()] + edit["new"] + text[found.end() :]
        else:
            if edit["old"] not in text:
                raise ValueError(f"{edit['old']!r} not in {edit['file']}")
            text = text.replace(edit["old"], edit["new"], 1)
        path.write_bytes(text.encode(edit.get("encoding", "utf-8")))


def base_package(target: Path) -> Path:
    shutil.copytree(FIXTURES / "base" / "data", target / "data")
    shutil.copy(PACKAGE, target / "datapackage.json")
    return target / "datapackage.json"


def run_bad_edits(workdir: Path, report: Report) -> tuple[int, int, int]:
    """Each bad edit on a copy of the package, built over a folder holding a good database:
    return (kinds, accepted, damaged) where damaged counts a changed database, a leftover
    temporary file or a crash that was not a refusal."""
    out = workdir / "edits-build"
    good = base_package(workdir / "edits-good")
    build.build_site(good, out)
    before = digest(out / DATABASE_FILE)
    edits = fixture_edits() + EXTRA_EDITS
    accepted = damaged = 0
    for number, (kind, changes) in enumerate(edits):
        package = base_package(workdir / f"edit-{number}")
        try:
            apply_edits(package.parent, changes)
        except (ValueError, UnicodeDecodeError) as error:
            damaged += 1
            report.failures.append(f"bad edit {kind}: cannot apply: {error}")
            continue
        try:
            build.build_site(package, out)
            accepted += 1
            report.failures.append(f"bad edit accepted: {kind}")
        except (validate.ValidationFailed, build.BuildFailed, release_records.RecordDamaged):
            pass
        except Exception as error:  # a traceback where a file:line:field message belongs
            damaged += 1
            report.failures.append(f"bad edit {kind}: {type(error).__name__}: {error}")
        leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
        if digest(out / DATABASE_FILE) != before or leftovers:
            damaged += 1
            report.failures.append(f"bad edit {kind}: database changed or temporary files left: {leftovers}")
        shutil.rmtree(package.parent)
    return len(edits), accepted, damaged


# Faults -------------------------------------------------------------------------------------


def cli_build(package: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "cli.py"), "build", "--package", str(package), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def wait_for_temporary_database(folder: Path, process: subprocess.Popen, timeout: float = 300) -> bool:
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if list(folder.glob(f".{DATABASE_FILE}.*.tmp")):
            return True
        time.sleep(0.02)
    return False


# Where a build is killed: seconds after it starts (validating), or after its temporary database
# appears (creating tables, loading rows, checks and VACUUM).
KILL_POINTS = (("validating", 0.5, False), ("temporary database created", 0.0, True),
               ("loading rows", 1.0, True), ("checks", 3.0, True), ("late", 6.0, True))  # fmt: skip


def killed_builds(workdir: Path, report: Report) -> bool:
    """kill -9 of a real build at several points, then a SIGTERM: the database is untouched, and
    what a killed build left is swept by the next build (even a refused one)."""
    out = copy_build(workdir / "kill-build")
    before = digest(out / DATABASE_FILE)
    ok = True
    hit = 0
    for name, delay, after_temporary in KILL_POINTS:
        process = cli_build(PACKAGE, out)
        if after_temporary and not wait_for_temporary_database(out, process):
            report.notes.append(f"build finished before the kill point {name!r}")
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        left = temporaries(out)
        hit += bool(left)
        if digest(out / DATABASE_FILE) != before:
            ok = False
            report.failures.append(f"fault: a build killed at {name!r} changed the database")
        if left:
            # The next build, even one refused at validation, sweeps what this one left.
            refused = base_package(workdir / f"kill-refused-{hit}")
            apply_edits(refused.parent, [{"file": "data/events.csv", "truncate": True}])
            cli_build(refused, out).wait()
            if temporaries(out):
                ok = False
                report.failures.append(f"fault: {temporaries(out)} left by a build killed at {name!r} not swept")
    process = cli_build(PACKAGE, out)
    wait_for_temporary_database(out, process)
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    process.wait()
    if temporaries(out) or digest(out / DATABASE_FILE) != before:
        ok = False
        report.failures.append(f"fault: a terminated build left {temporaries(out)} or changed the database")
    report.notes.append(
        f"builds killed at {len(KILL_POINTS)} points; {hit} left temporary files, each swept by the next build"
    )
    return ok


@contextlib.contextmanager
def small_tmpfs(path: Path, size_bytes: int):
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(path)], check=True, capture_output=True
    )
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False, capture_output=True)


def disk_full_build(workdir: Path, report: Report) -> bool | None:
    """A build into a tmpfs just big enough for the current database: one line, nothing changed.
    None when this machine cannot mount a tmpfs (not root)."""
    size = sum(p.stat().st_size for p in BUILD.iterdir() if p.is_file()) + 2 * 1024 * 1024
    try:
        with small_tmpfs(workdir / "tmpfs", size) as mount:
            out = copy_build(mount / "build")
            before = digest(out / DATABASE_FILE)
            process = cli_build(PACKAGE, out)
            _, stderr = process.communicate(timeout=300)
            lines = [line for line in stderr.decode().splitlines() if line.strip()]
            left = [p.name for p in out.iterdir() if p.name.startswith(".")]
            ok = (
                process.returncode == 1
                and "Traceback" not in stderr.decode()
                and any("disk is full" in line or "No space" in line for line in lines)
                and digest(out / DATABASE_FILE) == before
                and not left
            )
            if not ok:
                report.failures.append(f"fault: disk-full build: exit {process.returncode}, {lines[:3]}, left {left}")
            return ok
    except (subprocess.CalledProcessError, PermissionError, FileNotFoundError) as error:
        report.notes.append(f"disk-full build not run: cannot mount a tmpfs ({error})")
        return None


def bad_database_refused(workdir: Path, report: Report) -> bool:
    """The server refuses to start, in one line, on an empty, truncated, garbage or missing database."""
    ok = True
    real = (BUILD / DATABASE_FILE).read_bytes()
    for name, content in (
        ("empty", b""),
        ("truncated", real[: len(real) // 3]),
        ("garbage", b"not a database" * 1000),
        ("missing", None),
    ):
        folder = copy_build(workdir / f"bad-db-{name}")
        if content is None:
            (folder / DATABASE_FILE).unlink()
        else:
            (folder / DATABASE_FILE).write_bytes(content)
        server = Server(folder).start(wait=False)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=60)
        if server.process.poll() is None:
            answer = request(server.port, "/-/health.json")
            server.stop_and_read()
            ok = False
            report.failures.append(f"fault: server started on a {name} database (health {answer.status})")
            continue
        lines = [line for line in server.process.stderr.read().decode().splitlines() if line.strip()]
        if server.process.returncode == 0 or len(lines) != 1 or "refusing to serve" not in lines[0]:
            ok = False
            report.failures.append(f"fault: {name} database: exit {server.process.returncode}, said {lines[-3:]}")
    return ok


def load(port: int, paths: list[str], stop: threading.Event, results: list, pause: float = 0.0) -> None:
    i = 0
    while not stop.is_set():
        answer = request(port, paths[i % len(paths)], timeout=REQUEST_TIMEOUT_S)
        results.append((time.monotonic(), answer.status, answer.seconds))
        i += 1
        if pause:
            time.sleep(pause)


PAGES = [
    "/",
    "/disclosures/figures.json?_size=20",
    "/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled",
    "/disclosures/platforms.json",
    "/-/health.json",
]


def release_switched_under_load(workdir: Path, report: Report) -> bool:
    """The served database is replaced (atomic rename, as a build does) while 8 clients load
    pages: no answer fails, and a restart serves the new file."""
    folder = copy_build(workdir / "switch-build")
    with Server(folder) as server:
        stop, results = threading.Event(), []
        threads = [threading.Thread(target=load, args=(server.port, PAGES, stop, results)) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(2)
        staged = folder / f".{DATABASE_FILE}.switch.tmp"
        shutil.copyfile(BUILD / DATABASE_FILE, staged)
        os.replace(staged, folder / DATABASE_FILE)
        time.sleep(3)
        stop.set()
        for t in threads:
            t.join()
    failed = [r for r in results if r[1] == 0 or r[1] >= 500]
    if failed:
        report.failures.append(f"fault: {len(failed)} of {len(results)} answers failed while the release switched")
    return not failed and len(results) > 0


# The flood --------------------------------------------------------------------------------------

FLOOD_QUERIES = [
    sql("select count(*) from figures a, figures b where a.value > {n}"),
    sql("with recursive c(x) as (select {n} union all select x + 1 from c) select count(*) from c"),
    sql("select group_concat(a.quote) from figures a, figures b where b.value = {n}"),
    q("/disclosures/figures.json", _where="rowid in (select a.rowid from figures a, figures b where b.value > {n})"),
]
CANARY = "/disclosures/platforms.json?_size=5"


def flood_clients(port: int, seconds: float, clients: int, own_addresses: bool, out) -> None:
    """``clients`` threads sending expensive queries for ``seconds``; puts [(status, seconds)] on ``out``.

    Runs in a process of its own, so the flood's threads never compete with the canary's
    measurements for this process's GIL."""
    stop = threading.Event()
    results: list = []

    def client(number: int) -> None:
        i = 0
        while not stop.is_set():
            path = FLOOD_QUERIES[(number + i) % len(FLOOD_QUERIES)].replace("%7Bn%7D", str(number * 1000 + i))
            answer = request(port, path, source=f"127.0.3.{number + 1}" if own_addresses else None)
            results.append((answer.status, answer.seconds))
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    out.put(results)


def flood(port: int, seconds: float = FLOOD_SECONDS, clients: int = FLOOD_CLIENTS, own_addresses: bool = False) -> dict:
    """``clients`` send expensive queries for ``seconds`` while a canary asks for a cheap page
    every 100 ms (a new query string each time, so no cache answers it); return the canary's
    latencies during the flood and its recovery after. ``own_addresses``: each client (and the
    canary) connects from its own loopback address, as separate people would."""
    import multiprocessing

    canary: list[tuple[float, float, int]] = []
    canary_stop = threading.Event()

    def watch() -> None:
        n = 0
        while not canary_stop.is_set():
            n += 1
            answer = request(port, f"{CANARY}&canary={n}", source="127.0.4.1" if own_addresses else None)
            canary.append((time.monotonic(), answer.seconds, answer.status))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    time.sleep(1)
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    process = context.Process(target=flood_clients, args=(port, seconds, clients, own_addresses, out))
    began = time.monotonic()
    process.start()
    time.sleep(seconds)
    ended = time.monotonic()
    flood_results = out.get(timeout=REQUEST_TIMEOUT_S + 30)
    process.join()
    time.sleep(3)
    canary_stop.set()
    watcher.join()
    during = [s for at, s, _ in canary if began <= at - s and at <= ended]
    after = [(at, s) for at, s, _ in canary if at - s >= ended]
    recovered = next((at - s - ended for at, s in after if s < CANARY_P95_TARGET_S), None)
    return {
        "canary_p95": statistics.quantiles(during, n=20)[-1] if len(during) >= 2 else (during[0] if during else None),
        "canary_count": len(during),
        "canary_failed": sum(1 for _, _, status in canary if status == 0 or status >= 500),
        "recovery": recovered,
        "flood_answers": len(flood_results),
        "flood_5xx": sum(1 for status, _ in flood_results if status == 0 or (status >= 500 and status != 503)),
        "flood_503": sum(1 for status, _ in flood_results if status == 503),
        "flood_slow": sum(1 for _, s in flood_results if s > SLOW_AFTER_S),
        "flood_statuses": sorted({status for status, _ in flood_results}),
    }


# The production topology (make prod: nginx, supervised workers) -------------------------------------


def worker_processes(prod, topology) -> list[int]:
    """Every gunicorn master of the topology and the worker it forked."""
    masters = [pid for name, (_state, pid) in prod.process_status(topology).items() if pid and name != "nginx"]
    return masters + [pid for name in topology.worker_names() for pid in prod.worker_pids(topology, name)]


def vm_hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def page_load(
    port: int, prefix: str, key: str, stop: threading.Event, results: list, number: int, pages: list[str] = PAGES
) -> None:
    """Cheap pages from 127.0.<prefix>.<n>, each past the page cache (``X-Cache-Bypass``), so
    that every one is a worker's answer. (A fresh query string did that too, but the API answers
    an unknown parameter 400, which the load counted as an answer.) ``key`` names the load in the
    User-Agent."""
    n = 0
    headers = {"X-Cache-Bypass": "1", "User-Agent": f"reliability-{key}-{number}"}
    while not stop.is_set():
        n += 1
        answer = request(port, pages[n % len(pages)], headers=headers, source=f"127.0.{prefix}.{number + 1}")
        results.append(answer.status)
        time.sleep(0.02)


def killed_worker(prod, topology, report: Report) -> float | None:
    """kill -9 of a pages worker (the process serving its socket, forked by its gunicorn master)
    while 8 clients load pages: seconds until a new worker answers on that socket (None when
    none did, or an answer failed meanwhile)."""
    victim = next(name for name in topology.worker_names() if name.startswith("pages:"))
    master = prod.process_status(topology)[victim][1]
    (pid,) = prod.worker_pids(topology, victim)
    stop, results = threading.Event(), []
    threads = [threading.Thread(target=page_load, args=(topology.port, 5, "k", stop, results, n)) for n in range(8)]
    for t in threads:
        t.start()
    time.sleep(1)
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    back = None
    socket_path = topology.run / "sockets" / f"{victim.split(':')[1]}.sock"
    spawned = None
    # The killed process cannot answer and no other serves its socket: the first answer on it is
    # its successor's. (The master keeps the socket listening, so a request waits for that.)
    while spawned is None and time.monotonic() - killed < 10:
        if any(other != pid for other in prod.children(master)):
            spawned = time.monotonic() - killed
        time.sleep(0.005)
    while spawned is not None and time.monotonic() - killed < 10:
        if prod.worker_answers(socket_path):
            back = time.monotonic() - killed
            break
        time.sleep(0.02)
    report.notes.append(
        f"killed worker: a new process after {spawned if spawned is None else round(spawned, 2)} s, answering after "
        f"{back if back is None else round(back, 2)} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    time.sleep(1.5)
    state, current = prod.process_status(topology).get(victim, (None, None))
    successors = prod.worker_pids(topology, victim)
    if state != "RUNNING" or current != master or len(successors) != 1 or pid in successors:
        report.failures.append(
            f"fault: after its worker was killed, {victim} is {state} (master {master} -> {current}, "
            f"workers {successors})"
        )
        back = None
    stop.set()
    for t in threads:
        t.join()
    # Every page of the load answers 200: anything else (0: no answer, or a cut one) failed.
    failed = [s for s in results if s != 200]
    # Which statuses failed, so that a rare failure says what it was.
    statuses = f" (statuses {sorted(set(failed))})" if failed else ""
    if failed:
        report.failures.append(
            f"fault: {len(failed)} of {len(results)} answers failed while a worker was killed{statuses}"
        )
    report.notes.append(f"killed-worker load: {len(results)} answers, {len(failed)} failed{statuses}")
    return back if not failed else None


def switched_release(prod, topology, other_build: Path, report: Report) -> bool:
    """make prod-switch to another release while 8 clients load pages: no failed answer."""
    stop, results = threading.Event(), []
    # The other release (the test fixture) has no Telegram figure: its page would be a 404 there.
    pages = [page for page in PAGES if not page.startswith("/figure/")]
    threads = [
        threading.Thread(target=page_load, args=(topology.port, 6, "s", stop, results, n, pages)) for n in range(8)
    ]
    for t in threads:
        t.start()
    time.sleep(1)
    try:
        prod.switch_release(topology, other_build, other_build.parent / "no-dist")
        time.sleep(1)
    except prod.ProdError as error:
        report.failures.append(f"fault: release switch failed: {error}")
        return False
    finally:
        stop.set()
        for t in threads:
            t.join()
    failed = [s for s in results if s != 200]
    # Which statuses failed (0: no answer, or a cut one), so that a rare failure says what it was.
    statuses = f" (statuses {sorted(set(failed))})" if failed else ""
    if failed:
        report.failures.append(
            f"fault: {len(failed)} of {len(results)} answers failed during the release switch{statuses}"
        )
    report.notes.append(f"release switch load: {len(results)} answers, {len(failed)} failed{statuses}")
    return not failed


def production_parts(report: Report, flood_seconds: float) -> None:
    """The flood, a killed worker, a release switch and worker memory, through make prod's topology."""
    import tempfile

    from . import prod

    try:
        prod.nginx_binary()
        if not prod.SUPERVISORD.exists():
            raise prod.ProdError(f"{prod.SUPERVISORD} is missing")
    except prod.ProdError as error:
        report.notes.append(f"production topology not run: {error}")
        report.add("production topology (flood, killed worker, switch)", "not run", "run", False)
        return
    # nginx's workers run as nobody: the run directory must be readable by them.
    run = Path(tempfile.mkdtemp(prefix="reliability-prod-"))
    run.chmod(0o755)
    topology = prod.Topology(run=run / "run", port=free_port())
    served = copy_build(run / "served")
    other = run / "other"
    build.build_site(base_package(run / "other-package"), other)
    try:
        prod.start(topology, served, run / "no-dist")
        result = flood(topology.port, seconds=flood_seconds, own_addresses=True)
        add_flood_rows(report, result, flood_seconds, "make prod")
        peak = max((vm_hwm(pid) for pid in worker_processes(prod, topology)), default=0)
        report.add(
            "peak memory of a worker (make prod)", f"{peak / 1024**2:.0f} MB", "< 1 GB", 0 < peak < PEAK_MEMORY_TARGET
        )
        back = killed_worker(prod, topology, report)
        report.add(
            "killed worker (kill -9 under load) back and answering",
            "never" if back is None else f"{back:.2f} s",
            "≤ 2 s, no failed answer",
            back is not None and back <= 2,
        )
        switched = switched_release(prod, topology, other, report)
        report.add("release switched under load (make prod): failed answers", 0 if switched else "some", "0", switched)
    except prod.ProdError as error:
        report.failures.append(f"production topology: {error}")
    finally:
        prod.stop(topology)
        shutil.rmtree(run, ignore_errors=True)


def add_flood_rows(report: Report, result: dict, flood_seconds: float, where: str) -> None:
    p95 = result["canary_p95"]
    report.add(
        f"canary p95 during a {flood_seconds:.0f} s flood of {FLOOD_CLIENTS} clients ({where})",
        "n/a" if p95 is None else f"{p95 * 1000:.0f} ms",
        "< 500 ms",
        p95 is not None and p95 < CANARY_P95_TARGET_S,
    )
    recovery = result["recovery"]
    report.add(
        f"canary recovery after the flood ({where})",
        "never" if recovery is None else f"{max(recovery, 0):.2f} s",
        "≤ 2 s",
        recovery is not None and recovery <= RECOVERY_TARGET_S,
    )
    failed = result["flood_5xx"] + result["canary_failed"]
    report.add(
        f"flood answers failed: 5xx other than 503, or no answer ({where})",
        f"{failed} of {result['flood_answers']}",
        "0",
        failed == 0,
    )
    report.add(f"flood answers shed with 503 + Retry-After ({where})", result["flood_503"], "reported", True)
    report.notes.append(
        f"flood ({where}) statuses: {result['flood_statuses']}; slow flood answers: {result['flood_slow']}"
    )


# The whole suite ----------------------------------------------------------------------------------


def run_suite(workdir: Path, flood_seconds: float = FLOOD_SECONDS) -> Report:
    """Everything, in order; ``workdir`` receives every copy and is left for inspection."""
    report = Report()
    workdir = Path(workdir)
    started = time.monotonic()

    served = copy_build(workdir / "served-build")
    with Server(served) as server:
        kinds, cases, bad, slowest = run_hostile(server.port, report)
        report.add("hostile request kinds (cases)", f"{kinds} ({cases})", "≥ 50", kinds >= 50)
        report.add("hostile answers 5xx or slower than 1.5 s", bad, "0", bad == 0)
        report.add("slowest hostile answer", f"{slowest:.2f} s", "≤ 1.5 s", slowest <= SLOW_AFTER_S)
        peak = server.peak_memory()
        report.add(
            "peak memory of the server under the hostile requests",
            f"{peak / 1024**2:.0f} MB",
            "< 1 GB",
            peak < PEAK_MEMORY_TARGET,
        )

    kinds, accepted, damaged = run_bad_edits(workdir / "edits", report)
    report.add("bad data edit kinds", kinds, "≥ 60", kinds >= 60)
    report.add("bad edits accepted", accepted, "0", accepted == 0)
    report.add("bad edits that changed the database, left files or crashed", damaged, "0", damaged == 0)
    false_rejects = validate.validate_package(PACKAGE)
    report.add("real-data false rejects", len(false_rejects), "0", not false_rejects)

    survived = killed_builds(workdir / "kill", report)
    report.add(
        "build killed (kill -9 at 5 points, then SIGTERM): data lost", "none" if survived else "yes", "none", survived
    )
    full = disk_full_build(workdir / "disk", report)
    report.add(
        "disk-full build: one line, database unchanged",
        "not run" if full is None else ("yes" if full else "no"),
        "yes",
        bool(full),
    )
    refused = bad_database_refused(workdir / "bad-db", report)
    report.add(
        "server refuses an empty/corrupt/garbage/missing database in one line",
        "yes" if refused else "no",
        "yes",
        refused,
    )
    switched = release_switched_under_load(workdir / "switch", report)
    report.add(
        "database file replaced under load (stock server): failed answers", 0 if switched else "some", "0", switched
    )
    production_parts(report, flood_seconds)
    report.add("suite duration", f"{time.monotonic() - started:.0f} s", "< 600 s", time.monotonic() - started < 600)
    return report
