"""The layout's two rules, checked on the source: no import cycle between first-party modules,
and no `from X import _private` from another module (shared code has public names)."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIRST_PARTY = ("accounts", "apikeys", "billing", "generation", "studio", "webhooks", "support",
               "lipsync_site", "media_intake", "bench", "lipsync_engine")



def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> dict[str, Path]:
    """{module name: file} of every first-party module."""
    files = {}
    for package in FIRST_PARTY:
        root = REPO / package
        if not root.is_dir():
            continue
        for path in root.rglob("*.py"):
            if "migrations" not in path.parts:
                files[module_name(path)] = path
    return files


def resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module an ImportFrom reads from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, path: Path, known: set[str]):
    """(imported module, names taken from it, line) for each first-party import in `path`.
    Imports inside functions count too: they still tie the modules together."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FIRST_PARTY:
                    yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = resolve(node, module, path.name == "__init__.py")
            if target.split(".")[0] not in FIRST_PARTY:
                continue
            names = [alias.name for alias in node.names]
            submodules = [f"{target}.{name}" for name in names if f"{target}.{name}" in known]
            attributes = [name for name in names if f"{target}.{name}" not in known]
            if attributes:  # `from package import module` alone reads no name of the package
                yield target, attributes, node.lineno
            for submodule in submodules:
                yield submodule, [], node.lineno


def import_graph() -> dict[str, set[str]]:
    files = source_files()
    known = set(files)
    graph: dict[str, set[str]] = {name: set() for name in files}
    for module, path in files.items():
        for target, _names, _line in imports_of(module, path, known):
            # A package's __init__ is imported with any of its modules; only real edges count.
            if target in known and target != module:
                graph[module].add(target)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_cycle_between_project_modules():
    cycles = find_cycles(import_graph())

    assert cycles == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_no_private_name_is_imported_from_another_module():
    files = source_files()
    known = set(files)
    reach_ins = [
        f"{path.relative_to(REPO)}:{line} imports {name} from {target}"
        for module, path in files.items()
        for target, names, line in imports_of(module, path, known)
        for name in names
        if name.startswith("_") and not name.startswith("__") and target != module
    ]

    assert reach_ins == []


@pytest.mark.parametrize("source, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_the_cycle_finder_finds_what_it_should(source, expected):
    # The rule's own check: a cycle is reported, a chain is not.
    assert find_cycles(source) == expected
