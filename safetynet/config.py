"""Settings, read from the environment (prefix ``SAFETYNET_``) with embedded defaults.

- SAFETYNET_DATABASE_URL: SQLAlchemy URL (default ``sqlite:///<data dir>/safetynet.db``)
- SAFETYNET_DATA_DIR: where the database and Parquet files live (default ``./var``)
- SAFETYNET_SECRET_KEY: signs sessions and CSRF tokens (default: generated once into the data dir)
- SAFETYNET_HOST, SAFETYNET_PORT: where ``safetynet serve`` listens (default 127.0.0.1:8000)
- SAFETYNET_POLICY_DIR: a folder of the deployment's own policy files, beside the shipped ones
- SAFETYNET_POLICIES: comma-separated ids of the policies in force (default: all candidates)
- SAFETYNET_RULES_DIR: a folder of the deployment's own rule files, one subfolder per
  capability (``early_warning/``, ``programmes/``, ``supervision/``, ``funds/``, ``review/``),
  beside the shipped ones
- SAFETYNET_SECURE_COOKIE: mark the session cookie ``Secure`` (HTTPS only; default true,
  ``safetynet demo`` false)
- SAFETYNET_TRUSTED_PROXIES: comma-separated addresses or networks of the reverse proxies whose
  ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed (default: none)
- SAFETYNET_LOGIN_LIMIT_USER, SAFETYNET_LOGIN_LIMIT_CLIENT: failed logins allowed per user and
  per client address in a moving window (defaults ``10 per 15 minutes``, ``50 per 15 minutes``)
- SAFETYNET_PDF_FONT: the TrueType file PDFs embed (default: Debian's WenQuanYi fonts)
- SAFETYNET_SNAPSHOT_MIN_ENTRIES: ledger entries from which the bureau's pages read a
  Parquet snapshot (default 100000)
- SAFETYNET_FORM_KEY_DAYS: days an offline form's idempotency key is kept (default 90)
- SAFETYNET_TIMEZONE: the county's time zone, in which every date a user or a report sees
  is told (default ``Asia/Shanghai``)

No other module reads the environment: each reads its setting from :class:`Settings`.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

LOGIN_LIMIT_USER = "10 per 15 minutes"  # failed logins of one username
LOGIN_LIMIT_CLIENT = "50 per 15 minutes"  # failed logins from one client address
SNAPSHOT_MIN_ENTRIES = 100_000  # ledger entries from which the derived snapshot is kept
FORM_KEY_DAYS = 90  # days a queued form's idempotency key is kept
TIMEZONE = "Asia/Shanghai"  # the county's time zone


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


def _days(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a whole number of days, at least 1, not {value!r}")
    return int(value)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    host: str
    port: int
    secure_cookie: bool = True
    trusted_proxies: tuple[str, ...] = ()
    login_limit_user: str = LOGIN_LIMIT_USER
    login_limit_client: str = LOGIN_LIMIT_CLIENT
    policy_dir: str | None = None  # a folder of the deployment's own policy files
    policies: str | None = None  # comma-separated ids of the policies in force
    rules_dir: str | None = None  # a folder of the deployment's own rule files
    pdf_font: str | None = None  # the TrueType file PDFs embed
    snapshot_min_entries: int = SNAPSHOT_MIN_ENTRIES
    screening_rules: str | None = None  # the supervision rule set the window screens with
    early_warning_online: bool = True  # the early-warning check after every settlement
    form_key_days: int = FORM_KEY_DAYS  # days a queued form's idempotency key is kept

    @property
    def parquet_dir(self) -> Path:
        return self.data_dir / "parquet"

    def secret_key(self) -> str:
        env = os.environ.get("SAFETYNET_SECRET_KEY")
        if env:
            return env
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


# three settings every settlement batch reads, each from its own variable alone: the whole
# of get_settings() resolves the data directory's path (file system calls) every time
def policy_choice() -> tuple[str | None, str | None]:
    """``SAFETYNET_POLICY_DIR`` and ``SAFETYNET_POLICIES`` (None when unset)."""
    return (os.environ.get("SAFETYNET_POLICY_DIR") or None,
            os.environ.get("SAFETYNET_POLICIES") or None)  # fmt: skip


def rules_dir() -> str | None:
    """``SAFETYNET_RULES_DIR`` (None when unset or blank)."""
    return os.environ.get("SAFETYNET_RULES_DIR", "").strip() or None


def screening_rules() -> str | None:
    """``SAFETYNET_SCREENING_RULES`` (None when unset)."""
    return os.environ.get("SAFETYNET_SCREENING_RULES", "").strip() or None


def early_warning_online() -> bool:
    """``SAFETYNET_EARLY_WARNING_ONLINE`` (default true)."""
    return _flag("SAFETYNET_EARLY_WARNING_ONLINE", True)


def county_timezone() -> str:
    """``SAFETYNET_TIMEZONE``: the IANA name of the county's time zone (default
    ``Asia/Shanghai``); read by :mod:`safetynet.clock` alone."""
    return os.environ.get("SAFETYNET_TIMEZONE", "").strip() or TIMEZONE


def get_settings() -> Settings:
    data_dir = Path(os.environ.get("SAFETYNET_DATA_DIR", "var")).resolve()
    url = os.environ.get("SAFETYNET_DATABASE_URL") or f"sqlite:///{data_dir / 'safetynet.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=url,
        host=os.environ.get("SAFETYNET_HOST", "127.0.0.1"),
        port=int(os.environ.get("SAFETYNET_PORT", "8000")),
        secure_cookie=_flag("SAFETYNET_SECURE_COOKIE", True),
        trusted_proxies=tuple(
            p.strip()
            for p in os.environ.get("SAFETYNET_TRUSTED_PROXIES", "").split(",")
            if p.strip()
        ),
        login_limit_user=os.environ.get("SAFETYNET_LOGIN_LIMIT_USER") or LOGIN_LIMIT_USER,
        login_limit_client=os.environ.get("SAFETYNET_LOGIN_LIMIT_CLIENT") or LOGIN_LIMIT_CLIENT,
        policy_dir=policy_choice()[0],
        policies=policy_choice()[1],
        rules_dir=rules_dir(),
        pdf_font=os.environ.get("SAFETYNET_PDF_FONT") or None,
        snapshot_min_entries=int(
            os.environ.get("SAFETYNET_SNAPSHOT_MIN_ENTRIES", SNAPSHOT_MIN_ENTRIES)
        ),
        screening_rules=screening_rules(),
        early_warning_online=early_warning_online(),
        form_key_days=_days("SAFETYNET_FORM_KEY_DAYS", FORM_KEY_DAYS),
    )


def demo_settings() -> Settings:
    """The settings of ``safetynet demo``: served over plain HTTP on this machine, so the
    session cookie is not ``Secure`` unless SAFETYNET_SECURE_COOKIE says so."""
    s = get_settings()
    return replace(s, secure_cookie=_flag("SAFETYNET_SECURE_COOKIE", False))
