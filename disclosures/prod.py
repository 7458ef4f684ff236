"""The production topology on one machine: nginx in front of supervised Datasette workers.

``make prod`` runs :func:`start`; ``make prod-switch`` runs :func:`switch_release`;
``make prod-stop`` runs :func:`stop`. Everything lives under one run directory (default
``run/prod/``)::

    <run>/topology.json                                        the Topology it was started with
    <run>/switch.lock                                          held by the one start, switch or stop
    <run>/supervisord.conf, supervisord.pid, supervisor.sock   the supervisor (one daemon)
    <run>/nginx/nginx.conf, nginx.pid, release.conf, cache/    nginx, its cache and temp files
    <run>/sockets/pages-N.sock, sql-N.sock                     the workers (unix sockets)
    <run>/pids/pages-N.pid, sql-N.pid                          their gunicorn masters
    <run>/releases/<id>/build, dist                            staged releases (hard links)
    <run>/current -> releases/<id>                             what the workers serve
    <run>/logs/                                                every process's log
    <run>/logrotate.conf, logrotate.state                      nginx's logs' rotation

nginx listens on ``host:port`` (loopback, default 127.0.0.1:8080). Two sets of workers run the
same app factory (``deploy/asgi.py``, from ``.venv-site``): ``pages`` for everything, and ``sql``
(at a lower CPU priority) for ad-hoc SQL, ``_where`` and canned queries, so a flood of SQL
cannot slow the pages. Each worker socket has a gunicorn master (``deploy/gunicorn.conf.py``)
that preloads the app and forks one uvicorn worker from it; when the worker dies the master forks
a new one at once (well under a second, :func:`worker_pids` names it). supervisord runs nginx
and the masters, and restarts one that dies.

A release id is ``<version>-<12 hex digits>``, a hash of the database's sha256 and of the
release files' ``SHA256SUMS`` (:func:`release_id`): a rebuild of the same data is the same
release, and the page cache is keyed on it.

Errors: :class:`ProdError` with a message that says what to do. This module never prints.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import jinja2

from .paths import BUILD, DEPLOY, DIST, ROOT, RUN
from .site import SITE_VENV
from .vocabulary import DATABASE_FILE, DATABASE_NAME

SUPERVISORD = SITE_VENV / "bin" / "supervisord"
SUPERVISORCTL = SITE_VENV / "bin" / "supervisorctl"
SITE_PYTHON = SITE_VENV / "bin" / "python"
# Longest path a unix socket may have (sun_path is 108 bytes with its terminating NUL).
MAX_SOCKET_PATH = 107
# Staged releases kept besides the one being served, so a switch back needs no copy.
KEEP_RELEASES = 1
# Seconds supervisorctl may take to answer (a restart is given its own, longer, time).
SUPERVISORCTL_TIMEOUT = 20
# Seconds a start or stop waits for the switch (or start, or stop) holding switch.lock: a switch
# restarts each worker within its own 60 s timeout.
LOCK_WAIT = 600


class ProdError(Exception):
    """The topology could not be started, switched or stopped; the message says why."""


@dataclass(frozen=True)
class Topology:
    """Where the topology runs and what it allows.

    Rates are requests per second per client address; bursts are requests beyond the rate that
    are answered at once before 429; connection limits are simultaneous requests. Ages are
    seconds; ``cache_valid`` is an nginx time (``1h``).
    """

    run: Path = RUN
    host: str = "127.0.0.1"
    port: int = 8080
    pages_workers: int = 2
    sql_workers: int = 2
    nginx_workers: int = 2
    page_rate: int = 100
    page_burst: int = 200
    sql_rate: int = 5
    sql_burst: int = 10
    conns_per_client: int = 32
    sql_conns_per_client: int = 2
    # One SQL worker alone can carry all the SQL it is given while the other restarts.
    sql_conns_per_worker: int = 4
    cache_valid: str = "1h"
    cache_max_size: str = "1g"
    page_max_age: int = 300
    download_max_age: int = 3600
    graceful_seconds: int = 10
    # Each log is rotated past this many MB, and this many old copies are kept: nginx's by
    # logrotate (<run>/logrotate.conf), the others by supervisord.
    log_max_mb: int = 50
    log_backups: int = 5

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def record(self) -> Path:
        return self.run / "topology.json"

    @property
    def supervisord_conf(self) -> Path:
        return self.run / "supervisord.conf"

    @property
    def supervisord_pid_file(self) -> Path:
        return self.run / "supervisord.pid"

    @property
    def logrotate_conf(self) -> Path:
        return self.run / "logrotate.conf"

    @property
    def nginx_conf(self) -> Path:
        return self.run / "nginx" / "nginx.conf"

    @property
    def nginx_pid_file(self) -> Path:
        return self.run / "nginx" / "nginx.pid"

    @property
    def release_conf(self) -> Path:
        return self.run / "nginx" / "release.conf"

    @property
    def current(self) -> Path:
        return self.run / "current"

    @property
    def releases(self) -> Path:
        return self.run / "releases"

    def sockets(self, group: str) -> list[Path]:
        count = self.pages_workers if group == "pages" else self.sql_workers
        return [self.run / "sockets" / f"{group}-{n}.sock" for n in range(count)]

    def make(self, targets: str) -> str:
        """The make command for ``targets`` ("prod-stop", "prod-stop prod") that acts on this run
        directory, and for ``prod`` on this port: a plain ``make prod-stop`` in a hint sent the
        operator of another run directory (``--run``, ``PROD_RUN``) to the default one."""
        words = ["make", targets]
        if "prod" in targets.split() and self.port != Topology.port:
            words.append(f"PROD_PORT={self.port}")
        if Path(self.run).resolve() != RUN.resolve():
            words.append(f"PROD_RUN={self.run}")
        return " ".join(words)

    def worker_names(self) -> list[str]:
        """Every worker as supervisorctl names it (``pages:pages-0``), pages first."""
        return [f"{group}:{path.stem}" for group in ("pages", "sql") for path in self.sockets(group)]


def record_topology(topology: Topology) -> None:
    """Write ``<run>/topology.json``: what a later switch, status or stop of this run directory
    must use, whatever their own options say."""
    fields = {**asdict(topology), "run": str(topology.run)}
    _write(topology.record, json.dumps(fields, indent=2, sort_keys=True) + "\n")


def recorded_topology(run: Path) -> Topology | None:
    """The Topology ``prod start`` recorded under ``run``, or None when there is no record.

    A switch rewrites nginx's and supervisord's configurations from it: with the defaults in its
    place, nginx was reloaded onto port 8080 and the worker counts and limits of ``--set`` were
    lost. ProdError when the record cannot be read.
    """
    path = Path(run) / "topology.json"
    try:
        fields = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise ProdError(f"{path} cannot be read ({error}): make prod-stop, then make prod") from None
    known = {field.name for field in dataclasses.fields(Topology)}
    if not isinstance(fields, dict) or set(fields) - known:
        raise ProdError(f"{path} is not a topology this version knows: make prod-stop, then make prod")
    return Topology(**{**fields, "run": Path(fields.get("run", run))})


def nginx_binary() -> str:
    """Debian's nginx (``apt-get install nginx``); ProdError when it is not installed."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if not found:
        raise ProdError("nginx is not installed: apt-get install nginx (Debian's package)")
    return found


