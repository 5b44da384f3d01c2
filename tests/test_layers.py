"""The import rules between layers, read from the source (ast), not from what happens to be
imported at run time:

- no import cycle among the modules of bot/, handlers/ and storage/;
- bot/domain imports nothing of the project outside bot/domain (pure rules);
- nothing in bot/ or storage/ imports handlers/ or bot/sim/ (the emulator and the demo).

bot/sim and the tests may import anything. Every import counts, also one inside a function
or under `if TYPE_CHECKING:`: a lazy import hides a dependency, it does not remove it.
The self-tests at the end run the same checks on small made-up trees, so a forbidden import
is shown to fail.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("bot", "handlers", "storage")

# The only places allowed to break a rule: (importer, imported), each a module or a package
# (then every module in it), with the reason. The list lives here and only here; a test
# fails when an entry is no longer needed, so it can only shrink.
ALLOWED: dict[tuple[str, str], str] = {
    # The composition root: `mentorbot run` is where the handlers are plugged into the
    # application (bot/runtime/app.py takes them as a parameter and imports none).
    ("bot.cli", "handlers.routes"): "the composition root",
    # `mentorbot demo` is an entry point like `mentorbot run`: the command line is where the
    # simulation is chosen and started, and nothing below it imports the simulation.
    ("bot.cli", "bot.sim.demo"): "the demo command",
    # Translations and settings in the pure rules are being taken out by H-POLICY.
    ("bot.domain.agreement", "bot.runtime.i18n"): "until H-POLICY lands",
    ("bot.domain.intake", "bot.runtime.i18n"): "until H-POLICY lands",
    ("bot.domain.programmes", "bot.runtime.i18n"): "until H-POLICY lands",
    ("bot.domain.report", "bot.runtime.i18n"): "until H-POLICY lands",
    ("bot.domain.programme_settings", "bot.runtime.config"): "until H-POLICY lands",
}
# Import cycles allowed, each as its sorted modules; the same rule: it can only shrink.
ALLOWED_CYCLES: dict[tuple[str, ...], str] = {}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules_of(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Every module of `packages` below `root`, by dotted name (migrations excluded: Alembic
    loads them by path, nothing imports them)."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" not in path.parts:
                found[module_name(path, root)] = path
    return found


def imports_of(name: str, path: Path, known: Mapping[str, Path]) -> set[str]:
    """The project modules `name` imports. `from a import b` names the module a.b where
    there is one, else a; a relative import is resolved against the importer's package."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            # `import a.b.c` of a module we do not know (a name in it): its nearest module.
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path, packages: Iterable[str]) -> dict[str, set[str]]:
    known = modules_of(root, packages)
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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
    return sorted(found)


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def forbidden(graph: Mapping[str, set[str]]) -> set[tuple[str, str]]:
    """(importer, imported) pairs that break a layer rule."""
    broken = set()
    for importer, targets in graph.items():
        if within(importer, "bot.sim") or not any(within(importer, p) for p in PRODUCT):
            continue
        for target in targets:
            if within(target, "handlers") and not within(importer, "handlers"):
                broken.add((importer, target))
            if within(target, "bot.sim"):
                broken.add((importer, target))
            if within(importer, "bot.domain") and not within(target, "bot.domain"):
                broken.add((importer, target))
    return broken


def product_graph(root: Path) -> dict[str, set[str]]:
    graph = import_graph(root, PRODUCT)
    # The packages' __init__ modules hold docstrings only; keeping them would tie every
    # module to its parent package without an import written anywhere.
    return {name: targets for name, targets in graph.items() if name not in PRODUCT}


def allowed(edge: tuple[str, str]) -> bool:
    return any(within(edge[0], a) and within(edge[1], b) for a, b in ALLOWED)


def test_no_import_cycle_in_product_code() -> None:
    graph = product_graph(ROOT)
    assert "bot.domain.model" in graph and "storage.db" in graph, "the tree was read"
    found = {tuple(component) for component in cycles(graph)}
    assert sorted(found - set(ALLOWED_CYCLES)) == []
    assert sorted(set(ALLOWED_CYCLES) - found) == [], "remove from ALLOWED_CYCLES: it is gone"


