"""{% stored_report %}: a stored check's report, as the report partial shows it, rendered once."""

from django.template import Context, Template
from django.template.loader import render_to_string

from plumbline.consistency import Evidence, GuardrailHit, Report
from plumbline.templatetags import plumbline_tags


def _report(score: int = 55) -> Report:
    return Report(
        version=3,
        score=score,
        band="needs_attention",
        guardrail_hits=[
            GuardrailHit("cheap", "Cheap", 0, 5, "affordable over its life", "warning", "")
        ],
        evidence={"lifetime-value": [Evidence("lifetime savings", "lifetime savings", 9, 25)]},
        told_not_tagged=["lifetime-value"],
        tagged_not_told=["local-<b>experts</b>"],
    )


def _tag(report: Report) -> str:
    return Template("{% load plumbline_tags %}{% stored_report report %}").render(
        Context({"report": report})
    )


def test_it_is_the_partial_without_the_text():
    expected = render_to_string("plumbline/_check_report.html", {"report": _report(), "text": None})
    assert _tag(_report()) == expected
    assert "local-&lt;b&gt;experts&lt;/b&gt;" in expected  # escaped, as in the partial


def test_each_report_is_rendered_once_and_told_apart(monkeypatch):
    plumbline_tags._report_html.cache_clear()
    rendered = []
    real = plumbline_tags.render_to_string
    monkeypatch.setattr(
        plumbline_tags,
        "render_to_string",
        lambda *args, **kwargs: rendered.append(args) or real(*args, **kwargs),
    )
    first, again, other = _tag(_report(55)), _tag(_report(55)), _tag(_report(61))
    assert first == again != other
    assert ">61<" in other
    assert len(rendered) == 2
