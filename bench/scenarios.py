"""What `make bench` loads on the demo node. Add a scenario with one line here.

target_ratio: when set, the scenario passes if its median requests/s is at least that fraction
of the ceiling's median (the bare aiohttp JSON handler) in the same run; `make bench` then exits
non-zero if one fails. Each scenario must answer 2xx on the demo node (checked before loading).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str
    target_ratio: float | None = None
    body: bytes | str | None = None
    headers: dict[str, str] | None = None

    def body_bytes(self) -> bytes | None:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


# The ceiling: the same generator, the same connections, on bench/ceiling.py's only route.
CEILING = Scenario("bare aiohttp (ceiling)", "GET", "/")

SCENARIOS: list[Scenario] = [
    Scenario("healthz", "GET", "/healthz"),   # JSON, one DB round trip
    Scenario("home", "GET", "/"),             # template rendering + DB reads
]
