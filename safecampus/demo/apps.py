from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "safecampus.demo"
    verbose_name = "Demo data"
