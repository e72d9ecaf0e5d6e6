"""The package layout keeps its promises: no import cycle in ``bot/``, plugin families that never
import one another, and GitHub named only inside its own package (and its table line).

Imports are read from the source with ``ast``: module-level and function-level ones alike
(a lazy import is still a dependency), but not those under ``if TYPE_CHECKING:``, which never
run.
"""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
FAMILIES = ("bot.registry", "bot.platform", "bot.overlays", "bot.cluster")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in BOT.rglob("*.py")}


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The bot modules an import statement loads (a submodule named in ``from x import y``
    counts as ``x.y``)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".")[: -node.level] if module in MODULES else module
            base = ".".join([*package, base]) if base else ".".join(package)
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    return sorted({name for name in names if name in MODULES and name != module})


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges[module] = {t for node in _runtime_imports(tree) for t in _targets(module, node)}
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := walk(start)):
            return found
    return None


def _family(module: str) -> str | None:
    return next((f for f in FAMILIES if module == f or module.startswith(f + ".")), None)


def test_bot_has_no_import_cycle() -> None:
    assert _cycle(graph()) is None


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_plugin_families_never_import_one_another() -> None:
    crossings = [
        f"{module} imports {target}"
        for module, targets in graph().items()
        for target in targets
        if _family(module) and _family(target) and _family(module) != _family(target)
    ]
    assert crossings == []


def test_only_the_github_package_imports_pygithub() -> None:
    outside = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            pygithub = any(n == "github" or n.startswith("github.") for n in names)
            if pygithub and not module.startswith("bot.platform.github"):
                outside.append(module)
    assert outside == []


def test_github_is_named_outside_its_package_only_by_the_platform_table() -> None:
    users = sorted(
        module
        for module, targets in graph().items()
        if not module.startswith("bot.platform.github")
        and any(t.startswith("bot.platform.github") for t in targets)
    )
    # The relay's one job is GitHub's repository_dispatch, which no other platform has.
    assert users == ["bot.platform", "bot.relay.app", "bot.relay.build"]


def test_modules_stay_small() -> None:
    sizes = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in MODULES.items()}
    assert {m: n for m, n in sizes.items() if n > 300} == {}
