from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from teams.navigation import items_for
from teams.permissions import role_label


def _links(request):
    links = []
    for item in items_for(request.user):
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        current = request.path == url or (url != "/" and request.path.startswith(url))
        links.append({"label": item.label, "url": url, "current": current})
    return links


def navigation(request):
    """Navigation links and the signed-in person's role, computed only if a page uses them."""
    if not request.user.is_authenticated:
        return {}
    return {
        "nav_links": SimpleLazyObject(lambda: _links(request)),
        "role_label": SimpleLazyObject(lambda: role_label(request.user)),
    }
