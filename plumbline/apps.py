from django.apps import AppConfig


class PlumblineConfig(AppConfig):
    name = "plumbline"
    verbose_name = "Plumb line"

    def ready(self):
        from plumbline.permissions import may_view_plumbline
        from teams import navigation

        navigation.register("Plumb line", "plumbline:current", may_view_plumbline, order=10)
