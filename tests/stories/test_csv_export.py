"""csv_response: a download that a spreadsheet cannot be tricked into running (OWASP)."""

import csv
import io

import pytest

from stories.csv_export import csv_response, neutralize


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil","click")',
        "=1+1",
        "+1+1",
        "-1+1",
        "-5",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_formula_starts_are_neutralized(cell):
    assert neutralize(cell) == "'" + cell
    response = csv_response("t.csv", ["Value"], [[cell]])
    assert rows_of(response)[1] == ["'" + cell]


@pytest.mark.parametrize("cell", ["Lifetime value", "1+1", "a=b", "", " =1", "'already"])
def test_other_text_is_untouched(cell):
    assert neutralize(cell) == cell


@pytest.mark.parametrize("cell", [-5, 0, 42, -1.5, 66.7, None])
def test_numbers_and_blanks_pass_through(cell):
    assert neutralize(cell) is cell
    response = csv_response("t.csv", ["Value"], [[cell]])
    assert rows_of(response)[1] == ["" if cell is None else str(cell)]


def test_header_row_comes_first_and_is_neutralized_too():
    response = csv_response("t.csv", ["Story", "=Uses"], [["A", 3], ["B", 0]])
    assert rows_of(response) == [["Story", "'=Uses"], ["A", "3"], ["B", "0"]]


def test_content_type_and_filename():
    response = csv_response("plumbline-usage-20260101-20260331.csv", ["A"], [])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="plumbline-usage-20260101-20260331.csv"'
    )
    assert rows_of(response) == [["A"]]


def test_text_is_utf8_and_quoted_properly():
    response = csv_response("t.csv", ["Story"], [['Café, "quoted"\nand a new line']])
    assert rows_of(response)[1] == ['Café, "quoted"\nand a new line']
    assert "Café".encode() in response.content


def test_rows_may_be_a_generator():
    response = csv_response("t.csv", ["N"], ([n] for n in range(3)))
    assert rows_of(response) == [["N"], ["0"], ["1"], ["2"]]