# Releases ----------------------------------------------------------------------------------


def release_id(build_dir: Path, dist: Path = DIST) -> str:
    """``<version>-<12 hex digits>`` naming a built folder and the release files beside it.

    The digits are a sha256 of the database's hash (from the build's inspect data) and of every
    ``dist/<version>/SHA256SUMS``, so the same bytes always get the same id. ProdError when
    ``build_dir`` is not a complete build, or its database is not the one its inspect data
    describes: that hash alone named an empty or replaced database as the release it was built
    as, and a switch to it said "(unchanged)" and did nothing.
    """
    build_dir, dist = Path(build_dir), Path(dist)
    try:
        version = json.loads((build_dir / "datapackage.json").read_text(encoding="utf-8"))["version"]
        inspected = json.loads((build_dir / "inspect-data.json").read_text(encoding="utf-8"))
        recorded = inspected[DATABASE_NAME]["hash"]
        with (build_dir / DATABASE_FILE).open("rb") as database:
            actual = hashlib.file_digest(database, "sha256").hexdigest()
    except (OSError, KeyError, TypeError, ValueError) as error:
        raise ProdError(f"{build_dir} is not a complete build ({error}): run make build") from None
    if actual != recorded:
        raise ProdError(
            f"{build_dir / DATABASE_FILE} is not the database {build_dir / 'inspect-data.json'} describes "
            "(its sha256 differs): run make build"
        )
    digest = hashlib.sha256(recorded.encode())
    for sums in sorted(dist.glob("*/SHA256SUMS")):
        digest.update(f"\n{sums.parent.name}\n".encode() + sums.read_bytes())
    return f"{version}-{digest.hexdigest()[:12]}"


def _link_or_copy(source: str, target: str) -> None:
    # The build and the release replace files by renaming, never in place, so a hard link keeps
    # the staged bytes even after the next build.
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _stage_file(source: str, target: str) -> None:
    # copytree keeps only str() of an OSError, which names the temporary target too: its reason
    # alone, to be reported with the source (_staging_problem).
    try:
        _link_or_copy(source, target)
    except OSError as error:
        raise shutil.Error([(source, target, error.strerror or str(error))]) from None


def _symlinks(directory: str, names: list[str]) -> list[str]:
    # make release writes only regular files, and the site neither lists nor serves a symlink in
    # dist/ (plugins/downloads.py): staged, nginx would serve its target's bytes under its name.
    return [name for name in names if os.path.islink(os.path.join(directory, name))]


