"""The main pages are valid HTML: the Nu HTML checker (vnu-jar, from npm) reads every
page of tests/main_pages.py, as the person who sees it, in one Java run."""

import json
import subprocess

import pytest

from tests.main_pages import JAVA, MAIN_PAGES, VNU, build_world, require_tool


@pytest.mark.django_db
def test_the_main_pages_are_valid_html(cast, client_for, tmp_path):
    require_tool(JAVA is not None, "Java (the Debian package default-jre-headless)")
    require_tool(VNU.exists(), f"The Nu HTML checker ({VNU})")
    world = build_world(cast)
    files = {}
    for index, (name, role, path) in enumerate(MAIN_PAGES):
        url = path(world)
        response = client_for(getattr(cast, role) if role else None).get(url)
        assert response.status_code == 200, f"{name} ({url}) as {role}"
        file = tmp_path / f"{index:02}.html"
        file.write_bytes(response.content)
        files[str(file)] = f"{name} ({url}) as {role or 'anonymous'}"

    run = subprocess.run(
        [JAVA, "-jar", str(VNU), "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = [m for m in json.loads(run.stderr)["messages"] if m["type"] == "error"]
    where = {f"file:{file}": page for file, page in files.items()}
    listed = "\n".join(
        f"  {where.get(m.get('url'), m.get('url'))}, line {m.get('lastLine')}: {m['message']}"
        for m in errors
    )
    assert not errors, f"{len(errors)} HTML error(s):\n{listed}"
