from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "safecampus.audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from safecampus.audit import signals  # noqa: F401
