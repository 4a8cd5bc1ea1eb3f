"""Every `thc-node` command, with good and bad input: one line on stderr, non-zero status."""
from __future__ import annotations

import json
import re
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from web.cli import main


@pytest.fixture
def run(capsys, monkeypatch):
    """Run the CLI in-process; returns (status, stdout, stderr)."""
    monkeypatch.delenv("THC_CONFIG", raising=False)

    def runner(*argv: str, stdin: str | None = None):
        if stdin is not None:
            import io

            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            status = main(list(argv))
        except SystemExit as exc:  # argparse usage errors
            status = exc.code
        out, err = capsys.readouterr()
        return status, out, err

    return runner


@pytest.fixture
def node_config(tmp_path, run) -> str:
    path = tmp_path / "node" / "config.toml"
    status, _, err = run("--config", str(path), "init", "--base-url", "http://127.0.0.1:8123",
                         "--name", "Commune de Test", "--allow-private-addresses")
    assert status == 0, err
    return str(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_init_writes_config_database_and_keys(tmp_path, run):
    # Given
    path = tmp_path / "ville" / "config.toml"
    # When
    status, out, err = run("--config", str(path), "init", "--base-url", "https://participer.ville.example",
                           "--name", "Commune de Saint-Aubin")
    # Then
    assert status == 0, err
    config = tomllib.loads(path.read_text("utf-8"))
    assert config["node"] == {"base_url": "https://participer.ville.example",
                              "name": "Commune de Saint-Aubin", "default_language": "fr"}
    assert config["server"] == {"host": "127.0.0.1", "port": 8080}  # behind a reverse proxy
    assert config["federation"]["allow_private_addresses"] is False
    db = tmp_path / "ville" / "thc-node.sqlite3"
    with sqlite3.connect(db) as raw:
        owners = [r[0] for r in raw.execute("SELECT owner FROM actor_keys")]
    assert owners == ["node"]
    assert oct(db.stat().st_mode & 0o777) == "0o600"
    assert "generated the node's keys" in out


def test_init_listens_on_a_local_base_url_host_and_port(tmp_path, run):
    path = tmp_path / "config.toml"
    run("--config", str(path), "init", "--base-url", "http://127.0.0.1:9090", "--allow-private-addresses")
    config = tomllib.loads(path.read_text("utf-8"))
    assert config["server"] == {"host": "127.0.0.1", "port": 9090}
    assert config["federation"]["allow_private_addresses"] is True


def test_init_refuses_to_overwrite_without_force_and_keeps_keys_with_it(node_config, run):
    # When
    status, _, err = run("--config", node_config, "init", "--base-url", "http://127.0.0.1:8123")
    # Then
    assert status == 1 and "already exists: use --force" in err and "\n" == err[-1] and err.count("\n") == 1
    with sqlite3.connect(Path(node_config).parent / "thc-node.sqlite3") as raw:
        before = raw.execute("SELECT rsa_public_pem FROM actor_keys").fetchone()[0]
    status, out, _ = run("--config", node_config, "init", "--base-url", "http://127.0.0.1:8124", "--force")
    with sqlite3.connect(Path(node_config).parent / "thc-node.sqlite3") as raw:
        after = raw.execute("SELECT rsa_public_pem FROM actor_keys").fetchone()[0]
    assert status == 0 and "kept the node's existing keys" in out and before == after


def test_init_refuses_a_bad_base_url(tmp_path, run):
    status, _, err = run("--config", str(tmp_path / "c.toml"), "init", "--base-url", "participer.example")
    assert status == 1 and "--base-url: expected an http(s) URL" in err
    assert not (tmp_path / "c.toml").exists()


def test_config_found_through_the_environment(node_config, run, monkeypatch):
    monkeypatch.setenv("THC_CONFIG", node_config)
    status, out, _ = run("member", "list")
    assert status == 0 and out.startswith("USERNAME")


def test_invalid_config_exits_2_with_one_line(tmp_path, run):
    path = tmp_path / "config.toml"
    path.write_text('[node]\nbase_url = "http://a.example"\n[server]\nport = "x"\n')
    status, out, err = run("--config", str(path), "member", "list")
    assert status == 2
    assert err == f"thc-node: configuration error: {path}: [server] port: expected an integer, got 'x'\n"
    assert out == ""


def test_missing_config_exits_2(tmp_path, run):
    status, _, err = run("--config", str(tmp_path / "nope.toml"), "debate", "list")
    assert status == 2 and "no such configuration file" in err


def test_member_commands(node_config, run):
    c = ("--config", node_config)
    # add, with a password from stdin
    assert run(*c, "member", "add", "mairie", "--role", "admin", "--name", "Mairie")[0] == 0
    status, out, err = run(*c, "member", "add", "claire", "--role", "representative",
                           "--mandate", "adjointe à la mobilité", "--password-stdin",
                           stdin="correct horse battery\n")
    assert status == 0, err
    # set-role, verify (by a named admin)
    assert run(*c, "member", "add", "anne")[0] == 0
    assert run(*c, "member", "set-role", "anne", "moderator")[1] == "anne is now moderator\n"
    assert run(*c, "member", "verify", "anne", "--by", "mairie")[0] == 0
    # list, as JSON
    status, out, _ = run(*c, "member", "list", "--json")
    listed = {m["username"]: m for m in json.loads(out)}
    assert listed["claire"]["mandate"] == "adjointe à la mobilité"
    assert listed["anne"]["role"] == "moderator" and listed["anne"]["verified_resident"] is True
    with sqlite3.connect(Path(node_config).parent / "thc-node.sqlite3") as raw:
        stored = raw.execute("SELECT password_hash FROM members WHERE username='claire'").fetchone()[0]
    assert stored.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("member", "add", "Anne Marie"), "username must be 2 to 30 characters"),
        (("member", "add", "anne", "--role", "king"), "unknown role 'king'"),
        (("member", "add", "bob", "--password-stdin"), "at least 10 characters"),
        (("member", "set-role", "personne", "admin"), "no member named 'personne'"),
        (("member", "verify", "personne"), "no member named 'personne'"),
        (("token", "create", "personne"), "no member named 'personne'"),
        (("debate", "create", "Voirie!", "--title", "La voirie"), "slug must be"),
        (("debate", "create", "voirie", "--title", "x"), "title must have at least 3"),
        (("debate", "create", "voirie", "--title", "Voirie", "--closes-at", "demain"),
         "--closes-at: expected an ISO 8601"),
        (("debate", "create", "voirie", "--title", "Voirie", "--closes-at", "2027-01-01T10:00"),
         "--closes-at: add a time zone"),
        (("debate", "create", "voirie", "--title", "Voirie", "--description-file", "/nonexistent"),
         "--description-file: No such file"),
        (("debate", "open", "personne"), "no debate with slug 'personne'"),
        (("db", "backup", "/nonexistent-dir/b.sqlite3"), "is not a directory"),
    ],
)
def test_bad_input_gives_one_line_and_status_1(node_config, run, argv, message):
    status, out, err = run("--config", node_config, *argv, stdin="short\n")
    assert status == 1
    assert message in err and err.startswith("thc-node: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_usage_errors_exit_2(node_config, run):
    assert run("--config", node_config, "member")[0] == 2
    assert run("--config", node_config, "frobnicate")[0] == 2
    assert run("--config", node_config, "debate", "create", "voirie")[0] == 2  # --title missing


def test_verify_by_a_citizen_is_forbidden(node_config, run):
    c = ("--config", node_config)
    run(*c, "member", "add", "anne")
    run(*c, "member", "add", "bruno")
    status, _, err = run(*c, "member", "verify", "bruno", "--by", "anne")
    assert status == 1 and "only an administrator or a trusted third party" in err


def test_token_create_prints_only_the_token(node_config, run):
    run("--config", node_config, "member", "add", "anne")
    status, out, err = run("--config", node_config, "token", "create", "anne", "--label", "script")
    assert status == 0
    assert out.startswith("thc_") and out.count("\n") == 1 and len(out.strip()) > 40


def test_debate_commands(node_config, run, tmp_path):
    c = ("--config", node_config)
    description = tmp_path / "d.md"
    description.write_text("Un **débat** sur la voirie.", "utf-8")
    status, out, err = run(*c, "debate", "create", "voirie", "--title", "La voirie",
                           "--description-file", str(description),
                           "--opens-at", "2026-01-01T09:00:00+01:00", "--closes-at", "2099-01-01T18:00:00+01:00")
    assert (status, out) == (0, "created debate voirie (draft)\n"), err
    assert run(*c, "debate", "open", "voirie")[1] == "debate voirie is open\n"
    status, _, err = run(*c, "debate", "open", "voirie")
    assert status == 1 and "is open: it cannot become open" in err
    assert run(*c, "debate", "close", "voirie")[1] == "debate voirie is closed\n"
    status, out, _ = run(*c, "debate", "list", "--status", "closed")
    assert "voirie" in out and "La voirie" in out
    assert run(*c, "debate", "conclude", "voirie")[1] == "debate voirie is concluded\n"
    assert "voirie" not in run(*c, "debate", "list", "--status", "open")[1]


def test_db_migrate_and_backup(node_config, run, tmp_path):
    c = ("--config", node_config)
    status, out, _ = run(*c, "db", "migrate")
    from storage.migrate import load_migrations

    assert status == 0 and "nothing to apply" in out
    assert f"schema version {len(load_migrations())}" in out
    run(*c, "member", "add", "anne")
    target = tmp_path / "backup.sqlite3"
    assert run(*c, "db", "backup", str(target))[0] == 0
    with sqlite3.connect(target) as raw:
        assert raw.execute("SELECT username FROM members").fetchall() == [("anne",)]
    status, _, err = run(*c, "db", "backup", str(target))
    assert status == 1 and "already exists" in err


def test_db_commands_on_a_newer_database_fail_in_one_line(node_config, run):
    with sqlite3.connect(Path(node_config).parent / "thc-node.sqlite3") as raw:
        raw.execute("PRAGMA user_version = 99")
    status, _, err = run("--config", node_config, "db", "migrate")
    assert status == 1 and "newer than this software" in err and err.count("\n") == 1


def test_demo_loads_once(tmp_path, run):
    path = str(tmp_path / "demo" / "config.toml")
    # When run twice
    status, _, err = run("--config", path, "demo", "--no-serve")
    assert status == 0 and "loaded the demo territory" in err
    status, _, err = run("--config", path, "demo", "--no-serve")
    # Then the second run reuses everything
    assert status == 0 and "demo not reloaded" in err
    members = json.loads(run("--config", path, "member", "list", "--json")[1])
    roles = {m["role"] for m in members}
    assert {"admin", "representative", "citizen", "association", "company", "moderator",
            "trusted_third_party"} <= roles
    debates = run("--config", path, "debate", "list", "--status", "open")[1]
    assert "mobilites-douces" in debates and "budget-participatif-2027" in debates


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not become healthy")


def test_serve_doctor_and_graceful_shutdown(tmp_path, run):
    # Given an initialised node on a free port
    port = free_port()
    path = str(tmp_path / "n" / "config.toml")
    run("--config", path, "init", "--base-url", f"http://127.0.0.1:{port}", "--allow-private-addresses")
    # When doctor runs while the node is down
    status, out, _ = run("--config", path, "doctor")
    assert status == 1 and "FAIL base URL" in out and "ok  keys" in out
    # And the node is served by the real command
    env = {**os.environ, "THC_CONFIG": path}
    process = subprocess.Popen([sys.executable, "-m", "web.cli", "serve"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", process)
        status, out, _ = run("--config", path, "doctor")
        # Then doctor passes every check
        assert status == 0, out
        assert out.count("ok ") == 4
        # And SIGTERM stops it cleanly
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = process.stderr.read()
    assert "Traceback" not in stderr
    # The database closed cleanly: no WAL left to replay
    assert not Path(tmp_path / "n" / "thc-node.sqlite3-wal").exists() or \
        Path(tmp_path / "n" / "thc-node.sqlite3-wal").stat().st_size == 0


def test_serve_refuses_an_invalid_config(tmp_path, run):
    path = tmp_path / "config.toml"
    path.write_text('[node]\nbase_url = "http://127.0.0.1:1"\n[workers]\nautostart = "yes"\n')
    status, _, err = run("--config", str(path), "serve")
    assert status == 2 and "[workers] autostart: expected true or false" in err


def test_serve_refuses_to_start_when_migrations_cannot_apply(node_config, run):
    # Given a database whose schema is newer than this software
    with sqlite3.connect(Path(node_config).parent / "thc-node.sqlite3") as raw:
        raw.execute("PRAGMA user_version = 99")
    # When
    status, _, err = run("--config", node_config, "serve", "--port", "0")
    # Then it refuses with one clear line
    assert status == 1
    assert "newer than this software" in err and err.count("\n") <= 2
    assert "Traceback" not in err


def test_serve_on_a_port_in_use_fails_in_one_line(node_config, run):
    # Given a port someone else holds
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        # When
        status, _, err = run("--config", node_config, "serve", "--port", str(port))
    # Then
    assert status == 1 and f"cannot listen on 127.0.0.1:{port}" in err
    assert "Traceback" not in err


def test_member_reset_link_and_invite(node_config, run):
    c = ("--config", node_config)
    run(*c, "member", "add", "anne")
    # reset-link prints one URL on the node's base URL
    status, out, _ = run(*c, "member", "reset-link", "anne")
    assert status == 0 and re.fullmatch(r"http://127\.0\.0\.1:8123/mot-de-passe/\S{20,}\n", out)
    assert run(*c, "member", "reset-link", "personne")[0] == 1
    # invite prints only the code on stdout
    status, out, err = run(*c, "member", "invite", "--days", "7", "--note", "conseil de quartier")
    assert status == 0 and out.count("\n") == 1 and len(out.strip()) > 10 and "valid until" in err
    status, _, err = run(*c, "member", "invite", "--days", "0")
    assert status == 1 and err.startswith("thc-node: ")


def test_token_list_and_revoke(node_config, run):
    c = ("--config", node_config)
    run(*c, "member", "add", "anne")
    run(*c, "member", "add", "bruno")
    _, token, _ = run(*c, "token", "create", "anne", "--label", "script")
    run(*c, "token", "create", "bruno")
    status, out, err = run(*c, "token", "list")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "MEMBER", "CREATED", "LABEL"]
    assert [line.split()[1] for line in lines[1:]] == ["anne", "bruno"]
    assert token.strip() not in out  # shown once, at creation
    anne_id = lines[1].split()[0]
    status, out, _ = run(*c, "token", "list", "bruno")
    assert status == 0 and [line.split()[1] for line in out.splitlines()[1:]] == ["bruno"]
    status, out, err = run(*c, "token", "revoke", anne_id)
    assert status == 0 and "revoked token" in out and "anne (script)" in out
    status, out, _ = run(*c, "token", "list")
    assert [line.split()[1] for line in out.splitlines()[1:]] == ["bruno"]
    status, _, err = run(*c, "token", "revoke", anne_id)
    assert status == 1 and f"no API token with id {anne_id}" in err
    status, _, err = run(*c, "token", "list", "personne")
    assert status == 1 and "no member named 'personne'" in err
