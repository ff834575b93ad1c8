"""CSV downloads that are safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
by Excel, LibreOffice and Google Sheets (CSV injection, see OWASP). Such text cells get a
leading single quote, which the spreadsheet shows as text. Numbers are written as they are.
"""

import csv
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils.http import content_disposition_header

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value):
    """The cell as it may go into a CSV: formula-like text quoted, everything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename: str, header: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    """An attachment named `filename`: the header row, then one line per row."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    writer = csv.writer(response)
    writer.writerow([neutralize(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralize(cell) for cell in row])
    return response
