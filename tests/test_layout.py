"""The layout of the package: short modules, no import cycle, the environment read in one place,
and nothing done by importing a module (no dbt manifest read, no variable set).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from orchestration.settings import PROJECT_DIR

PACKAGE_DIR = PROJECT_DIR / "orchestration"
MAX_LINES = 350
LONG_REASON = "Longer than 350 lines because"
# No module is exempt: a module that must stay long says why in its docstring (a sentence
# starting "Longer than 350 lines because").
SETTINGS_MODULE = "orchestration/settings.py"


def modules() -> dict[str, Path]:
    """Dotted name -> file, for every module of the package."""
    found = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PROJECT_DIR).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def relative(path: Path) -> str:
    return path.relative_to(PROJECT_DIR).as_posix()


def test_no_module_is_longer_than_350_lines_without_saying_why():
    # the package, the benchmark and the tests alike
    files = [*modules().values(), *sorted((PROJECT_DIR / "bench").rglob("*.py"))]
    files += sorted((PROJECT_DIR / "tests").rglob("*.py"))
    too_long = []
    for path in files:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines <= MAX_LINES:
            continue
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if LONG_REASON not in docstring:
            too_long.append(f"{relative(path)}: {lines} lines")
    assert not too_long, f"split them, or say why in the docstring ({LONG_REASON} ...)"


def _main_guard(node: ast.AST) -> bool:
    """`if __name__ == "__main__":`: runs only as a script, never when imported."""
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
        and any(
            isinstance(c, ast.Constant) and c.value == "__main__" for c in node.test.comparators
        )
    )


def _type_checking_guard(node: ast.AST) -> bool:
    """`if TYPE_CHECKING:`: read by type checkers only, never run."""
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk_imports(node: ast.AST):
    """Every import under `node`, at any depth (functions too), but those that never run when
    the module is imported: under a __main__ guard, or for type checkers only."""
    for child in ast.iter_child_nodes(node):
        if _main_guard(child) or _type_checking_guard(child):
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        yield from _walk_imports(child)


def import_graph() -> dict[str, set[str]]:
    known = modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _walk_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from orchestration import bi`: the module bi; `from x import name`: x
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for target in targets:
                if target in known and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_among_the_modules_of_the_package():
    graph = import_graph()
    assert graph["orchestration.definitions"]  # the graph sees the imports
    assert "orchestration.bi_site" in graph["orchestration.defs.bi.assets"]
    assert cycles(graph) == []


def _environment_reads(path: Path) -> list[str]:
    """`os.environ`, `os.getenv`, `from os import environ/getenv`, and a LEIA_ variable's name
    as a string (docstrings and comments may name them)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr in ("environ", "getenv", "putenv", "unsetenv", "environb")
        ):
            found.append(f"{relative(path)}:{node.lineno}: os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            for alias in node.names:
                if alias.name in ("environ", "getenv", "putenv"):
                    found.append(f"{relative(path)}:{node.lineno}: from os import {alias.name}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and node.value.startswith("LEIA_")
            and node.value.rstrip("_").replace("_", "").isalnum()
            and node.value.isupper()
        ):
            found.append(f"{relative(path)}:{node.lineno}: {node.value!r}")
    return found


def test_the_environment_is_read_in_the_settings_module_only():
    files = [*modules().values(), *sorted((PROJECT_DIR / "bench").rglob("*.py"))]
    reads = [
        read
        for path in files
        if relative(path) != SETTINGS_MODULE
        for read in _environment_reads(path)
    ]
    assert reads == []
    # the check sees what it looks for
    assert _environment_reads(PROJECT_DIR / SETTINGS_MODULE)


IMPORT_EVERYTHING = r"""
import importlib, json, os, sys
manifest_reads = []
def audit(event, args):
    if event == "open" and args and str(args[0]).endswith("manifest.json"):
        manifest_reads.append(str(args[0]))
sys.addaudithook(audit)
before = dict(os.environ)
names = json.loads(sys.argv[1])
for name in names:
    importlib.import_module(name)
after = dict(os.environ)
changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
print(json.dumps({"changed": changed, "manifest_reads": manifest_reads}))
"""


def _target_listing() -> dict[str, float]:
    target = PROJECT_DIR / "target"
    if not target.exists():
        return {}
    return {str(p): p.stat().st_mtime for p in target.rglob("*")}


def test_importing_a_module_changes_nothing():
    """No module parses the dbt manifest, writes target/ or changes the environment (PATH,
    telemetry variables) when imported: the entry points do that, explicitly."""
    names = [name for name in modules() if not name.endswith("__main__")]
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(Path.home()),
        "PYTHONPATH": str(PROJECT_DIR),
        # as `dagster dev` runs the code server: DbtProject.prepare_if_dev would parse here
        "DAGSTER_IS_DEV_CLI": "1",
    }
    before = _target_listing()
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING, json.dumps(names)],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"changed": [], "manifest_reads": []}
    assert _target_listing() == before


LOAD_LIKE_DAGSTER_DEV = r"""
import json, os
from dagster._core.workspace.autodiscovery import loadable_targets_from_python_module
targets = loadable_targets_from_python_module("orchestration.definitions", None)
assert [t.attribute for t in targets] == ["leia_definitions"], targets
defs = targets[0].target_definition()  # what the code server of `dagster dev` does
assert defs.resolve_job_def("leia_warehouse")
print(json.dumps({k: os.environ.get(k) for k in json.loads(os.environ["NAMES"])}))
"""


def test_dagster_dev_loads_the_definitions_with_telemetry_off():
    """`dagster dev -m orchestration.definitions` (or pyproject's [tool.dagster]) finds the lazy
    `leia_definitions`; building them switches every tool's telemetry off in that process."""
    from orchestration.settings import TELEMETRY_OFF

    names = [*TELEMETRY_OFF, "DBT_PROFILES_DIR"]
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(Path.home()),
        "NAMES": json.dumps(names),
        "DAGSTER_HOME": str(PROJECT_DIR / "warehouse" / "dagster_home"),
    }
    result = subprocess.run(
        [sys.executable, "-c", LOAD_LIKE_DAGSTER_DEV],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {**TELEMETRY_OFF, "DBT_PROFILES_DIR": str(PROJECT_DIR)}
