from django.contrib import admin

from stories.models import Audience, TcoTopic


@admin.register(TcoTopic)
class TcoTopicAdmin(admin.ModelAdmin):
    """The total-cost-of-ownership topics a conversation can record: admins grow the list."""

    list_display = ["label", "key", "position"]
    list_editable = ["position"]
    search_fields = ["label", "key"]
    prepopulated_fields = {"key": ["label"]}


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
