"""What Neo4j Browser fetches from the API: the guide and the style sheet."""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from app.resources import BROWSER_DIR

# in guide.html: replaced by the base URL the guide was requested from (e.g. its port)
BASE_URL_PLACEHOLDER = "{{API_BASE_URL}}"

router = APIRouter(tags=["neo4j browser"])


@router.get("/guide", response_class=HTMLResponse)
def read_guide(request: Request) -> HTMLResponse:
    """The Neo4j Browser guide: open it in Browser with ``:play http://127.0.0.1:8000/guide``."""
    base_url = html.escape(str(request.base_url).rstrip("/"), quote=True)
    text = (BROWSER_DIR / "guide.html").read_text(encoding="utf-8")
    return HTMLResponse(text.replace(BASE_URL_PLACEHOLDER, base_url))


@router.get("/style.grass", response_class=PlainTextResponse)
def read_style() -> PlainTextResponse:
    """The Browser style sheet (GRASS): ``:style http://127.0.0.1:8000/style.grass``."""
    return PlainTextResponse((BROWSER_DIR / "style.grass").read_text(encoding="utf-8"))
