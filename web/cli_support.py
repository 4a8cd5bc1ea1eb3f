"""What every `thc-node` command shares: the configuration file, a database opened for one
command, the operator acting, and plain-text tables. A user mistake is a CliError: one line on
stderr and a non-zero status (web/cli.py's main)."""
from __future__ import annotations

import argparse
import asyncio
import os
from datetime import datetime
from pathlib import Path

from node.model import Operator

from .config import Config, load_config

EXIT_ERROR = 1
EXIT_CONFIG = 2
OPERATOR = Operator()


class CliError(Exception):
    pass


def config_path(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "config", None) or os.environ.get("THC_CONFIG") or "config.toml")


def load(args: argparse.Namespace) -> Config:
    return load_config(config_path(args))


async def with_db(config: Config, work):
    from .app import open_database

    database = await open_database(config)
    try:
        return await work(database)
    finally:
        await database.close()


def run_db(args, work):
    return asyncio.run(with_db(load(args), work))


def run_use_case(args, use_case, *arguments, **options):
    """Run `use_case(tx, clock, OPERATOR, *arguments, **options)` in one write transaction."""
    async def work(db):
        async with db.transaction() as tx:
            return await use_case(tx, clock(), OPERATOR, *arguments, **options)

    return run_db(args, work)


def clock():
    from node.clock import SystemClock

    return SystemClock()


def parse_when(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"{name}: expected an ISO 8601 date and time with a time zone, "
                       f"such as 2027-01-31T18:00:00+01:00, got {value!r}") from None
    if when.tzinfo is None:
        raise CliError(f"{name}: add a time zone, such as {value}+01:00")
    return when


def print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())


class Subparsers:
    """Adds the common options (--config, -v) to every command, so they go anywhere."""

    def __init__(self, action, common: argparse.ArgumentParser):
        self.action, self.common = action, common

    def add_parser(self, name: str, **kwargs) -> argparse.ArgumentParser:
        return self.action.add_parser(name, parents=[self.common], **kwargs)

    def group(self, name: str, **kwargs) -> "Subparsers":
        parser = self.add_parser(name, **kwargs)
        return Subparsers(parser.add_subparsers(dest="action", required=True, metavar="ACTION"),
                           self.common)
