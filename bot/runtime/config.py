"""Typed settings read from the environment and `.env`, with one clear line per mistake."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/mentorbot.sqlite3"
# Awake pairs one tick looks at, at most. A wave (the first start, a day's beginning for
# every pair) is then planned over several ticks of a few seconds each, one after the
# other, and the bot answers people in between; its messages wait for the day's hours.
PAIRS_PER_TICK = 10_000


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr | None = Field(
        default=None, description="The token BotFather gave you."
    )
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL; the token is appended to it.",
    )
    database_url: str = Field(default=DEFAULT_DATABASE_URL)
    default_timezone: str = Field(default="Europe/Oslo")
    default_language: Literal["nb", "en"] = Field(default="nb")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO")
    bot_username: str | None = Field(
        default=None, description="Skips getMe when printing invite links offline."
    )
    invite_ttl_days: int = Field(default=30, ge=1, le=365)
    # Personal data of a cohort is erased this many months after the cohort ends.
    retention_months: int = Field(default=12, ge=1, le=120)
    tick_interval_seconds: float = Field(default=60.0, gt=0)
    tick_pairs: int = Field(default=PAIRS_PER_TICK, ge=1)
    delivery_interval_seconds: float = Field(default=2.0, gt=0)
    # Sends in flight at once; they wait on the network and the rate limiter, not the CPU.
    delivery_concurrency: int = Field(default=32, ge=1, le=256)
    # Updates of different people handled at once (one person's stay in order).
    update_concurrency: int = Field(default=8, ge=1, le=256)
    log_format: Literal["text", "json"] = Field(default="text")
    # auto: shared through the database on PostgreSQL (several instances), memory on SQLite.
    rate_limit_backend: Literal["auto", "memory", "database"] = Field(default="auto")
    webhook_url: str | None = Field(
        default=None, description="Public HTTPS URL Telegram posts updates to; enables webhooks."
    )
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    # `mentorbot run --rehearsal`: a simulated clock that `mentorbot clock` moves.
    rehearsal: bool = Field(default=False)
    webhook_listen: str = Field(default="127.0.0.1")
    webhook_port: int = Field(default=8080, ge=0, le=65535)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", "rate_limit_backend", mode="before")
    @classmethod
    def _lower_choice(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _https_webhook(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip() or None
        if isinstance(value, str) and not value.startswith("https://"):
            raise ValueError("must be the public https:// address Telegram posts updates to")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_with_webhook(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        secret = value.get_secret_value() if value is not None else ""
        if not secret:
            if info.data.get("webhook_url"):
                raise ValueError(
                    "must be set when WEBHOOK_URL is set (Telegram sends it with every update); "
                    "make one with `openssl rand -hex 32`"
                )
            return None
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ValueError("use 1 to 256 letters, digits, _ or - (e.g. `openssl rand -hex 32`)")
        return value

    @field_validator("default_language", mode="before")
    @classmethod
    def _lower_language(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}; use a name like Europe/Oslo") from error
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgres://") or value.startswith("postgresql://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite://") and not value.startswith("sqlite+aiosqlite://"):
            return "sqlite+aiosqlite://" + value.split("://", 1)[1]
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise ValueError(
                "use sqlite+aiosqlite:///path/to/file.sqlite3 or "
                "postgresql+asyncpg://user:password@host/database"
            )
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                "must start with http:// or https://, e.g. https://api.telegram.org/bot"
            )
        return value

    def require_token(self) -> str:
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value():
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: copy .env.example to .env and put in "
                "the token from @BotFather."
            )
        token = self.telegram_bot_token.get_secret_value().strip()
        if ":" not in token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token "
                "(it should look like 123456:ABC-DEF…); copy it again from @BotFather."
            )
        return token

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            rest = self.database_url[len(prefix) :]
            return None if rest in ("", ":memory:") else Path(rest)
        return None


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line a person can act on."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "setting"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{name} is not valid: {message}.") from None
