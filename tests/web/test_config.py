"""Configuration: defaults, documented keys, and one clear error per mistake."""
from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from web.config import ConfigError, _SECTIONS, load_config

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    return path


def test_config_minimal_file_gets_documented_defaults(tmp_path):
    # Given
    path = _write(tmp_path, '[node]\nbase_url = "https://Participer.Ville.example/"\n')
    # When
    config = load_config(path)
    # Then
    assert config.node.base_url == "https://participer.ville.example"
    assert config.node.default_language == "fr"
    assert config.federation.allow_private_addresses is False
    assert config.storage.database_path == tmp_path / "thc-node.sqlite3"
    assert config.node.timezone == "Europe/Paris" and config.node.zone.key == "Europe/Paris"


def test_config_takes_the_territory_time_zone(tmp_path):
    path = _write(tmp_path, '[node]\nbase_url = "https://a.example"\ntimezone = "America/Cayenne"\n')
    assert load_config(path).node.zone.key == "America/Cayenne"


def test_config_example_documents_every_key_with_its_default():
    # Given the example file and the settings dataclasses
    example = tomllib.loads((ROOT / "config.example.toml").read_text("utf-8"))
    # Then every section and key is there, with the default value (except required ones)
    for section, cls in _SECTIONS.items():
        assert section in example, section
        for f in fields(cls):
            assert f.name in example[section], f"[{section}] {f.name} is not documented"
            if section == "node" and f.name == "base_url":
                continue
            value = example[section][f.name]
            default = f.default
            if isinstance(default, tuple):
                value = tuple(value)
            if isinstance(default, Path):
                value = Path(value)
            assert value == default, f"[{section}] {f.name}: example {value!r} != default {default!r}"
    # And the example itself loads
    load_config(ROOT / "config.example.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[server]\nport = 8080\n", "[node] base_url: missing"),
        ('[node]\nbase_url = "http://a.example"\n[server]\nport = "8080"\n',
         "[server] port: expected an integer, got '8080'"),
        ('[node]\nbase_url = "http://a.example"\n[server]\nport = 99999\n',
         "[server] port: expected 0 to 65535"),
        ('[node]\nbase_url = "http://a.example"\n[federation]\nallow_private_addresses = "yes"\n',
         "[federation] allow_private_addresses: expected true or false"),
        ('[node]\nbase_url = "http://a.example"\n[federation]\ndelivery_concurrency = 0\n',
         "[federation] delivery_concurrency: must be greater than 0"),
        ('[node]\nbase_url = "http://a.example"\n[federation]\nblocked_domains = "evil.example"\n',
         "[federation] blocked_domains: expected a list of strings"),
        ('[node]\nbase_url = "ftp://a.example"\n', "[node] base_url: expected an http(s) URL"),
        ('[node]\nbase_url = "participer.example"\n', "[node] base_url: expected an http(s) URL"),
        ('[node]\nbase_url = "https://a.example/thc"\n', "[node] base_url: must be scheme://host[:port]"),
        ('[node]\nbase_url = "https://a.example:99999"\n', "[node] base_url: the port is not valid"),
        ('[node]\nbase_url = "http://a.example"\ndefault_language = "de"\n',
         "[node] default_language: expected one of fr, en"),
        ('[node]\nbase_url = "http://a.example"\nbase_ulr = "x"\n', "[node] base_ulr: unknown key"),
        ('[node]\nbase_url = "http://a.example"\n[serveur]\nport = 1\n', "[serveur]: unknown section"),
        ('[node\nbase_url = "http://a.example"\n', "not valid TOML"),
        ('[node]\nbase_url = "http://a.example"\ntimezone = "Mars/Olympus_Mons"\n',
         "[node] timezone: expected an IANA time zone"),
        ('[node]\nbase_url = "http://a.example"\ntimezone = "../../etc/passwd"\n',
         "[node] timezone: expected an IANA time zone"),
        ('[node]\nbase_url = "http://a.example"\ntimezone = ""\n',
         "[node] timezone: expected an IANA time zone"),
        ('[node]\nbase_url = "http://a.example"\ntimezone = 1\n',
         "[node] timezone: expected a string"),
    ],
)
def test_config_error_names_the_key_and_the_problem(tmp_path, text, message):
    # Given
    path = _write(tmp_path, text)
    # When
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    # Then
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_config_missing_file_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError, match="thc-node init"):
        load_config(tmp_path / "absent.toml")
