# Production image: one image for web (gunicorn), worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    INSURER_PROFILE=production INSURER_VAR_DIR=/var/lib/insurer

RUN apt-get update && apt-get install -y --no-install-recommends libpq5 curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /app insurer \
    && mkdir -p /var/lib/insurer && chown insurer /var/lib/insurer

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY --chown=insurer . .

# collectstatic needs settings to load; these throwaway values exist only in this build step
# (every variable settings.py requires in production: tests/test_deploy.py runs this line).
RUN DJANGO_SECRET_KEY=build-only INSURER_PII_KEYS=build:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    INSURER_BLIND_INDEX_KEY=build-only INSURER_LEDGER_SIGNING_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput

USER insurer
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD curl -fsS http://localhost:8000/healthz || exit 1
CMD ["gunicorn", "insurer.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-"]
