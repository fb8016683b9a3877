"""The import graph of pipeline/ (read from the source, imports inside functions too): no cycles, and each
subpackage imports only what its docstring allows, so the layout keeps saying how data flows."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
COMMANDS = {"pipeline.render", "pipeline.dream", "pipeline.encode", "pipeline.bench", "pipeline.weights"}
COMMANDS |= {"pipeline.api"}  # the Python API over the commands: nothing below imports it either
# subpackage -> what it may not import (a subpackage's own modules are always allowed)
FORBIDDEN = {
    "pipeline.dreamer": {"pipeline.output", "pipeline.run", "pipeline.sweeps", "pipeline.animation",
                         "pipeline.sources", "pipeline.config", *COMMANDS},
    "pipeline.sources": {"pipeline.output", "pipeline.run", "pipeline.sweeps", "pipeline.animation",
                         "pipeline.dreamer", "pipeline.config", *COMMANDS},
    "pipeline.animation": {"pipeline.output", "pipeline.run", "pipeline.sweeps", "pipeline.config",
                           *COMMANDS},
    "pipeline.output": {"pipeline.run", "pipeline.sweeps", "pipeline.animation", "pipeline.config",
                        *COMMANDS},
    "pipeline.run": {"pipeline.sweeps", *COMMANDS},
    "pipeline.sweeps": {"pipeline.run", *COMMANDS},
    # the API and the benchmarks call the work (run/), never another command's module
    "pipeline.api": COMMANDS - {"pipeline.api"},
    "pipeline.bench": COMMANDS - {"pipeline.bench"},
}  # fmt: skip


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def import_graph() -> dict[str, set[str]]:
    """module -> the pipeline modules it imports (`from a.b import c` counts a.b.c when c is a module)."""
    modules, graph = _modules(), {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        graph[name] = {t for t in targets if t in modules and t != name and not name.startswith(t + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import path that leads back to where it started (depth-first search, one per back edge)."""
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                found.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def _violations(graph):
    bad = []
    for module, targets in graph.items():
        for package, forbidden in FORBIDDEN.items():
            if module == package or module.startswith(package + "."):
                bad += [
                    f"{module} -> {t}"
                    for t in targets
                    if any(t == f or t.startswith(f + ".") for f in forbidden)
                ]
    return bad


def test_the_import_graph_has_no_cycle():
    assert cycles(import_graph()) == []


def test_each_subpackage_imports_only_what_it_may():
    assert _violations(import_graph()) == []


def test_the_checks_see_what_they_are_looking_for():
    """A cycle and an upward import, written in by hand, are found (so an empty answer means something)."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    graph = import_graph()
    assert (
        "pipeline.dreamer.ascent" in graph and "pipeline.dreamer.settings" in graph["pipeline.dreamer.ascent"]
    )
    graph["pipeline.dreamer.ascent"].add("pipeline.output.frames")
    assert _violations(graph) == ["pipeline.dreamer.ascent -> pipeline.output.frames"]


RENDERER_CALLS = {"dream", "describe", "colour"}  # what a feed would call if it reached back up


def _calls_back_up(path: Path) -> list[str]:
    """Calls of the renderer's per-frame methods, or parameters named like it, in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        called = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr
        if called in RENDERER_CALLS:
            found.append(f"{path.name}:{node.lineno} calls .{node.func.attr}()")
        if isinstance(node, ast.arg) and node.arg in {"renderer", "dreamer"}:
            found.append(f"{path.name}:{node.lineno} takes {node.arg!r}")
    return found


def test_the_animation_package_never_calls_back_into_the_renderer():
    """Feeds say what the next input is; the loop (run/loop.py) dreams. A duck-typed call back up would
    hide the frame's way through the loop again."""
    found = [hit for path in sorted((PACKAGE / "animation").glob("*.py")) for hit in _calls_back_up(path)]
    assert found == []
    written_in = Path(__file__).with_name("_callback_probe.py")
    try:
        written_in.write_text("def frame_at(index, dreamer):\n    return dreamer.dream(None, index)\n")
        assert len(_calls_back_up(written_in)) == 2  # the check sees the old shape
    finally:
        written_in.unlink()


def test_the_top_level_holds_only_the_commands_and_the_root_config():
    modules = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(modules) <= 8, modules
    assert not [name for name in modules if name.startswith("bench")]
