"""Data flows one way: services change state, reports build plain data, exporters render it.

The ledger once had the loop payments -> exports -> reports -> payments (the batch service built the
export data and called the exporters). Now the API and CLI call the service, then ``ledger.reports`` for
the data, then ``ledger.exports`` to render it. These tests read the import statements of the source
(``ast``, top-level and nested imports alike) so the loop cannot come back unnoticed.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import ledger

PACKAGE = Path(ledger.__file__).parent


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "ledger" or name.startswith("ledger.")}


def _graph() -> dict[str, frozenset[str]]:
    """A copy of the package's import graph, so no test can change what the next one reads."""
    return dict(_read_graph())


@cache
def _read_graph() -> dict[str, frozenset[str]]:
    """Parsing every module takes most of a second: done once per process, the source does not change meanwhile."""
    modules = {_module(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, frozenset[str]] = {}
    for name, path in modules.items():
        imports = _imports(path)
        # "from ledger.reports import batch_data" names a module; "from ledger.money import Money" does not.
        graph[name] = frozenset({imp for imp in imports if imp in modules} | {
            imp.rsplit(".", 1)[0] for imp in imports if imp not in modules and imp.rsplit(".", 1)[0] in modules
        })
    return graph


def _within(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_payments_only_change_state_and_never_import_exports_or_reports() -> None:
    offenders = {
        name: sorted(imp for imp in deps if _within(imp, "ledger.exports", "ledger.reports"))
        for name, deps in _graph().items() if _within(name, "ledger.payments")
    }
    assert {name: deps for name, deps in offenders.items() if deps} == {}


def test_exporters_take_plain_data_only() -> None:
    """Exporters import no service, database or builder: only the plain shapes ``ledger.reports.*_data``."""
    offenders: dict[str, list[str]] = {}
    for name, deps in _graph().items():
        if not _within(name, "ledger.exports"):
            continue
        bad = [imp for imp in deps
               if _within(imp, "ledger.payments", "ledger.involvement", "ledger.db", "ledger.api", "ledger.cli")
               or (_within(imp, "ledger.reports") and not imp.endswith("_data") and imp != "ledger.reports")]
        if bad:
            offenders[name] = sorted(bad)
    assert offenders == {}


def test_plain_data_shapes_depend_on_nothing_that_moves_money() -> None:
    offenders = {
        name: sorted(imp for imp in deps if _within(imp, "ledger.payments", "ledger.exports", "ledger.involvement",
                                                   "ledger.db", "ledger.api", "ledger.cli")
                     or (_within(imp, "ledger.reports") and not imp.endswith("_data") and imp != "ledger.reports"))
        for name, deps in _graph().items()
        if _within(name, "ledger.reports") and name.endswith("_data")
    }
    assert {name: deps for name, deps in offenders.items() if deps} == {}


def test_no_import_cycle_through_payments_reports_and_exports() -> None:
    graph = _graph()
    watched = {name for name in graph if _within(name, "ledger.payments", "ledger.reports", "ledger.exports")}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep):], dep]
                if any(name in watched for name in cycle):
                    cycles.append(cycle)
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for name in sorted(watched):
        if name not in state:
            visit(name)
    assert cycles == []


def test_the_checker_sees_imports() -> None:
    """Guard against a checker that can never fail: it finds the imports this very file makes."""
    assert "ledger" in _imports(Path(__file__))
    graph = _graph()
    assert "ledger.reports.batch_data" in graph["ledger.exports.finance.bank"]
    assert "ledger.payments.batches" in graph["ledger.api.payments_api"]
