"""The house's structure, checked from the source (ast): one home per feature, imports that only run down.

Layers, bottom up (a module imports its own layer or lower, never higher):
  floor      wiring, models, policies, timezones, i18n, formats, tokens, passwords, mail, web/, observability/
  live       app/live/ (topics, streams, publisher, presence, stream URL, the gateway)
  engine     app/background/ (the job engine)
  features   accounts, time_tracking, dashboards, reports, notifications, organizations, job_monitor,
             imports, api, webhooks, seeding, maintenance, admin, approvals (features may import each other, without
             cycles)
  top        the app factory (app/__init__.py), app/cli/, jobs/
Every import counts, function-local ones included, except those under `if TYPE_CHECKING:`.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ("accounts", "time_tracking", "dashboards", "reports", "notifications", "organizations", "job_monitor",
            "billing", "imports", "api", "webhooks", "seeding", "maintenance", "admin", "approvals")
LAYERS = {"floor": 0, "live": 1, "engine": 2, "feature": 3, "top": 4}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for package in ("app", "jobs") for p in (ROOT / package).rglob("*.py")}


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The app/jobs modules `name` imports (a `from package import module` names the module)."""
    tree = ast.parse(path.read_text())
    skipped = {id(n) for node in ast.walk(tree) if _is_type_checking(node) for n in ast.walk(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "jobs" or module == "app" or (len(parts) > 1 and parts[1] == "cli"):
        return "top"
    if parts[1] == "live":
        return "live"
    if parts[1] == "background":
        return "engine"
    if parts[1] in FEATURES:
        return "feature"
    return "floor"


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (a list of modules, first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    return sorted(f"{source} -> {target}" for source, targets in edges.items() for target in targets
                  if LAYERS[layer(target)] > LAYERS[layer(source)])


# -- the checks themselves ----------------------------------------------------------------------------

def test_no_import_cycle():
    assert find_cycle(graph()) is None


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "app" and len(parts) > 1 else parts[0]


def test_no_cycle_between_packages_either():
    """Features may use each other, one way only: reports use notifications, never the other way round."""
    packages: dict[str, set[str]] = {}
    for source, targets in graph().items():
        for target in targets:
            if package_of(source) != package_of(target):
                packages.setdefault(package_of(source), set()).add(package_of(target))
    assert find_cycle(packages) is None


def test_no_import_runs_back_up():
    """The job engine and the live layer import no feature, the floor neither of them, and so on."""
    assert upward_imports(graph()) == []


def test_each_feature_has_one_home():
    """No app/services/ (nor any other second home): a feature's routes, forms and services live in app/<feature>/."""
    assert not (ROOT / "app" / "services").exists()
    for feature in FEATURES:
        assert (ROOT / "app" / feature / "__init__.py").is_file(), feature
        homes = [p for p in (ROOT / "app").rglob(f"{feature}/__init__.py") if p.parent != ROOT / "app" / feature]
        assert homes == [], f"{feature} has a second home: {homes}"


def test_package_init_files_hold_no_code():
    """Package __init__ files hold a docstring, and at most re-export names (imports, __all__): code lives in
    named modules."""
    offenders = []
    for path in (ROOT / "app").rglob("__init__.py"):
        if path.parent == ROOT / "app":
            continue  # the app factory
        body = ast.parse(path.read_text()).body
        if any(not (isinstance(n, (ast.Import, ast.ImportFrom)) or (isinstance(n, ast.Expr) and isinstance(
                n.value, ast.Constant)) or (isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "__all__"))
               for n in body):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# -- the checker itself must catch what it is meant to catch -------------------------------------------

def test_find_cycle_sees_a_cycle_and_a_clean_graph():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


@pytest.mark.parametrize("source, target", [
    ("app.background.enqueue", "app.dashboards.cache"),
    ("app.live.streams", "app.background.enqueue"),
    ("app.live.topics", "app.organizations.people"),
    ("app.observability.instruments", "app.live.presence"),
    ("app.policies", "app.reports.params"),
    ("app.reports.runs", "app.cli.jobs"),
])
def test_upward_imports_are_reported(source, target):
    assert upward_imports({source: {target}}) == [f"{source} -> {target}"]


def test_imports_of_resolves_relative_and_from_package_imports(tmp_path):
    modules = {"app.x": tmp_path / "x.py", "app.live.topics": tmp_path / "t.py", "app.live": tmp_path / "l.py"}
    source = tmp_path / "x.py"
    source.write_text("from typing import TYPE_CHECKING\nfrom app.live import topics\n"
                      "if TYPE_CHECKING:\n    from app.reports import runs\n"
                      "def f():\n    import app.live\n")
    assert imports_of("app.x", source, modules) == {"app.live.topics", "app.live"}


def test_only_config_reads_the_environment():
    """Every environment variable is read by app/config.py; the rest of app/ reads app.config."""
    readers = []
    for path in (ROOT / "app").rglob("*.py"):
        if path == ROOT / "app" / "config.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb") and \
                    isinstance(node.value, ast.Name) and node.value.id == "os":
                readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert readers == []


def test_config_sections_read_an_explicit_environment(tmp_path):
    from app.config import ConfigError, load_config

    config = load_config(str(tmp_path), environ={"APP_ENV": "production", "SECRET_KEY": "s", "LOG_FORMAT": " Plain ",
                                                 "APP_URL": "https://t.example/", "PUBLIC_URL": "https://t.example/",
                                                 "PRESENCE_TTL": "7"})
    assert (config["LOG_FORMAT"], config["PUBLIC_URL"], config["PRESENCE_TTL"]) == ("plain", "https://t.example", 7)
    assert config["APP_URL"] == "https://t.example"
    assert config["SESSION_COOKIE_SECURE"] and not config["ALLOW_SIGNUP"]
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path), environ={"APP_ENV": "production"})
