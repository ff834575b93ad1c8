"""Input that is not text is refused before any view sees it, for the whole site at once.

A NUL character cannot be stored in PostgreSQL's text (a 500 there, while SQLite stores it),
and bytes that are not UTF-8 reach the views as U+FFFD replacement characters, because
Django decodes query strings and forms with errors="replace": either way, what would be
searched or saved is not what was typed. So the raw bytes of the query string and of a
URL-encoded form are checked here, with the path, the cookies and the fields of a
multipart form (which Django has decoded already: a NUL in them is still seen). Uploaded
files and JSON bodies are left to whoever reads them.
"""

import re
from urllib.parse import unquote_to_bytes

from plumbline.errors import bad_request_response

URL_ENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
NAMED_UP_TO = 40  # longer field names are not repeated back
# A NUL, written or encoded, or an encoded byte past ASCII (which must be valid UTF-8).
_MAYBE_UNREADABLE = re.compile(rb"\x00|%00|%[89a-fA-F][0-9a-fA-F]")

NUL = (
    "{where} holds a NUL character (a zero byte), which no text in Plumbline may hold. "
    "Remove it and send it again."
)
NOT_UTF8 = (
    "{where} holds bytes that are not UTF-8 text. Type or paste the text again, as plain "
    "text, and send it again."
)
COOKIE = (
    "A cookie your browser sent for this site holds a NUL character (a zero byte). Clear "
    "this site's cookies, then sign in again."
)


class UnreadableInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = unreadable_input(request)
        if problem:
            return bad_request_response(request, problem)
        return self.get_response(request)


def unreadable_input(request) -> str | None:
    """What in the request is not text, said for the person who sent it; None if all is."""
    if "\0" in request.path_info:
        return NUL.format(where="The address")
    problem = _url_encoded(_query_bytes(request))
    if problem is None and request.content_type == URL_ENCODED:
        problem = _url_encoded(request.body)
    if problem is None and request.content_type == MULTIPART:
        problem = next(
            (
                NUL.format(where=_field(name))
                for name, values in request.POST.lists()
                if "\0" in name or any("\0" in value for value in values)
            ),
            None,
        )
    if problem is None and any("\0" in value for value in request.COOKIES.values()):
        problem = COOKIE
    return problem


def _query_bytes(request) -> bytes:
    # Under WSGI the query string arrives as bytes decoded as Latin-1; this undoes that.
    query = request.META.get("QUERY_STRING", "")
    try:
        return query.encode("iso-8859-1")
    except UnicodeEncodeError:
        return query.encode()


def _url_encoded(data: bytes) -> str | None:
    """The problem with the first field of URL-encoded `data` that is not text, or None."""
    if data.isascii() and not _MAYBE_UNREADABLE.search(data):
        return None  # nearly every request: ASCII only, decoding would find nothing
    for pair in data.split(b"&"):
        raw_name, _, raw_value = pair.partition(b"=")
        name = unquote_to_bytes(raw_name.replace(b"+", b" "))
        value = unquote_to_bytes(raw_value.replace(b"+", b" "))
        for part in (name, value):
            try:
                text = part.decode()
            except UnicodeDecodeError:
                return NOT_UTF8.format(where=_field(name.decode(errors="replace")))
            if "\0" in text:
                return NUL.format(where=_field(name.decode(errors="replace")))
    return None


def _field(name: str) -> str:
    readable = name.isprintable() and "\ufffd" not in name and 0 < len(name) <= NAMED_UP_TO
    return f"The field “{name}”" if readable else "A field"
