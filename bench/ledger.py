"""Audit-ledger benchmarks (issue 3), on a scratch PostgreSQL database of their own:

- ``ledger.append``: 4 writer processes, each recording events in transactions of its own
  through the real ``insurer.audit.record_change``, started together, with the production
  chaining (INSURER_LEDGER_CHAINING=chainer: one ``manage.py ledger_chainer`` process that
  polls the queue of unchained events every 50 ms and inserts their links); events/s over
  the wall time from the first writer's start until the LAST event is chained; then the
  chain is verified (gap-free sequence, every link, each event once, no fork). Budget ≥ 2,000 events/s.
- ``ledger.verify``: 1,000,000 events and their chain links are written straight into the
  tables (COPY), chained with the real hash function, then ``manage.py audit_verify``
  re-walks them. Budget ≤ 10 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time

from bench import pg
from bench.pg import ROOT

APPEND_WRITERS, APPEND_EACH = 4, 2_500
APPEND_BUDGET = 2_000
VERIFY_EVENTS, VERIFY_BUDGET_S = 1_000_000, 10.0

WRITER = """
import os, sys, time, json
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insurer.settings")
django.setup()
from insurer import audit
from django.db import connection
connection.ensure_connection()
start_at, n, name = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
while time.time() < start_at:
    time.sleep(0.001)
began = time.time()
for i in range(n):
    audit.record_change(actor=None, action="update", obj_type="bench.policy", obj_id=f"{name}-{i}",
                        before={"status": "in_force"}, after={"status": "lapsed"}, reason="bench")
print(json.dumps({"began": began, "ended": time.time()}))
"""


def _reset(db: pg.Database, env: dict) -> None:
    pg.create(db, drop_first=True)
    pg.manage(env, "migrate", "--noinput", "--skip-checks")


def _unchained(db: pg.Database) -> int:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM ledger_pendingevent")
        return cur.fetchone()[0]


def run_append(db: pg.Database, env: dict) -> dict:
    _reset(db, env)
    env = {**env, "INSURER_LEDGER_CHAINING": "chainer"}
    chainer = subprocess.Popen([sys.executable, "manage.py", "ledger_chainer"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    start_at = time.time() + 3  # time for every interpreter to start and connect
    # Each writer logs a line per event (the insurer.audit logger, on stderr): into a file of
    # its own, not a pipe. Pipes were drained one writer at a time, so the others blocked on a
    # full 64 KiB pipe after ~700 events and the four writers ran largely one after another.
    logs = [tempfile.TemporaryFile(mode="w+") for _ in range(APPEND_WRITERS)]  # noqa: SIM115 (closed below)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(start_at), str(APPEND_EACH), f"w{n}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=logs[n],
            text=True,
        )
        for n in range(APPEND_WRITERS)
    ]
    spans = []
    try:
        for proc, log in zip(procs, logs, strict=True):
            out, _err = proc.communicate(timeout=600)
            if proc.returncode != 0:
                log.seek(0)
                return {"error": (log.read().strip().splitlines() or ["writer failed"])[-1], "pass": False}
            spans.append(json.loads(out.strip().splitlines()[-1]))
        writers_done = time.time()
        deadline = writers_done + 120
        while _unchained(db) and time.time() < deadline and chainer.poll() is None:
            time.sleep(0.02)
        chained_at = time.time()
    finally:
        chainer.terminate()
        chainer.communicate(timeout=30)
        for log in logs:
            log.close()
    began = min(s["began"] for s in spans)
    seconds = chained_at - began
    writers_seconds = max(s["ended"] for s in spans) - began
    events = APPEND_WRITERS * APPEND_EACH
    check = _chain_check(db)
    _seconds, verify_out = pg.manage(env, "audit_verify")
    rate = events / seconds
    return {
        "writers": APPEND_WRITERS, "events": events, "chaining": "chainer process (manage.py ledger_chainer)",
        "seconds": round(seconds, 2), "events_per_s": round(rate), "writers_seconds": round(writers_seconds, 2),
        "chain_lag_after_writers_s": round(chained_at - writers_done, 3),
        "writer_seconds_each": [round(s["ended"] - s["began"], 2) for s in spans],
        **check, "audit_verify": verify_out.strip().splitlines()[-1] if verify_out.strip() else "",
        "budget": f">= {APPEND_BUDGET:,} events/s with {APPEND_WRITERS} concurrent writers, no fork",
        "pass": rate >= APPEND_BUDGET and check["no_fork"] and "ledger OK" in verify_out,
    }  # fmt: skip


def _chain_check(db: pg.Database) -> dict:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*), min(sequence), max(sequence), count(DISTINCT prev_hash), "
                    "count(DISTINCT event_id), (SELECT count(*) FROM ledger_auditevent), "
                    "(SELECT count(*) FROM ledger_pendingevent) FROM ledger_chainlink")  # fmt: skip
        chained, first, last, distinct_prev, distinct_events, total, unchained = cur.fetchone()
    return {
        "chained": chained, "unchained": unchained, "first_sequence": first, "last_sequence": last,
        "no_fork": unchained == 0 and chained == total and first == 1 and last == total and distinct_prev == total
        and distinct_events == total,
    }  # fmt: skip


GENERATOR = """
import os, sys, io, datetime as dt, json
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insurer.settings")
django.setup()
from django.db import connection
from insurer.ledger import chain
n = int(sys.argv[1])
base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
events, links, previous = io.StringIO(), io.StringIO(), chain.GENESIS
for seq in range(1, n + 1):
    row = [seq, base + dt.timedelta(milliseconds=seq), "change", None, "bench", [], "update", "bench.policy",
           str(seq), "", {"after": {"status": "lapsed"}, "before": {"status": "in_force"}}, "", "", ""]
    digest = chain.link(previous, row)
    events.write("\\t".join([str(seq), row[1].isoformat(), "change", "\\\\N", "bench", "[]", "update", "bench.policy",
                            str(seq), "", json.dumps(row[10], sort_keys=True), "", "", ""]) + "\\n")
    links.write(f"{seq}\\t{seq}\\t{previous}\\t{digest}\\n")  # event id = sequence here
    previous = digest
