"""In-process measurements that need Django: run as ``python -m bench.probe CMD JSON``.

The harness runs this in a subprocess per database (DATABASE_URL set by bench.run), so one
harness run can measure several databases without reconfiguring Django. It prints one JSON
document on the last line of stdout.

  token    {"username": ...}                          -> {"token": ...}
  queries  {"endpoints": [...], "page_sizes": [a, b]} -> {name: {...}}
  import   {"csv_dir": ..., "first": [...], "timed": "transactions"} -> figures
  job      {"kind": ..., "parameters": {...}, "username": ..., "chunks": n} -> wall seconds and figures
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insurer.settings")
    import django

    django.setup()


def token(args: dict) -> dict:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    user = get_user_model().objects.filter(username=args["username"]).first()
    if user is None and args.get("create"):
        # A database filled by the importer has no demo logins; make them like seed_demo does.
        from insurer.services import demo_logins_create

        demo_logins_create()
        user = get_user_model().objects.filter(username=args["username"]).first()
    if user is None:
        return {"error": f"no user {args['username']!r}: was seed_demo run without --no-logins?"}
    tok, _ = Token.objects.get_or_create(user=user)
    return {"token": tok.key}


def _with_page_size(path: str, param: str | None, size: int | None) -> str:
    if not param or size is None:
        return path
    return f"{path}{'&' if '?' in path else '?'}{param}={size}"


def _rows(response) -> int | None:
    """Rows the page actually showed: API results, or table body rows of an HTML page."""
    if response.status_code != 200:
        return None
    if response.get("Content-Type", "").startswith("application/json"):
        data = response.json()
        return len(data.get("results", [])) if isinstance(data, dict) else len(data)
    body = response.content.decode("utf-8", "replace")
    tbody = re.search(r"<tbody[^>]*>(.*?)</tbody>", body, re.S)
    return len(re.findall(r"<tr[\s>]", tbody.group(1))) if tbody else None


def queries(args: dict) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    users = get_user_model().objects
    out: dict[str, dict] = {}
    for ep in args["endpoints"]:
        # A broken page is a finding (its status is recorded), not a reason to stop measuring.
        client = Client(raise_request_exception=False)
        if ep["auth"] == "session":
            client.force_login(users.get(username=args["session_user"]))
            headers = {}
        else:
            headers = {"HTTP_AUTHORIZATION": f"Token {args['token']}"}
        sizes = args["page_sizes"] if ep.get("page_param") else [None]
        runs = []
        for size in sizes:
            path = _with_page_size(ep["path"], ep.get("page_param"), size)
            client.get(path, **headers)  # warm-up: first-hit caches (content types, perms)
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(path, **headers)
                ms = (time.perf_counter() - started) * 1000
            runs.append(
                {
                    "path": path,
                    "page_size": size,
                    "status": response.status_code,
                    "queries": len(ctx.captured_queries),
                    "rows": _rows(response),
                    "ms": round(ms, 1),
                }
            )
        out[ep["name"]] = {"runs": runs, "sql": [q["sql"][:300] for q in ctx.captured_queries]}
    return out


def _import_file(kind: str, path: Path, actor):
    """The real importer, whichever of its entry points exists (customers.imports)."""
    from customers import imports

    result = imports.import_file(kind, path, actor=actor)
    return result.as_dict() if hasattr(result, "as_dict") else (result if isinstance(result, dict) else repr(result))


def import_(args: dict) -> dict:
    from django.contrib.auth import get_user_model

    from customers.models import PolicyTransaction

    actor, _ = get_user_model().objects.get_or_create(
        username="bench-importer", defaults={"is_superuser": True, "is_staff": True}
    )
    csv_dir = Path(args["csv_dir"])
    prepared = {}
    for kind in args["first"]:
        path = csv_dir / f"{kind}.csv"
        if path.exists():
            started = time.perf_counter()
            _import_file(kind, path, actor)
            prepared[kind] = round(time.perf_counter() - started, 2)
    timed = csv_dir / f"{args['timed']}.csv"
    with timed.open("rb") as fh:
        rows = sum(1 for _ in fh) - 1  # minus the header
    before = PolicyTransaction.objects.count()
    started = time.perf_counter()
    result = _import_file(args["timed"], timed, actor)
    seconds = time.perf_counter() - started
    written = PolicyTransaction.objects.count() - before
    return {
        "rows": rows,
        "written": written,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds) if seconds else None,
        "prepared_seconds": prepared,
        "importer_result": _jsonable(result),
    }


def _jsonable(value):
    try:
        json.dumps(value)
        return value
    except TypeError:
        return repr(value)[:500]


def job(args: dict) -> dict:
    """Request a job as a demo login, wait until the workers (already running) finish it.
    ``chunks``: the policies in force are split into about this many chunks."""
    import math

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from insurer.jobs import services
    from insurer.jobs.models import Job

    actor = get_user_model().objects.get(username=args["username"])
    parameters = {"valuation_date": timezone.localdate().isoformat(), **args["parameters"]}
    if args.get("chunks"):
        from risk.jobs import _in_force

        policies = _in_force(timezone.localdate()).count()
        parameters["chunk_size"] = max(1, math.ceil(policies / args["chunks"]))
    started = time.perf_counter()
    requested = services.job_request(actor=actor, kind=args["kind"], parameters=parameters)
    deadline = time.monotonic() + args.get("timeout", 1800)
    while time.monotonic() < deadline:
        found = Job.objects.get(pk=requested.pk)
        if found.finished_at:
            break
        time.sleep(0.2)
    else:
        return {"error": f"job {requested.pk} did not finish in {args.get('timeout', 1800)} s"}
    seconds = time.perf_counter() - started
    workers = sorted({w for w in found.chunks.values_list("worker", flat=True) if w})
    summary = found.result_summary or {}
    return {"job": found.pk, "status": found.status, "seconds": round(seconds, 2), "chunks": found.chunks.count(),
            "workers": workers, "parameters": parameters, "valued": summary.get("valued"),
            "mean_bel": summary.get("mean_bel")}  # fmt: skip


COMMANDS = {"token": token, "queries": queries, "import": import_, "job": job}

if __name__ == "__main__":
    _setup()
    payload = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    print(json.dumps(COMMANDS[sys.argv[1]](payload), default=str))
