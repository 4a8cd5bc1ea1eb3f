"""One rule for text on every form: a control character (C0 or C1 but tab and line breaks)
in any text field of any form the pages show is refused (4xx), nothing stored; a malformed
form body is 400; a configuration file that is not UTF-8 is the CLI's one-line error.

The forms come from the pages themselves (parsed as a browser would), so a new form is
covered as soon as a page shows it."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from tests.api.world import Stored, build_world
from tests.web.deliberation_support import Visitor
from tests.web.test_edge_headers import signed_in_paths
from federation.participation import html_to_text
from node.text import forbidden_character
from web import cli

CONTROLS = ("\x00début", "milieu\x00fin", "a\x1b[31mrouge", "a\x7fb", "a\x85b")
_TEXT_TYPES = {"text", "url", "search", "email", ""}
_PLAUSIBLE = {"username": "bruno", "coauthor": "bruno", "slug": "nouveau-debat",
              "url": "https://example.org/a", "target": "https://example.org/actor"}


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # as the browser sends them
    texts: list[str] = field(default_factory=list)  # the names a person types into


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.radios: set[str] = set()
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.current, self.radios = Form(a["action"]), set()
        form = self.current
        if form is None or not a.get("name") or a["name"] == "csrf_token":
            if tag == "option" and form is not None and self.select:
                form.fields.append((self.select, a.get("value", "")))
                self.select = None
            return
        name, kind = a["name"], a.get("type", "").lower()
        if tag == "textarea" or (tag == "input" and kind in _TEXT_TYPES):
            form.texts.append(name)
            form.fields.append((name, _PLAUSIBLE.get(name, a.get("value") or
                                                      "Un texte valable, assez long.")))
        elif tag == "input" and kind == "radio" and name not in self.radios:
            self.radios.add(name)
            form.fields.append((name, a.get("value", "")))
        elif tag == "input" and (kind == "hidden" or (kind == "checkbox" and "checked" in a)):
            form.fields.append((name, a.get("value", "")))
        elif tag == "input" and kind == "password":
            form.fields.append((name, "un mot de passe solide"))
        elif tag == "select":
            self.select = name

    def handle_endtag(self, tag):
        if tag == "form" and self.current is not None:
            if self.current.texts:
                self.forms.append(self.current)
            self.current = None


async def _forms_seen_by(node, world, usernames) -> dict[tuple, tuple[str, Form]]:
    """Every form with a text field on every page, for each member: (who, form) by shape."""
    found: dict[tuple, tuple[str, Form]] = {}
    paths = [p for p in signed_in_paths(node.app, world) if not p.startswith("/api/")]
    for username in usernames:
        async with Visitor(node) as visitor:
            await visitor.sign_in(username)
            for path in paths:
                page = await visitor.get(path)
                parser = _Forms()
                parser.feed(page.html)
                for form in parser.forms:
                    found.setdefault((form.action, tuple(form.texts)), (username, form))
    return found


async def test_control_characters_in_any_text_field_of_any_form_are_refused(make_node):
    # Given a territory, and the forms its pages show to an admin, an author, a representative
    node = await make_node("alpha")
    world = await build_world(node)
    forms = await _forms_seen_by(node, world, ("ada", "anne", "rita", "bruno"))
    fields = sum(len(form.texts) for _, form in forms.values())
    assert len(forms) >= 12 and fields >= 20, sorted(forms)
    stored = await Stored.take(node)
    failures = []
    for username, form in forms.values():
        async with Visitor(node) as visitor:
            await visitor.sign_in(username)
            await visitor.get("/")
            for name in form.texts:
                for bad in CONTROLS:
                    # When one text field holds a control character
                    data = [(k, bad if k == name else v) for k, v in form.fields]
                    page = await visitor.post(form.action, data, allow_redirects=False)
                    # Then the form is refused
                    if not 400 <= page.status < 500:
                        failures.append((username, form.action, name, bad, page.status))
    assert failures == []
    # And nothing was stored (sessions aside: signing in opens them)
    await _unchanged_but_sessions(stored, node)


async def _unchanged_but_sessions(stored: Stored, node) -> None:
    now = (await Stored.take(node)).rows
    for table, rows in stored.rows.items():
        if table != "sessions":
            assert now[table] == rows, table


async def test_a_malformed_form_body_is_400(node):
    async with Visitor(node) as visitor:
        await visitor.get("/")
        session = visitor.session
        for content_type, body in (
                ("multipart/form-data; boundary=zzz", b"garbage"),
                ("multipart/form-data", b"--x\r\n"),
                ("application/x-www-form-urlencoded; charset=bogus", b"a=b")):
            async with session.post(f"{node.url}/connexion", data=body,
                                    headers={"Content-Type": content_type}) as response:
                assert response.status == 400, (content_type, response.status)


def test_a_config_file_that_is_not_utf8_is_one_line_and_status_2(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_bytes(b'[node]\nbase_url = "http://a.example"\nname = "Saint-\xe9tienne"\n')
    status = cli.main(["--config", str(path), "member", "list"])
    err = capsys.readouterr().err
    assert status == 2
    assert err == f"thc-node: configuration error: {path}: not UTF-8 text (byte 0xe9 at offset 51)\n"


def test_remote_text_follows_the_same_rule_cleaned_rather_than_refused():
    # A peer's reply keeps its words; the control characters go, line breaks become LF
    text = html_to_text("<p>#pour\x00 les\x1b[31m pistes\x85</p><p>ligne\rsuivante</p>")
    assert text == "#pour les[31m pistes\n\nligne\nsuivante"
    assert forbidden_character(text) is None
