from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = "Stories and conversations"

    def ready(self):
        from teams import navigation

        navigation.register("Home", "home", lambda user: user.is_authenticated, order=0)
