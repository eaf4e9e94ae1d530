"""What Neo4j Browser fetches from the API: the guide and the style sheet."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, PlainTextResponse

from app.localdb import PROJECT_ROOT

BROWSER_DIR = PROJECT_ROOT / "graph" / "browser"

router = APIRouter(tags=["neo4j browser"])


@router.get("/guide", response_class=HTMLResponse)
def read_guide() -> HTMLResponse:
    """The Neo4j Browser guide: open it in Browser with ``:play http://127.0.0.1:8000/guide``."""
    return HTMLResponse((BROWSER_DIR / "guide.html").read_text(encoding="utf-8"))


@router.get("/style.grass", response_class=PlainTextResponse)
def read_style() -> PlainTextResponse:
    """The Browser style sheet (GRASS): ``:style http://127.0.0.1:8000/style.grass``."""
    return PlainTextResponse((BROWSER_DIR / "style.grass").read_text(encoding="utf-8"))
