"""The data files' hashes taken in a thread as a command starts (disclosures/data_hashes.py): the
validation key takes them, and with ``keep`` validation parses the very bytes they were taken of,
each file read and hashed once."""

import hashlib
import json
import subprocess
import sys

from disclosures import arrow_validate, data_hashes, paths, release_records, stamp, validate
from tests.packages import make_package


def resource_paths(package):
    return [r["path"] for r in json.loads(package.read_text(encoding="utf-8"))["resources"]]


def test_the_hashes_are_each_files_sha256_and_the_key_takes_them(tmp_path):
    package = make_package(tmp_path / "package")
    hashes = data_hashes.DataHashes(package)
    digests = hashes.digests()
    assert digests == {
        path: "sha256:" + hashlib.sha256((package.parent / path).read_bytes()).hexdigest()
        for path in resource_paths(package)
    }
    assert hashes.kept() == {}  # nothing kept unless asked
    assert stamp.current_key(package, digests) == stamp.current_key(package)


def test_the_key_hashes_no_file_it_is_given_the_hash_of(tmp_path, monkeypatch):
    package = make_package(tmp_path / "package")
    digests = data_hashes.DataHashes(package).digests()
    first = next(iter(digests))
    hashed = []

    def counted(path):
        hashed.append(path.name)
        return hashlib.sha256(path.read_bytes()).hexdigest()

    monkeypatch.setattr(release_records, "sha256_file", counted)
    stamp.validation_key(package, digests)
    assert hashed == []
    del digests[first]
    stamp.validation_key(package, digests)
    assert hashed == [first.rsplit("/", 1)[-1]]


def test_what_cannot_be_read_gives_no_hash_and_never_raises(tmp_path):
    package = make_package(tmp_path / "package")
    first, *others = resource_paths(package)
    (package.parent / first).unlink()
    digests = data_hashes.DataHashes(package, keep=True).digests()
    assert first not in digests and set(others) <= set(digests)
    # The key then reads the file itself, and says it cannot (validation reports why).
    assert stamp.current_key(package, digests) is None
    for text in ("not json", "[]", '{"resources": 3}', '{"resources": [3, {"path": 4}]}'):
        package.write_text(text, encoding="utf-8")
        hashes = data_hashes.DataHashes(package, keep=True)
        assert hashes.digests() == {} and hashes.kept() == {}
    assert data_hashes.DataHashes(tmp_path / "none.json").digests() == {}


