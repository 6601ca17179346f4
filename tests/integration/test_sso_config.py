"""Single sign-on configuration: OIDC_PROVIDERS and each provider's variables, refused at startup when incomplete
or unsafe; the migration of its table, both ways."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect

from app.config import ConfigError, load_config

ACME = {"OIDC_PROVIDERS": "acme, corp", "OIDC_ACME_ISSUER": "https://id.acme.example/",
        "OIDC_ACME_CLIENT_ID": "timeboard", "OIDC_ACME_CLIENT_SECRET": "s3cret", "OIDC_ACME_LABEL": "Acme ID",
        "OIDC_CORP_ISSUER": "https://login.corp.example/tenant-1", "OIDC_CORP_CLIENT_ID": "tb",
        "OIDC_CORP_CLIENT_SECRET": "other"}


@pytest.fixture()
def environment(monkeypatch, tmp_path):
    def load(app_env: str = "test", **variables) -> dict:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("APP_ENV", app_env)
        monkeypatch.setenv("SECRET_KEY", "x")
        monkeypatch.setenv("APP_URL", "https://timeboard.example.com")  # production needs it
        return load_config(str(tmp_path))

    return load


def test_providers_come_from_the_environment_in_order(environment):
    config = environment(**ACME)
    assert config["OIDC_PROVIDERS"] == [
        {"name": "acme", "label": "Acme ID", "issuer": "https://id.acme.example", "client_id": "timeboard",
         "client_secret": "s3cret"},
        {"name": "corp", "label": "Corp", "issuer": "https://login.corp.example/tenant-1", "client_id": "tb",
         "client_secret": "other"}]


def test_no_providers_by_default(environment, monkeypatch):
    monkeypatch.delenv("OIDC_PROVIDERS", raising=False)
    assert environment()["OIDC_PROVIDERS"] == []


@pytest.mark.parametrize("change, message", [
    ({"OIDC_CORP_CLIENT_SECRET": ""}, "'corp' needs OIDC_CORP_CLIENT_SECRET"),
    ({"OIDC_ACME_ISSUER": "http://id.acme.example"}, "OIDC_ACME_ISSUER must be an https:// URL"),
    ({"OIDC_ACME_ISSUER": "https://id.acme.example/?tenant=1"}, "OIDC_ACME_ISSUER must be an https:// URL"),
    ({"OIDC_ACME_ISSUER": "id.acme.example"}, "OIDC_ACME_ISSUER must be an https:// URL"),
    ({"OIDC_ACME_ISSUER": "https://id.acme.example:port"}, "OIDC_ACME_ISSUER must be an https:// URL"),
    ({"OIDC_PROVIDERS": "acme,acme"}, "names 'acme' twice"),
    ({"OIDC_PROVIDERS": "acme-id"}, "'acme-id' is not a provider name"),
    ({"OIDC_PROVIDERS": "confirm"}, "'confirm' is not a provider name"),
])
def test_an_incomplete_or_unsafe_provider_refuses_to_start(environment, change, message):
    with pytest.raises(ConfigError, match=message):
        environment(**{**ACME, **change})


def test_a_loopback_http_issuer_is_for_development_and_tests_only(environment):
    local = {**ACME, "OIDC_PROVIDERS": "acme", "OIDC_ACME_ISSUER": "http://127.0.0.1:8080"}
    assert environment(**local)["OIDC_PROVIDERS"][0]["issuer"] == "http://127.0.0.1:8080"
    with pytest.raises(ConfigError, match="OIDC_ACME_ISSUER must be an https:// URL"):
        environment("production", **local)


def test_the_migration_goes_down_and_up_again(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade, upgrade

    from app.extensions import db, migrate
    with app.app_context():
        script = ScriptDirectory.from_config(migrate.get_config())
        before = script.get_revision("5a7c3e9d1b20").down_revision
        downgrade(revision=before)
        assert "sso_identities" not in inspect(db.engine).get_table_names()
        upgrade()
        db.engine.dispose()  # reflect through a new connection, not one a test before left with an older schema
        table = inspect(db.engine)
        assert "sso_identities" in table.get_table_names()
        unique = {tuple(u["column_names"]) for u in table.get_unique_constraints("sso_identities")}
        assert {("provider", "subject"), ("user_id", "provider")} <= unique
        foreign = table.get_foreign_keys("sso_identities")
        assert [(f["referred_table"], f["options"].get("ondelete")) for f in foreign] == [("users", "CASCADE")]
