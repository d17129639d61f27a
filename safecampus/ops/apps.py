from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operating SafeCampus: backup and restore (no tables of its own)."""

    name = "safecampus.ops"
    verbose_name = _("Operations")