def test_a_path_the_os_cannot_be_given_is_left_to_validation_without_a_traceback(tmp_path):
    # A NUL or a lone surrogate in a path: open() raises ValueError, not OSError. The thread
    # printed its traceback before validation's message (a break test).
    package = make_package(tmp_path / "package")
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    descriptor["resources"][0]["path"] = "data/fig\u0000ures.csv"
    descriptor["resources"][1]["path"] = "data/\ud800.csv"
    package.write_text(json.dumps(descriptor), encoding="utf-8")
    for keep in (False, True):
        digests = data_hashes.DataHashes(package, keep=keep).digests()
        assert set(digests) == {r["path"] for r in descriptor["resources"][2:]}
    done = subprocess.run(
        [
            sys.executable,
            str(paths.ROOT / "scripts" / "cli.py"),
            "validate",
            str(package),
            "--out",
            str(tmp_path / "s"),
        ],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "must name a file inside the package" in done.stderr


def test_kept_bytes_are_the_files_and_one_too_large_for_arrow_is_only_hashed(tmp_path, monkeypatch):
    package = make_package(tmp_path / "package")
    sizes = {path: (package.parent / path).stat().st_size for path in resource_paths(package)}
    largest = max(sizes, key=sizes.get)
    monkeypatch.setattr(data_hashes, "KEPT_BYTES_LIMIT", sizes[largest] - 1)
    hashes = data_hashes.DataHashes(package, keep=True)
    kept, digests = hashes.kept(), hashes.digests()
    assert set(kept) == set(sizes) - {largest}
    for path, (data, digest) in kept.items():
        assert data == (package.parent / path).read_bytes()
        assert digests[path] == "sha256:" + digest
    assert digests[largest] == "sha256:" + hashlib.sha256((package.parent / largest).read_bytes()).hexdigest()


def test_validation_parses_the_kept_bytes_rather_than_the_files(tmp_path, monkeypatch):
    package = make_package(tmp_path / "package")
    hashes = data_hashes.DataHashes(package, keep=True)
    key = stamp.current_key(package, hashes.digests())
    read = hashes.kept()
    parsed = []
    read_strings = arrow_validate.read_strings

    def recorded(path, names, digests=None, kept=None):
        parsed.append((path.name, kept is not None))
        return read_strings(path, names, digests, kept)

    monkeypatch.setattr(arrow_validate, "read_strings", recorded)
    # The files are no longer on disk: only the kept bytes can be parsed.
    files = {path: (package.parent / path).read_bytes() for path in resource_paths(package)}
    for path in files:
        (package.parent / path).write_bytes(b"")
    typed: list = []
    assert validate.proved_valid(package, typed, read=read)
    assert sorted(parsed) == sorted((path.rsplit("/", 1)[-1], True) for path in files)
    assert read == {}  # each taken out as it was parsed
    # What validation hands over names the bytes the key hashed; the emptied files are not them.
    assert set(typed[0]["inputs"]) == {*files, "datapackage.json"}
    assert all(key["inputs"][path] == digest for path, digest in typed[0]["inputs"].items())
    assert not stamp.still_current(package, key, typed[0]["inputs"])
    for path, data in files.items():
        (package.parent / path).write_bytes(data)
    assert stamp.still_current(package, key, typed[0]["inputs"])


def test_validate_package_lets_go_of_the_kept_bytes_before_the_slow_path(tmp_path):
    package = make_package(tmp_path / "package", "period_order")  # not proved by Arrow
    hashes = data_hashes.DataHashes(package, keep=True)
    read = hashes.kept()
    assert read
    assert validate.validate_package(package, typed=[], read=read)
    assert read == {}


def test_the_validate_command_records_the_rows_of_the_bytes_it_hashed_once(tmp_path):
    # The command as make runs it: each data file read once (by the hashing thread), and the
    # build then takes the rows handed over.
    site = tmp_path / "site"
    probe = (
        "import sys, runpy, builtins\n"
        "import os\n"
        "from pathlib import Path\n"
        f"figures = {str(paths.ROOT / 'data' / 'figures.csv')!r}\n"
        "opened = []\n"
        "real = builtins.open\n"
        "def counting(file, *a, **k):\n"
        "    if isinstance(file, (str, Path)) and os.path.abspath(file) == figures: opened.append(file)\n"
        "    return real(file, *a, **k)\n"
        "builtins.open = counting\n"
        "import io, os; io.open = counting\n"
        # Files are opened without waiting, as regular files only (files.open_regular): os.open.
        "real_os_open = os.open\n"
        "def counting_os(file, *a, **k):\n"
        "    if isinstance(file, (str, Path)) and os.path.abspath(file) == figures: opened.append(file)\n"
        "    return real_os_open(file, *a, **k)\n"
        "os.open = counting_os\n"
        # The command ends through os._exit (no teardown): the count is printed on the way.
        "ending = os._exit\n"
        "def counted_exit(code):\n"
        "    print('opened', len(opened), flush=True)\n"
        "    ending(code)\n"
        "os._exit = counted_exit\n"
        f"sys.argv = ['cli.py', 'validate', {str(paths.PACKAGE)!r}, '--out', {str(site)!r}]\n"
        f"runpy.run_path({str(paths.ROOT / 'scripts' / 'cli.py')!r}, run_name='__main__')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=paths.ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (site / stamp.ROWS_FILE).exists()
    # Once, by the hashing thread: validation parses the bytes it read (before, the key hashed the
    # file and validation read it again); still_current hashes it once more at the end.
    assert done.stdout.split()[-2:] == ["opened", "2"], done.stdout
