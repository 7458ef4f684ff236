"""How to cite a release: CITATION.cff (written with a YAML library) and a BibTeX entry."""

from __future__ import annotations

import re

import yaml

from .safety import contributor_name

DEFAULT_AUTHOR = "Platform Disclosures maintainers"
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def is_author(contributor: dict) -> bool:
    """True when a contributor's ``role`` (Data Package v1) is, or ``roles`` (v2) hold, "author".
    Without either the specification's default is "contributor": no author (validation asks for
    the role, since the citation read a missing one as "author")."""
    roles = contributor.get("roles")
    return contributor.get("role") == "author" or (isinstance(roles, list) and "author" in roles)


def author_names(descriptor: dict) -> list[str]:
    """The names of the contributors whose role is author, else ``DEFAULT_AUTHOR``."""
    contributors = descriptor.get("contributors")
    names = [
        contributor_name(c)
        for c in (contributors if isinstance(contributors, list) else [])
        if isinstance(c, dict) and is_author(c)
    ]
    return [name for name in names if name] or [DEFAULT_AUTHOR]


def citation_cff(descriptor: dict, version: str, released: str) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for ``version``, released on ``released`` (YYYY-MM-DD)."""
    citation = {
        "cff-version": "1.2.0",
        "message": "If you use these data, please cite this release as below.",
        "type": "dataset",
        "title": descriptor.get("title", ""),
        "version": version,
        "date-released": released,
        "abstract": descriptor.get("description", ""),
        "authors": [{"name": name} for name in author_names(descriptor)],
    }
    licence = (descriptor.get("licenses") or [{}])[0].get("name")
    if licence:
        citation["license"] = licence
    if descriptor.get("homepage"):
        citation["url"] = descriptor["homepage"]
    if descriptor.get("keywords"):
        citation["keywords"] = list(descriptor["keywords"])
    # Dates and versions stay strings: YAML would otherwise read 2025-07-15 as a date.
    return yaml.safe_dump(citation, sort_keys=False, allow_unicode=True, width=1000, default_style=None)


def _bib(text: str) -> str:
    return re.sub(r"([&%$#_{}])", r"\\\1", text)


def citation_bib(descriptor: dict, version: str, released: str) -> str:
    """A BibTeX @misc entry for ``version``, keyed ``<name>_<version>``."""
    year, month, _ = released.split("-")
    authors = " and ".join("{" + _bib(name) + "}" for name in author_names(descriptor))
    key = re.sub(r"[^a-z0-9]+", "_", f"{descriptor.get('name', 'dataset')}_{version}")
    licence = (descriptor.get("licenses") or [{}])[0].get("name", "")
    fields = [
        ("title", "{" + _bib(descriptor.get("title", "")) + "}"),
        ("author", authors),
        ("year", year),
        ("month", MONTHS[int(month) - 1]),
        ("date", released),
        ("version", version),
        ("url", descriptor.get("homepage", "")),
        ("note", f"Dataset, version {version}, released {released}" + (f". Licence: {licence}" if licence else "")),
    ]
    # A month is BibTeX's own macro (jan ... dec), unbraced: braced, "{dec}" prints as "dec".
    body = ",\n".join(
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}" for name, value in fields if value
    )
    return f"@misc{{{key},\n{body}\n}}\n"
