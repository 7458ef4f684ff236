"""The README names real files and real commands."""

import json
import re
import shutil
import sqlite3

import yaml

from disclosures import paths, readme, versioning
from disclosures.release_records import recorded_releases
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
    assert len(paths) > 5
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert missing == []


def test_the_verify_commands_go_into_no_fixed_release_folder():
    # They began "cd dist/1.0.0": a clone can release only its package's version, so once that
    # was 1.2.0 the first command failed (no such folder) for anyone following them.
    block = re.search(r"\*\*Verify\*\* what you downloaded.*?```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands[0] == "sha256sum -c --ignore-missing SHA256SUMS"
    assert not re.search(r"dist/\d+\.\d+\.\d+", block)


def test_every_make_target_the_readme_names_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"(?m)^([a-z]+):", makefile))
    named = set(re.findall(r"`make ([a-z]+)`", README))
    assert named and named <= targets


def test_the_code_tree_lists_every_module_and_nothing_else():
    block = re.search(r"## The code\n\n```\n(.*?)```", README, re.S).group(1)
    listed, folder, entries = set(), None, []
    for line in block.splitlines():
        name = line.split()[0] if line.strip() else ""
        if not line.startswith(" ") and name.endswith("/"):
            folder = name
        elif line.startswith("  ") and name.endswith(".py"):
            entries.append(folder + name)
        elif not line.startswith(" ") and name.endswith(".py"):
            entries.append(name)
    listed = set(entries)
    assert sorted(entries) == sorted(listed), "a module is listed twice"
    modules = {
        p.relative_to(ROOT).as_posix()
        for folder in ("disclosures", "plugins", "scripts")
        for p in (ROOT / folder).glob("*.py")
        if p.name != "__init__.py"
    }
    assert listed == modules


def test_the_readme_shows_the_stock_datasette_command_make_serve_runs():
    from disclosures import site

    shown = re.search(r"(datasette serve build .*?)\n```", README, re.S).group(1)
    words = shown.replace("\\\n", " ").split()
    expected = ["datasette", "serve", *site.datasette_arguments(ROOT / "build", ROOT / "no-dist")]
    expected = [w.replace(str(ROOT) + "/", "") for w in expected]
    assert [w for w in words if not w.startswith("[") and not w.endswith("]")] == expected


def test_adding_a_figure_says_how_to_see_it_on_the_site():
    # A curator who followed the steps had no step that showed the figure: make serve, its page,
    # and that a running server keeps serving the build it started with.
    steps = README.split("## Adding a figure", 1)[1].split("\n### ", 1)[0]
    assert "`make serve`" in steps and "`/figure/<figure_id>`" in steps and "Ctrl-C" in steps


def test_the_readme_names_every_facet_of_the_figures_table():
    # It named six and left out source_tier, the seventh metadata.yml lists.
    facets = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))["databases"]["disclosures"]["tables"][
        "figures"
    ]["facets"]
    words = {
        "platform_id": "platform",
        "jurisdiction_id": "jurisdiction",
        "metric_id": "metric",
        "request_type_id": "request type",
        "period_label": "period",
        "period_kind": "period kind",
        "source_tier": "source tier",
    }
    line = re.search(r"\*\*Figures\*\*: faceted by ([^(]+)\(", (ROOT / "README.md").read_text(encoding="utf-8"))
    named = [name.strip() for name in re.split(r",| and ", " ".join(line.group(1).split()))]
    assert named == [words[facet] for facet in facets]


def release_steps_block(text: str) -> str:
    return text.split("<!-- generated:release-steps -->\n", 1)[1].split("\n<!-- /generated:", 1)[0]


def test_the_readme_says_every_schema_change_behind_each_release_step(real_db):
    # The README said 1.0.0 was major because columns were added to platforms and sources: typed,
    # it left out jurisdictions.other_names and the tables cases, source_files and source_tiers.
    with sqlite3.connect(real_db) as conn:
        assert readme.render(README, conn, {"release-steps": readme.release_steps}) == README, "run make readme"
    block = release_steps_block(README)
    recorded = recorded_releases(paths.RELEASES)
    followed = [(v, m) for v, m in recorded.items() if m.get("previous")]
    assert followed
    for version, manifest in followed:
        paragraph = next(p for p in block.split("\n\n") if p.startswith(f"{version} (after {manifest['previous']})"))
        step = versioning.bump_kind(manifest["previous"], version)
        assert f"is a {step} step" in paragraph
        for d in versioning.schema_differences(recorded[manifest["previous"]]["schema"], manifest["schema"]):
            assert f"`{d['table']}`" in paragraph, d
            for column in d.get("added", []) + d.get("removed", []):
                assert f"`{column}`" in paragraph, (d["table"], column)
        for kind in ("added", "changed", "removed"):
            if manifest["counts"][kind]:
                assert re.search(rf"\b{kind} [^.]*\b{manifest['counts'][kind]:,} figures", paragraph), kind


def test_a_release_step_names_a_removed_table_a_retyped_column_and_a_new_key(tmp_path):
    releases = tmp_path / "releases"
    shutil.copytree(paths.RELEASES, releases)
    (version, manifest), *_ = [(v, m) for v, m in recorded_releases(releases).items() if m.get("previous")]
    schema = dict(manifest["schema"])
    removed = sorted(schema)[0]
    del schema[removed]
    before = recorded_releases(releases)[manifest["previous"]]["schema"]
    retyped = next(t for t in sorted(schema) if t in before and len(schema[t]["fields"]) > 1)
    column = schema[retyped]["fields"][1].partition(":")[0]
    key = [schema[retyped]["fields"][0].partition(":")[0], column]
    fields = [f"{column}:geojson" if f.startswith(f"{column}:") else f for f in schema[retyped]["fields"]]
    schema[retyped] = {"fields": fields, "primaryKey": key}
    (releases / version / "manifest.json").write_text(json.dumps({**manifest, "schema": schema}), encoding="utf-8")
    said = readme.release_steps(None, releases)
    assert f"the table `{removed}` was removed" in said
    assert f"`{retyped}`'s `{column}` changed from" in said and "to geojson" in said
    assert f"`{retyped}`'s key changed from" in said and f"to {readme.names(key)}" in said


def test_every_command_and_group_of_the_command_line_shows_an_example_in_its_help():
    # The README says every verb's --help has an example; `cli.py --help` and `cli.py prod
    # --help`, the first a newcomer types, had none.
    import click
    from click.testing import CliRunner

    from tests.conftest import cli_module

    cli = cli_module().cli

    def walk(command, words):
        yield words
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                yield from walk(sub, [*words, name])

    lacking = []
    for words in walk(cli, []):
        result = CliRunner().invoke(cli, [*words, "--help"])
        assert result.exit_code == 0, (words, result.output)
        if not re.search(r"^  Example\b[^:]*:$", result.output, re.M):
            lacking.append(" ".join(["cli.py", *words]))
    assert lacking == []
