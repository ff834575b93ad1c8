from django.urls import path

from stories.views import audiences, home, stories

app_name = "stories"
urlpatterns = [
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

home_patterns = [path("", home.home, name="home")]
