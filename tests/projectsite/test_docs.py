"""The documentation stays true to the code and inside the repository.

- No markdown file of the repository links outside it: a relative link resolves to a file or folder
  of the clone, and nothing names the machine's folders (``/work/``) or the material the project
  was written from (``shared/``).
- docs/ARCHITECTURE.md names no module that does not exist: every backticked path of a project
  file (``reports/outbox.py``, ``tests/security/``) is in the tree, and every backticked dotted name
  that starts with an app (``tasks.selectors.unit_assignments``, ``units.read_unit``,
  ``tasks.HistoryEntry``) imports, or is a registered permission, or a model. A module path is
  accepted as a file or as a package (``reports/views.py`` or ``reports/views/``).
- Its tables "| Module | Names |" list only names that the module defines, and every Celery job of
  an app's ``jobs.py`` is in its table of jobs by its name.

Only backticked text is read: prose, placeholders (``<app>``, ``*``, ``{…}``) and code blocks
are left alone.
"""

import importlib
import importlib.util
import re
from pathlib import Path

import pytest
import rules
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
APPS = ("projectsite", "units", "tasks", "reports", "devtools")
TOP_FOLDERS = (*APPS, "tests", "deploy", "data", "templates", "locale", "docs", "static")
SKIPPED_FOLDERS = {".git", ".venv", ".venv-tools", "var", "node_modules", "vendor"}
OUTSIDE = ("/work/", "shared/")
LINK = re.compile(r"\]\(([^)\s]+)\)")
BACKTICKED = re.compile(r"`([^`]+)`")
FENCED = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
PLACEHOLDER = re.compile(r"[<>*{}…]")
PATH = re.compile(r"^[\w.-]+(/[\w.-]+)*/?$")
DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")
IDENTIFIER = re.compile(r"^[A-Za-z_]\w*$")
FILE_SUFFIXES = (".py", ".md", ".html", ".txt", ".csv", ".toml", ".lock", ".sh", ".conf", ".cfg")


def markdown_files() -> list[Path]:
    return sorted(
        path for path in ROOT.rglob("*.md") if not SKIPPED_FOLDERS.intersection(path.relative_to(ROOT).parts[:-1])
    )


