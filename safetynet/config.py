"""Settings, read from the environment (prefix ``SAFETYNET_``) with embedded defaults.

- SAFETYNET_DATABASE_URL: SQLAlchemy URL (default ``sqlite:///<data dir>/safetynet.db``)
- SAFETYNET_DATA_DIR: where the database and Parquet files live (default ``./var``)
- SAFETYNET_SECRET_KEY: signs sessions and CSRF tokens (default: generated once into the data dir)
- SAFETYNET_HOST, SAFETYNET_PORT: where ``safetynet serve`` listens (default 127.0.0.1:8000)
- SAFETYNET_POLICY_DIR: a folder of the deployment's own policy files, beside the shipped ones
- SAFETYNET_POLICIES: comma-separated ids of the policies in force (default: all candidates)
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    host: str
    port: int

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


def get_settings() -> Settings:
    data_dir = Path(os.environ.get("SAFETYNET_DATA_DIR", "var")).resolve()
    url = os.environ.get("SAFETYNET_DATABASE_URL") or f"sqlite:///{data_dir / 'safetynet.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=url,
        host=os.environ.get("SAFETYNET_HOST", "127.0.0.1"),
        port=int(os.environ.get("SAFETYNET_PORT", "8000")),
    )
