"""Wide tables scroll inside their own box on a phone, never the page: a box a keyboard
can reach (tabindex=0) and a screen reader can name (a region labelled by the caption)."""

import re

import pytest

from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_audience

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("rep", "/clients/"),
        ("marketer", "/stories/audiences/"),
        ("admin", "/people/"),
        ("manager", "/dashboard/"),
    ],
)
def test_every_table_scrolls_in_its_own_named_box(client_for, cast, version, who, url):
    client = make_client(cast.rep, "Northgate Cold Store")
    make_conversation(rep=cast.rep, client=client, version=version)
    make_audience(name="Cold stores")
    response = client_for(getattr(cast, who)).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    boxes = re.findall(
        r'<div class="table-responsive" role="region" tabindex="0" aria-labelledby="([^"]+)">'
        r'\s*<table[^>]*>\s*<caption[^>]* id="([^"]+)"',
        html,
    )
    assert boxes and len(boxes) == html.count("<table"), url
    assert all(label == caption for label, caption in boxes)
