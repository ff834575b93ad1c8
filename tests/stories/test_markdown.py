"""Markdown rendering: hostile input comes out inert, ordinary Markdown still works."""

import re
import uuid

import pytest
from django.template import Context, Template
from django.utils.html import escape
from django.utils.safestring import SafeString

from stories.markdown import ALLOWED_TAGS, render_markdown
from tests.xss_corpus import PAYLOADS, assert_no_xss


def _payload_id(payload: str) -> str:
    return re.sub(r"\s+", " ", payload)[:60]


each_payload = pytest.mark.parametrize("payload", PAYLOADS, ids=[_payload_id(p) for p in PAYLOADS])


def test_the_corpus_is_big_enough_and_has_no_duplicates():
    assert len(PAYLOADS) >= 60
    assert len(set(PAYLOADS)) == len(PAYLOADS)


# --- Hostile input ---------------------------------------------------------------------------


@each_payload
def test_render_markdown_neutralises(payload):
    assert_no_xss(render_markdown(payload))


@each_payload
def test_rendered_into_a_page_it_stays_inert(payload):
    # What the views do: render the body, then hand the result to the template.
    html = Template("{{ body }}").render(Context({"body": render_markdown(payload)}))
    assert_no_xss(html)


@each_payload
def test_autoescaping_neutralises(payload):
    # What the app does for plain fields such as titles — in text and inside an attribute.
    assert_no_xss(escape(payload))
    rendered = Template('<p title="{{ v }}">{{ v }}</p>').render(Context({"v": payload}))
    assert_no_xss(rendered)


@pytest.mark.parametrize(
    "bad",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "<p><SVG/ONLOAD=alert(1)></p>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="&#106;avascript:x">x</a>',
        '<a href="java&#x09;script:x">x</a>',
        '<a href=" \x01JavaScript:x">x</a>',
        '<a href="java\x00script:x">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<a href="vbscript:x">x</a>',
        '<a href="foo:x">x</a>',
        '<a href="https://ok.example" onclick="x">x</a>',
        '<div style="x">x</div>',
        '<iframe srcdoc="x"></iframe>',
        '<a xlink:href="https://ok.example">x</a>',
        "<!--[if IE]><p>x</p><![endif]-->",
    ],
)
def test_the_checker_catches_known_bad_html(bad):
    with pytest.raises(AssertionError, match="executable markup"):
        assert_no_xss(bad)


@pytest.mark.parametrize(
    "good",
    [
        '<a href="https://ok.example/a:b" rel="noopener noreferrer">x</a>',
        '<a href="mailto:a@b.example">x</a>',
        '<a href="/stories/1/">x</a>',
        '<a href="#fn:1">x</a>',
        '<a href="java   script:x">x</a>',  # no scheme (spaces): a relative path
        "<p>alert(1) &lt;script&gt;javascript:alert(1)</p>",
    ],
)
def test_the_checker_passes_harmless_html(good):
    assert_no_xss(good)


def test_script_and_style_lose_their_content_too():
    html = render_markdown("a <script>alert(1)</script> <style>p{}</style> b")
    assert "alert" not in html
    assert "p{}" not in html


# --- Ordinary Markdown -----------------------------------------------------------------------


def test_returns_safe_string_and_empty_input_gives_empty_string():
    assert isinstance(render_markdown("hi"), SafeString)
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
    assert isinstance(render_markdown(None), SafeString)


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        pytest.param(
            "# Top\n\nSetext\n======\n\n## Two\n\n###### Six",
            "<h2>Top</h2>\n<h2>Setext</h2>\n<h2>Two</h2>\n<h6>Six</h6>",
            id="headings, h1 demoted to h2",
        ),
        pytest.param(
            "*em* **strong** <del>gone</del> <ins>new</ins> H<sub>2</sub>O",
            "<p><em>em</em> <strong>strong</strong> <del>gone</del> <ins>new</ins> "
            "H<sub>2</sub>O</p>",
            id="emphasis and strikethrough",
        ),
        pytest.param(
            "- a\n- b\n\n1. one\n2. two",
            "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol>\n<li>one</li>\n<li>two</li>\n</ol>",
            id="lists",
        ),
        pytest.param(
            '[site](https://example.com/x "The site")',
            '<p><a href="https://example.com/x" title="The site" rel="noopener noreferrer">'
            "site</a></p>",
            id="an https link gets rel and keeps its title",
        ),
        pytest.param(
            '<b class="x" id="y" onclick="z">bold</b> <span>kept text</span>',
            "<p><b>bold</b> kept text</p>",
            id="raw HTML keeps only allowed tags and attributes",
        ),
        # python-markdown expands tabs everywhere, raw HTML included, before nh3 sees it.
        pytest.param(
            '<a href="java\tscript:alert(1)">x</a>',
            '<p><a href="java   script:alert(1)" rel="noopener noreferrer">x</a></p>',
            id="a tab in a raw HTML URL becomes spaces, so a relative path",
        ),
        pytest.param(
            "[click](javascript:alert(1))",
            '<p><a rel="noopener noreferrer">click</a></p>',
            id="a javascript link keeps its text but loses its href",
        ),
    ],
)
def test_it_renders_exactly(markdown, expected):
    assert render_markdown(markdown) == expected


def test_h1_is_not_an_allowed_tag():
    assert "h1" not in ALLOWED_TAGS


def test_mailto_and_relative_links_are_kept():
    html = render_markdown("[mail](mailto:sales@example.com) [rel](/stories/1/)")
    assert 'href="mailto:sales@example.com"' in html
    assert 'href="/stories/1/"' in html


def test_author_rel_is_replaced():
    html = render_markdown('<a href="https://example.com" rel="opener">x</a>')
    assert 'rel="noopener noreferrer"' in html
    assert 'rel="opener"' not in html


def test_tables_keep_alignment_as_align_not_style():
    html = render_markdown("| L | R |\n|:--|--:|\n| 1 | 2 |")
    assert '<th align="left">L</th>' in html
    assert '<td align="right">2</td>' in html
    assert "style" not in html


def test_code_blocks_escape_angle_brackets():
    html = render_markdown("```\nif a < b && c > d: <b>x</b>\n```\n\nInline `<i>`")
    assert "<pre><code>if a &lt; b &amp;&amp; c &gt; d: &lt;b&gt;x&lt;/b&gt;\n</code></pre>" in html
    assert "<code>&lt;i&gt;</code>" in html


def test_blockquote_rule_and_abbr():
    html = render_markdown("> quoted\n\n---\n\n*[CRM]: Customer Relationship Management\n\nOur CRM")
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<hr>" in html
    assert '<abbr title="Customer Relationship Management">CRM</abbr>' in html


def test_images_are_dropped_as_tracking_pixels():
    html = render_markdown("See ![chart](https://tracker.example/p.gif) <img src=/x.png> here")
    assert "img" not in html
    assert "tracker.example" not in html
    assert html == "<p>See   here</p>"


def test_template_syntax_is_inert_text():
    html = Template("{{ b }}").render(Context({"b": render_markdown("{{ 7*7 }} {% debug %}")}))
    assert html == "<p>{{ 7*7 }} {% debug %}</p>"


def test_a_text_is_rendered_once_per_process(monkeypatch):
    from stories import markdown as module

    calls = []
    real = module._to_html
    monkeypatch.setattr(module, "_to_html", lambda text: calls.append(text) or real(text))
    text = f"**Told once** {uuid.uuid4()}"
    first, second = render_markdown(text), render_markdown(text)
    assert first == second == f"<p><strong>Told once</strong> {text.split()[-1]}</p>"
    assert isinstance(second, SafeString)
    assert calls == [text]
