"""`make run`: the whole product on the embedded default, in one command.

Migrates, loads the demo insurer when the database holds no book yet (seed_demo, by name:
the platform imports no domain app), prints one demo login per role, then serves the web
app on 127.0.0.1:8000 with a real Celery worker process beside it (filesystem broker, no
server needed), running the beat schedule too. Ctrl-C stops both.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from insurer.services import demo_logins_create


def worker_command(var_dir: Path) -> list[str]:
    """The worker `make run` starts, with the beat scheduler inside it (``--beat``): the
    schedules are part of the product. Without them clocks never escalate or breach, the
    ledger's head is never signed, and a job whose worker died is never requeued (the
    filesystem broker does not redeliver; docs/jobs.md). One process, so one beat."""
    return [
        sys.executable, "-m", "celery", "-A", "insurer", "worker", "--beat",
        f"--schedule={Path(var_dir) / 'celerybeat-schedule'}", "--loglevel=INFO", "--concurrency=2",
    ]  # fmt: skip


class Command(BaseCommand):
    help = "Migrate, load the demo insurer if empty, print demo logins, serve with a worker."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--size", default="medium", choices=["small", "medium", "large"])
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--reseed", action="store_true", help="reload the demo insurer even if data exists")
        parser.add_argument("--no-serve", action="store_true", help="prepare only (used by tests)")

    def handle(self, *args, **opts):
        if not settings.EMBEDDED:
            raise CommandError("run_embedded is for the embedded profile; production runs gunicorn and celery")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        policy_model = apps.get_model("customers", "Policy")
        if opts["reseed"] or not policy_model.objects.exists():
            self.stdout.write(f"Loading the demo insurer ({opts['size']}); this takes about a minute...")
            call_command("seed_demo", size=opts["size"], seed=opts["seed"], no_logins=True, stdout=self.stdout)
        self._print_logins()
        if opts["no_serve"]:
            return
        self._serve(opts["addrport"])

    def _print_logins(self) -> None:
        logins = demo_logins_create()
        self.stdout.write("\nDemo logins (embedded profile only):")
        self.stdout.write(f"  {'username':<20} {'password':<32} role")
        for login in logins:
            self.stdout.write(f"  {login.username:<20} {login.password:<32} {login.role.name}")
        self.stdout.write("")

    def _serve(self, addrport: str) -> None:
        worker = subprocess.Popen(worker_command(settings.VAR_DIR))
        self.stdout.write(f"Celery worker with beat started (pid {worker.pid}). Serving on http://{addrport}/")
        # A plain `kill` must also stop the worker: turn SIGTERM into an exit that runs `finally`.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            call_command("runserver", addrport, use_reloader=False, use_threading=True)
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
