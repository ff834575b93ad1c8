from django.apps import AppConfig


class PlumblineConfig(AppConfig):
    name = "plumbline"
    verbose_name = "Plumb line"
