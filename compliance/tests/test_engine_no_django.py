"""The engine layer is pure computation: no module under compliance/engine may import
Django or one of the project's Django apps (architecture.md, "Layers")."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "engine"
REPO = ENGINE.parent.parent
FORBIDDEN_TOP = {"django", "rest_framework", "celery", "guardian", "drf_spectacular", "django_filters"}


def _repo_apps() -> set[str]:
    """Top-level packages of this repository (the Django apps and the project package)."""
    return {p.name for p in REPO.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
    return out


def test_engine_modules_import_no_django_and_no_app():
    modules = sorted(ENGINE.rglob("*.py"))
    assert len(modules) >= 10  # the scan really sees the engine
    apps = _repo_apps() - {"compliance"}
    offenders = []
    for path in modules:
        for line, name in _imports(path):
            top = name.split(".")[0]
            inside = name == "compliance.engine" or name.startswith("compliance.engine.")
            if top in FORBIDDEN_TOP or top in apps or (top == "compliance" and not inside):
                offenders.append(f"{path.relative_to(REPO)}:{line} imports {name}")
    assert not offenders, "\n".join(offenders)
