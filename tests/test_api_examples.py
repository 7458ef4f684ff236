"""Every example on the /api page, run against a live server as a reader would run it."""

import os
import shutil
import subprocess
import sys

import pytest
import yaml

from disclosures import paths

EXAMPLES = yaml.safe_load(paths.API_EXAMPLES.read_text(encoding="utf-8"))["examples"]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_api_example_runs_and_prints_what_it_promises(example, live_server, tmp_path):
    code = example["code"].replace("{base}", live_server)
    if example["language"] == "shell":
        if shutil.which("curl") is None:
            pytest.fail("curl is needed to run the shell examples (apt-get install curl)")
        command = ["bash", "-euo", "pipefail", "-c", code]
    else:
        command = [sys.executable, "-c", code]
    run = subprocess.run(
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert run.returncode == 0, run.stderr
    assert example["expect"] in run.stdout, run.stdout[:2000]


def test_pagination_example_sees_every_row(live_server, real_db, tmp_path):
    from tests.conftest import rows

    example = next(e for e in EXAMPLES if e["id"] == "pagination")
    run = subprocess.run(
        [sys.executable, "-c", example["code"].replace("{base}", live_server)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout.strip() == f"rows: {rows(real_db, 'SELECT count(*) FROM figures')[0][0]}"
