from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """200 when the database answers on a fresh connection, 503 otherwise."""
    connection = connections.create_connection("default")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except DatabaseError:
        database = "error"
    finally:
        connection.close()
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {"status": "ok" if database == "ok" else "error", "database": database}, status=status
    )
