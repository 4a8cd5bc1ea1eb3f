"""The machine's ceiling: the barest aiohttp JSON handler, served alone in its own process.

    python -m bench.ceiling PORT

Listens on 127.0.0.1:PORT with the access log off and answers every method on / with
{"status": "ok"}. It must stay this small: it is what every benchmark figure is divided by.
"""
from __future__ import annotations

import sys

from aiohttp import web


async def ok(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_route("*", "/", ok)
    return app


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m bench.ceiling PORT", file=sys.stderr)
        return 2
    web.run_app(make_app(), host="127.0.0.1", port=int(argv[0]), access_log=None, print=None,
                shutdown_timeout=1.0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
