#!/usr/bin/env python3
"""Copy the browser assets we serve from node_modules into insurer/static/vendor/.

The copies and MANIFEST.json are committed, so `make run`, the tests and production need
no Node and no network. Run after changing a pin in package.json:

    npm ci && python scripts/vendor_static.py          # refresh the copies
    npm ci && python scripts/vendor_static.py --check  # CI: the copies match package.json

One transform is applied: the trailing ``sourceMappingURL`` comment is dropped, because we
do not ship the .map files and whitenoise's manifest storage fails collectstatic on a
reference to a file that does not exist. The manifest records the hash of the npm file and
of the served copy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR_DIR = ROOT / "insurer" / "static" / "vendor"
MANIFEST = VENDOR_DIR / "MANIFEST.json"

# (npm package, file inside the package, name under insurer/static/vendor/)
ASSETS = [
    ("bootstrap", "dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"),
    ("bootstrap", "dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"),
    ("htmx.org", "dist/htmx.min.js", "htmx/htmx.min.js"),
    ("echarts", "dist/echarts.min.js", "echarts/echarts.min.js"),
    # The licences travel with the copies (MIT, BSD-0, Apache-2.0 with its NOTICE).
    ("bootstrap", "LICENSE", "bootstrap/LICENSE"),
    ("htmx.org", "LICENSE", "htmx/LICENSE"),
    ("echarts", "LICENSE", "echarts/LICENSE"),
    ("echarts", "NOTICE", "echarts/NOTICE"),
]

_SOURCE_MAP = re.compile(rb"\n?(/\*# sourceMappingURL=[^*]*\*/|//# sourceMappingURL=\S*)\s*$")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def served_bytes(data: bytes) -> bytes:
    """The npm file as we serve it: without the source-map reference, ending in a newline."""
    return _SOURCE_MAP.sub(b"", data).rstrip(b"\n") + b"\n"


def pinned_versions() -> dict[str, str]:
    return json.loads((ROOT / "package.json").read_text())["dependencies"]


def installed_version(package: str) -> str:
    return json.loads((NODE_MODULES / package / "package.json").read_text())["version"]


def build_entries() -> list[tuple[dict, bytes]]:
    """Manifest entries and the bytes to serve, read from node_modules."""
    pins = pinned_versions()
    entries = []
    for package, source, target in ASSETS:
        version = installed_version(package)
        if version != pins.get(package):
            raise SystemExit(
                f"node_modules has {package} {version} but package.json pins {pins.get(package)}: run `npm ci`"
            )
        raw = (NODE_MODULES / package / source).read_bytes()
        served = served_bytes(raw)
        entry = {
            "package": package,
            "version": version,
            "source": f"{package}/{source}",
            "file": target,
            "source_sha256": sha256(raw),
            "sha256": sha256(served),
        }
        entries.append((entry, served))
    return entries


def manifest_text(entries: list[dict]) -> str:
    return json.dumps({"assets": entries}, indent=2, sort_keys=True) + "\n"


def write() -> int:
    entries = build_entries()
    for entry, served in entries:
        target = VENDOR_DIR / entry["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(served)
        print(f"vendored {entry['package']} {entry['version']} -> insurer/static/vendor/{entry['file']}")
    MANIFEST.write_text(manifest_text([e for e, _ in entries]))
    return 0


def check() -> int:
    """Exit 1 when a vendored copy or the manifest differs from what node_modules gives."""
    problems = []
    entries = build_entries()
    for entry, served in entries:
        target = VENDOR_DIR / entry["file"]
        if not target.exists():
            problems.append(f"missing insurer/static/vendor/{entry['file']}")
        elif target.read_bytes() != served:
            problems.append(f"insurer/static/vendor/{entry['file']} differs from {entry['source']} {entry['version']}")
    expected = manifest_text([e for e, _ in entries])
    if not MANIFEST.exists() or MANIFEST.read_text() != expected:
        problems.append("insurer/static/vendor/MANIFEST.json is out of date")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("run `npm ci && python scripts/vendor_static.py` and commit the result", file=sys.stderr)
        return 1
    print(f"vendored static files match package.json ({len(entries)} files)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare node_modules with the vendored copies")
    args = parser.parse_args(argv)
    return check() if args.check else write()


if __name__ == "__main__":
    sys.exit(main())
