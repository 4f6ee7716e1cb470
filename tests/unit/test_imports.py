"""Imports point one way: no module of pipeline/ imports one that imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "pipeline"


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The pipeline modules ``path`` imports anywhere (top level or inside a function)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                names = [node.module] if node.module else [a.name for a in node.names]
            elif node.module == "pipeline":
                names = [a.name for a in node.names]
            elif node.module and node.module.startswith("pipeline."):
                names = [node.module.removeprefix("pipeline.")]
            else:
                names = []
        elif isinstance(node, ast.Import):
            names = [a.name.removeprefix("pipeline.") for a in node.names
                     if a.name.startswith("pipeline.")]
        else:
            continue
        found.update(n.split(".")[0] for n in names)
    return found & modules - {path.stem}


def import_graph() -> dict[str, set[str]]:
    files = {p.stem: p for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    return {name: imported_modules(path, set(files)) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle as a list of modules (first == last), or None; depth-first with colours."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_finder_sees_a_cycle_through_a_lazy_import():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_import_cycles_in_pipeline():
    graph = import_graph()
    assert {"runner", "store", "engines", "hf", "ct2"} <= graph.keys()
    assert "hf" not in graph["engines"]  # backends are found by name, never imported
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])
