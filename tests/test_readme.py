"""The README names real files and real commands."""

import re

from tests.packages import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_first_commands_are_make_serve_and_make_test():
    block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands[:2] == ["make serve", "make test"]


def test_every_path_the_readme_names_exists():
    paths = set(
        re.findall(r"`((?:scripts|disclosures|plugins|data|tests|static|templates|releases)/[\w./-]*)`", README)
    )
    assert len(paths) > 10
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert missing == []


def test_every_make_target_the_readme_names_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"(?m)^([a-z]+):", makefile))
    named = set(re.findall(r"`make ([a-z]+)`", README))
    assert named and named <= targets
