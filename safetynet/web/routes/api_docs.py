"""The JSON API's interactive documentation (Swagger UI) at ``/api/docs``, with its script
and style served from ``/static/vendor/swagger-ui`` (no CDN: the page works offline, on a
county network without internet)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter()
VENDOR = "/static/vendor/swagger-ui"


@router.get("/api/docs", include_in_schema=False)
def api_docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/api/openapi.json",
        title="SafetyNet API",
        swagger_js_url=f"{VENDOR}/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from swagger.io
    )
