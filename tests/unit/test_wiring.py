"""The house's wiring is explicit: every area, job, bilan section, demo and menu gate
is registered by an imported callable (grep and the IDE see each edge), and no
module-level import closes a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

GIC = Path(__file__).resolve().parents[2] / "gic"


def _modules() -> dict[str, Path]:
    found = {}
    for path in GIC.rglob("*.py"):
        parts = list(path.relative_to(GIC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _top_level_imports(tree: ast.Module):
    """Imports run when the module is imported (not in functions, not TYPE_CHECKING)."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
            todo += node.body + node.orelse
        elif isinstance(node, ast.Try):
            todo += node.body + node.orelse + node.finalbody
            for handler in node.handlers:
                todo += handler.body


def import_graph() -> dict[str, set[str]]:
    """Module -> the gic modules it imports at module level."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = set()
        for node in _top_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges |= {alias.name for alias in node.names} & modules.keys()
                continue
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            subs = {f"{base}.{alias.name}" for alias in node.names} & modules.keys()
            edges |= subs | ({base} & modules.keys() if len(subs) < len(node.names) else set())
        graph[name] = edges - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_level_import_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = import_graph()
    assert len(graph) > 150 and "gic.meetings.minutes_views" in graph
    assert cycles(graph) == []


def test_registrations_are_imported_callables_not_module_names():
    text = {path: path.read_text(encoding="utf-8") for path in GIC.rglob("*.py")}
    dynamic = [str(path.relative_to(GIC.parent)) for path, source in text.items()
               if "importlib" in source or "import_string" in source]
    assert dynamic == []
