from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutiesConfig(AppConfig):
    name = "safecampus.duties"
    verbose_name = _("Responsibility system")
