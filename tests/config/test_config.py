"""Settings: defaults, the generated secret, and start-up errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("ENV", "DATABASE_URL", "SECRET_KEY", "BASE_URL", "DEFAULT_LANGUAGE", "DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))


def test_the_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    s = load_settings()
    assert s.db_url == f"sqlite:///{(tmp_path / 'data' / 'rolefit.db').resolve()}"


def test_development_generates_a_secret_once_and_keeps_it(tmp_path: Path) -> None:
    first = load_settings().session_secret
    assert len(first) >= 32
    assert (tmp_path / "data" / "secret_key").read_text().strip() == first
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0
    assert load_settings().session_secret == first


def test_production_refuses_to_start_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENV", "production")
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings()
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    assert load_settings().production


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://x@y/z"),
        ("DATABASE_URL", "not a url"),
        ("BASE_URL", "example.com"),
        ("DEFAULT_LANGUAGE", "de"),
        ("ENV", "staging"),
        ("SECRET_KEY", "short"),
        ("INVITATION_DAYS", "0"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert name in str(err.value)
    if name == "SECRET_KEY":
        assert value not in str(err.value)


def test_a_plain_postgresql_url_uses_psycopg_3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:pw@db:5432/rolefit")
    assert load_settings().db_url == "postgresql+psycopg://app:pw@db:5432/rolefit"


def test_settings_read_a_dot_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BASE_URL=https://hr.example.com/\nDEFAULT_LANGUAGE=en\n")
    s = load_settings()
    assert s.base_url == "https://hr.example.com"
    assert s.secure_cookies
    assert s.default_language == "en"


def test_settings_are_one_class() -> None:
    assert set(Settings.model_fields) >= {
        "database_url",
        "secret_key",
        "base_url",
        "default_language",
    }


def test_request_threads_bounds_the_thread_pool_of_the_running_server(settings, db) -> None:
    """REQUEST_THREADS: the sync route handlers share this many threads (the default of 40
    let CPU-bound handlers queue on the GIL and the database lock; see bench/load)."""
    import anyio.to_thread
    from fastapi.testclient import TestClient

    from app.main import create_app

    def tokens() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert Settings.model_fields["request_threads"].default == 4
    app = create_app(settings.model_copy(update={"request_threads": 3}))
    with TestClient(app) as client:
        assert client.portal is not None
        assert client.portal.call(tokens) == 3
        assert client.get("/healthz").status_code == 200
