"""The shape of the code, held by the suite: imports follow the flow, modules and functions stay
small enough to read.

Read statically from the source (``ast``), relative imports resolved:

- **No import cycle** between modules of ``src/sectorweekly``. Cycles of imports run when a
  module loads are told apart from cycles that close only through *deferred* imports (inside a
  function, or under ``if TYPE_CHECKING:``), which hide a cycle without removing it.
- **No module imports upward** in the flow of DESIGN.md: every module sits in one layer of
  ``LAYER_OF`` and may import only its own layer and the layers below it (``BELOW``); an import
  of a layer that is neither below nor above is *across* the flow and refused as well.
- **No module over 400 lines** unless its docstring says why, on a line ``Long because: …``.
- **No function over 80 lines.**

What the code does not meet today is written down below with its size (``KNOWN_*``): the check
fails on anything new, on a listed module or function that grows, and on an entry that no
longer applies (so that the list only shrinks).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "sectorweekly"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
LONG_BECAUSE = "Long because:"

# --- the layers of the flow (DESIGN.md) ---------------------------------------------------------

# Each layer and the layers directly below it: desk/markets/calendars < store < providers <
# update; store < analysis < narrative < parts < report. The Report model (``report.model``) is
# what the parts fill and the renderers read, so it sits between the two; the series of issues
# (archive, index page) comes after the report, and the command line above everything.
BELOW: dict[str, tuple[str, ...]] = {
    "core": (),
    "desk": ("core",),
    "store": ("desk",),
    "providers": ("store",),
    "update": ("providers",),
    "analysis": ("store",),
    "narrative": ("analysis",),
    "model": ("narrative",),
    "parts": ("model",),
    "report": ("parts",),
    "series": ("report",),
    "send": ("series",),
    "cli": ("send", "update"),
}

# Module (or package, for every module under it) -> layer; the longest matching name wins.
LAYER_OF: dict[str, str] = {
    "": "core",  # the package's __init__
    "clock": "core",
    "console": "core",
    "errors": "core",
    "wording": "core",
    "atomic": "core",
    "textfile": "core",  # users' text files and workbooks, for the desk and every file source
    "desk": "desk",
    "markets": "desk",
    "holidays": "desk",
    "store": "store",
    "providers": "providers",
    "update": "update",
    "analysis": "analysis",
    "narrative": "narrative",
    "report.model": "model",
    "parts": "parts",
    "build": "parts",  # gather the week -> parts -> Report
    "report": "report",
    "series": "series",
    "series.archive": "model",  # a record of Report models that the parts read (past issues)
    "report.index": "series",  # the index page of the series of issues
    "report.index_en": "series",  # and its English edition
    "send": "send",
    "cli": "cli",
    "__main__": "cli",
}

# --- what today's code does not meet (the sizes as of writing; they may only shrink) ------------

KNOWN_LONG_MODULES: dict[str, int] = {}

KNOWN_LONG_FUNCTIONS: dict[str, int] = {}

# (importer, imported, "upward" | "across", "load" | "deferred")
KNOWN_LAYER_BREAKS: set[tuple[str, str, str, str]] = set()

# Strongly connected groups of modules: through imports run at load time, and those that close
# only through deferred imports.
KNOWN_LOAD_CYCLES: set[tuple[str, ...]] = set()
KNOWN_DEFERRED_CYCLES: set[tuple[str, ...]] = set()


# --- reading the source -------------------------------------------------------------------------


@dataclass(frozen=True)
class Module:
    name: str  # dotted, relative to the package ("" for its __init__)
    path: Path
    is_package: bool
    tree: ast.Module
    lines: int


@cache
def modules(root: Path = PACKAGE) -> dict[str, Module]:
    """Every module of the package at ``root`` (the package is named ``sectorweekly``)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        text = path.read_text(encoding="utf-8")
        name = ".".join(parts)
        found[name] = Module(name, path, is_package, ast.parse(text), len(text.splitlines()))
    return found


