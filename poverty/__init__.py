"""Project package: settings, URLs, the Celery app and the few cross-cutting pieces."""

from poverty.celery import app as celery_app

__all__ = ["celery_app"]
