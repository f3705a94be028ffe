"""scripts/setup-machine.sh, which `make test` and .ci/run call first: quiet when the machine
has everything, and without root one line saying what to install — never an install.

The script runs for real, with a PATH of links to this machine's commands, less the ones a
case takes away, and an `id` that answers an ordinary user's id (so nothing is installed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "setup-machine.sh"


def run_setup(tmp_path: Path, without: tuple[str, ...] = (), **env) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not Path(folder).is_dir():
            continue
        for command in Path(folder).iterdir():
            link = bin_dir / command.name
            if command.name not in without and not link.exists():
                link.symlink_to(command)
    fake_id = bin_dir / "id"
    fake_id.unlink(missing_ok=True)
    fake_id.write_text("#!/bin/sh\necho 1000\n")
    fake_id.chmod(0o755)
    return subprocess.run(
        ["bash", str(SCRIPT)],
        env={"PATH": str(bin_dir), "PYTHON": sys.executable, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_machine_with_everything_passes_quietly(tmp_path):
    result = run_setup(tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_without_root_a_missing_package_is_one_line_saying_what_to_install(tmp_path):
    result = run_setup(tmp_path, without=("zbarimg", "msgfmt"))

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "setup-machine: missing zbar-tools gettext: install them "
        "(Debian: sudo apt-get install zbar-tools gettext), then run this again"
    ]


def test_a_database_the_tests_cannot_reach_is_one_line_saying_so(tmp_path):
    url = "postgresql://postgres@127.0.0.1:5432/no_such_database_here"

    result = run_setup(tmp_path, PG_ADMIN=url)

    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"setup-machine: cannot connect to {url} as the tests do: ")
