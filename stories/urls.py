from django.urls import include, path

from stories.views import audiences, clients, conversations, home, reviews, stories
from stories.views import dashboard as dashboard_views

story_patterns = [
    path("", stories.library, name="library"),
    path("new/", stories.story_create, name="story_create"),
    path("check/", stories.story_check, name="story_check"),
    path("<int:pk>/", stories.story_detail, name="story_detail"),
    path("<int:pk>/edit/", stories.story_edit, name="story_edit"),
    path("<int:pk>/submit/", stories.story_submit, name="story_submit"),
    path("<int:pk>/publish/", stories.story_publish, name="story_publish"),
    path("<int:pk>/send-back/", stories.story_send_back, name="story_send_back"),
    path("<int:pk>/archive/", stories.story_archive, name="story_archive"),
    path("<int:pk>/revise/", stories.story_revise, name="story_revise"),
    path("<int:pk>/revisions/", stories.story_revisions, name="story_revisions"),
    path("audiences/", audiences.audience_list, name="audience_list"),
    path("audiences/new/", audiences.audience_edit, name="audience_create"),
    path("audiences/<int:pk>/", audiences.audience_edit, name="audience_edit"),
]

sales_patterns = [
    path("conversations/", conversations.conversation_list, name="conversation_list"),
    path("conversations/new/", conversations.conversation_create, name="conversation_create"),
    path("conversations/check/", conversations.conversation_check, name="conversation_check"),
    path("conversations/story-options/", conversations.story_options, name="story_options"),
    path("conversations/<int:pk>/", conversations.conversation_detail, name="conversation_detail"),
    path("conversations/<int:pk>/edit/", conversations.conversation_edit, name="conversation_edit"),
    path(
        "conversations/<int:pk>/delete/",
        conversations.conversation_delete,
        name="conversation_delete",
    ),
    path("clients/", clients.client_list, name="client_list"),
    path("clients/new/", clients.client_create, name="client_create"),
    path("clients/search/", clients.client_search, name="client_search"),
    path("clients/<int:pk>/", clients.client_detail, name="client_detail"),
    path("clients/<int:pk>/edit/", clients.client_edit, name="client_edit"),
    path("clients/<int:pk>/contacts/new/", clients.contact_edit, name="contact_create"),
    path("clients/<int:pk>/contacts/<int:contact_pk>/", clients.contact_edit, name="contact_edit"),
    path("clients/contact-options/", clients.contact_options, name="contact_options"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path(
        "dashboard/export/<slug:table>.csv",
        dashboard_views.dashboard_export,
        name="dashboard_export",
    ),
    # -- reviews --
    path("review/", reviews.queue, name="review_queue"),
    path("review/export.csv", reviews.queue_export, name="review_queue_export"),
    path("review/verdicts.csv", reviews.verdicts_export, name="verdicts_export"),
    path("review/recheck/", reviews.recheck_status, name="recheck_status"),
    path("review/recheck/<int:pk>/resume/", reviews.recheck_resume, name="recheck_resume"),
    path("review/<slug:kind>/<int:pk>/", reviews.review_entry, name="review_entry"),
    path("notifications/read/", reviews.notifications_read, name="notifications_read"),
]

app_name = "stories"
urlpatterns = [path("stories/", include(story_patterns)), *sales_patterns]

# The home page is everyone's landing page, named plainly "home".
home_patterns = [path("", home.home, name="home")]
