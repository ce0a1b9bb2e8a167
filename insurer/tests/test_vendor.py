"""The vendored browser assets are the ones package.json pins, byte for byte as recorded."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "insurer" / "static" / "vendor"


def _load_script():
    spec = importlib.util.spec_from_file_location("vendor_static", ROOT / "scripts" / "vendor_static.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _manifest() -> list[dict]:
    return json.loads((VENDOR / "MANIFEST.json").read_text())["assets"]


def test_every_manifest_entry_matches_the_package_json_pin():
    pins = json.loads((ROOT / "package.json").read_text())["dependencies"]
    entries = _manifest()
    assert {e["package"] for e in entries} == set(pins)
    for entry in entries:
        assert entry["version"] == pins[entry["package"]], entry["file"]


def test_pins_are_exact_and_locked():
    pins = json.loads((ROOT / "package.json").read_text())["dependencies"]
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    for package, version in pins.items():
        assert version[0].isdigit(), f"{package} must be pinned exactly, not {version!r}"
        assert lock[f"node_modules/{package}"]["version"] == version


def test_every_vendored_file_has_the_recorded_hash():
    for entry in _manifest():
        data = (VENDOR / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]


def test_the_files_the_pages_load_are_all_vendored():
    files = {e["file"] for e in _manifest()}
    assert {
        "bootstrap/bootstrap.min.css",
        "bootstrap/bootstrap.bundle.min.js",
        "htmx/htmx.min.js",
        "echarts/echarts.min.js",
    } <= files
    base = (ROOT / "insurer" / "templates" / "insurer" / "base.html").read_text()
    for path in (
        "bootstrap/bootstrap.min.css",
        "bootstrap/bootstrap.bundle.min.js",
        "htmx/htmx.min.js",
        "echarts/echarts.min.js",
    ):
        assert f"'vendor/{path}'" in base, path
    assert "http://" not in base and "https://" not in base, "no CDN: every asset is served by us"


def test_served_copies_drop_only_the_source_map_reference():
    script = _load_script()
    css = b"a{b:c}\n/*# sourceMappingURL=x.css.map */"
    js = b"var a=1;\n//# sourceMappingURL=x.js.map\n"
    assert script.served_bytes(css) == b"a{b:c}\n"
    assert script.served_bytes(js) == b"var a=1;\n"
    assert script.served_bytes(b"plain") == b"plain\n"


@pytest.mark.skipif(not (ROOT / "node_modules").exists(), reason="node_modules absent (run `npm ci`)")
def test_check_mode_agrees_with_node_modules(capsys):
    assert _load_script().main(["--check"]) == 0


def test_check_mode_catches_a_tampered_copy(tmp_path, monkeypatch):
    """--check compares against a fake node_modules so it runs without Node."""
    script = _load_script()
    fake_root = tmp_path
    (fake_root / "insurer" / "static").mkdir(parents=True)
    shutil.copytree(VENDOR, fake_root / "insurer" / "static" / "vendor")
    shutil.copy(ROOT / "package.json", fake_root / "package.json")
    pins = json.loads((ROOT / "package.json").read_text())["dependencies"]
    for package, source, target in script.ASSETS:
        pkg_dir = fake_root / "node_modules" / package
        (pkg_dir / source).parent.mkdir(parents=True, exist_ok=True)
        (pkg_dir / "package.json").write_text(json.dumps({"version": pins[package]}))
        (pkg_dir / source).write_bytes((VENDOR / target).read_bytes())
    monkeypatch.setattr(script, "ROOT", fake_root)
    monkeypatch.setattr(script, "NODE_MODULES", fake_root / "node_modules")
    monkeypatch.setattr(script, "VENDOR_DIR", fake_root / "insurer" / "static" / "vendor")
    monkeypatch.setattr(script, "MANIFEST", fake_root / "insurer" / "static" / "vendor" / "MANIFEST.json")
    # The manifest records npm hashes; our fake npm files are the served copies, so
    # rebuild the manifest from the fake tree first, then tamper.
    assert script.main([]) == 0
    assert script.main(["--check"]) == 0
    victim = fake_root / "insurer" / "static" / "vendor" / "htmx" / "htmx.min.js"
    victim.write_bytes(victim.read_bytes() + b"/* edited */\n")
    assert script.main(["--check"]) == 1
