"""Only settings/ reads the environment, and settings are fetched only where a program starts.

Read from the code itself (its syntax tree), over every module of the product and of the programs
around it (demo, bench, the agencies' command line):
- no module outside settings/ reads an environment variable (`os.environ` read in any way,
  `os.getenv`, `os.environb`); setting one for a library is allowed (`os.environ[name] = value`,
  observability's PROMETHEUS_MULTIPROC_DIR, whose value comes from the settings);
- `get_settings()` and the tools' loaders run only at an entry point: server.py (the app uvicorn
  loads), a module uvicorn loads by name (bench/bare.py), a `__main__` module, a `main()`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from settings import ROOT

PACKAGES = (
    "standard", "store", "observability", "ratelimit", "datasources", "audit", "auth", "services",
    "resolvers", "schema", "web", "demo", "bench",
)  # fmt: skip
MODULES = ("server.py",)
# Modules a server loads by name (`uvicorn server:app`): their top level is where they start.
APP_MODULES = {"server.py", "bench/bare.py"}
LOADERS = {"get_settings", "agency_cli_settings", "demo_settings", "bare_bench_settings"}
ENVIRONMENT_READS = {"environ", "environb", "getenv", "getenvb"}


def checked_files() -> list[Path]:
    files = [ROOT / name for name in MODULES]
    for package in PACKAGES:
        files += sorted(
            path
            for path in (ROOT / package).rglob("*.py")
            if "migrations" not in path.parts and "node_modules" not in path.parts
        )
    return files


class Findings(ast.NodeVisitor):
    """Environment reads and settings fetched away from an entry point, as (line, what)."""

    def __init__(self, relative: str) -> None:
        self.found: list[tuple[int, str]] = []
        self.entry = relative in APP_MODULES or relative.endswith("__main__.py")
        self.functions: list[str] = []
        self.written: set[int] = set()  # ids of os.environ nodes that are assignment targets

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                self.written.add(id(target.value))
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if (
            isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr in ENVIRONMENT_READS
            and id(node) not in self.written
        ):
            self.found.append((node.lineno, f"os.{node.attr}"))
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "os":
            for alias in node.names:
                if alias.name in ENVIRONMENT_READS:
                    self.found.append((node.lineno, f"from os import {alias.name}"))
        if node.module == "settings.environment":
            # Only handing the environment on to a child process is allowed outside settings/
            # (calls of environment.load and .current are caught as calls).
            self.found.extend(
                (node.lineno, f"import of settings.environment.{alias.name}")
                for alias in node.names
                if alias.name != "for_child"
            )
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._in_function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._in_function(node)

    def _in_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    def visit_Call(self, node: ast.Call) -> None:
        name = (
            node.func.id
            if isinstance(node.func, ast.Name)
            else node.func.attr
            if isinstance(node.func, ast.Attribute)
            else None
        )
        at_entry = self.entry or "main" in self.functions
        if name in LOADERS and not at_entry:
            self.found.append((node.lineno, f"{name}() away from an entry point"))
        if name in {"load", "current"} and _is_environment(node.func):
            self.found.append((node.lineno, f"environment.{name}()"))
        self.generic_visit(node)


def _is_environment(func: ast.expr) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "environment"
    )


def findings(source: str, relative: str) -> list[tuple[int, str]]:
    checker = Findings(relative)
    checker.visit(ast.parse(source))
    return sorted(checker.found)


def every_finding() -> Iterator[str]:
    for path in checked_files():
        relative = path.relative_to(ROOT).as_posix()
        for line, what in findings(path.read_text(), relative):
            yield f"{relative}:{line}: {what}"


def test_only_settings_reads_the_environment() -> None:
    assert len(checked_files()) > 150
    assert list(every_finding()) == []


@pytest.mark.parametrize(
    "source",
    [
        "import os\nkey = os.environ.get('GATEWAY_SECRET_KEY', '')",
        "import os\nkey = os.environ['GATEWAY_SECRET_KEY']",
        "import os\nhere = 'GATEWAY_ENV' in os.environ",
        "import os\nkey = os.getenv('GATEWAY_SECRET_KEY')",
        "import os\nchild = {**os.environ}",
        "from os import environ",
        "from settings import get_settings\ndef interval():\n    return get_settings().port",
        "import settings\nlimit = settings.get_settings().limits",
        "from settings import environment\nvalues = environment.load(Settings, {})",
        "from settings import environment\nvalues = environment.current()",
        "from settings.environment import current",
    ],
)
def test_the_rule_catches_each_way_of_reading(source: str) -> None:
    assert findings(source, "datasources/health_store.py")


@pytest.mark.parametrize(
    ("source", "relative"),
    [
        (
            "import os\nos.environ['PROMETHEUS_MULTIPROC_DIR'] = str(directory)",
            "observability/m.py",
        ),
        ("from settings import get_settings\ndef main():\n    get_settings()", "store/migrate.py"),
        ("from settings import get_settings\nprint(get_settings())", "schema/__main__.py"),
        ("from settings import get_settings\napp = create_app(get_settings())", "server.py"),
        ("from settings import environment\nenv = environment.for_child({})", "bench/servers.py"),
    ],
)
def test_writes_and_entry_points_are_allowed(source: str, relative: str) -> None:
    assert findings(source, relative) == []
