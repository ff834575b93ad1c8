"""The app's URLconf plus the benchmark's floor page (see bench/settings.py).

The floor is the cheapest signed-in page possible: the session and user lookups every
page pays, one indexed query and the base layout. Every other page is measured against it.
"""

from django.shortcuts import render
from django.urls import path

from plumbline.urls import urlpatterns as app_urlpatterns
from teams.models import User


def floor(request):
    found = User.objects.filter(pk=request.user.pk).exists()  # one primary-key lookup
    return render(request, "bench/floor.html", {"found": found})


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *app_urlpatterns]
