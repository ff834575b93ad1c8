from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = "Stories and conversations"

    def ready(self):
        from stories.permissions import may_see_sales_records, may_use_library
        from teams import navigation

        navigation.register("Home", "home", lambda user: user.is_authenticated, order=0)
        navigation.register("Stories", "stories:library", may_use_library, order=20)
        navigation.register(
            "Conversations", "stories:conversation_list", may_see_sales_records, order=30
        )
        navigation.register("Clients", "stories:client_list", may_see_sales_records, order=40)
