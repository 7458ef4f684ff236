"""Synthetic data packages of any size, for benchmarks only: never published, never in data/.

``write_package(target, figures)`` copies the real package and grows ``figures.csv`` to
``figures`` rows with generated figures of made-up platforms (``synthetic_00`` ...), so every
real reference still holds and no generated row collides with a real one. Generated figures
are yearly exact counts of two metrics, with a quote that contains the value: valid under every
rule, and the same shape of work per row as the real figures. The same ``seed`` gives the same
bytes.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path

from .paths import PACKAGE

PLATFORMS = 40
YEARS = range(1995, 2025)
METRICS = ("accounts_specified", "requests_received")
SOURCE_ID = "synthetic-benchmark-report"


def _real_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _row(header: list[str], **cells: str) -> list[str]:
    """A row in ``header``'s column order; columns not named are empty. Raises KeyError for a
    name the header lacks, so a renamed column fails loudly here rather than in validation."""
    unknown = set(cells) - set(header)
    if unknown:
        raise KeyError(f"not in the header: {sorted(unknown)}")
    return [cells.get(name, "") for name in header]


def _write(path: Path, header: list[str], rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _capacity(jurisdictions: int, request_types: int) -> int:
    """How many figures the made-up platforms can hold over these jurisdictions and request types."""
    return PLATFORMS * jurisdictions * len(YEARS) * request_types * len(METRICS)


def sizes(source: Path = PACKAGE) -> tuple[int, int]:
    """The fewest and the most figures ``write_package`` makes from ``source``: its real figures,
    and those with every figure the made-up platforms can hold."""
    data = Path(source).parent / "data"
    real = len(_real_rows(data / "figures.csv")[1])
    jurisdictions = len(_real_rows(data / "jurisdictions.csv")[1])
    request_types = len(_real_rows(data / "request_types.csv")[1])
    return real, real + _capacity(jurisdictions, request_types)


def write_package(target: Path, figures: int, seed: int = 0, source: Path = PACKAGE) -> Path:
    """A package in ``target`` with ``figures`` figures (at least the real ones); its descriptor's path.

    Raises ValueError when ``figures`` exceeds what the made-up platforms can hold.
    """
    target = Path(target)
    descriptor = json.loads(Path(source).read_text(encoding="utf-8"))
    (target / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target / "datapackage.json")
    for resource in descriptor["resources"]:
        shutil.copy(Path(source).parent / resource["path"], target / resource["path"])

    jurisdictions = [row[0] for row in _real_rows(target / "data" / "jurisdictions.csv")[1]]
    request_types = [row[0] for row in _real_rows(target / "data" / "request_types.csv")[1]]
    header, real = _real_rows(target / "data" / "figures.csv")
    wanted = figures - len(real)
    capacity = _capacity(len(jurisdictions), len(request_types))
    if wanted > capacity:
        raise ValueError(f"at most {capacity + len(real)} figures can be generated")

    platforms = [f"synthetic_{i:02d}" for i in range(PLATFORMS)]
    header_p, rows_p = _real_rows(target / "data" / "platforms.csv")
    rows_p += [
        _row(
            header_p,
            platform_id=p,
            name=f"Synthetic {p[-2:]}",
            operator="Benchmark",
            headquarters_country="US",
            transparency_report_url="https://example.org/transparency",
            not_reported="Nothing.",
            cadence="yearly",
        )
        for p in platforms
    ]
    _write(target / "data" / "platforms.csv", header_p, sorted(rows_p))
    header_s, rows_s = _real_rows(target / "data" / "sources.csv")
    rows_s.append(
        _row(
            header_s,
            source_id=SOURCE_ID,
            title="Synthetic benchmark report",
            publisher="Benchmark",
            url="https://example.org/report",
            retrieved_date="2026-01-01",
            kind="platform_report",
            tier="platform_file",
        )
    )
    _write(target / "data" / "sources.csv", header_s, sorted(rows_s))

    rng = random.Random(seed)
    generated = []
    # Spread the rows over every platform and jurisdiction before adding years and request types.
    for index in range(wanted):
        platform = platforms[index % PLATFORMS]
        rest = index // PLATFORMS
        jurisdiction = jurisdictions[rest % len(jurisdictions)]
        rest //= len(jurisdictions)
        year = YEARS[rest % len(YEARS)]
        rest //= len(YEARS)
        metric = METRICS[rest % len(METRICS)]
        request_type = request_types[rest // len(METRICS)]
        value = rng.randrange(0, 200_000)
        generated.append(
            _row(
                header,
                figure_id=f"{platform}-{jurisdiction.lower()}-{year}-{request_type}-{metric}",
                platform_id=platform,
                jurisdiction_id=jurisdiction,
                period_start=f"{year}-01-01",
                period_end=f"{year}-12-31",
                request_type_id=request_type,
                metric_id=metric,
                value_kind="exact",
                value=str(value),
                platform_wording="Requests" if metric == "requests_received" else "Accounts specified",
                source_id=SOURCE_ID,
                quote=f"In {year}, {platform} received {value:,} {request_type} requests from authorities in {jurisdiction}.",
            )
        )
    rows = real + generated
    rows.sort(key=lambda row: row[0])
    _write(target / "data" / "figures.csv", header, rows)
    return target / "datapackage.json"