def stage_release(topology: Topology, build_dir: Path = BUILD, dist: Path = DIST) -> str:
    """Copy (hard-link) ``build_dir`` and ``dist`` into ``<run>/releases/<id>/``; return the id.

    Staging the release already staged is a no-op. ``dist`` may be missing (nothing released).
    A symlink in ``dist`` is not staged. ProdError in one line when a file cannot be staged
    (nothing is left half staged).
    """
    rid = release_id(build_dir, dist)
    target = topology.releases / rid
    if (target / "build" / DATABASE_FILE).is_file():
        return rid
    temporary = topology.releases / f".{rid}.{os.getpid()}.tmp"
    try:
        topology.releases.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(temporary, ignore_errors=True)
        shutil.copytree(build_dir, temporary / "build", copy_function=_stage_file)
        # nginx serves the database from it (/disclosures.db), its workers as nobody: copytree
        # gave the folder the build folder's mode, which may be private (a pytest folder, 0700).
        (temporary / "build").chmod(0o755)
        if Path(dist).is_dir():
            shutil.copytree(dist, temporary / "dist", copy_function=_stage_file, ignore=_symlinks)
        else:
            (temporary / "dist").mkdir()
        os.replace(temporary, target)
    except (OSError, shutil.Error) as error:
        shutil.rmtree(temporary, ignore_errors=True)
        raise ProdError(
            f"release {rid} cannot be staged under {topology.releases}: {_staging_problem(error)}"
        ) from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return rid


def _staging_problem(error: OSError | shutil.Error) -> str:
    # copytree gathers every file it could not copy into one shutil.Error whose text is a
    # Python list of tuples; the first file's reason is the one to act on.
    if isinstance(error, shutil.Error) and error.args and isinstance(error.args[0], list):
        failures = error.args[0]
        source, _target, why = failures[0]
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        return f"{source}: {why}{more}"
    if isinstance(error, OSError) and error.filename:
        return f"{error.filename}: {error.strerror or error}"
    return str(error)