def outside_links(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = [f"names {word!r}" for word in OUTSIDE if word in text]
    for target in LINK.findall(text):
        if re.match(r"^([a-z]+:|#)", target):
            continue  # a web address, a mail address, an anchor of the same page
        resolved = (path.parent / target.split("#")[0]).resolve()
        if not resolved.is_relative_to(ROOT):
            found.append(f"links outside the repository: {target}")
        elif not resolved.exists():
            found.append(f"links to a missing file: {target}")
    return found


def names(text: str) -> list[str]:
    """The backticked words of a text that could name a project module, a call cut at its '('."""
    out = []
    for token in BACKTICKED.findall(FENCED.sub("", text)):
        token = token.split("(")[0].strip()
        if token and not PLACEHOLDER.search(token) and " " not in token:
            out.append(token)
    return out


def missing_path(token: str) -> bool:
    """A path of a project file or folder that the tree does not have."""
    if "/" not in token or not PATH.match(token) or token.split("/")[0] not in TOP_FOLDERS:
        return False
    path = ROOT / token
    if token.endswith(".py"):
        return not (path.is_file() or path.with_suffix("").joinpath("__init__.py").is_file())
    return not path.exists()


def resolve(dotted: str) -> object:
    """The object a dotted name names (module, then attributes), or raise LookupError. A module
    named whole is found without being imported (settings modules read the environment)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            spec = importlib.util.find_spec(".".join(parts[:cut]))
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            continue
        if cut == len(parts):
            return spec
        found = importlib.import_module(".".join(parts[:cut]))
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                raise LookupError(dotted)
            found = getattr(found, attribute)
        return found
    raise LookupError(dotted)


def missing_dotted(token: str) -> bool:
    """A dotted name starting with an app that is neither code, a permission nor a model."""
    if not DOTTED.match(token) or token.split(".")[0] not in APPS or token.endswith(FILE_SUFFIXES):
        return False
    parts = token.split(".")
    if len(parts) == 2 and (rules.perm_exists(token) or token in celery_jobs()):
        return False
    if len(parts) == 2 and parts[1][0].isupper():
        try:
            apps.get_model(token)
            return False
        except LookupError:
            pass
    try:
        resolve(token)
    except LookupError:
        return True
    return False


def module_names_tables(text: str) -> list[tuple[str, list[str]]]:
    """The rows of the tables headed "| Module | Names |": (module, names in the second cell)."""
    rows, inside = [], False
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[:2] == ["Module", "Names"]:
            inside = True
        elif not line.startswith("|"):
            inside = False
        elif inside and not set(cells[0]) <= set("-: "):
            module = BACKTICKED.findall(cells[0])
            rows.append((module[0] if module else cells[0], names(" | ".join(cells[1:]))))
    return rows


def celery_jobs() -> list[str]:
    jobs = []
    for app in APPS:
        if (ROOT / app / "jobs.py").is_file():
            module = importlib.import_module(f"{app}.jobs")
            jobs += [value.name for value in vars(module).values() if hasattr(value, "delay")]
    return jobs


@pytest.mark.parametrize("path", markdown_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_markdown_file_links_outside_the_repository(path):
    assert outside_links(path) == []


def test_the_link_check_finds_links_outside(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "PAGE.md"
    (tmp_path / "README.md").write_text("# Read me\n")
    page.write_text("[up](../README.md) [web](https://example.org) [top](#top)\n")
    assert outside_links(page) == []
    page.write_text("Domain: [d](../../shared/DOMAIN.md), see /work/shared/STYLE.md, [gone](GONE.md)\n")
    assert outside_links(page) == [
        "names '/work/'",
        "names 'shared/'",
        "links outside the repository: ../../shared/DOMAIN.md",
        "links to a missing file: GONE.md",
    ]


def test_architecture_names_only_modules_that_exist():
    tokens = names(ARCHITECTURE.read_text(encoding="utf-8"))
    assert len(tokens) > 100  # the check reads the page
    stale = sorted({token for token in tokens if missing_path(token) or missing_dotted(token)})
    assert stale == []


def test_the_module_check_finds_stale_names():
    text = (
        "```\nsequenceDiagram\n```\n"
        "`reports/notifications.py`, `tasks/demo.py`, `reports.no_such_job`, `reports.bench.run`, "
        "`tasks.selectors.nothing_here`, `units.no_such_permission`, `tasks.NoSuchModel`, `tests/nowhere/`, "
        "`reports/outbox.py`, `tasks.selectors.unit_assignments(user=…)`, `tasks.confirm_assignment`, "
        "`tasks.HistoryEntry`, `tasks.py`, `reports.flush_outbox`, `tests/security/`, `templates/<app>/`, "
        "`../shared/DOMAIN.md`, `DEBUG`, `projectsite.settings.production`"
    )
    stale = [token for token in names(text) if missing_path(token) or missing_dotted(token)]
    assert stale == [
        "reports/notifications.py",
        "tasks/demo.py",
        "reports.no_such_job",
        "reports.bench.run",
        "tasks.selectors.nothing_here",
        "units.no_such_permission",
        "tasks.NoSuchModel",
        "tests/nowhere/",
    ]


def test_architecture_tables_list_only_names_their_module_defines():
    rows = module_names_tables(ARCHITECTURE.read_text(encoding="utf-8"))
    assert len(rows) >= 6  # the selectors and services of units, tasks and reports at least
    wrong = []
    for module, listed in rows:
        for name in listed:
            if IDENTIFIER.match(name) and missing_dotted(f"{module}.{name}"):
                wrong.append(f"{module}.{name}")
    assert wrong == []


def test_architecture_lists_every_celery_job():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    jobs = celery_jobs()
    assert "reports.deliver_notification" in jobs
    assert [job for job in jobs if f"`{job}`" not in text] == []
