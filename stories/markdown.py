"""Markdown → safe HTML for user-written story bodies.

Two steps, and the order matters: python-markdown turns the text into HTML (and passes any raw
HTML in the source straight through — it has no safe mode), then nh3 sanitizes the whole result
against the allow-list below. Everything security-relevant lives in that allow-list; the Markdown
step is trusted for nothing.
"""

from functools import lru_cache

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

# The one place that says what may reach a page. Deliberately absent:
# - img: an image loads from wherever the author points it, so it is a tracking pixel that reports
#   every reader's IP and read time to a third party. Images are dropped, not linkified.
# - h1: the page already has one (the story title); Markdown h1s are demoted to h2 (see below),
#   and a raw-HTML <h1> loses its tag but keeps its text.
# - div, span, dl/dt/dd, ...: their text survives, their tag does not.
ALLOWED_TAGS = frozenset(
    {
        *("p", "br", "hr", "blockquote", "pre", "code"),
        *("strong", "em", "b", "i", "del", "ins", "sup", "sub", "abbr", "a"),
        *("ul", "ol", "li"),
        *("h2", "h3", "h4", "h5", "h6"),
        *("table", "thead", "tbody", "tr", "th", "td"),
    }
)
# No style, class, id or on* anywhere: only these survive.
ALLOWED_ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "abbr": frozenset({"title"}),
    "th": frozenset({"align"}),
    "td": frozenset({"align"}),
}
# Absolute URLs with any other scheme (javascript:, data:, vbscript:, ...) lose the attribute.
# nh3 decodes entities and strips whitespace/control characters before it looks at the scheme.
# Relative URLs (/path, #anchor, page.html, //host/path) pass: they resolve against our own
# http(s) page, so they can only mean http(s).
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer"

# "extra" brings tables, fenced code, footnotes, abbr, attr_list, def_list and md_in_html. Raw
# HTML and attr_list's `{: onclick=... }` are left to nh3. nl2br is deliberately not used.
_EXTENSION_CONFIGS = {
    # An `align` attribute instead of the default style="text-align: …", which nh3 would strip.
    "extra": {"tables": {"use_align_attribute": True}},
}


class _DemoteH1(Treeprocessor):
    def run(self, root):
        for element in root.iter("h1"):
            element.tag = "h2"


class _DemoteH1Extension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_DemoteH1(md), "demote_h1", 5)


def _to_html(text: str) -> str:
    # markdown.markdown() builds a fresh Markdown instance per call: instances keep per-document
    # state (footnotes, abbreviations, reference links) and are not thread-safe, so none is shared.
    return markdown.markdown(
        text,
        extensions=["extra", "sane_lists", _DemoteH1Extension()],
        extension_configs=_EXTENSION_CONFIGS,
        output_format="html",
    )


def render_markdown(text: str | None) -> SafeString:
    """Render Markdown to sanitized HTML, marked safe for templates. Empty/None → ""."""
    if not text:
        return mark_safe("")
    return mark_safe(_rendered(str(text)))  # noqa: S308 - nh3 output is the point of this module


@lru_cache(maxsize=1024)
def _rendered(text: str) -> str:
    """The sanitized HTML of a text. A pure function of the text (and of this module's
    rules, fixed while a process runs), so remembered: a story page renders the same body
    for every reader, and that costs more than the rest of its view (docs/performance.md).
    1,024 texts of a few kilobytes each is a few megabytes per process."""
    return nh3.clean(
        _to_html(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        # The default, spelled out: <script>/<style> go with their content, not just their tags.
        clean_content_tags={"script", "style"},
        strip_comments=True,
    )