def check_release(topology: Topology, rid: str) -> None:
    """Make the app over a staged release as each worker's gunicorn master would
    (``deploy/asgi.py`` run by ``.venv-site``'s Python), before any worker serves it.

    ProdError with the app's one line when it refuses the release (a missing, empty or corrupt
    database), so ``make prod`` and ``make prod-switch`` stop with that line instead of
    supervised workers failing to start again and again.
    """
    result = subprocess.run(
        [str(SITE_PYTHON), str(DEPLOY / "asgi.py")],
        env={**os.environ, "DISCLOSURES_RELEASE": str(topology.releases / rid)},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if result.returncode != 0:
        lines = [line.strip() for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        reason = (lines or [f"exit status {result.returncode}"])[-1].removeprefix("Error: ")
        raise ProdError(f"release {rid} cannot be served: {reason}")


def current_release(topology: Topology) -> str | None:
    """The id the ``current`` symlink points to, or None before the first start."""
    try:
        return Path(os.readlink(topology.current)).name
    except OSError:
        return None


def _point_current(topology: Topology, rid: str) -> None:
    link = topology.run / f".current.{os.getpid()}"
    if link.is_symlink():
        link.unlink()
    os.symlink(Path("releases") / rid, link)
    os.replace(link, topology.current)  # rename(2): readers see the old target or the new one


def _prune_releases(topology: Topology, keep: list[str]) -> None:
    staged = sorted(p for p in topology.releases.iterdir() if p.is_dir() and not p.name.startswith("."))
    older = [p for p in staged if p.name not in keep]
    older.sort(key=lambda p: p.stat().st_mtime)
    for folder in older[: max(0, len(older) - KEEP_RELEASES)]:
        shutil.rmtree(folder, ignore_errors=True)


# Configuration -----------------------------------------------------------------------------


def canned_queries(build_dir: Path) -> list[str]:
    """The canned query names of the database, from the build's metadata.json."""
    metadata = json.loads((Path(build_dir) / "metadata.json").read_text(encoding="utf-8"))
    return sorted(metadata.get("databases", {}).get(DATABASE_NAME, {}).get("queries", {}))


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(DEPLOY),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def package_name(build_dir: Path) -> str | None:
    """The package name of the build's datapackage.json, which names the release files a browser
    saves (deploy/nginx.conf.j2's $download_disposition), or None when it has none."""
    try:
        name = json.loads((Path(build_dir) / "datapackage.json").read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        return None
    return name if isinstance(name, str) and re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name) else None


def render_nginx(topology: Topology, canned: list[str], package: str | None = None) -> str:
    """nginx.conf for the topology (from deploy/nginx.conf.j2); ``package`` (package_name) names
    the release files a browser saves, which without it carry no Content-Disposition."""
    for path in topology.sockets("pages") + topology.sockets("sql"):
        if len(str(path)) > MAX_SOCKET_PATH:
            raise ProdError(f"{path} is longer than a unix socket path may be: use a shorter run directory")
    return (
        _environment()
        .get_template("nginx.conf.j2")
        .render(
            **asdict(topology),
            database=DATABASE_NAME,
            canned=canned or ["-none-"],
            pages_sockets=topology.sockets("pages"),
            sql_sockets=topology.sockets("sql"),
            run_as_root=os.geteuid() == 0,
            package=package,
        )
    )


def render_supervisord(topology: Topology) -> str:
    """supervisord.conf for the topology (from deploy/supervisord.conf.j2)."""
    groups = [
        {"name": "pages", "workers": topology.pages_workers, "nice": "", "why": "Every page, table and download."},
        {
            "name": "sql",
            "workers": topology.sql_workers,
            # Lower CPU priority: on a busy machine the pages win.
            "nice": f"{shutil.which('nice') or '/usr/bin/nice'} -n 10 ",
            "why": "Ad-hoc SQL, _where and canned queries, at a lower CPU priority than the pages.",
        },
    ]
    return (
        _environment()
        .get_template("supervisord.conf.j2")
        .render(**asdict(topology), root=ROOT, site_venv=SITE_VENV, nginx=nginx_binary(), groups=groups)
    )


def render_logrotate(topology: Topology) -> str:
    """logrotate's configuration for the logs nginx writes itself (from deploy/logrotate.conf.j2)."""
    return _environment().get_template("logrotate.conf.j2").render(**asdict(topology), site_venv=SITE_VENV)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _write_configuration(topology: Topology, rid: str) -> None:
    build = topology.releases / rid / "build"
    _write(topology.nginx_conf, render_nginx(topology, canned_queries(build), package_name(build)))
    _write(topology.release_conf, f'map "" $release {{\n    default "{rid}";\n}}\n')
    _write(topology.supervisord_conf, render_supervisord(topology))
    _write(topology.logrotate_conf, render_logrotate(topology))


def check_nginx(topology: Topology) -> None:
    """``nginx -t`` on the rendered configuration; ProdError with nginx's words when it fails."""
    result = subprocess.run(
        [nginx_binary(), "-t", "-q", "-p", str(topology.run / "nginx"), "-c", str(topology.nginx_conf)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise ProdError(f"nginx rejects {topology.nginx_conf}:\n{result.stderr.strip()}")


# Processes ---------------------------------------------------------------------------------


def process_pid(topology: Topology, name: str) -> int | None:
    """The pid of one supervised process (``pages:pages-0``, ``nginx``), starting or running."""
    text = supervisorctl(topology, "pid", name, check=False).strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        # /proc/<pid>/stat: "pid (command) state ..."; the command may contain spaces.
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _check_port_free(topology: Topology) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((topology.host, topology.port))
        except OSError as error:
            raise ProdError(
                f"{topology.host}:{topology.port} is in use ({error.strerror}): choose another port"
            ) from None


def command_line(pid: int) -> str | None:
    """The command line of a process, its arguments joined by spaces and ending with one (so a
    whole argument can be looked for as `` name ``), or None when it has gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return " " + raw.replace(b"\0", b" ").decode(errors="replace")


def pid_from_file(path: Path, marker: str) -> int | None:
    """The pid written in ``path`` when that process is alive and its command line has
    ``marker`` (this run directory's configuration or socket), else None.

    A pid file outlives its process (a killed supervisord, nginx or gunicorn master leaves it),
    and the pid is then reused by some other process: that one is neither ours to report nor to
    signal.
    """
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    if pid <= 0 or not pid_alive(pid):
        return None
    command = command_line(pid)
    return pid if command is not None and marker in command else None


def supervisord_pid(topology: Topology) -> int | None:
    """The supervisord process of this run directory, or None when it is not running (its pid
    file is verified: the process must have been started with this run's supervisord.conf)."""
    return pid_from_file(topology.supervisord_pid_file, f" -c {topology.supervisord_conf} ")


def nginx_pid(topology: Topology) -> int | None:
    """nginx's master process of this run directory (its pid file, verified), or None."""
    return pid_from_file(topology.nginx_pid_file, f" -c {topology.nginx_conf} ")


def supervisorctl(topology: Topology, *arguments: str, check: bool = True, timeout: float | None = None) -> str:
    """Run ``supervisorctl`` on this run's supervisord; its output. ProdError when it fails, and
    (whatever ``check`` says) when supervisord has not answered within ``timeout`` seconds
    (default :data:`SUPERVISORCTL_TIMEOUT`): a supervisord that was stopped (SIGSTOP) or is stuck
    accepts the connection and never answers, and prod status waited for it for ever."""
    timeout = SUPERVISORCTL_TIMEOUT if timeout is None else timeout
    try:
        result = subprocess.run(
            [str(SUPERVISORCTL), "-c", str(topology.supervisord_conf), *arguments],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise ProdError(
            f"supervisorctl {' '.join(arguments)} failed: no answer within {timeout:g} s "
            f"(supervisord is stopped or stuck): {topology.make('prod-stop prod')} restarts it"
        ) from None
    # supervisorctl exits 3 when a listed process is not RUNNING; the caller reads the status.
    if check and result.returncode not in (0, 3):
        raise ProdError(f"supervisorctl {' '.join(arguments)} failed: {result.stdout}{result.stderr}".strip())
    return result.stdout


def process_status(topology: Topology) -> dict[str, tuple[str, int | None]]:
    """``{"pages:pages-0": ("RUNNING", 1234), "nginx": ("RUNNING", 1240), ...}``."""
    status = {}
    for line in supervisorctl(topology, "status").splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        pid = None
        if parts[1] == "RUNNING" and len(parts) >= 4 and parts[2] == "pid":
            pid = int(parts[3].rstrip(","))
        status[parts[0]] = (parts[1], pid)
    return status


def worker_pids(topology: Topology, name: str) -> list[int]:
    """The worker processes of one worker socket (``pages:pages-0``): the children of the
    gunicorn master supervisord runs under that name (one, or none while it is being forked)."""
    master = process_pid(topology, name)
    return children(master) if master else []


def children(parent: int) -> list[int]:
    """The live child processes of ``parent`` (from /proc; no subprocess, so it can be polled)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # /proc/<pid>/stat: "pid (command) state ppid ..."; the command may contain spaces.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            found.append(int(entry.name))
    return sorted(found)


def worker_answers(socket_path: Path) -> bool:
    """Whether the worker on this unix socket answers ``/-/versions.json`` with 200."""
    import httpx

    try:
        with httpx.Client(transport=httpx.HTTPTransport(uds=str(socket_path)), timeout=5) as client:
            response = client.get("http://worker/-/versions.json")
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def _nginx_answers(topology: Topology) -> bool:
    import httpx

    try:
        response = httpx.get(topology.base_url + "/-/versions.json", timeout=5)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def health(topology: Topology) -> str:
    """What ``/-/health.json`` answers through nginx, in a few words: ``200 ok``, ``503
    <the problem>``, or ``no answer on <address>`` (never cached: deploy/nginx.conf.j2)."""
    import httpx

    try:
        response = httpx.get(topology.base_url + "/-/health.json", timeout=5)
    except httpx.HTTPError as error:
        return f"no answer on {topology.base_url} ({type(error).__name__})"
    try:
        body = response.json()
    except ValueError:
        body = {}
    problems = body.get("problems") or ([body["error"]] if body.get("error") else [])
    return f"{response.status_code} " + (
        "ok" if response.status_code == 200 and body.get("ok") else "; ".join(problems) or "not ok"
    )


def _wait(condition, timeout: float, what: str, topology: Topology) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise ProdError(f"{what} within {timeout:.0f} s; see {topology.run / 'logs'}")
        time.sleep(0.1)


def wait_ready(topology: Topology, timeout: float = 60) -> None:
    """Wait until every worker answers on its socket, nginx on its port, and supervisord
    reports every process RUNNING (up for its ``startsecs``)."""
    for path in topology.sockets("pages") + topology.sockets("sql"):
        _wait(lambda p=path: worker_answers(p), timeout, f"the worker at {path} did not answer", topology)
    _wait(lambda: _nginx_answers(topology), timeout, f"nginx did not answer on {topology.base_url}", topology)
    _wait(
        lambda: all(state == "RUNNING" for state, _pid in process_status(topology).values()),
        timeout,
        "supervisord did not report every process RUNNING",
        topology,
    )


def prepare(
    topology: Topology, build_dir: Path | None = None, dist: Path | None = None, lock_wait: float = LOCK_WAIT
) -> tuple[str, list[str]]:
    """:func:`_prepare`, holding ``switch.lock`` (waiting up to ``lock_wait`` seconds for a switch
    or stop that holds it): ``prod start --foreground``, which then runs supervisord in its place."""
    with switch_lock(topology, "start", wait=lock_wait):
        return _prepare(topology, build_dir, dist)


def resumable_release(topology: Topology) -> str | None:
    """The release a start serves when it is given no build folder: the one ``current`` points
    to, which is the last one started or switched to (a switch back to an older release
    included), or None when nothing was served under this run directory yet.

    A restart (``make prod-stop prod``, a reboot) served build/ instead: a rollback lasted until
    the next restart. ProdError when the staged release is no longer whole (its files no longer
    hash to its id): nothing else is served in its place without the operator saying so.
    """
    rid = current_release(topology)
    if rid is None:
        return None
    folder = topology.releases / rid
    try:
        staged = release_id(folder / "build", folder / "dist")
    except ProdError as error:
        staged = str(error).split(": run make build")[0]
    if staged != rid:
        raise ProdError(
            f"{topology.current} names release {rid}, the last one started or switched to, but {folder} no longer holds it "
            f"({staged}): serve build/ and dist/ instead with {topology.make('prod')} PROD_FROM_BUILD=1"
        )
    return rid


def _prepare(topology: Topology, build_dir: Path | None, dist: Path | None) -> tuple[str, list[str]]:
    """Stage the release (``build_dir`` and ``dist``; without them, the one last started or
    switched to under this run directory, :func:`resumable_release`, or else build/ and dist/),
    point ``current`` at it and write every configuration.

    Returns the release id and the supervisord command that runs it all (add ``-n`` to keep it
    in the foreground, as a container does). ProdError when it is already running, the port is
    taken, the app refuses the release (:func:`check_release`) or nginx rejects its
    configuration.
    """
    if supervisord_pid(topology):
        raise ProdError(
            f"already running (supervisord pid {supervisord_pid(topology)}): {topology.make('prod-stop')} first"
        )
    left = orphans(topology)
    if left:
        raise ProdError(
            f"processes of this run directory still run without their supervisord or nginx master "
            f"(pids {' '.join(map(str, left))}): {topology.make('prod-stop')} first"
        )
    if not SUPERVISORD.exists():
        raise ProdError(f"{SUPERVISORD} is missing: make .venv-site/.installed")
    nginx_binary()
    _check_port_free(topology)
    for folder in ("logs", "sockets", "pids", "nginx/tmp", "nginx/cache"):
        (topology.run / folder).mkdir(parents=True, exist_ok=True)
    # Left by masters that were killed: gunicorn refuses to start over a pid file whose pid runs.
    for stale in (topology.run / "pids").glob("*.pid"):
        stale.unlink()
    record_topology(topology)
    rid = resumable_release(topology) if build_dir is None else None
    if rid is None:
        rid = stage_release(topology, BUILD if build_dir is None else build_dir, DIST if dist is None else dist)
    check_release(topology, rid)
    _point_current(topology, rid)
    _write_configuration(topology, rid)
    check_nginx(topology)
    return rid, [str(SUPERVISORD), "-c", str(topology.supervisord_conf)]


def start(
    topology: Topology,
    build_dir: Path | None = None,
    dist: Path | None = None,
    timeout: float = 60,
    lock_wait: float = LOCK_WAIT,
) -> str:
    """Stage ``build_dir`` and ``dist`` as a release (without them: the one last started or switched
    to under this run directory, else build/ and dist/; :func:`_prepare`), start supervisord (which starts
    nginx and the workers) in the background, and wait until everything answers; return the
    release id.

    Holds ``switch.lock`` throughout (:func:`switch_lock`, waiting up to ``lock_wait`` seconds for
    a switch or stop that holds it). ProdError as :func:`prepare`, or when a process does not come
    up within ``timeout`` seconds (everything started is stopped again).
    """
    with switch_lock(topology, "start", wait=lock_wait):
        return _start(topology, build_dir, dist, timeout)


def _start(topology: Topology, build_dir: Path | None, dist: Path | None, timeout: float) -> str:
    rid, command = _prepare(topology, build_dir, dist)
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise ProdError(f"supervisord did not start: {result.stdout}{result.stderr}".strip())
    try:
        _wait(lambda: supervisord_pid(topology) is not None, 10, "supervisord did not write its pid", topology)
        wait_ready(topology, timeout)
    except ProdError:
        _stop(topology)
        raise
    _prune_releases(topology, keep=[rid])
    return rid


def worker_pid_file(topology: Topology, name: str) -> Path:
    """The pid file the gunicorn master of one worker socket (``pages:pages-0``) writes."""
    return topology.run / "pids" / f"{name.split(':')[1]}.pid"


def orphans(topology: Topology) -> list[int]:
    """Processes of this run directory left without their supervisord (it was killed), all from
    this run's own pid files, each verified (:func:`pid_from_file`): nginx's master, every
    gunicorn master, and the worker each master forked; and nginx's processes left without
    their master (:func:`nginx_leftovers`). Never found by a process's name alone."""
    nginx = nginx_pid(topology)
    found = [nginx] if nginx else []
    found += nginx_leftovers(topology)
    for pid_file in sorted((topology.run / "pids").glob("*.pid")):
        socket_path = topology.run / "sockets" / f"{pid_file.stem}.sock"
        master = pid_from_file(pid_file, f" --bind unix:{socket_path} ")
        if master:
            found += [master, *children(master)]
    return sorted(set(found))


def _parent(pid: int) -> int | None:
    try:
        # /proc/<pid>/stat: "pid (command) state ppid ..."; the command may contain spaces.
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def nginx_leftovers(topology: Topology) -> list[int]:
    """nginx's processes of this run directory that no nginx master of it owns: the workers (and
    cache processes) that a master killed by force leaves. They go on serving the old
    configuration on the port, so the master supervisord starts in its place cannot bind it and
    is restarted again and again, and after a stop the next start found the port "in use".

    Found by what they hold open, this run's own nginx logs (``<run>/logs/nginx-*``), and by
    nginx's title for them (``nginx: worker process``); a child of the master in the pid file,
    or of supervisord (a master starting), is not one.
    """
    logs = f"{topology.run / 'logs'}/nginx-"
    owners = {pid for pid in (nginx_pid(topology), supervisord_pid(topology)) if pid}
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in owners:
            continue
        command = command_line(int(entry.name))
        if not command or not command.startswith(" nginx: ") or _parent(int(entry.name)) in owners:
            continue
        if any(target.startswith(logs) for target in _open_files(entry)):
            found.append(int(entry.name))
    return sorted(found)


def _open_files(process: Path) -> list[str]:
    """What the process ``/proc/<pid>`` holds open (paths, ``socket:[n]``, ...); [] when it has
    gone or is not ours to read."""
    try:
        descriptors = list((process / "fd").iterdir())
    except OSError:
        return []
    held = []
    for descriptor in descriptors:
        with contextlib.suppress(OSError):  # closed meanwhile
            held.append(os.readlink(descriptor))
    return held


def _end(targets: list[int], timeout: float, also: list[int] = ()) -> None:
    """SIGTERM ``targets``, wait up to ``timeout`` seconds, then SIGKILL whatever of them and of
    ``also`` (their children, which would outlive a killed parent) still runs."""
    for target in targets:
        with contextlib.suppress(ProcessLookupError):
            os.kill(target, signal.SIGTERM)
            # A stopped process (SIGSTOP, ^Z) acts on SIGTERM only once continued: without this,
            # a stopped supervisord was waited for in vain, then killed, its programs orphaned.
            os.kill(target, signal.SIGCONT)
    deadline = time.monotonic() + timeout
    while any(pid_alive(t) for t in targets) and time.monotonic() < deadline:
        time.sleep(0.1)
    for target in [*targets, *also]:
        if pid_alive(target):
            with contextlib.suppress(ProcessLookupError):
                os.kill(target, signal.SIGKILL)


def stop(topology: Topology, timeout: float = 30, lock_wait: float = LOCK_WAIT) -> bool:
    """Stop supervisord and everything it runs (gracefully, then by force after ``timeout``),
    then whatever of this run directory's processes is left (:func:`orphans`): those of a
    supervisord that was killed before, or that had to be killed now, which leaves its programs
    running.

    Returns False when nothing was running. Only this run directory's processes are touched:
    those its own pid files name, and nginx's that hold its logs open (:func:`orphans`). Holds ``switch.lock`` (:func:`switch_lock`): a stop during a switch
    or start waits up to ``lock_wait`` seconds for it to end, then stops what it left.
    """
    if not topology.run.is_dir():
        return False
    with switch_lock(topology, "stop", wait=lock_wait):
        return _stop(topology, timeout)


def _stop(topology: Topology, timeout: float = 30) -> bool:
    pid = supervisord_pid(topology)
    if pid:
        _end([pid], timeout)  # supervisord stops its programs, then itself
    left = orphans(topology)
    if left:
        nginx = nginx_pid(topology)
        # nginx's workers: a master killed by force leaves them listening on the port.
        _end(left, timeout, also=children(nginx) if nginx else [])
    return bool(pid or left)


def restart_worker(topology: Topology, name: str, timeout: float = 60) -> None:
    """Restart one worker (``pages:pages-0``: its gunicorn master, which preloads the release
    ``current`` points to, and so its worker) gracefully and wait until it answers again.

    The worker finishes the requests it has; meanwhile nginx sends new ones to the others.
    """
    # supervisorctl restart returns once the master has stopped (stopwaitsecs at most) and started.
    supervisorctl(topology, "restart", name, timeout=topology.graceful_seconds + 5 + timeout)
    path = topology.run / "sockets" / f"{name.split(':')[1]}.sock"
    _wait(lambda: worker_answers(path), timeout, f"{name} did not answer after its restart", topology)


def reload_nginx(topology: Topology) -> None:
    """Reload nginx's configuration without dropping a request (SIGHUP to its master)."""
    check_nginx(topology)
    supervisorctl(topology, "signal", "HUP", "nginx")


def served_release(topology: Topology) -> str | None:
    """The release nginx announces (its ``X-Release`` header on the health check, which is
    never cached), or None when it does not answer."""
    import httpx

    try:
        response = httpx.get(topology.base_url + "/-/health.json", timeout=5)
    except httpx.HTTPError:
        return None
    return response.headers.get("x-release")


@contextlib.contextmanager
def switch_lock(topology: Topology, action: str = "switch", wait: float = 0):
    """Hold ``<run>/switch.lock`` (flock: the kernel releases it when its holder ends, however)
    while ``action`` (``start``, ``switch``, ``stop``) runs: one of them at a time per run
    directory. With ``wait`` 0 (a switch), ProdError at once when another holds it; otherwise wait
    up to ``wait`` seconds for it to end (a start or stop), then ProdError.

    Two switches at once restarted the same workers and rewrote the same configuration, each
    undoing the other, and each reported its own release as served; a stop during a switch killed
    the workers the switch was restarting, and the switch then restarted them under a supervisord
    that was going away.
    """
    path = topology.run / "switch.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
            words = os.pread(descriptor, 64, 0).decode(errors="replace").split()
            holder = words[0] if words else "unknown"
            other = words[1] if len(words) > 1 else "switch"
            waited = f" for {wait:g} s" if wait else ""
            raise ProdError(
                f"another {other} is running (pid {holder}, holding {path}{waited}): wait until it ends, "
                f"then check with {topology.make('prod-status')}"
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()} {action}\n".encode(), 0)
        yield
    finally:
        os.close(descriptor)  # releases the lock; the file stays, so no second lock file appears


def lock_holder(topology: Topology) -> tuple[int, str] | None:
    """The pid and action (``switch``, ``start``, ``stop``) holding ``<run>/switch.lock`` now, or
    None (:func:`switch_holder`, and the action the holder wrote into the file)."""
    pid = switch_holder(topology)
    if pid is None:
        return None
    try:
        words = (topology.run / "switch.lock").read_text(errors="replace").split()
    except OSError:
        words = []
    return pid, words[1] if len(words) > 1 and words[0] == str(pid) else "switch"


def switch_holder(topology: Topology) -> int | None:
    """The pid of the switch holding ``<run>/switch.lock`` now, or None. Read from the kernel's
    table of locks (/proc/locks), not by taking the lock: a status taking it, however briefly,
    would have a switch started at that moment refused."""
    try:
        found = os.stat(topology.run / "switch.lock")
        table = Path("/proc/locks").read_text()
    except OSError:
        return None
    device = f"{os.major(found.st_dev):02x}:{os.minor(found.st_dev):02x}:{found.st_ino}"
    for line in table.splitlines():
        # "1: FLOCK  ADVISORY  WRITE 16864 fe:00:2326838 0 EOF"; one waiting for it has "->" after "1:"
        parts = line.split()
        if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5] == device and parts[4].isdigit():
            return int(parts[4])
    return None


def release_report(topology: Topology) -> str:
    """Which release is served, for ``prod status``: the one nginx announces, and where
    ``current`` points when that differs (a switch running, or one that stopped part way).
    ``current`` alone said the new release was served from the moment a switch moved it, while
    nginx and the workers not yet restarted still served the old one."""
    current, served = current_release(topology), served_release(topology)
    if served is None:
        return f"release {current} (current; nginx announces none: it does not answer)"
    if served == current:
        return f"release {served}"
    holder = switch_holder(topology)
    if holder is not None:
        return (
            f"release {served} (nginx), switching to {current} (switch pid {holder}): until it ends, "
            "a restarted worker serves the new release"
        )
    return (
        f"release {served} (nginx), but current -> {current}: a switch stopped part way (workers restarted "
        f"since serve the new release); run {topology.make('prod-switch')} again to finish it"
    )


def switch_release(
    topology: Topology,
    build_dir: Path = BUILD,
    dist: Path = DIST,
    timeout: float = 60,
    announce_timeout: float = 10,
) -> str:
    """Serve a new release without failing a request; return its id.

    1. stage ``build_dir`` and ``dist`` under ``<run>/releases/<id>/`` and check that the app
       serves it (:func:`check_release`);
    2. move the ``current`` symlink to it (one rename);
    3. restart the workers one at a time, each after the previous one answers again (each
       worker's gunicorn master resolves ``current`` when it starts; nginx retries a refused
       connection on another worker);
    4. write the release id into nginx's configuration and reload it, and wait (up to
       ``announce_timeout`` seconds) until nginx announces it (``X-Release``): from then on nginx
       serves the new downloads and keys its cache on the new id.

    Switching to the release already served (``current`` and nginx both name it) does nothing;
    a switch that stopped part way is finished by running it again. ProdError when the topology
    is not running, the release cannot be staged or the app refuses it (then nothing changes),
    or a worker does not come back within ``timeout`` seconds or nginx does not announce the
    release: then the message says which release ``current``, each worker and nginx are on.
    One switch at a time (:func:`switch_lock`): a second one is refused, and changes nothing.
    """
    if not supervisord_pid(topology):
        raise ProdError(f"not running: {topology.make('prod')} first")
    with switch_lock(topology, "switch"):
        return _switch(topology, build_dir, dist, timeout, announce_timeout)


def _switch(topology: Topology, build_dir: Path, dist: Path, timeout: float, announce_timeout: float) -> str:
    previous = current_release(topology)
    rid = stage_release(topology, build_dir, dist)
    if rid == previous and served_release(topology) == rid:
        return rid
    check_release(topology, rid)
    _point_current(topology, rid)
    restarted: list[str] = []
    try:
        for name in topology.worker_names():
            restarting = name
            restart_worker(topology, name, timeout)
            restarted.append(name)
        restarting = None
        _write_configuration(topology, rid)
        reload_nginx(topology)
        _wait(
            lambda: served_release(topology) == rid,
            announce_timeout,
            f"nginx did not announce release {rid} after its reload",
            topology,
        )
    except ProdError as error:
        raise ProdError(_partial_switch(topology, rid, previous, restarted, restarting, error)) from None
    _prune_releases(topology, keep=[rid, previous] if previous else [rid])
    return rid


def _partial_switch(
    topology: Topology, rid: str, previous: str | None, restarted: list[str], restarting: str | None, error
) -> str:
    waiting = [name for name in topology.worker_names() if name not in restarted and name != restarting]
    served = served_release(topology)
    return "; ".join(
        [
            f"the switch to {rid} stopped part way: {str(error).splitlines()[0]}",
            f"current -> {rid} (a worker that starts serves it)",
            f"restarted on {rid}: {', '.join(restarted) or 'none'}",
            *([f"restarting, not answering yet: {restarting}"] if restarting else []),
            f"not restarted, still on {previous}: {', '.join(waiting) or 'none'}",
            f"nginx announces {served if served else 'nothing (no answer)'}",
            f"run {topology.make('prod-switch')} again to finish it",
        ]
    )
