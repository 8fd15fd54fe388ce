"""Settings from the environment: each variable parsed by its kind, blanks as unset, bad values
refused by name without their value, groups read with their parent, secrets kept out of repr."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from settings import ObservabilitySettings, Settings, SourceSettings, get_settings
from settings.environment import load
from settings.tools import AgencyCliSettings, DemoSettings, agency_cli_settings, demo_settings


def test_no_environment_gives_the_defaults() -> None:
    assert load(Settings, {}) == Settings()
    assert Settings().sources == SourceSettings()


def test_values_are_parsed_by_kind_in_every_group() -> None:
    settings = load(
        Settings,
        {
            "GATEWAY_PORT": "9000",
            "GATEWAY_RELOAD_INTERVAL": "0.5",
            "GATEWAY_AUDIT": "off",
            "GATEWAY_INTROSPECTION": "yes",
            "GATEWAY_ENV": "PRODUCTION",
            "GATEWAY_MAX_QUERY_DEPTH": "12",
            "GATEWAY_RATE_LIMIT_LOGIN": "3",
            "GATEWAY_AGENCIES_DIR": "/srv/agencies",
            "GATEWAY_METRICS_ALLOW": " 10.0.0.0/8, ,192.0.2.0/24 ",
            "GATEWAY_LOG_LEVEL": "debug",
        },
    )
    assert (settings.port, settings.reload_interval, settings.audit_enabled) == (9000, 0.5, False)
    assert settings.introspection is True and settings.production
    assert settings.limits.max_query_depth == 12 and settings.rate_limits.login == 3
    assert settings.agencies_folder == Path("/srv/agencies")
    assert settings.observability.metrics_allow == ("10.0.0.0/8", "192.0.2.0/24")
    assert settings.observability.log_level == "DEBUG"


def test_blank_means_unset() -> None:
    settings = load(Settings, {"GATEWAY_PORT": "  ", "GATEWAY_ENV": ""})
    assert settings.port == 8000 and settings.environment == "development"


def test_the_older_var_dir_name_is_read_when_the_new_one_is_unset() -> None:
    assert load(Settings, {"DARVAZEH_VAR_DIR": "/old"}).var_dir == Path("/old")
    both = {"DARVAZEH_VAR_DIR": "/old", "GATEWAY_VAR_DIR": "/new"}
    assert load(Settings, both).var_dir == Path("/new")


@pytest.mark.parametrize(
    ("name", "value", "kind"),
    [
        ("GATEWAY_PORT", "eighty", "an integer"),
        ("GATEWAY_SOURCE_TIMEOUT", "3s", "a number"),
        ("GATEWAY_AUDIT", "maybe", "on or off"),
        ("GATEWAY_RATE_LIMIT_CLIENT", "1e3", "an integer"),
    ],
)
def test_a_value_that_does_not_parse_is_refused_by_name(name: str, value: str, kind: str) -> None:
    with pytest.raises(ValueError, match=f"^{name} must be {kind}$") as refused:
        load(Settings, {name: value})
    assert value not in str(refused.value)


def test_checks_across_values_still_run() -> None:
    with pytest.raises(ValueError, match="rate limit client must be at least 1"):
        load(Settings, {"GATEWAY_RATE_LIMIT_CLIENT": "0"})
    with pytest.raises(ValueError, match="GATEWAY_ENV"):
        load(Settings, {"GATEWAY_ENV": "staging"})
    for batch in ("0", "1001"):
        with pytest.raises(ValueError, match="GATEWAY_PROACTIVE_BATCH must be 1 to 1000"):
            load(Settings, {"GATEWAY_PROACTIVE_BATCH": batch})
    with pytest.raises(ValueError, match="GATEWAY_SOURCE_HTTP_ANSWER_BYTES"):
        load(Settings, {"GATEWAY_SOURCE_HTTP_ANSWER_BYTES": "100"})


def test_secrets_stay_out_of_repr() -> None:
    key = "c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWstISE="
    assert key not in repr(load(Settings, {"GATEWAY_SECRET_KEY": key}))
    assert "s3cret" not in repr(load(AgencyCliSettings, {"DARVAZEH_CLIENT_SECRET": "s3cret"}))
    assert "k3y" not in repr(load(DemoSettings, {"EDUCATION_API_KEY": "k3y"}))


def test_get_settings_reads_the_process_environment_over_a_programs_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GATEWAY_LOG_FORMAT", raising=False)
    monkeypatch.setenv("GATEWAY_BREAKER_FAILURES", "7")
    settings = get_settings({"GATEWAY_LOG_FORMAT": "text"})
    assert settings.sources.breaker_failures == 7
    assert settings.observability == dataclasses.replace(ObservabilitySettings(), log_format="text")
    monkeypatch.setenv("GATEWAY_LOG_FORMAT", "JSON")
    assert get_settings({"GATEWAY_LOG_FORMAT": "text"}).observability.log_format == "json"


def test_the_tools_read_their_own_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DARVAZEH_GATEWAY", "https://gateway.example")
    monkeypatch.setenv("DARVAZEH_CLIENT_ID", "civil-registry-admin")
    monkeypatch.setenv("EDUCATION_PORT", "18101")
    cli = agency_cli_settings()
    assert (cli.gateway, cli.client_id) == ("https://gateway.example", "civil-registry-admin")
    assert demo_settings().education_port == 18101
