"""Who may do what with the plumb line. Built only on teams.permissions."""

from django.http import Http404

from plumbline.models import PlumbLineVersion
from teams.permissions import is_manager


def may_view_plumbline(user) -> bool:
    """Everyone signed in reads the plumb line: it is the company's shared reference."""
    return bool(user.is_authenticated and user.is_active)


def may_edit_plumbline(user) -> bool:
    """Managers and admins draft, import, export and publish versions."""
    return is_manager(user)


def get_version_for(user, number) -> PlumbLineVersion:
    """A version by number: published ones for everyone, the draft for editors only (404)."""
    text = str(number or "")
    # isdecimal() also holds for digits such as "²", which int() refuses.
    if not (text.isascii() and text.isdecimal() and len(text) <= 9):
        raise Http404("No such plumb-line version.")
    try:
        version = PlumbLineVersion.objects.get(number=int(text))
    except PlumbLineVersion.DoesNotExist:
        raise Http404("No such plumb-line version.") from None
    if version.is_draft and not may_edit_plumbline(user):
        raise Http404("No such plumb-line version.")
    return version
