"""axe-core accessibility checks for the browser tests (imported as tests.browser.axe).

axe-core comes from npm (tests/browser/package.json, pinned by package-lock.json; `make test`
runs `npm ci`). It is injected into the page under test, run against WCAG 2.1 A and AA, and
the full list of violations is saved to tests/artifacts/axe/<name>.json for a human to read.
"""
from __future__ import annotations

import json
from pathlib import Path

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
REPORTS = Path(__file__).resolve().parents[1] / "artifacts" / "axe"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")
IMPACTS = ("critical", "serious", "moderate", "minor")

_RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return {
    version: axe.version,
    url: results.url,
    violations: results.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags,
      nodes: v.nodes.map((n) => ({target: n.target, html: n.html, summary: n.failureSummary})),
    })),
  };
}"""


def run_axe(page, name: str, tags: list[str] = WCAG_21_AA) -> dict:
    """Run axe-core on the page as it is now; return {version, url, violations}.

    The page's context must have been created with bypass_csp=True: Playwright's
    add_script_tag(path=...) inlines the file, and the node's CSP (script-src 'self')
    rightly blocks inline scripts. The test injects axe; the page itself ships no JavaScript.
    """
    if not AXE_JS.is_file():
        raise FileNotFoundError(f"{AXE_JS} is missing: run `make test` (npm ci in tests/browser)")
    page.add_script_tag(path=str(AXE_JS))
    report = page.evaluate(_RUN, tags)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{name}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), "utf-8")
    return report


def by_impact(violations: list[dict]) -> dict[str, list[str]]:
    """{impact: [rule id (number of elements)]} for every impact level, for messages and logs."""
    counts: dict[str, list[str]] = {impact: [] for impact in IMPACTS}
    for v in violations:
        counts.setdefault(v["impact"] or "unknown", []).append(f"{v['id']} ({len(v['nodes'])})")
    return counts


def describe(violations: list[dict]) -> str:
    """Readable lines: impact, rule, what to do, and each failing element."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    {' '.join(node['target'])}: {node['html'][:200]}")
            lines.extend(f"      {line}" for line in (node["summary"] or "").splitlines())
    return "\n".join(lines)
