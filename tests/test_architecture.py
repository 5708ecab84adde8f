"""The package map holds: every import goes to a room in the same or a lower layer, and no module
imports itself back through others (docs/architecture.md draws the layers)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "bulletin_press"

# Lowest first. A room imports only rooms of its own layer or below.
LAYERS: list[set[str]] = [
    {"__init__", "diagnostics", "filecache", "project", "machine"},
    {"content"},
    {"cjk", "typeset"},
    {"engine"},
    {"layout"},
    {"images", "fonts"},
    {"templates"},
    {"preflight"},
    {"pdf"},
    {"build"},
    {"stamps"},
    {"mail", "preview", "importing"},
    {"commands", "__main__"},
]
LAYER = {room: n for n, rooms in enumerate(LAYERS) for room in rooms}


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(name: str) -> bool:
    relative = Path(*name.split("."))
    return (SRC.parent / relative).with_suffix(".py").is_file() or (SRC.parent / relative / "__init__.py").is_file()


def imports() -> dict[str, set[str]]:
    """Module → the project modules it imports, at its top or inside a function (not for type hints only)."""
    found: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        module = _module(path)
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        targets = found.setdefault(module, set())
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
                       for n in ast.walk(block)}  # imports for type hints never run: no cycle
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("bulletin_press")):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                target = ".".join(base + ([node.module] if node.module else []))
                names = [f"{target}.{alias.name}" for alias in node.names]
                targets |= {t for t in names if _exists(t)} or {target}
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("bulletin_press.")}
        targets.discard(module)
    return found


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_room_has_a_layer() -> None:
    assert {room(m) for m in imports()} - set(LAYER) == set()


def test_no_import_from_a_lower_layer_to_a_higher_one() -> None:
    upward = sorted(f"{m} → {t}" for m, targets in imports().items() for t in targets
                    if LAYER[room(t)] > LAYER[room(m)])
    assert upward == []


def test_no_import_cycle() -> None:
    graph = imports()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []
