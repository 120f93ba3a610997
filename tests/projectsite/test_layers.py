"""The layers devtools > reports > tasks > units > projectsite hold, and nothing imports in a circle.

``make lint`` (so CI) runs ``lint-imports`` with the contracts of pyproject.toml. These tests run it
on the tree as it is, which must pass, and on a copy of the tree with one forbidden import added,
which must fail and name the import.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("projectsite", "units", "tasks", "reports", "devtools")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> tuple[int, str]:
    """Run lint-imports in ``cwd`` (its pyproject.toml, its packages); the exit code and the output."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["COLUMNS"] = "300"  # one line per finding, whatever the terminal
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    return done.returncode, " ".join((done.stdout + done.stderr).split())


def python_files_only(directory: str, names: list[str]) -> set[str]:
    return {
        name
        for name in names
        if name == "__pycache__" or (not name.endswith(".py") and not Path(directory, name).is_dir())
    }


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the packages' Python files with the contracts as committed (pyproject.toml)."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=python_files_only)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_the_layers_and_has_no_circles():
    code, output = lint_imports(ROOT)
    assert code == 0, output
    assert "Contracts: 2 kept, 0 broken." in output


@pytest.mark.parametrize(
    "module, line, finding",
    [
        ("tasks/_back_edge.py", "from reports import selectors", "tasks is not allowed to import reports"),
        ("units/_back_edge.py", "from tasks.models import Assignment", "units is not allowed to import tasks"),
        ("reports/_back_edge.py", "from devtools import bench", "reports is not allowed to import devtools"),
        ("projectsite/_back_edge.py", "from units.models import Unit", "projectsite is not allowed to import units"),
        # inside a function, as tasks used to import the decision mails of reports
        ("tasks/_back_edge.py", "def notify():\n    from reports import decision_mails", "tasks is not allowed"),
    ],
)
def test_an_import_up_the_layers_fails_the_lint(tree, module, line, finding):
    (tree / module).write_text(line + "\n")
    code, output = lint_imports(tree)
    assert code == 1, output
    assert finding in output
    assert module.removesuffix(".py").replace("/", ".") + " -> " in output  # names the offending import
    assert "Contracts: 1 kept, 1 broken." in output


def test_a_circle_between_the_modules_of_an_app_fails_the_lint(tree):
    """The outbox must not import the jobs that call it (it enqueues the delivery job by name)."""
    outbox = tree / "reports" / "outbox.py"
    outbox.write_text(outbox.read_text() + "\nfrom reports import jobs  # noqa: E402\n")
    code, output = lint_imports(tree)
    assert code == 1, output
    assert "No cycles are allowed in reports" in output
    assert "Contracts: 1 kept, 1 broken." in output
