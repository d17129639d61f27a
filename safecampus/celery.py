"""The Celery application (docs/deploy.md "Background jobs (Celery)").

``celery -A safecampus worker`` and ``celery -A safecampus beat`` load this module. Every
setting is a CELERY_* name in safecampus/settings.py; the tasks live in each app's tasks.py.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safecampus.settings")

app = Celery("safecampus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _bind_task_id(task_id: str | None = None, **kwargs: Any) -> None:
    # A task's log lines carry its id where a request's carry the request id.
    from safecampus.lib import logs

    logs.bind(request_id=task_id or "")


@task_postrun.connect
def _unbind_task_id(**kwargs: Any) -> None:
    from safecampus.lib import logs

    logs.unbind()