def test_layers_import_only_downwards() -> None:
    broken = forbidden(product_graph(ROOT))
    assert sorted(edge for edge in broken if not allowed(edge)) == [], "forbidden imports"


def test_every_allowed_exception_is_still_needed() -> None:
    broken = forbidden(product_graph(ROOT))
    unused = [
        entry
        for entry in ALLOWED
        if not any(within(i, entry[0]) and within(t, entry[1]) for i, t in broken)
    ]
    assert unused == [], "remove these from ALLOWED: the rule now holds"


# --------------------------------------------------------------------------- self-tests


def tree(tmp_path: Path, files: Mapping[str, str]) -> Path:
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return tmp_path


CLEAN = {
    "bot/__init__.py": "",
    "bot/domain/__init__.py": "",
    "bot/domain/model.py": "import datetime\n",
    "bot/domain/rules.py": "from bot.domain.model import Pair\nfrom . import model\n",
    "bot/usecases/__init__.py": "",
    "bot/usecases/tick.py": "from bot.domain import rules\nfrom storage import db\n",
    "bot/sim/__init__.py": "",
    "bot/sim/emulator.py": "import handlers.common\nfrom bot.usecases.tick import go\n",
    "storage/__init__.py": "",
    "storage/db.py": "from bot.domain.model import Pair\n",
    "handlers/__init__.py": "",
    "handlers/common.py": "from bot.usecases import tick\n",
}


def test_self_test_the_allowed_list_is_narrow() -> None:
    assert allowed(("bot.cli.main", "handlers.routes"))
    assert not allowed(("bot.runtime.app", "handlers.routes")), "only the command line"
    assert not allowed(("bot.cli.main", "handlers.meetings")), "the routes only"
    assert allowed(("bot.cli.main", "bot.sim.demo.runner"))
    assert not allowed(("bot.cli.main", "bot.sim.emulator")), "the demo only"
    assert not allowed(("bot.domain.stall", "bot.runtime.i18n")), "module by module"


def test_self_test_a_clean_tree_passes(tmp_path: Path) -> None:
    graph = product_graph(tree(tmp_path, CLEAN))
    assert graph["bot.domain.rules"] == {"bot.domain.model"}
    assert graph["bot.usecases.tick"] == {"bot.domain.rules", "storage.db"}
    assert cycles(graph) == []
    assert forbidden(graph) == set()


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        (
            "bot/domain/rules.py",
            "from bot.usecases.tick import x\n",
            ("bot.domain.rules", "bot.usecases.tick"),
        ),
        ("bot/domain/rules.py", "import storage.db\n", ("bot.domain.rules", "storage.db")),
        (
            "bot/usecases/tick.py",
            "from handlers import common\n",
            ("bot.usecases.tick", "handlers.common"),
        ),
        (
            "storage/db.py",
            "def later():\n    from bot.sim.emulator import E\n",
            ("storage.db", "bot.sim.emulator"),
        ),
        (
            "bot/usecases/tick.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..sim import emulator\n",
            ("bot.usecases.tick", "bot.sim.emulator"),
        ),
    ],
)
def test_self_test_a_forbidden_import_fails(
    tmp_path: Path, module: str, source: str, broken: tuple[str, str]
) -> None:
    files = {**CLEAN, module: CLEAN[module] + source}
    assert broken in forbidden(product_graph(tree(tmp_path, files)))


def test_self_test_a_cycle_fails(tmp_path: Path) -> None:
    # The shape storage/repository.py and storage/gatherings.py had: a lazy import back.
    files = {
        **CLEAN,
        "storage/gatherings.py": "from storage.db import Pair\n",
        "storage/db.py": "def f():\n    from storage.gatherings import g\n",
    }
    assert cycles(product_graph(tree(tmp_path, files))) == [["storage.db", "storage.gatherings"]]
