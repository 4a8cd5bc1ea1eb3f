"""What `make bench` loads on the demo node. Add a scenario with one line here.

target_ratio: when set, the scenario passes if its median requests/s is at least that fraction
of the ceiling's median (the bare aiohttp JSON handler) in the same run; `make bench` then exits
non-zero if one fails. Each scenario must answer 2xx on the demo node (checked before loading).
"""
from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str
    target_ratio: float | None = None
    body: bytes | str | None = None
    headers: dict[str, str] | None = None
    lower_is_better: bool = False  # a time or a size: passes when ratio <= target_ratio

    def url(self, base_url: str) -> str:
        """The request URL on a server; `{host}` in the path becomes its host:port."""
        return base_url + self.path.replace("{host}", base_url.split("://", 1)[1])

    def resolved(self, values: dict[str, str]) -> "Scenario":
        """The scenario with `{name}` placeholders of seeded data (bench/deliberation.py)
        replaced; `{host}` stays for `url`."""
        path = self.path
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        return replace(self, path=path)

    def body_bytes(self) -> bytes | None:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


# The ceiling: the same generator, the same connections, on bench/ceiling.py's only route.
CEILING = Scenario("bare aiohttp (ceiling)", "GET", "/")

AS2_ACCEPT = {"Accept": "application/activity+json"}

SCENARIOS: list[Scenario] = [
    Scenario("healthz", "GET", "/healthz"),   # JSON, one DB round trip
    Scenario("home", "GET", "/", target_ratio=0.10),  # template rendering + DB reads
    # Federation reads (issue 4): cached bytes, invalidated on change. `{host}` is the node's.
    Scenario("actor GET", "GET", "/debats/mobilites-douces", target_ratio=0.75,
             headers=AS2_ACCEPT),
    Scenario("webfinger", "GET",
             "/.well-known/webfinger?resource=acct:mobilites-douces@{host}", target_ratio=0.85),
]

# Deliberation at scale (issue 3): data seeded before `serve` by bench/deliberation.py, which
# resolves the placeholders (a proposal with 1,000 arguments and 10,000 votes, a debate with
# 1,000 proposals; each list's last page reached by following its cursors). The API votes
# row is bench/deliberation.py's own (against a single-commit SQLite reference).
DELIBERATION_SCENARIOS: list[Scenario] = [
    Scenario("proposal, 1,000 arguments", "GET", "/propositions/{proposal_1000_arguments}",
             target_ratio=0.10),
    Scenario("proposal, last arguments", "GET",
             "/propositions/{proposal_1000_arguments}{proposal_last_page}", target_ratio=0.10),
    Scenario("debate, 1,000 proposals", "GET", "/debats/bench-propositions", target_ratio=0.10),
    Scenario("debate, last proposals", "GET", "/debats/bench-propositions{debate_last_page}",
             target_ratio=0.10),
]
SCENARIOS += DELIBERATION_SCENARIOS
