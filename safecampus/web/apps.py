from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "safecampus.web"
    verbose_name = "Web shell"
