"""The house as DESIGN §2 draws it, read from the code's own imports.

Every ``import`` of a psos_xl module by another counts, lazy ones inside functions too
(only ``if TYPE_CHECKING:`` blocks are left out, as they never run). The test fails on
an import circle between modules, on an arrow that points up a floor, and on the pure
domain reaching for a database, Excel or file-watching library.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "psos_xl"

# floors, lowest first; a module may import its own floor and the floors below it
FLOORS: tuple[tuple[str, ...], ...] = (
    # the workbook contract's specs are data the rules check against, on the ground floor
    ("psos_xl", "psos_xl.errors", "psos_xl.models", "psos_xl.settings", "psos_xl.workbook.spec"),
    (
        "psos_xl.pricing",
        "psos_xl.learning",
        "psos_xl.rules",
        "psos_xl.economics",
        "psos_xl.billing",
    ),
    ("psos_xl.workbook", "psos_xl.store", "psos_xl.workspace"),
    ("psos_xl.loader",),
    ("psos_xl.sync",),
    ("psos_xl.app", "psos_xl.demo"),
    ("psos_xl.udfs", "psos_xl.cli", "psos_xl.entry", "psos_xl.__main__", "psos_xl.schemas"),
)
PURE = tuple(p for p in FLOORS[0] + FLOORS[1] if p != "psos_xl")
NOT_FOR_THE_PURE = ("sqlalchemy", "xlwings", "watchdog", "openpyxl", "python_calamine")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, name: str) -> set[str]:
    """Every module ``path`` imports at run time (absolute names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.dump(block.test)
        for stmt in block.body
        for node in ast.walk(stmt)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {
        name: {n for n in imports(path, name) if n in files and n != name}
        for name, path in files.items()
    }


def floor_of(module: str) -> int:
    """The floor of the longest prefix of ``module`` that FLOORS names."""
    found = [
        (len(p), level)
        for level, prefixes in enumerate(FLOORS)
        for p in prefixes
        if module == p or module.startswith(p + ".")
    ]
    assert found, f"{module} stands on no floor: add it to FLOORS"
    return max(found)[1]


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert circles(graph()) == []


def test_every_arrow_points_down_or_along_a_floor() -> None:
    upward = [
        f"{a} (floor {floor_of(a)}) imports {b} (floor {floor_of(b)})"
        for a, targets in sorted(graph().items())
        for b in sorted(targets)
        if floor_of(b) > floor_of(a)
    ]
    assert upward == []


def test_the_pure_domain_reaches_for_no_database_excel_or_watcher() -> None:
    leaks = []
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        if not any(name == p or name.startswith(p + ".") for p in PURE):
            continue
        for imported in sorted(imports(path, name)):
            if imported.split(".")[0] in NOT_FOR_THE_PURE:
                leaks.append(f"{name} imports {imported}")
    assert leaks == []


def test_the_checker_sees_a_circle_and_an_upward_arrow() -> None:
    assert circles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    assert floor_of("psos_xl.rules.scope") < floor_of("psos_xl.sync.engine")
