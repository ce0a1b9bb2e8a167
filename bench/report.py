"""Results: budgets for query counts, bench/results.json, and the printed table."""

from __future__ import annotations

import json
from pathlib import Path


def query_entry(path: str, by_db: dict[str, dict]) -> dict:
    """Summarise one page's query counts across page sizes and databases (data sizes)."""
    counts, rows, problems = {}, {}, []
    for label, res in by_db.items():
        if not res or "runs" not in res:
            problems.append(f"{label}: {res.get('error') if res else 'not measured'}"[:400])
            continue
        counts[label] = {str(r["page_size"] or "-"): r["queries"] for r in res["runs"]}
        rows[label] = {str(r["page_size"] or "-"): r["rows"] for r in res["runs"]}
        problems += [f"{label}: HTTP {r['status']} for {r['path']}" for r in res["runs"] if r["status"] != 200]
    distinct = {n for per_db in counts.values() for n in per_db.values()}
    entry = {
        "path": path,
        "queries": counts,
        "rows_shown": rows,
        "budget": "same query count at every page size and data size",
        "constant": len(distinct) == 1,
    }
    if len(distinct) > 1:
        entry["flag"] = f"query count varies: {sorted(distinct)}"
        entry["sql_sample"] = next((res.get("sql") for res in by_db.values() if res and "sql" in res), None)
    # Page sizes only prove something if the page honoured them (different row counts).
    ignored = [lbl for lbl, r in rows.items() if len(r) > 1 and len(set(r.values())) == 1]
    if ignored:
        entry["note"] = "page size parameter did not change the rows shown on: " + ", ".join(ignored)
    if problems:
        entry["problems"] = problems
    entry["pass"] = bool(counts) and not problems and entry["constant"]
    return entry


def write(output: Path, results: dict, only: list[str] | None) -> None:
    """Write results; a partial run (--only) keeps the other entries of a comparable run."""
    if only and output.exists():
        try:
            old = json.loads(output.read_text())
        except ValueError:
            old = {}
        if old.get("size") == results["size"] and old.get("database") == results["database"]:
            merged = {**old.get("benchmarks", {}), **results["benchmarks"]}
            results["benchmarks"] = dict(sorted(merged.items()))
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {output}")


def _ms(v) -> str:
    return "-" if v is None else f"{v:.0f}"


def progress(name: str, entry: dict) -> None:
    if "p95_ms" in entry:
        err = f" errors {entry['errors']} {entry.get('error_kinds') or ''}" if entry.get("errors") else ""
        print(f"  {name:34} p95 {_ms(entry['p95_ms']):>5} ms  {entry.get('rps') or 0:>7.1f} req/s{err}", flush=True)
    elif "rows_per_s" in entry:
        print(
            f"  {name:34} {entry['rows']:,} rows in {entry['seconds']} s = {entry['rows_per_s']:,} rows/s", flush=True
        )
    else:
        print(f"  {name:34} {entry.get('error') or entry}", flush=True)


def table(results: dict) -> None:
    b = results["benchmarks"]
    print(f"\n{results['cpu']} x{results['cores']}, Python {results['python']}, PostgreSQL {results['postgres']}")
    load1 = (results.get("loadavg_at_start") or [0])[0]
    if load1 > 0.5 * (results.get("cores") or 1):
        print(f"WARNING: load average {load1} at start: other work was running; figures are pessimistic")
    d = results.get("data") or {}
    print(f"data ({results['size']}): " + ", ".join(f"{k} {v:,}" for k, v in d.items() if v is not None))
    seed = results.get("seed") or {}
    if seed.get("ran"):
        print(f"seed_demo --size {seed['size']}: {seed['seconds']} s (+ VACUUM ANALYZE {seed['analyze_seconds']} s)")
    load = {k: v for k, v in b.items() if k.startswith(("web.", "api."))}
    if load:
        print(f"\n{'endpoint':34} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} {'req/s':>7} {'err':>5}  pass")
        for name, e in load.items():
            print(
                f"{name:34} {_ms(e.get('p50_ms')):>6} {_ms(e.get('p95_ms')):>6} {_ms(e.get('p99_ms')):>6} "
                f"{_ms(e.get('max_ms')):>6} {e.get('rps') or 0:>7.1f} {e.get('errors', '-'):>5}  "
                f"{'yes' if e.get('pass') else 'NO'}"
                + (f"  {e.get('error_kinds') or e.get('error')}" if not e.get("pass") else "")
            )
    queries = {k: v for k, v in b.items() if k.startswith("queries.")}
    if queries:
        print(f"\n{'queries per page':34} counts (page size: n) per database                    constant")
        for name, e in queries.items():
            counts = "; ".join(
                f"{lbl.split(' ')[0]} " + " ".join(f"{ps}:{n}" for ps, n in c.items())
                for lbl, c in e["queries"].items()
            )
            print(
                f"{name:34} {counts:52} {'yes' if e['pass'] else 'NO'}"
                + (f"  {e.get('problems') or e.get('flag')}" if not e["pass"] else "")
            )
    imp = b.get("import.transactions")
    if imp:
        if "rows_per_s" in imp:
            print(
                f"\nimport transactions.csv: {imp['rows']:,} rows in {imp['seconds']} s = "
                f"{imp['rows_per_s']:,} rows/s (budget {imp['budget']}): {'yes' if imp['pass'] else 'NO'}"
            )
        else:
            print(f"\nimport transactions.csv: NOT MEASURED: {imp.get('error')}")
    other = {k: v for k, v in b.items() if k.startswith(("ledger.", "actuarial.", "aml."))}
    if other:
        print(f"\n{'engines and ledger':34} {'figure':>40}  pass  budget")
        for name, e in other.items():
            print(f"{name:34} {_headline(e):>40}  {'yes' if e.get('pass') else 'NO ':3}  {e.get('budget', '')}")


def _headline(e: dict) -> str:
    """The one figure each engine/ledger benchmark is judged by."""
    if "error" in e:
        return f"ERROR {e['error']}"[:40]
    ratio = (e.get("figures") or {}).get("speed_ratio")
    if ratio:
        return f"{ratio:,.0f}x lifelib, {e['seconds'] * 1000:.1f} ms"
    for key, fmt in (("events_per_s", "{:,.0f} events/s"), ("policy_months_per_s", "{:,.0f} policy-months/s"),
                     ("names_per_s", "{:,.0f} names/s"), ("transactions_per_s", "{:,.0f} txns/s"),
                     ("p99_ms", "p99 {:.1f} ms")):  # fmt: skip
        if key in e:
            head = fmt.format(e[key])
            return head + (f" in {e['seconds']:.2f} s" if "seconds" in e and key != "p99_ms" else "")
    if e.get("speedup"):
        return f"{e['speedup']:.2f}x from 1 to 2 workers"
    return f"{e['seconds']:.2f} s" if "seconds" in e else ""
