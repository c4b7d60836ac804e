"""Service names: README domain words first, then the dominant table or module word.

Each context scores every domain by the domain's own words (not its description's): its
tables count three times their match strength, its units once (a module-level unit half),
and a domain whose anchor landed in the context gets a bonus when it matches there at all.
Pairs are assigned greedily by score, one domain per context. Contexts left without a
domain are named after the most frequent first word of their table names (Django's
``order_line`` → ``order``), then of their first two words (``product-variant``), else of
their module paths, skipping layer words (``models``, ``services``, ``api``...). Names are
unique; a clash takes the next word.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from analyzer.domains import LAYER_WORDS, split_identifier
from analyzer.model.graph import ProgramGraph

TABLE_FACTOR = 3.0
ANCHOR_BONUS = 5.0
MIN_SCORE = 1.0


@dataclass(slots=True)
class Naming:
    name: str
    domain: str | None
    reason: str


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "service"


def name_contexts(graph: ProgramGraph, contexts: list[tuple[list[str], list[str], set[str]]],
                  evidence_units: dict[str, dict[str, float]],
                  evidence_tables: dict[str, dict[str, float]],
                  fixed: dict[int, str]) -> list[Naming]:
    """Names for ``contexts`` given as (units, tables, domain anchors inside). ``fixed``
    maps a context index to a pinned name that wins over everything."""
    scores: list[dict[str, float]] = []
    for units, tables, anchors in contexts:
        score: Counter[str] = Counter()
        for t in tables:
            for dom, s in evidence_tables.get(t, {}).items():
                score[dom] += TABLE_FACTOR * s
        for u in units:
            weight = 0.5 if graph.units[u].kind == "module" else 1.0
            for dom, s in evidence_units.get(u, {}).items():
                score[dom] += weight * s
        for dom in anchors:
            if score.get(dom):  # an anchor pulled in by description words alone names nothing
                score[dom] += ANCHOR_BONUS
        scores.append(dict(score))
    names: dict[int, Naming] = {}
    used: set[str] = set()
    for i, name in sorted(fixed.items()):
        names[i] = Naming(name=name, domain=None, reason=f"pinned to '{name}' by settings.pins")
        used.add(name)
    pairs = sorted(((s, i, d) for i, sc in enumerate(scores) for d, s in sc.items()
                    if s >= MIN_SCORE), key=lambda p: (-p[0], p[1], p[2]))
    taken_domains: set[str] = set()
    for s, i, dom in pairs:
        if i in names or dom in taken_domains or slug(dom) in used:
            continue
        names[i] = Naming(name=slug(dom), domain=dom,
                          reason=f"named after the README domain '{dom}' "
                          f"(match score {s:.1f})")
        taken_domains.add(dom)
        used.add(slug(dom))
    importance = table_importance(graph)
    for i, (units, tables, _) in enumerate(contexts):
        if i in names:
            continue
        names[i] = _fallback(graph, units, tables, used, importance)
        used.add(names[i].name)
    return [names[i] for i in range(len(contexts))]


def table_importance(graph: ProgramGraph) -> dict[str, float]:
    """How central a table is: 1 + foreign keys pointing at it + log2(1 + accesses)."""
    incoming: Counter[str] = Counter()
    for table in graph.tables.values():
        for fk in table.foreign_keys:
            if fk.ref_table != table.name:
                incoming[fk.ref_table] += 1
    accesses: Counter[str] = Counter(a.table for a in graph.accesses)
    return {t: 1.0 + incoming[t] + math.log2(1 + accesses[t]) for t in graph.tables}


def _words_of_tables(tables: list[str], importance: dict[str, float],
                     pairs: bool = False) -> Counter[str]:
    """First words of the table names (``order_line`` → ``order``), or with ``pairs`` their
    first two words (``product-variant``) for when the first is taken. The most frequent
    word wins; among equally frequent ones the more central table (``teams`` over
    ``field_entries``)."""
    counts: Counter[str] = Counter()
    for t in tables:
        words = [w for w in split_identifier(t) if len(w) >= 3 and w not in LAYER_WORDS]
        weight = 1.0 + importance.get(t, 1.0) / 1000
        if pairs and len(words) >= 2:
            counts[f"{words[0]}-{words[1]}"] += weight
        elif words and not pairs:
            counts[words[0]] += weight
    return counts


def _words_of_modules(graph: ProgramGraph, units: list[str]) -> Counter[str]:
    roots = {m.split(".", 1)[0] for m in graph.modules}
    counts: Counter[str] = Counter()  # weighted by lines
    last_word: dict[str, str | None] = {}  # module -> its last non-layer word
    for u in units:
        unit = graph.units[u]
        word = last_word.get(unit.module, "")
        if word == "":
            parts = [p for p in unit.module.split(".") if p not in roots]
            words = [w for p in parts for w in split_identifier(p)
                     if len(w) >= 3 and w not in LAYER_WORDS]
            word = last_word[unit.module] = words[-1] if words else None
        if word is not None:
            counts[word] += unit.lines
        elif unit.kind != "module":
            own = [w for w in split_identifier(u.rsplit(".", 1)[-1])
                   if len(w) >= 3 and w not in LAYER_WORDS]
            if own:
                counts[own[0]] += unit.lines
    return counts


def _fallback(graph: ProgramGraph, units: list[str], tables: list[str],
              used: set[str], importance: dict[str, float]) -> Naming:
    for source, counts in (("tables", _words_of_tables(tables, importance)),
                           ("tables", _words_of_tables(tables, importance, pairs=True)),
                           ("modules", _words_of_modules(graph, units))):
        ranked = [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        for word in ranked:
            if slug(word) not in used:
                what = ", ".join(sorted(tables, key=lambda t: (-importance.get(t, 1.0), t))[
                    :4]) if source == "tables" else "its modules"
                return Naming(name=slug(word), domain=None,
                              reason=f"no README domain matched; named after {what}")
        if len(ranked) >= 2:
            combo = slug(f"{ranked[0]}-{ranked[1]}")
            if combo not in used:
                return Naming(name=combo, domain=None,
                              reason=f"no README domain matched; named after its {source}")
    base = slug(units[0].rsplit(".", 1)[-1]) if units else "service"
    name, n = base, 2
    while name in used:
        name, n = f"{base}-{n}", n + 1
    return Naming(name=name, domain=None, reason="no domain, table or module word was free")
