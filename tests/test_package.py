"""The package's shape: no shadowed modules, a one-way import graph, a working wheel."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import optviz

PACKAGE = Path(optviz.__file__).parent
# the only modules that import by name at run time (importlib), and why:
LATE_IMPORTS = {
    "optviz": "lazy public names, each in a module below the package's top",
    "optviz.util.display": "results' plot methods and previews reach the drawing layer",
    "optviz.explore": "checks that the explorer's third-party web stack is installed",
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every package module ``name`` imports, at module level or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
    return (found & modules.keys()) - {name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (as a path that comes back to its start), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                return stack[stack.index(dep) :] + [dep]
            if dep not in state and (found := visit(dep)):
                return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_import_walk_sees_relative_and_function_level_imports(tmp_path):
    source = "from . import b\ndef f():\n    from .sub.c import thing\n    import pkg.d\n"
    (tmp_path / "a.py").write_text(source)
    modules = dict.fromkeys(["pkg", "pkg.a", "pkg.b", "pkg.sub.c", "pkg.d"], Path())
    assert _imports("pkg.a", tmp_path / "a.py", modules) == {"pkg.b", "pkg.sub.c", "pkg.d"}


def test_no_import_cycle_among_the_package_modules():
    graph = _graph()
    assert {"optviz.engine.stepping", "optviz.catalog"} <= graph["optviz.engine.runner"]  # edges
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle)


# DESIGN.md's rooms, bottom first: a module imports from its own room and rooms below it;
# rooms on one line sit side by side and import neither each other nor anything above
LAYERS = (
    ("util",),
    ("catalog",),
    ("engine",),
    ("analysis", "nets"),
    ("render",),
    ("scenes",),
    ("explore",),
    ("cli",),
)
FACADE = {"optviz", "optviz.__main__"}  # the public names, gathered from every room


def _room(module: str) -> str:
    return module.split(".")[1]


def _upward(graph: dict[str, set[str]]) -> list[str]:
    """Every import in ``graph`` that points up the layer order or sideways."""
    level = {room: i for i, rooms in enumerate(LAYERS) for room in rooms}
    wrong = []
    for name, deps in graph.items():
        if name in FACADE:
            continue
        for dep in deps - FACADE:
            here, there = _room(name), _room(dep)
            if here != there and level[there] >= level[here]:
                wrong.append(f"{name} ({here}) imports {dep} ({there})")
    return sorted(wrong)


def test_the_layer_check_sees_an_import_up_or_sideways():
    graph = {
        "optviz.engine.runner": {"optviz.render.plots", "optviz.catalog.library"},
        "optviz.nets.train": {"optviz.analysis.tuning"},
        "optviz.cli.app": {"optviz.scenes.build"},
    }
    assert _upward(graph) == [
        "optviz.engine.runner (engine) imports optviz.render.plots (render)",
        "optviz.nets.train (nets) imports optviz.analysis.tuning (analysis)",
    ]


def test_every_module_lives_in_a_room_and_imports_point_down():
    graph = _graph()
    rooms = {room for rooms in LAYERS for room in rooms}
    homeless = [m for m in graph if m not in FACADE and _room(m) not in rooms]
    assert not homeless, homeless
    assert not _upward(graph), "\n".join(_upward(graph))


def test_only_the_declared_modules_import_by_name_at_run_time():
    late = set()
    for name, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "import_module":
                late.add(name)
            if isinstance(node, ast.Name) and node.id == "__import__":
                late.add(name)
    assert late <= LATE_IMPORTS.keys(), sorted(late - LATE_IMPORTS.keys())


def test_no_public_name_shadows_a_submodule():
    for info in pkgutil.walk_packages(optviz.__path__, "optviz."):
        parent_name, _, attr = info.name.rpartition(".")
        module = importlib.import_module(info.name)
        parent = importlib.import_module(parent_name)
        value = getattr(parent, attr, module)
        assert value is module, f"{parent_name}.{attr} is {value!r}, not the module"


def test_the_shadowing_check_would_see_a_function_named_like_a_module():
    # what the old layout did: optviz.run was a module and a function at once
    assert callable(optviz.run) and not hasattr(optviz.run, "__path__")
    names = {info.name.rpartition(".")[2] for info in pkgutil.iter_modules(optviz.__path__)}
    assert not names & {"run", "race", "surface", "optimizers", "schedules"}


def test_import_optviz_and_help_leave_the_heavy_libraries_alone():
    import subprocess
    import sys

    # pydantic: typer 0.29 imports it for every command (+0.15 s), hence typer<0.29
    heavy = ["matplotlib", "sympy", "scipy", "numba", "msgspec", "pydantic", "optviz.nets"]
    heavy.append("optviz.render")
    code = (
        "import sys, contextlib, io\n"
        "import optviz\n"
        "from optviz.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
