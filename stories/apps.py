from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = "Stories and conversations"

    def ready(self):
        from stories.permissions import may_review, may_see_sales_records, may_use_library
        from teams import navigation

        navigation.register("Home", "home", lambda user: user.is_authenticated, order=0)
        navigation.register("Stories", "stories:library", may_use_library, order=20)
        navigation.register(
            "Conversations", "stories:conversation_list", may_see_sales_records, order=30
        )
        navigation.register("Clients", "stories:client_list", may_see_sales_records, order=40)
        navigation.register("Review", "stories:review_queue", may_review, order=50)

        from stories.permissions import may_see_dashboard

        navigation.register("Dashboard", "stories:dashboard", may_see_dashboard, order=60)

        from plumbline.services import on_publish
        from stories.notifications import notify_new_version
        from stories.recheck import recheck_start

        # A new plumb line: everyone hears of it, and every entry is checked against it.
        on_publish(notify_new_version)
        on_publish(recheck_start)

        from django.db.models.signals import post_delete, post_save

        from stories.rollups import people_changed
        from teams.models import Membership, Team, User

        # Cached dashboard figures depend on who is in which team and on people's names.
        for model in (Membership, Team, User):
            post_save.connect(people_changed, sender=model, dispatch_uid=f"figures-{model}")
            post_delete.connect(people_changed, sender=model, dispatch_uid=f"figures-{model}-")

        from django.db.models.signals import m2m_changed

        from stories.list_cache import rows_changed, shown_models

        # The cached list rows are stale once anything they show changes.
        models, links = shown_models()
        for model in models:
            post_save.connect(rows_changed, sender=model, dispatch_uid=f"lists-{model}")
            post_delete.connect(rows_changed, sender=model, dispatch_uid=f"lists-{model}-")
        for link in links:
            m2m_changed.connect(rows_changed, sender=link, dispatch_uid=f"lists-{link}")
