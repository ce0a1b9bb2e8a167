"""The production shape, checked without Docker (no engine runs here): docker-compose.yml
parses, has the five services with health checks, and gives the app containers every
setting the production profile requires; `check --deploy` is clean."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTINGS_SOURCE = (ROOT / "insurer" / "settings.py").read_text()


def required_in_production() -> set[str]:
    """Variables settings.py refuses to start without in the production profile."""
    return set(re.findall(r'_required\("([A-Z_]+)"', SETTINGS_SOURCE))


def test_compose_has_the_production_services_with_health_checks():
    services = COMPOSE["services"]
    for name in ("postgres", "redis", "web", "worker", "beat", "chainer"):
        assert name in services, f"docker-compose.yml lacks the {name} service"
        assert "healthcheck" in services[name], f"{name} has no health check"
    assert services["postgres"]["image"].startswith("postgres:")
    assert int(services["postgres"]["image"].split(":")[1]) >= 15
    assert services["redis"]["image"].startswith("redis:")
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "insurer", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "insurer", "beat"]
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # The production profile leaves chaining to this process (settings.INSURER_LEDGER_CHAINING).
    assert services["chainer"]["command"] == ["python", "manage.py", "ledger_chainer"]
    assert "ledger_chainer" in services["chainer"]["healthcheck"]["test"]


def test_app_containers_get_every_setting_production_requires():
    required = required_in_production() | {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "INSURER_PROFILE"}
    assert {
        "DJANGO_SECRET_KEY",
        "INSURER_PII_KEYS",
        "INSURER_BLIND_INDEX_KEY",
        "INSURER_LEDGER_SIGNING_KEY",
    } <= required
    settings_names = set(re.findall(r'env\.\w+\("([A-Z_]+)"', SETTINGS_SOURCE)) | required_in_production()
    for name in ("web", "worker", "beat", "migrate", "chainer"):
        environment = COMPOSE["services"][name]["environment"]
        missing = required - set(environment)
        assert not missing, f"{name} lacks {sorted(missing)}"
        assert environment["INSURER_PROFILE"] == "production"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://")
        # Every variable given to the app is one the settings actually read (no dead config).
        assert set(environment) <= settings_names, set(environment) - settings_names
        # Secrets are never written into the file: they must come from the environment.
        for secret in sorted(required_in_production()):
            assert environment[secret].startswith("${"), f"{secret} is hard-coded in docker-compose.yml"


def test_dockerfile_builds_the_same_entrypoint():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11" in dockerfile
    assert "INSURER_PROFILE=production" in dockerfile
    assert "collectstatic" in dockerfile
    assert '"gunicorn", "insurer.wsgi"' in dockerfile


def test_the_dockerfiles_collectstatic_step_loads_the_production_settings(tmp_path):
    """The image build runs collectstatic in the production profile with throwaway values:
    it must give every variable the profile requires, or `docker build` fails."""
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    step = next(line for line in dockerfile.splitlines() if line.startswith("RUN ") and "collectstatic" in line)
    given = dict(re.findall(r"\b([A-Z_]+)=(\S+)", step.split("python manage.py")[0]))
    image_env = dict(re.findall(r"\b([A-Z_]+)=(\S+)", next(x for x in dockerfile.splitlines() if x.startswith("ENV "))))
    assert image_env["INSURER_PROFILE"] == "production"
    assert required_in_production() <= set(given), sorted(required_in_production() - set(given))
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "INSURER_PROFILE": "production",
           "INSURER_VAR_DIR": str(tmp_path), **given,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'build.sqlite3'}"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--dry-run"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def _production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_DEBUG"}}
    env.update(
        INSURER_PROFILE="production",
        DJANGO_SECRET_KEY="test-deploy-check-" + "x" * 50,
        INSURER_PII_KEYS="t1:" + "QUFB" * 10 + "QUE=",
        INSURER_BLIND_INDEX_KEY="test-blind-index",
        INSURER_LEDGER_SIGNING_KEY="QUFB" * 10 + "QUE=",
        DATABASE_URL="sqlite:////tmp/insurer-deploy-check.sqlite3",
    )
    return env


def test_check_deploy_is_clean_in_the_production_profile():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_profile_refuses_to_start_without_secrets():
    env = _production_env()
    del env["INSURER_PII_KEYS"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "INSURER_PII_KEYS must be set in the production profile" in result.stderr


def test_the_container_health_check_passes_when_allowed_hosts_name_the_public_host(client, settings, db):
    """The compose and Dockerfile health checks call http://localhost:8000/healthz while
    DJANGO_ALLOWED_HOSTS names the public host (operator guide): /healthz must answer."""
    settings.ALLOWED_HOSTS = ["insurer.example.cn"]
    assert "http://localhost:8000/healthz" in str(COMPOSE["services"]["web"]["healthcheck"]["test"])
    assert "http://localhost:8000/healthz" in (ROOT / "Dockerfile").read_text()
    response = client.get("/healthz", HTTP_HOST="localhost:8000", HTTP_X_FORWARDED_PROTO="https")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert client.get("/accounts/login/", HTTP_HOST="localhost:8000").status_code == 400  # the rest stays strict
    assert client.post("/healthz", HTTP_HOST="insurer.example.cn").status_code == 405


def test_the_beat_health_check_wants_a_recently_written_schedule_whatever_the_dbm_suffix(tmp_path):
    check = COMPOSE["services"]["beat"]["healthcheck"]["test"]
    assert check[0] == "CMD-SHELL" and "/var/lib/insurer" in check[1]
    assert "--schedule" in COMPOSE["services"]["beat"]["command"]
    command = check[1].replace("/var/lib/insurer", str(tmp_path))

    def healthy() -> bool:
        return subprocess.run(["sh", "-c", command], capture_output=True).returncode == 0

    assert not healthy()  # beat never started
    schedule = tmp_path / "celerybeat-schedule.dat"  # dbm.dumb's name; gdbm writes no suffix
    schedule.write_bytes(b"x")
    assert healthy()
    stale = time.time() - 10 * 60
    os.utime(schedule, (stale, stale))
    assert not healthy()  # beat stopped writing: unhealthy
