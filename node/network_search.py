"""The network view's search box and filters: what a person types becomes a bounded query.

Pure standard library. Search terms are folded and lightly stemmed to match SQLite's FTS
index (storage/repos/network.py), and only letters and digits survive, so nothing typed can be
read as FTS syntax; invalid filters are dropped and named rather than failing the page.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from .model import ProposalStatus
from .network import (
    LOCAL,
    MAX_QUERY,
    MAX_SEARCH_TERM,
    MAX_SEARCH_TERMS,
    NetworkOrder,
    NetworkQuery,
)
from .network_validation import normalize_theme

# Words that match nearly every proposal: dropped from queries (all terms must match).
_STOP_WORDS = frozenset(
    "a au aux avec ce ces d dans de des du en et il la le les l ou par pour qu que qui sa se "
    "ses sur un une the of and or to in on for with".split()
)
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without accents, as the FTS index folds them (unicode61 remove_diacritics)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    """A light French stem, for prefix matching: plural and feminine endings dropped.

    SQLite has no French stemmer, so the query side folds the common inflections and the
    index matches the rest as a prefix: écoles → ecole* finds école; chevaux → cheva*
    finds cheval; vertes → vert* finds vert. It over-matches a little (ecol* would also
    find écologie), which suits browsing better than missing a proposal.
    """
    if len(word) > 5 and word.endswith("aux"):
        return word[:-2]
    if len(word) > 3 and word[-1] in "sx":
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def search_terms(query: str) -> tuple[str, ...]:
    """What a search box's text becomes: folded, stemmed words, no operators, no stop words.

    Only letters and digits survive, so nothing a person types can be read as FTS syntax.
    """
    terms: list[str] = []
    for word in _WORD.findall(fold(query[:MAX_QUERY])):
        if len(word) < 2 or word in _STOP_WORDS or len(word) > MAX_SEARCH_TERM:
            continue
        term = stem(word)
        if term not in terms:
            terms.append(term)
        if len(terms) == MAX_SEARCH_TERMS:
            break
    return tuple(terms)


def parse_network_query(
    *, q: str = "", territory: str = "", status: str = "", since: str = "", until: str = "",
    theme: str = "", order: str = "",
) -> tuple[NetworkQuery, frozenset[str]]:
    """A network query from a form's raw values; invalid filters are left out and named, so a
    page can show what it ignored instead of failing."""
    invalid: set[str] = set()
    local_only, territory_id = False, None
    if territory == LOCAL:
        local_only = True
    elif territory:
        if territory.isdigit() and len(territory) <= 18:
            territory_id = int(territory)
        else:
            invalid.add("territory")
    status_value = None
    if status:
        try:
            status_value = ProposalStatus(status)
        except ValueError:
            invalid.add("status")

    def day(value: str, name: str) -> date | None:
        if not value:
            return None
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
        except ValueError:
            pass
        invalid.add(name)
        return None

    since_value, until_value = day(since, "since"), day(until, "until")
    if since_value and until_value and since_value > until_value:
        invalid.add("until")
        until_value = None
    theme_value = None
    if theme:
        theme_value = normalize_theme(theme)
        if theme_value is None:
            invalid.add("theme")
    try:
        order_value = NetworkOrder(order) if order else NetworkOrder.NEWEST
    except ValueError:
        order_value = NetworkOrder.NEWEST
        invalid.add("order")
    query = NetworkQuery(
        terms=search_terms(q) if isinstance(q, str) else (), local_only=local_only,
        territory_id=territory_id, status=status_value, since=since_value, until=until_value,
        theme=theme_value, order=order_value,
    )
    return query, frozenset(invalid)
