"""The guide the API serves points Browser at the API it came from, whatever its port."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import make_settings

STYLE_COMMAND = re.compile(r":style (\S+)</pre>")


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8123", "http://localhost:18000"])
def test_guide_style_command_uses_the_requested_base_url(neo4j_server, base_url):
    with TestClient(create_app(make_settings(neo4j_server)), base_url=base_url) as client:
        guide = client.get("/guide")
        assert guide.status_code == 200
        assert STYLE_COMMAND.findall(guide.text) == [f"{base_url}/style.grass"]
        assert "{{" not in guide.text
        style = client.get(STYLE_COMMAND.findall(guide.text)[0].removeprefix(base_url))
        assert style.status_code == 200 and "node.Hospital" in style.text


def test_guide_escapes_a_hostile_host_header(neo4j_server):
    with TestClient(create_app(make_settings(neo4j_server))) as client:
        guide = client.get("/guide", headers={"host": 'x"><script>alert(1)</script>'})
    assert "<script>alert(1)" not in guide.text
