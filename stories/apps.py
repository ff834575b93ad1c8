from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = "Stories and conversations"

    def ready(self):
        from stories.permissions import may_use_library
        from teams import navigation

        navigation.register("Home", "home", lambda user: user.is_authenticated, order=0)
        navigation.register("Stories", "stories:library", may_use_library, order=20)
