"""Tests for bot.runtime.config: defaults, URL rewriting, and one clear line per mistake."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.runtime.config import DEFAULT_DATABASE_URL, ConfigError, Settings, load_settings
from tests.support.processes import REPO_ROOT, run_mentorbot

SETTING_NAMES = [name.upper() for name in Settings.model_fields]


pytestmark = pytest.mark.usefixtures("clean_environment")


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_defaults() -> None:
    s = settings()
    assert s.telegram_bot_token is None
    assert s.telegram_api_base_url == "https://api.telegram.org/bot"
    assert s.database_url == DEFAULT_DATABASE_URL
    assert s.database_url.startswith("sqlite+aiosqlite://")
    assert s.default_timezone == "Europe/Oslo"
    assert s.default_language == "nb"
    assert s.log_level == "INFO"
    assert s.bot_username is None
    assert s.invite_ttl_days == 30
    assert s.tick_interval_seconds > 0
    assert s.delivery_interval_seconds > 0


def test_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_TIMEZONE", "America/New_York")
    monkeypatch.setenv("INVITE_TTL_DAYS", "7")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    s = settings()
    assert s.default_timezone == "America/New_York"
    assert s.invite_ttl_days == 7
    assert s.require_token() == "123:abc"


def test_load_settings_reads_dot_env_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DEFAULT_LANGUAGE=en\nBOT_USERNAME=from_dot_env_bot\n")
    s = load_settings()
    assert s.default_language == "en"
    assert s.bot_username == "from_dot_env_bot"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db.example:5432/mb", "postgresql+asyncpg://u:p@db.example:5432/mb"),
        ("postgresql://u:p@db.example/mb", "postgresql+asyncpg://u:p@db.example/mb"),
        ("postgresql+asyncpg://u@h/mb", "postgresql+asyncpg://u@h/mb"),
        ("sqlite:///./data/x.sqlite3", "sqlite+aiosqlite:///./data/x.sqlite3"),
        ("sqlite:////var/lib/x.sqlite3", "sqlite+aiosqlite:////var/lib/x.sqlite3"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("sqlite+aiosqlite:///x.sqlite3", "sqlite+aiosqlite:///x.sqlite3"),
    ],
)
def test_database_url_gets_the_async_driver(given: str, expected: str) -> None:
    assert settings(database_url=given).database_url == expected


@pytest.mark.parametrize(
    "url",
    [
        "mysql://u:p@h/db",
        "postgresql+psycopg2://u@h/db",
        "sqlite+pysqlite:///x.sqlite3",
        "data/mentorbot.sqlite3",
        "",
    ],
)
def test_other_databases_are_rejected_naming_database_url(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(database_url=url)
    message = str(caught.value)
    assert message.startswith("DATABASE_URL")
    assert "sqlite+aiosqlite://" in message and "postgresql+asyncpg://" in message
    assert "\n" not in message


def test_database_url_from_environment_is_rejected_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://u:p@h/db")
    with pytest.raises(ConfigError, match=r"^DATABASE_URL"):
        load_settings()


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Oslo", "../../etc/passwd", ""])
def test_unknown_timezone_is_rejected_naming_default_timezone(zone: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(default_timezone=zone)
    message = str(caught.value)
    assert message.startswith("DEFAULT_TIMEZONE")
    assert "Europe/Oslo" in message  # says what a good value looks like
    assert "\n" not in message


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/New_York"])
def test_known_timezones_are_accepted(zone: str) -> None:
    assert settings(default_timezone=zone).default_timezone == zone


@pytest.mark.parametrize(("given", "expected"), [("debug", "DEBUG"), ("Warning", "WARNING")])
def test_log_level_is_case_insensitive(given: str, expected: str) -> None:
    assert settings(log_level=given).log_level == expected


def test_log_level_from_environment_in_lower_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "error")
    assert load_settings().log_level == "ERROR"


def test_unknown_log_level_is_rejected() -> None:
    with pytest.raises(ConfigError, match=r"^LOG_LEVEL"):
        load_settings(log_level="verbose")


@pytest.mark.parametrize(("given", "expected"), [("EN", "en"), ("Nb", "nb")])
def test_default_language_is_case_insensitive(given: str, expected: str) -> None:
    assert settings(default_language=given).default_language == expected


def test_unsupported_language_is_rejected() -> None:
    with pytest.raises(ConfigError, match=r"^DEFAULT_LANGUAGE"):
        load_settings(default_language="de")


@pytest.mark.parametrize("days", [0, 366, -1])
def test_invite_ttl_out_of_range_is_rejected(days: int) -> None:
    with pytest.raises(ConfigError, match=r"^INVITE_TTL_DAYS"):
        load_settings(invite_ttl_days=days)


def test_api_base_url_must_be_http() -> None:
    with pytest.raises(ConfigError, match=r"^TELEGRAM_API_BASE_URL"):
        load_settings(telegram_api_base_url="api.telegram.org/bot")
    assert (
        settings(telegram_api_base_url="http://127.0.0.1:8081/bot").telegram_api_base_url
        == "http://127.0.0.1:8081/bot"
    )


# require_token


@pytest.mark.parametrize("token", [None, ""])
def test_missing_token_says_how_to_get_one(token: str | None) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(telegram_bot_token=token).require_token()
    message = str(caught.value)
    assert message.startswith("TELEGRAM_BOT_TOKEN")
    assert ".env.example" in message
    assert "BotFather" in message


@pytest.mark.parametrize("token", ["123456ABCDEF", "   "])
def test_malformed_token_is_rejected(token: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(telegram_bot_token=token).require_token()
    message = str(caught.value)
    assert message.startswith("TELEGRAM_BOT_TOKEN")
    assert "BotFather" in message
    assert token.strip() == "" or token not in message, "the token itself is never echoed"


def test_good_token_is_returned_stripped() -> None:
    assert settings(telegram_bot_token=" 123456:ABC-DEF\n").require_token() == "123456:ABC-DEF"


def test_token_is_not_shown_in_repr() -> None:
    s = settings(telegram_bot_token="123456:very-secret")
    assert "very-secret" not in repr(s)
    assert "very-secret" not in str(s.model_dump())


# sqlite_path


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite+aiosqlite:///./data/mentorbot.sqlite3", Path("data/mentorbot.sqlite3")),
        ("sqlite+aiosqlite:////var/lib/mb.sqlite3", Path("/var/lib/mb.sqlite3")),
        ("sqlite:///relative.sqlite3", Path("relative.sqlite3")),
        ("sqlite+aiosqlite:///:memory:", None),
        ("sqlite+aiosqlite://", None),
        ("postgresql://u@h/db", None),
    ],
)
def test_sqlite_path(url: str, expected: Path | None) -> None:
    assert settings(database_url=url).sqlite_path == expected


# the command line


def test_run_without_token_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key.upper() not in SETTING_NAMES and not key.startswith(("PYTHON", "COV_"))
    }
    environment["PYTHONPATH"] = str(REPO_ROOT)
    environment["HOME"] = str(tmp_path)
    completed = run_mentorbot("run", env=environment, cwd=tmp_path)
    assert completed.returncode == 2, completed.stderr
    lines = completed.stderr.splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("mentorbot: TELEGRAM_BOT_TOKEN"), lines[0]
    assert "BotFather" in lines[0]
    assert "Traceback" not in completed.stderr + completed.stdout
    assert not (tmp_path / "data").exists(), "no database is created before the token is checked"
