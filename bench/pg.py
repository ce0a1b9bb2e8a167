"""PostgreSQL plumbing for the harness: reachability, databases, migrations, seeding.

Talks to the server with psycopg2 directly (no Django), so the harness can create the
database Django will then be pointed at.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"

# What seed_demo promises per size (issue 2): used to tell whether a database already
# holds the demo book for a size, so a re-run can skip seeding. Small is only "seconds".
EXPECTED_CUSTOMERS = {"small": None, "medium": 20_000, "large": 200_000}


class HarnessError(RuntimeError):
    """Something the harness itself needs is missing (exit code 2, clear message)."""


@dataclass(frozen=True)
class Database:
    url: str

    @property
    def name(self) -> str:
        return urlsplit(self.url).path.lstrip("/")

    def sibling(self, name: str) -> Database:
        """The same server, another database (the import benchmark's scratch databases)."""
        parts = urlsplit(self.url)
        return Database(urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment)))

    def connect(self, dbname: str | None = None):
        parts = urlsplit(self.url)
        return psycopg2.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname=dbname or self.name,
            connect_timeout=5,
        )


def check_server(db: Database) -> str:
    """Return the server version, or fail with a message a person can act on."""
    try:
        with db.connect("postgres") as conn, conn.cursor() as cur:
            cur.execute("SHOW server_version")
            return cur.fetchone()[0]
    except psycopg2.OperationalError as exc:
        raise HarnessError(
            f"PostgreSQL is not reachable at {urlsplit(db.url).netloc or '127.0.0.1:5432'} ({exc}).\n"
            "The benchmark needs PostgreSQL: start it, or set DATABASE_URL=postgres://user@host:port/db."
        ) from exc


def exists(db: Database) -> bool:
    with db.connect("postgres") as conn, conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db.name])
        return cur.fetchone() is not None


def create(db: Database, *, drop_first: bool = False) -> None:
    conn = db.connect("postgres")
    conn.autocommit = True  # CREATE/DROP DATABASE cannot run inside a transaction
    try:
        with conn.cursor() as cur:
            if drop_first:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name)))
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db.name])
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db.name)))
    finally:
        conn.close()


def drop(db: Database) -> None:
    conn = db.connect("postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name)))
    finally:
        conn.close()


def django_env(db: Database, redis_url: str | None, var_dir: Path) -> dict[str, str]:
    """Environment for every Django process the harness starts."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db.url,
        INSURER_PROFILE="embedded",  # dev keys are fine: the data is synthetic
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_DEBUG="0",
        # Keep the filesystem broker and any scratch files away from `make run`'s var/.
        INSURER_VAR_DIR=str(var_dir),
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 1800, capture: bool = True) -> tuple[float, str]:
    """Run ``manage.py args`` and return (seconds, output); raise HarnessError on failure."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(MANAGE), *args],
        cwd=ROOT,
        env=env,
        capture_output=capture,
        text=True,
        timeout=timeout,
        check=False,
    )
    seconds = time.perf_counter() - started
    output = (proc.stdout or "") + (proc.stderr or "")
    if proc.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-25:])
        raise HarnessError(f"manage.py {' '.join(args)} failed (exit {proc.returncode}):\n{tail}")
    return seconds, output


def table_count(db: Database, table: str) -> int | None:
    """Exact row count, or None when the table does not exist yet (not migrated)."""
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [table])
        if cur.fetchone()[0] is None:
            return None
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        return cur.fetchone()[0]


def data_counts(db: Database) -> dict[str, int | None]:
    return {
        "customers": table_count(db, "customers_customer"),
        "policies": table_count(db, "customers_policy"),
        "transactions": table_count(db, "customers_policytransaction"),
    }


def holds_size(counts: dict[str, int | None], size: str) -> bool:
    """Whether the database already holds the demo book of that size (within ±30 %)."""
    customers = counts.get("customers") or 0
    expected = EXPECTED_CUSTOMERS.get(size)
    if expected is None:  # small: any non-empty book smaller than medium's
        return 0 < customers < 0.7 * EXPECTED_CUSTOMERS["medium"]
    return 0.7 * expected <= customers <= 1.3 * expected


def analyze(db: Database) -> None:
    """Fresh statistics after a bulk load, as autovacuum would give a long-running server."""
    conn = db.connect()
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    finally:
        conn.close()
