"""The shape of storage/: no import cycle between its modules (imports inside functions
count: they hid the last one), shared helpers that import no repository, and a unit of
work that builds a repository only when it is used."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import storage
from storage.tables import BaseRepository
from storage.uow import UnitOfWork

STORAGE = Path(storage.__file__).parent


def _imports() -> dict[str, set[str]]:
    """Each storage module → the storage modules it imports, wherever the import is."""
    graph: dict[str, set[str]] = {}
    for path in STORAGE.glob("*.py"):
        name = f"storage.{path.stem}"
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[name] = {m for m in found if m.startswith("storage.") and m != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path, node, nxt]
            if nxt not in state and (found := visit(nxt, [*path, node])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [])):
            return found
    return None


def test_storage_modules_import_each_other_without_a_cycle() -> None:
    assert _cycle(_imports()) is None


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_shared_helpers_import_no_repository() -> None:
    graph = _imports()
    repositories = {
        cls.__module__ for cls in _subclasses(BaseRepository) if cls.__module__ != "storage.tables"
    }
    for shared in ("storage.tables", "storage.readers"):
        assert not graph[shared] & (repositories | {"storage.uow", "storage.db"}), shared


def test_the_unit_of_work_builds_a_repository_when_first_used() -> None:
    uow = UnitOfWork(session=object())  # type: ignore[arg-type]
    built_before = set(vars(uow))
    people = uow.people
    assert set(vars(uow)) - built_before == {"people"}
    assert uow.people is people and people.session is uow.session


def _subclasses(cls: type[Any]) -> set[type[Any]]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found
