"""Settings from the environment, operations endpoints, logs and the translation layer."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from opencmc.config import ConfigError, load_settings
from opencmc.i18n import negotiate, translations
from opencmc.logs import JsonFormatter


def test_defaults_need_no_setup(tmp_path: Path) -> None:
    settings = load_settings({"OPENCMC_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'opencmc.db'}"
    assert len(settings.secret_key) >= 32
    # the generated key is kept, so sessions survive a restart
    assert load_settings({"OPENCMC_DATA_DIR": str(tmp_path)}).secret_key == settings.secret_key


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("OPENCMC_DATABASE_URL", "mysql://x", "OPENCMC_DATABASE_URL: expected a sqlite"),
        ("OPENCMC_MAX_BODY_BYTES", "lots", "OPENCMC_MAX_BODY_BYTES: expected a whole number"),
        ("OPENCMC_SECURE_COOKIES", "maybe", "OPENCMC_SECURE_COOKIES: expected true or false"),
        ("OPENCMC_LOG_LEVEL", "LOUD", "OPENCMC_LOG_LEVEL"),
        ("OPENCMC_SECRET_KEY", "short", "at least 32 characters"),
        ("OPENCMC_DATABSE_URL", "sqlite://", "unknown setting OPENCMC_DATABSE_URL"),
    ],
)
def test_bad_settings_name_the_variable(tmp_path: Path, variable, value, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=message):
        load_settings({"OPENCMC_DATA_DIR": str(tmp_path), variable: value})


def test_every_variable_is_documented() -> None:
    from opencmc.config import VARIABLES

    page = (Path(__file__).resolve().parents[1] / "docs" / "configuration.md").read_text()
    missing = [name for name in VARIABLES if name not in page]
    assert not missing, f"document {missing} in docs/configuration.md"


def test_health_and_readiness(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    assert client.get("/healthz").text == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True
    response = client.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_openapi_describes_the_api(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/programs" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


def test_logs_are_json_lines_with_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "opencmc.http", "levelname": "INFO", "msg": "request", "status": 200}
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "request"
    assert line["status"] == 200
    assert line["time"].endswith("+00:00")


def test_language_negotiation_and_fallback() -> None:
    assert negotiate(None) == "en"
    assert negotiate("ko-KR,ko;q=0.9,en;q=0.8") in {"ko", "en"}
    assert translations("en").gettext("Programs") == "Programs"


def test_user_facing_strings_are_extractable() -> None:
    from babel.messages.extract import extract_from_dir

    root = Path(__file__).resolve().parents[1]
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    messages = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            root / "src" / "opencmc", method_map, options
        )
    }
    for expected in ("Register a program", "Audit trail", "Sign this record", "API tokens"):
        assert expected in messages
    assert len(messages) > 100