def _targets(known: dict[str, Module], mod: Module, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The package's modules an import statement names (relative imports resolved)."""
    if isinstance(node, ast.Import):
        inside = [_inside(a.name) for a in node.names]
        return [name for name in inside if name is not None]
    if node.level:
        base = ["sectorweekly", *mod.name.split(".")] if mod.name else ["sectorweekly"]
        if not mod.is_package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join([*base, *([node.module] if node.module else [])])
    else:
        target = node.module or ""
    inside = _inside(target)
    if inside is None:
        return []
    out = []
    for alias in node.names:  # `from pkg import sub` imports the module pkg.sub
        sub = f"{inside}.{alias.name}" if inside else alias.name
        out.append(sub if sub in known else inside)
    return out


def _inside(dotted: str) -> str | None:
    if dotted == "sectorweekly":
        return ""
    if dotted.startswith("sectorweekly."):
        return dotted.removeprefix("sectorweekly.")
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return "TYPE_CHECKING" in ast.unparse(test)


@cache
def imports(root: Path = PACKAGE) -> dict[tuple[str, str], str]:
    """(importer, imported) -> "load" if any import of it runs when the module loads, else
    "deferred" (inside a function, or under ``if TYPE_CHECKING:``)."""
    edges: dict[tuple[str, str], str] = {}

    def visit(mod: Module, node: ast.AST, deferred: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                for target in _targets(known, mod, child):
                    if target != mod.name and edges.get((mod.name, target)) != "load":
                        edges[(mod.name, target)] = "deferred" if deferred else "load"
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                visit(mod, child, True)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    visit(mod, ast.Module(body=[stmt], type_ignores=[]), True)
                for stmt in child.orelse:
                    visit(mod, ast.Module(body=[stmt], type_ignores=[]), deferred)
            else:
                visit(mod, child, deferred)

    known = modules(root)
    for mod in known.values():
        visit(mod, mod.tree, False)
    return edges


# --- the checks' findings -----------------------------------------------------------------------


def layer_of(name: str) -> str | None:
    """The layer of a module: its own entry, else its nearest package's."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in LAYER_OF:
            return LAYER_OF[prefix]
    return LAYER_OF.get(name)


def _below(layer: str) -> set[str]:
    seen: set[str] = set()
    todo = list(BELOW[layer])
    while todo:
        low = todo.pop()
        if low not in seen:
            seen.add(low)
            todo.extend(BELOW[low])
    return seen


def layer_breaks() -> set[tuple[str, str, str, str]]:
    found = set()
    for (src, dst), when in imports().items():
        a, b = layer_of(src), layer_of(dst)
        if a is None or b is None:  # named by test_every_module_has_a_layer
            continue
        if a == b or b in _below(a):
            continue
        found.add((src, dst, "upward" if a in _below(b) else "across", when))
    return found


def cycles(kinds: set[str], root: Path = PACKAGE) -> set[tuple[str, ...]]:
    """Groups of modules that import each other, through imports of ``kinds`` (Tarjan)."""
    graph: dict[str, list[str]] = {name: [] for name in modules(root)}
    for (src, dst), when in imports(root).items():
        if when in kinds:
            graph[src].append(dst)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: set[tuple[str, ...]] = set()

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.add(tuple(sorted(group)))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return groups


def long_modules(root: Path = PACKAGE) -> dict[str, int]:
    found = {}
    for mod in modules(root).values():
        doc = ast.get_docstring(mod.tree) or ""
        explained = any(line.strip().startswith(LONG_BECAUSE) for line in doc.splitlines())
        if mod.lines > MAX_MODULE_LINES and not explained:
            found[mod.name] = mod.lines
    return found


def long_functions(root: Path = PACKAGE) -> dict[str, int]:
    found = {}

    def visit(mod: Module, node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    size = (child.end_lineno or child.lineno) - child.lineno + 1
                    if size > MAX_FUNCTION_LINES:
                        found[f"{mod.name}:{name}"] = size
                visit(mod, child, name + ".")
            else:
                visit(mod, child, prefix)

    for mod in modules(root).values():
        visit(mod, mod.tree, "")
    return found


def _sized(found: dict[str, int], known: dict[str, int], what: str, limit: int) -> list[str]:
    """New entries, grown entries and entries that no longer apply, one line each."""
    problems = []
    for name, size in sorted(found.items()):
        if name not in known:
            problems.append(f"{name}: {size} lines, over {limit} {what}")
        elif size > known[name]:
            problems.append(f"{name}: grew from {known[name]} to {size} lines (over {limit})")
    for name in sorted(set(known) - set(found)):
        problems.append(f"{name}: no longer over {limit} lines; remove it from the known list")
    return problems


def _listed(found: set, known: set, what: str) -> list[str]:
    return [f"new {what}: {x}" for x in sorted(found - known)] + [
        f"gone (remove it from the known list): {x}" for x in sorted(known - found)
    ]


# --- the tests ----------------------------------------------------------------------------------


def test_every_module_has_a_layer() -> None:
    missing = sorted(name or "(package)" for name in modules() if layer_of(name) is None)
    assert not missing, f"modules with no layer in LAYER_OF: {missing}"
    assert set(LAYER_OF.values()) <= set(BELOW)


def test_no_module_imports_upward_or_across_the_flow() -> None:
    problems = _listed(layer_breaks(), KNOWN_LAYER_BREAKS, "import against the flow")
    assert not problems, "\n".join(problems)


def test_no_import_cycle_when_modules_load() -> None:
    problems = _listed(cycles({"load"}), KNOWN_LOAD_CYCLES, "import cycle at load time")
    assert not problems, "\n".join(problems)


def test_no_import_cycle_hidden_by_deferred_imports() -> None:
    # cycles through load-time imports are the test above's; these close only through imports
    # inside functions or under TYPE_CHECKING
    both = cycles({"load", "deferred"})
    hidden = {g for g in both if g not in cycles({"load"})}
    problems = _listed(hidden, KNOWN_DEFERRED_CYCLES, "import cycle through deferred imports")
    assert not problems, "\n".join(problems)


def test_no_module_over_400_lines_without_a_reason() -> None:
    problems = _sized(
        long_modules(),
        KNOWN_LONG_MODULES,
        f"without a '{LONG_BECAUSE} …' line in its docstring",
        MAX_MODULE_LINES,
    )
    assert not problems, "\n".join(problems)


def test_no_function_over_80_lines() -> None:
    problems = _sized(long_functions(), KNOWN_LONG_FUNCTIONS, "", MAX_FUNCTION_LINES)
    assert not problems, "\n".join(problems)


def test_the_checks_see_what_they_look_for(tmp_path: Path) -> None:
    # a small package with one of each: a load-time cycle (a <-> b), a cycle closed only by an
    # import inside a function (c -> d at load, d -> c deferred), an import under TYPE_CHECKING,
    # a module of 401 lines, one of 401 lines that says why, and a function of 81 lines
    pkg = tmp_path / "sectorweekly"
    (pkg / "sub").mkdir(parents=True)
    body = "\n".join(f"    x{i} = {i}" for i in range(79))
    files = {
        "__init__.py": "",
        "a.py": "from . import b\n",
        "b.py": "from .a import thing\n",
        "c.py": "from .d import f\n",
        "d.py": "def f():\n    from . import c\n",
        "sub/__init__.py": "",
        "sub/e.py": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..a import x\n"
            "import sectorweekly.c\n"
        ),
        "long.py": '"""Short."""\n' + "x = 1\n" * 400,
        "explained.py": '"""Short.\n\nLong because: a table.\n"""\n' + "x = 1\n" * 397,
        "fn.py": f"def big():\n{body}\n    return 0\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(text, encoding="utf-8")
    edges = imports(pkg)
    assert edges[("a", "b")] == edges[("b", "a")] == edges[("c", "d")] == "load"
    assert edges[("d", "c")] == "deferred"
    assert edges[("sub.e", "a")] == "deferred" and edges[("sub.e", "c")] == "load"
    assert cycles({"load"}, pkg) == {("a", "b")}
    assert cycles({"load", "deferred"}, pkg) == {("a", "b"), ("c", "d")}
    assert long_modules(pkg) == {"long": 401}
    assert long_functions(pkg) == {"fn:big": 81}
    # and the layers: nearest package wins, the order is transitive
    assert layer_of("analysis.market") == "analysis" and layer_of("report.model") == "model"
    assert layer_of("report.html") == "report" and layer_of("") == "core"
    assert "desk" in _below("analysis") and "update" not in _below("analysis")


def test_every_stage_folder_says_what_it_may_import() -> None:
    """Each folder of the package opens with what it owns and what it may import."""
    missing = []
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        if "import" not in doc.lower():
            missing.append(init.parent.name)
    assert not missing, f"folders without a docstring saying what they may import: {missing}"
    top = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__"))
    assert top == ["atomic", "clock", "console", "errors", "textfile", "wording"], top
