"""Imports run one way, down the pipeline: a module imports only its own layer or the ones below it.

Read from the source with ``ast`` (every import: top level, inside functions, under ``TYPE_CHECKING``), so a
cycle cannot hide behind a late import. The adapters (web, cli) go through the facade only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "qa_service"

# Lowest first. A module may import its own layer and the layers before it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("qa_service", "qa_service.text", "qa_service.records", "qa_service.config", "qa_service.errors",
     "qa_service.schemas", "qa_service.export", "qa_service.calibration"),
    ("qa_service.ingest",),
    ("qa_service.facts",),
    ("qa_service.index",),
    ("qa_service.retrieval",),
    ("qa_service.answering",),
    ("qa_service.service",),
    ("qa_service.evaluation", "qa_service.benchmark"),
    ("qa_service.web", "qa_service.cli", "qa_service.__main__"),
)  # fmt: skip
# The adapters see the facade, the contract and the settings, nothing of the pipeline behind them. The CLI's
# eval and bench commands also use the public face (the package itself) of the evaluation and the benchmark.
# export (facts as CSV / JSON lines) and calibration (the evaluated accuracy shown beside a confidence) are
# renderings of the schemas' data, as much part of the boundary as the schemas.
FACADE = {
    "qa_service", "qa_service.service", "qa_service.schemas", "qa_service.config", "qa_service.errors",
    "qa_service.export", "qa_service.calibration",
}  # fmt: skip
ADAPTER_ALLOWED = {
    "qa_service.web": FACADE,
    "qa_service.cli": FACADE | {"qa_service.evaluation", "qa_service.benchmark"},
    "qa_service.__main__": FACADE | {"qa_service.cli"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    best, where = -1, None
    for i, names in enumerate(LAYERS):
        for name in names:
            inside = module == name or (name != "qa_service" and module.startswith(name + "."))
            if inside and len(name) > best:
                best, where = len(name), i
    assert where is not None, f"{module} is in no layer: add it to LAYERS"
    return where


def area_of(module: str) -> str:
    """The subpackage (or top-level module) a module belongs to: qa_service.index.store -> qa_service.index."""
    return ".".join(module.split(".")[:2])


def face_names(package: str) -> set[str]:
    """The names a package's ``__init__`` exports (its ``__all__``): importing one of them is no submodule import."""
    init = PACKAGE.parent / package.replace(".", "/") / "__init__.py"
    if not init.exists():
        return set()
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return {e.value for e in getattr(node.value, "elts", []) if isinstance(e, ast.Constant)}
    return set()


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import of a qa_service module in ``path``."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "qa_service"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "qa_service":
                continue
            for alias in node.names:  # ``from qa_service.cli import query`` imports the module qa_service.cli.query
                sub = f"{node.module}.{alias.name}"
                is_module = alias.name not in face_names(node.module) and (
                    (PACKAGE.parent / sub.replace(".", "/")).with_suffix(".py").exists()
                    or (PACKAGE.parent / sub.replace(".", "/") / "__init__.py").exists()
                )
                out.append((node.lineno, sub if is_module else node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}:{node.lineno}: use absolute imports (from qa_service...)")
    return out


SOURCES = sorted(PACKAGE.rglob("*.py"))
IMPORTS = [(module_name(p), p, line, target) for p in SOURCES for line, target in imports_of(p)]


def test_every_module_has_a_layer():
    for path in SOURCES:
        layer_of(module_name(path))


def test_imports_run_down_the_layers():
    # The package's face (qa_service/__init__.py) re-exports QAService lazily, on first attribute access; that
    # ``import qa_service`` loads none of the pipeline is checked in tests/test_python_api.py.
    upward = [
        (mod, p, line, target)
        for mod, p, line, target in IMPORTS
        if mod != "qa_service" and layer_of(target) > layer_of(mod)
    ]
    shown = [f"{p.relative_to(PACKAGE.parent)}:{line} imports {t}" for _mod, p, line, t in upward]
    assert not shown, "imports against the pipeline's direction:\n" + "\n".join(shown)


def test_answering_never_imports_the_service():
    offenders = [f"{p}:{line}" for mod, p, line, t in IMPORTS if area_of(mod) == "qa_service.answering" and
                 area_of(t) == "qa_service.service"]  # fmt: skip
    assert not offenders


@pytest.mark.parametrize("adapter", sorted(ADAPTER_ALLOWED))
def test_the_adapters_import_only_the_facade(adapter):
    allowed = ADAPTER_ALLOWED[adapter]
    wrong = [
        f"{p.relative_to(PACKAGE.parent)}:{line} imports {target}"
        for mod, p, line, target in IMPORTS
        if area_of(mod) == adapter and area_of(target) != adapter and target not in allowed
    ]
    assert not wrong, f"{adapter} reaches past the facade:\n" + "\n".join(wrong)


def test_the_core_never_imports_the_web_or_cli_libraries():
    core = [p for p in SOURCES if area_of(module_name(p)) not in {"qa_service.web", "qa_service.cli"}]
    banned = ("fastapi", "starlette", "jinja2", "typer", "uvicorn")
    found = []
    for path in core:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{path.relative_to(PACKAGE.parent)}: {n}" for n in names if n.split(".")[0] in banned]
    # The benchmark starts and drives the HTTP server; it is a tool beside the core, not part of it.
    assert not [f for f in found if not f.startswith("qa_service/benchmark/")], found


def test_the_checker_sees_a_violation():
    """The rules are not vacuous: an upward import and an adapter reaching past the facade are caught."""
    assert layer_of("qa_service.service") > layer_of("qa_service.answering.rules")
    assert layer_of("qa_service.index.store") > layer_of("qa_service.records")
    assert "qa_service.index.store" not in ADAPTER_ALLOWED["qa_service.web"]
    assert any(t == "qa_service.service" for mod, _p, _l, t in IMPORTS if mod.startswith("qa_service.web"))


def test_the_service_satisfies_what_answering_needs(fixture_service):
    from qa_service.answering.context import ANSWER_CONTEXT_MEMBERS, AnswerContext

    declared = set(AnswerContext.__annotations__) | {
        n for n, v in vars(AnswerContext).items() if callable(v) and not n.startswith("_")
    }
    assert declared == set(ANSWER_CONTEXT_MEMBERS)
    missing = [name for name in ANSWER_CONTEXT_MEMBERS if not hasattr(fixture_service, name)]
    assert not missing, f"QAService lacks what answering reads: {missing}"


def test_no_face_exports_a_name_that_is_also_a_submodule():
    """A lazily exported name (module ``__getattr__``) equal to a submodule's is shadowed by the module once that is
    imported (``from qa_service.benchmark import targets`` gave the module). Eager imports in __init__ rebind it."""
    clashes = []
    for init in PACKAGE.rglob("__init__.py"):
        package = module_name(init)
        body = ast.parse(init.read_text(encoding="utf-8")).body
        if not any(isinstance(n, ast.FunctionDef) and n.name == "__getattr__" for n in body):
            continue
        submodules = {p.stem for p in init.parent.glob("*.py")} | {
            p.parent.name for p in init.parent.glob("*/__init__.py")
        }
        clashes += [f"{package}.{name}" for name in face_names(package) & submodules]
    assert not clashes, clashes
