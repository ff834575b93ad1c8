"""The site's own pages for requests it cannot serve: 400 for input that is not text;
JSON (`{"detail": ...}`) for paths under /api/.

It renders without the request's context processors, which read the session and so the
database: a 400 may be for a cookie the session cannot be looked up with. So it shows no
navigation, only the way home.
"""

from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.middleware.csp import get_nonce
from django.template.loader import render_to_string
from django.utils.csp import CONTEXT_KEY as CSP_NONCE

API_PREFIX = "/api/"
MALFORMED = "Something in what your browser sent could not be read."


def _for_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _page(request, template: str, context: dict) -> str:
    return render_to_string(template, {**context, CSP_NONCE: get_nonce(request)})


def bad_request_response(request, message: str) -> HttpResponse:
    """400, saying in `message` what was wrong and how to put it right."""
    if _for_api(request):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponseBadRequest(_page(request, "400.html", {"message": message}))


def bad_request(request, exception):
    """handler400: Django's own 400s (too many fields, a disallowed host) look like ours."""
    return bad_request_response(request, MALFORMED)

