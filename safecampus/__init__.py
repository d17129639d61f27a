# The Celery app is loaded with Django so that tasks are registered in every process
# (the pattern of Celery's "First steps with Django").
from safecampus.celery import app as celery_app

__all__ = ("celery_app",)
