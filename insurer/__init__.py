"""The platform package: settings, access, PII protection, web and API shell.

Importing the Celery app here makes `shared_task` bind to it wherever Django starts.
"""

from insurer.celery import app as celery_app

__all__ = ("celery_app",)
