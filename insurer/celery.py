"""The Celery application.

Broker and result settings come from Django settings (CELERY_* names), so the embedded
profile runs on kombu's filesystem transport and production on Redis with no code change.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insurer.settings")

app = Celery("insurer")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
