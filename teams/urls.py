from django.urls import path

from teams import views

app_name = "teams"
urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("new/", views.person_create, name="person_create"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/teams/", views.membership_add, name="membership_add"),
    path(
        "<int:pk>/teams/<int:membership_pk>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
    path("<int:pk>/deactivate/", views.person_deactivate, name="person_deactivate"),
    path("<int:pk>/reactivate/", views.person_reactivate, name="person_reactivate"),
]
