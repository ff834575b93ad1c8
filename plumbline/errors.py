"""The site's own pages for requests it cannot serve: 400 for input that is not text, 503
while the database does not answer; JSON (`{"detail": ...}`) for paths under /api/.

Both render without the request's context processors, which read the session and so the
database: the 503 is shown because the database is away, and a 400 may be for a cookie the
session cannot be looked up with. So they show no navigation, only the way home.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.middleware.csp import get_nonce
from django.template.loader import render_to_string
from django.utils.csp import CONTEXT_KEY as CSP_NONCE
from django.views import defaults

API_PREFIX = "/api/"
# Long enough for a database restart or a failover, short enough that nobody waits on us.
RETRY_AFTER_SECONDS = 30
MALFORMED = "Something in what your browser sent could not be read."
UNAVAILABLE = "Plumbline cannot reach its database just now. Try again in a minute."


def _for_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _page(request, template: str, context: dict) -> str:
    return render_to_string(template, {**context, CSP_NONCE: get_nonce(request)})


def bad_request_response(request, message: str) -> HttpResponse:
    """400, saying in `message` what was wrong and how to put it right."""
    if _for_api(request):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponseBadRequest(_page(request, "400.html", {"message": message}))


def unavailable_response(request) -> HttpResponse:
    """503 with Retry-After: the database does not answer."""
    if _for_api(request):
        response = JsonResponse({"detail": UNAVAILABLE}, status=503)
    else:
        response = HttpResponse(_page(request, "503.html", {}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def bad_request(request, exception):
    """handler400: Django's own 400s (too many fields, a disallowed host) look like ours."""
    return bad_request_response(request, MALFORMED)


def server_error(request):
    """handler500: a database that does not answer is a 503, anything else Django's 500.

    Not a middleware's process_exception: Django turns an exception into this handler's
    response wherever it is raised, in a middleware too, and during an outage the first
    query is the session's, read in LoginRequiredMiddleware before any view runs.
    """
    if isinstance(sys.exception(), OperationalError | InterfaceError):
        return unavailable_response(request)
    return defaults.server_error(request)
