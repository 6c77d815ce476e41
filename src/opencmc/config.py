"""Configuration from environment variables, validated once at start-up.

Every setting is an ``OPENCMC_*`` environment variable; ``docs/configuration.md``
lists them. A bad value stops the program with a message that names the variable.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def default_data_dir() -> Path:
    """The per-user data directory where the default SQLite file and files live."""
    return Path(platformdirs.user_data_dir("opencmc", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """The platform's settings. Build with :func:`load_settings` or directly in tests."""

    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str = ""
    secret_key: str = ""
    file_store: str = ""
    max_upload_bytes: int = 50 * 1024 * 1024
    max_body_bytes: int = 1024 * 1024
    session_max_age_seconds: int = 8 * 3600
    secure_cookies: bool = False
    login_max_failures: int = 5
    login_lockout_seconds: int = 15 * 60
    job_workers: int = 2
    #: how often the server raises reminders (milestones due or overdue, expiring
    #: qualifications); 0 turns the sweep off
    reminder_interval_seconds: int = 3600
    #: answer repeated authenticated API reads from memory on PostgreSQL, kept exact by
    #: the database's change notifications (see ``opencmc.web.read_cache``)
    read_cache: bool = True
    log_level: str = "INFO"
    log_format: str = "json"
    s3_endpoint_url: str = ""

    def __post_init__(self) -> None:
        if not self.database_url:
            sqlite_path = Path(self.data_dir) / "opencmc.db"
            object.__setattr__(self, "database_url", f"sqlite:///{sqlite_path}")
        if not self.file_store:
            object.__setattr__(self, "file_store", str(Path(self.data_dir) / "files"))
        if not self.database_url.startswith(("sqlite", "postgresql")):
            raise ConfigError(
                "OPENCMC_DATABASE_URL: expected a sqlite:/// or postgresql+psycopg:// URL, "
                f"got {self.database_url!r}"
            )
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ConfigError(
                f"OPENCMC_LOG_LEVEL: expected DEBUG, INFO, WARNING or ERROR, got {self.log_level!r}"
            )
        if self.log_format not in {"json", "text"}:
            raise ConfigError(f"OPENCMC_LOG_FORMAT: expected json or text, got {self.log_format!r}")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _int(name: str, raw: str, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name}: must be at least {minimum}, got {value}")
    return value


def _bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}: expected true or false, got {raw!r}")


# name -> (Settings field, parser)
_VARIABLES: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "OPENCMC_DATA_DIR": ("data_dir", lambda _n, v: Path(v).expanduser()),
    "OPENCMC_DATABASE_URL": ("database_url", lambda _n, v: v),
    "OPENCMC_SECRET_KEY": ("secret_key", lambda _n, v: v),
    "OPENCMC_FILE_STORE": ("file_store", lambda _n, v: v),
    "OPENCMC_MAX_UPLOAD_BYTES": ("max_upload_bytes", lambda n, v: _int(n, v, 1)),
    "OPENCMC_MAX_BODY_BYTES": ("max_body_bytes", lambda n, v: _int(n, v, 1024)),
    "OPENCMC_SESSION_MAX_AGE": ("session_max_age_seconds", lambda n, v: _int(n, v, 60)),
    "OPENCMC_SECURE_COOKIES": ("secure_cookies", _bool),
    "OPENCMC_LOGIN_MAX_FAILURES": ("login_max_failures", lambda n, v: _int(n, v, 1)),
    "OPENCMC_LOGIN_LOCKOUT_SECONDS": ("login_lockout_seconds", lambda n, v: _int(n, v, 1)),
    "OPENCMC_JOB_WORKERS": ("job_workers", lambda n, v: _int(n, v, 1)),
    "OPENCMC_REMINDER_INTERVAL_SECONDS": (
        "reminder_interval_seconds",
        lambda n, v: _int(n, v, 0),
    ),
    "OPENCMC_READ_CACHE": ("read_cache", _bool),
    "OPENCMC_LOG_LEVEL": ("log_level", lambda _n, v: v.upper()),
    "OPENCMC_LOG_FORMAT": ("log_format", lambda _n, v: v.lower()),
    "OPENCMC_S3_ENDPOINT_URL": ("s3_endpoint_url", lambda _n, v: v),
}

#: The documented variables, for ``opencmc config`` and the docs test.
VARIABLES = tuple(_VARIABLES)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``environ`` (default ``os.environ``); raise ConfigError if bad."""
    env = os.environ if environ is None else environ
    unknown = sorted(k for k in env if k.startswith("OPENCMC_") and k not in _VARIABLES)
    if unknown:
        raise ConfigError(
            f"unknown setting {unknown[0]}; known settings are: {', '.join(sorted(_VARIABLES))}"
        )
    values: dict[str, Any] = {}
    for name, (attr, parse) in _VARIABLES.items():
        raw = env.get(name)
        if raw is not None and raw != "":
            values[attr] = parse(name, raw)
    settings = Settings(**values)
    if not settings.secret_key:
        settings = replace(settings, secret_key=_persistent_secret(settings.data_dir))
    elif len(settings.secret_key) < 32:
        raise ConfigError("OPENCMC_SECRET_KEY: must be at least 32 characters long")
    return settings


def _persistent_secret(data_dir: Path) -> str:
    """A random key kept in the data directory, so sessions survive a restart."""
    path = Path(data_dir) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
