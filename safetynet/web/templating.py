"""Jinja2 templates with SafetyNet's filters, rendered in the request's language."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from safetynet import labels
from safetynet.clock import local, local_date
from safetynet.money import fmt_yuan
from safetynet.ratios import percent_text
from safetynet.registry.masking import mask_name, mask_resident_id
from safetynet.security.roles import Permission, user_allows
from safetynet.web.bounds import day_limits
from safetynet.web.csrf import csrf_token
from safetynet.web.i18n import LANGUAGE_NAMES, translations
from safetynet.web.messages import error_text

TEMPLATES = Path(__file__).parent / "templates"


def yuan(fen: int | None) -> str:
    """Fen as yuan with thousands separators: ``123456`` → ``1,234.56``."""
    return "" if fen is None else fmt_yuan(int(fen))


def percent(value: float | None, digits: int = 1) -> str:
    """A ratio as a percentage; an undefined one as "—" (:mod:`safetynet.ratios`)."""
    return percent_text(value, digits)


def iso(value: date | None) -> str:
    return value.isoformat() if value else ""


env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.globals["labels"] = labels


def _slip_globals() -> None:
    """The slip's wording of each layer (imported late: it needs the settlement service)."""
    from safetynet.web import slip_text

    env.globals["slip_text"] = slip_text
    env.globals["rule_label"] = slip_text.rule_label


_slip_globals()


def may(user: Any, permission: str) -> bool:
    """In templates: ``may(user, "report.read")`` — the user holds the permission (their role
    grants it, and it is not withheld from a user bound to an institution)."""
    return user is not None and user_allows(user, Permission(permission))


env.globals["may"] = may
env.globals["error_text"] = error_text
env.globals["day_limits"] = day_limits  # a date field's min and max
env.filters.update(
    yuan=yuan,
    percent=percent,
    iso=iso,
    mask_name=mask_name,
    mask_id=mask_resident_id,
    local=local,
    local_date=local_date,  # a stored (UTC) timestamp on the county's clock
)


def locale_of(request: Request) -> str:
    return getattr(request.state, "locale", "zh_Hans")


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    locale = locale_of(request)
    tr = translations(locale)

    def _(message: str, **kwargs: Any) -> str:
        text = tr.gettext(message)
        return text % kwargs if kwargs else text

    ctx = {
        "request": request,
        "_": _,
        "locale": locale,
        "languages": LANGUAGE_NAMES,
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
        "path": request.url.path,
    }
    ctx.update(context or {})
    html = env.get_template(name).render(ctx)
    return HTMLResponse(html, status_code=status)


def gettext_for(request: Request):  # type: ignore[no-untyped-def]
    """The request's ``gettext`` (for messages built in Python, e.g. flash messages)."""
    return translations(locale_of(request)).gettext
