"""risk/engine is pure computation: no Django and no app of this repository may be imported
there, directly or inside a function (architecture.md, "Layers")."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "engine"
REPO = ENGINE.parent.parent
# Top-level packages of this repository (apps and project packages), found on disk so a new app
# is covered without editing this test.
REPO_PACKAGES = {p.parent.name for p in REPO.glob("*/__init__.py")}


def dynamic_import_of(call: ast.Call) -> str:
    """The module named in importlib.import_module("x") or __import__("x"), else ""."""
    name = getattr(call.func, "attr", getattr(call.func, "id", ""))
    if name in {"import_module", "__import__"} and call.args and isinstance(call.args[0], ast.Constant):
        return str(call.args[0].value)
    return ""


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against the module's package
                package = path.relative_to(REPO).parent.parts
                base = ".".join(package[: len(package) - node.level + 1])
                found.append((node.lineno, f"{base}.{node.module}" if node.module else base))
            else:
                found.append((node.lineno, node.module or ""))
        elif isinstance(node, ast.Call) and dynamic_import_of(node):
            found.append((node.lineno, dynamic_import_of(node)))
    return found


def forbidden(module: str) -> bool:
    top = module.split(".")[0]
    if top == "django":
        return True
    if module == "risk.engine" or module.startswith("risk.engine."):
        return False
    return top in REPO_PACKAGES


def test_engine_modules_import_no_django_and_no_other_app():
    modules = sorted(ENGINE.rglob("*.py"))
    assert len(modules) >= 8, "the scan found too few engine modules; is the path right?"
    offences = [
        f"{path.relative_to(REPO)}:{line} imports {name}"
        for path in modules
        for line, name in imported_modules(path)
        if forbidden(name)
    ]
    assert offences == []


def test_the_scan_would_catch_an_offence(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import numpy\nfrom django.db import models\ndef f():\n    from insurer import settings\n")
    names = [name for _, name in imported_modules(sample)]
    assert [n for n in names if forbidden(n)] == ["django.db", "insurer"]
    assert not forbidden("risk.engine.tables") and forbidden("risk.models") and forbidden("customers")
