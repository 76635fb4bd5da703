"""Fund supervision at the window and in the APIs: every claim screened as it is settled.

- :func:`gate` (a settlement gate, :mod:`safetynet.settlement.hooks`): screens a batch of
  claims at once, preview and submit alike, with the persons' recent claims; a claim with a
  ``block`` hit is refused (:class:`ScreeningRefusal`, 422, naming the rules and their
  facts). The batch's hits are kept on the session, by submission (its fingerprint and
  its client key: two identical bills confirmed genuine are two submissions), for the two
  below, and, for each claim to be written, in the batch's order: two identical bills
  confirmed genuine without a client key share a fingerprint and a key, yet each keeps the
  hits it was screened with (the second's, against the first: as if sent one at a time).
- :func:`store` (an after step): writes the ``warn`` and ``deduct`` hits of the settlements
  just written to ``screening_hit``, one multi-row insert per batch, from the batch's
  entries in memory (each entry the hits of the claim written as it, in the batch's
  order); a hit naming another claim of the batch names it by its claim number.
- :func:`previewed_hits`: the hits of a submission the gate has just screened (the preview
  shows them); :func:`stored_of`: those :func:`store` kept with its settlement (the API's
  answer, without a re-read); :func:`stored_hits`: the hits stored with settlements, read
  back (the slip, a replay, the API's settlement).

The rule set is ``SAFETYNET_SCREENING_RULES`` (a shipped rule file's name or a path;
``off`` screens nothing), read by :func:`safetynet.supervision.rules.configured_rules`
alone (the scorecard's and the review's too), loaded and checked once per process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from safetynet.policy.rule_files import own_folder
from safetynet.settlement.duplicate_bill import request_hash
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.hooks import UNREAD, Entry, GateClaim
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.models.supervision import ScreeningHit
from safetynet.supervision.output import ANOTHER, screened_name
from safetynet.supervision.rules import (
    CAPABILITY,
    OFF,
    PolicyError,
    configured_rules,
    load_rules,
)
from safetynet.supervision.rules import DEFAULT_RULES as DEFAULT_RULES  # (the window's name)
from safetynet.supervision.schema import RuleSet
from safetynet.supervision.service import NEW_CLAIM, batch_hit_rows

SETTING = "SAFETYNET_SCREENING_RULES"
STASH = "supervision.hits"  # session.info key: (request hash, client key) -> the hits
# session.info key: (request hash, client key) -> the hits of each claim of that mark the gate
# let through to be written, in the batch's order (the after step takes them in that order)
WRITTEN = "supervision.written"
# session.info key: settlement id -> the hits stored with it (for the API's answer)
KEPT = "supervision.kept"
STORED = ("warn", "deduct")  # severities kept with a settlement (block refuses it)


@dataclass(frozen=True)
class WindowHit:
    """One hit as the window, the slip and the APIs show it."""

    rule_id: str
    kind: str
    name_en: str
    name_zh: str
    severity: str
    article: int
    amount_fen: int
    facts: str  # JSON object

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "kind": self.kind,
            "name_en": self.name_en,
            "name_zh": self.name_zh,
            "severity": self.severity,
            "article": self.article,
            "amount_fen": self.amount_fen,
            "facts": json.loads(self.facts),
        }


class ScreeningRefusal(SettlementError):
    """A claim refused by a ``block`` rule of fund supervision; ``hits`` say which and why."""

    def __init__(self, hits: list[WindowHit]) -> None:
        named = "; ".join(f"{h.name_en} ({h.rule_id}): {_facts_en(h.facts)}" for h in hits)
        super().__init__(
            "screening_blocked",
            f"refused by fund supervision (Decree No. 735): {named}",
            status=422,
        )
        self.hits = hits


def _facts_en(facts: str) -> str:
    return ", ".join(
        f"{k} {ANOTHER if screened_name(v) else v}"
        for k, v in json.loads(facts).items()
        if v is not None
    )


def rules_name() -> str:
    """The rule set the window screens with (the setting, else the shipped default), or
    :data:`OFF` (read by :func:`~safetynet.supervision.rules.configured_rules` alone)."""
    return configured_rules() or OFF


class ScreeningSettingError(ValueError):
    """``SAFETYNET_SCREENING_RULES`` names no usable rule file (the message says why)."""


@cache
def _rules(name: str, own: str | None) -> RuleSet:
    return load_rules(name)


def window_rules() -> RuleSet | None:
    """The window's rule set, loaded once per process; None when screening is off. A rule
    file that is missing or malformed is a :class:`ScreeningSettingError` naming the setting
    and every problem (file:line), raised when the app starts (:func:`check_setting`)."""
    name = configured_rules()
    if name is None:
        return None
    try:
        return _rules(name, own_folder(CAPABILITY))
    except PolicyError as exc:
        raise ScreeningSettingError(f"{SETTING}={name}: {exc}") from None


def check_setting() -> None:
    """Load the window's rule set now (at start-up), so a bad setting stops the server with
    its problems instead of refusing every claim later."""
    window_rules()


def _hits(rules: RuleSet, found: list[dict[str, Any]]) -> list[WindowHit]:
    names = {i: r.name for i, r in rules.rule_names().items()}
    return [
        WindowHit(h["rule_id"], h["kind"], names[h["rule_id"]].en, names[h["rule_id"]].zh,
                  h["severity"], h["article"], h["amount_fen"], h["facts"])
        for h in found
    ]  # fmt: skip


# (request hash, client key) -> rule set, hits, name screened
Stash = dict[tuple[str, str | None], tuple[str, list[WindowHit], str]]


def _stash(session: Session) -> Stash:
    stash: Stash = session.info.setdefault(STASH, {})
    return stash


ToWrite = dict[tuple[str, str | None], list[tuple[str, list[WindowHit], str]]]


def _to_write(session: Session) -> ToWrite:
    to_write: ToWrite = session.info.setdefault(WRITTEN, {})
    return to_write


def gate(session: Session, claims: Sequence[GateClaim]) -> list[SettlementError | None]:
    """Settlement gate: per claim, its refusal when a ``block`` rule hits it, else None.

    Each claim is screened as if settled alone after the claims of the batch before it
    (:func:`~safetynet.supervision.service.batch_hit_rows`): against the ledger and those
    of them that are written — not refused by screening, by the checks after the gates
    (``GateClaim.settles``), nor as a second claim of the batch under a claim number or a
    client key an earlier written one took (settlement's own checks, in its order)."""
    rules = window_rules()
    if rules is None or not claims:
        return [None] * len(claims)
    keys: set[str] = set()
    numbers: set[str] = set()
    wrote: set[int] = set()

    def written(i: int, blocked: bool) -> bool:
        claim = claims[i]
        key, number = claim.client_key, claim.sub.claim_no
        if blocked or not claim.settles or (key and key in keys) or (number and number in numbers):
            return False
        if key:
            keys.add(key)
        if number:
            numbers.add(number)
        wrote.add(i)
        return True

    # the institutions' levels as settlement read them (a claim of an unknown one is not
    # screened: settlement refuses it), when it did
    levels = None
    if all(c.institution != UNREAD for c in claims):
        levels = {c.sub.institution_code: c.institution.level for c in claims if c.institution}
    frames = batch_hit_rows(session, [(c.sub, c.person) for c in claims], rules, written, levels,
                            [c.client_key for c in claims])  # fmt: skip
    stash = _stash(session)
    to_write = _to_write(session)
    screened: set[tuple[str, str | None]] = set()
    out: list[SettlementError | None] = []
    for i, (claim, frame) in enumerate(zip(claims, frames, strict=True)):
        hits = _hits(rules, frame)
        mark = (request_hash(claim.sub), claim.client_key)
        # a retry in the batch answers the first one's hits; a replay (not written) leaves
        # those of the settlement it replays
        if mark not in screened and (claim.settles or mark not in stash):
            screened.add(mark)
            stash[mark] = (rules.id, hits, NEW_CLAIM.format(i))
        if i in wrote:  # each claim written keeps its own hits, however alike the next one
            to_write.setdefault(mark, []).append((rules.id, hits, NEW_CLAIM.format(i)))
        blocks = [h for h in hits if h.severity == "block"]
        out.append(ScreeningRefusal(blocks) if blocks else None)
    return out


def store(session: Session, entry_ids: Sequence[int], entries: Sequence[Entry]) -> None:
    """After step: the stored severities' hits of the settlements just written, in one
    insert (refund reversals and claims the gate did not screen have none). The entries of
    one fingerprint and key (two identical bills confirmed genuine, no key) take the hits
    the gate screened the claims written under it with, in the batch's order."""
    to_write = _to_write(session)
    if not to_write:
        return
    written = [
        (e.id, (e.request_hash or "", e.client_key), e.claim_no) for e in entries if not e.reversal
    ]
    # the last claims the gate let through under each mark are this batch's (a preview in
    # the same session screened one before and wrote nothing)
    count: dict[tuple[str, str | None], int] = {}
    for _, mark, _ in written:
        count[mark] = count.get(mark, 0) + 1
    queues = {m: to_write.get(m, [])[-n:] for m, n in count.items()}
    mine = [(sid, mark, no, queues[mark].pop(0) if queues[mark] else None)
            for sid, mark, no in written]  # fmt: skip
    to_write.clear()
    # a hit naming another claim of the batch names it by the number it was screened under:
    # the number it was settled under replaces it (stored, and in the answer the API gives)
    numbers = {kept[2]: no for _, _, no, kept in mine if kept is not None}
    kept_by_id: dict[int, list[WindowHit]] = session.info.setdefault(KEPT, {})
    stash = _stash(session)
    rows = []
    for sid, mark, _, kept in sorted(mine, key=lambda m: m[0]):
        if kept is None:
            continue
        rule_set, hits, name = kept
        hits = [_renamed(h, numbers) for h in hits]
        kept_by_id[sid] = [h for h in hits if h.severity in STORED]
        if mark in stash and stash[mark][2] == name:
            stash[mark] = (rule_set, hits, name)
        rows += [
            {"settlement_id": sid, "rule_set": rule_set, "rule_id": h.rule_id, "kind": h.kind,
             "severity": h.severity, "article": h.article, "amount_fen": h.amount_fen,
             "facts": h.facts}
            for h in hits
            if h.severity in STORED
        ]  # fmt: skip
    if rows:
        session.connection().execute(insert(ScreeningHit), rows)


_SCREENED_AS = re.compile(r'"(~new \d+)"')


def _renamed(hit: WindowHit, numbers: dict[str, str]) -> WindowHit:
    """``hit`` with the batch's claims its facts name by screening name renamed."""
    if "~new" not in hit.facts:
        return hit
    facts = _SCREENED_AS.sub(
        lambda m: json.dumps(numbers.get(m.group(1), m.group(1)), ensure_ascii=False), hit.facts
    )
    return replace(hit, facts=facts)


def stored_of(
    session: Session,
    sub: ClaimSubmission,
    client_key: str | None = None,
    settlement_id: int | None = None,
) -> list[WindowHit]:
    """The hits :func:`store` keeps with the settlement of ``sub`` (submitted under
    ``client_key``, as stored; ``settlement_id``: the settlement, when known — two identical
    bills confirmed genuine without a key each have their own) just written in this session
    (the stored severities, in the order stored): what :func:`stored_hits` reads back after
    the commit, without reading it."""
    kept: dict[int, list[WindowHit]] = session.info.get(KEPT, {})
    if settlement_id is not None and settlement_id in kept:
        return list(kept[settlement_id])
    return [h for h in previewed_hits(session, sub, client_key) if h.severity in STORED]


def previewed_hits(
    session: Session, sub: ClaimSubmission, client_key: str | None = None
) -> list[WindowHit]:
    """The hits of a submission (under ``client_key``, as stored) the gate screened in this
    session (a preview's: no key)."""
    found = _stash(session).get((request_hash(sub), client_key))
    return found[1] if found else []


def stored_hits(session: Session, settlement_ids: Iterable[int]) -> dict[int, list[WindowHit]]:
    """The hits stored with each of ``settlement_ids`` (one query)."""
    ids = sorted(set(settlement_ids))
    out: dict[int, list[WindowHit]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.execute(
        select(ScreeningHit).where(ScreeningHit.settlement_id.in_(ids)).order_by(ScreeningHit.id)
    ).scalars()
    names = {}
    for row in rows:
        if row.rule_set not in names:
            names[row.rule_set] = _names_of(row.rule_set)
        en, zh = names[row.rule_set].get(row.rule_id, (row.rule_id, row.rule_id))
        out[row.settlement_id].append(
            WindowHit(
                row.rule_id, row.kind, en, zh, row.severity, row.article, row.amount_fen, row.facts
            )
        )
    return out


def _names_of(rule_set: str) -> dict[str, tuple[str, str]]:
    """Rule names by id of the rule set a hit was stored under: the window's, else the
    shipped file of that id (none when it is no longer shipped: the ids are shown)."""
    rules = window_rules()
    if rules is None or rules.id != rule_set:
        try:
            rules = _rules(rule_set, own_folder(CAPABILITY))
        except (PolicyError, OSError):
            return {}
    return {i: (r.name.en, r.name.zh) for i, r in rules.rule_names().items()}


def shown(hits: Iterable[WindowHit], locale: str) -> list[dict[str, Any]]:
    """The hits as a page shows them: the rule's name, severity and facts in ``locale``."""
    from safetynet.i18n import gettext_for
    from safetynet.supervision.output import SEVERITIES, facts_text

    _ = gettext_for(locale)
    zh = locale.startswith("zh")
    return [
        {"rule_id": h.rule_id, "name": h.name_zh if zh else h.name_en,
         "severity": h.severity, "severity_text": _(SEVERITIES[h.severity]),
         "article": h.article, "amount_fen": h.amount_fen,
         "facts": facts_text(h.facts, locale)}
        for h in hits
    ]  # fmt: skip
