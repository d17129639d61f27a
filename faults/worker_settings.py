"""Settings for the Celery worker of the whole-worker-kill test only: production settings
with a short broker visibility timeout.

In production Redis gives an unacknowledged task back after 4 x the task time limit (2 h,
safecampus/settings.py), which no test can wait for; the mechanism is the same with 10 s.
"""

import os

from safecampus.settings import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("FAULTS_VISIBILITY_TIMEOUT", "10")),
}