events.seek(0)
links.seek(0)
with connection.cursor() as cur:
    # (the queue trigger too: these events arrive chained)
    cur.execute("ALTER TABLE ledger_auditevent DISABLE TRIGGER USER")
    cur.cursor.copy_expert("COPY ledger_auditevent (id, recorded_at, kind, actor_id, actor_name, actor_roles, "
                           "action, object_type, object_id, object_repr, changes, request_id, source_address, "
                           "reason) FROM STDIN", events)
    cur.execute("ALTER TABLE ledger_auditevent ENABLE TRIGGER USER")
    cur.execute("SELECT setval(pg_get_serial_sequence('ledger_auditevent', 'id'), %s)", [n])
    cur.cursor.copy_expert("COPY ledger_chainlink (sequence, event_id, prev_hash, hash) FROM STDIN", links)
    cur.execute("UPDATE ledger_chainhead SET sequence = %s, hash = %s WHERE id = 1", [n, previous])
    cur.execute("ANALYZE ledger_auditevent")
    cur.execute("ANALYZE ledger_chainlink")
print(n)
"""


def run_verify(db: pg.Database, env: dict) -> dict:
    _reset(db, env)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", GENERATOR, str(VERIFY_EVENTS)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800, check=False)  # fmt: skip
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["generator failed"])[-1], "pass": False}
    generate_s = time.perf_counter() - started
    seconds, out = pg.manage(env, "audit_verify")
    line = out.strip().splitlines()[-1] if out.strip() else ""
    return {
        "events": VERIFY_EVENTS, "generate_seconds": round(generate_s, 1), "seconds": round(seconds, 2),
        "output": line, "budget": f"audit_verify over {VERIFY_EVENTS:,} events <= {VERIFY_BUDGET_S:.0f} s",
        "pass": "ledger OK" in line and seconds <= VERIFY_BUDGET_S,
    }  # fmt: skip


def run(db: pg.Database, redis: str | None, var_dir, selected) -> dict:
    scratch = db.sibling(db.name + "_ledger")
    env = pg.django_env(scratch, redis, var_dir)
    out = {}
    if selected("ledger.append"):
        print("ledger: 4 writers appending ...", flush=True)
        out["ledger.append"] = run_append(scratch, env)
    if selected("ledger.verify"):
        print(f"ledger: writing {VERIFY_EVENTS:,} chained events, then audit_verify ...", flush=True)
        out["ledger.verify"] = run_verify(scratch, env)
    return out
