"""Domains stage: business domain words from the README (or ``--domains FILE`` /
``settings.domains``) that seed and name the bounded contexts.

Entry point: ``domains(text, source=..., explicit=...) -> DomainVocabulary``. A domain is a
noun the README presents as a part of the business — a short heading, the lead term of a
bullet (``- **Orders**: ...``) or a bold term — weighted by where and how often it occurs,
with the words of its description as related vocabulary ("addresses" under *Users*).
:class:`DomainMatcher` matches identifiers against them: snake_case/CamelCase splitting,
singular/plural, a light stemmer (``shipping``/``ship``, ``reporting``/``report``) and a
small built-in synonym table of common commerce/SaaS terms (:data:`SYNONYMS`). The README
drives which domains exist; the synonyms only widen how identifiers are recognised.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from analyzer.model.graph import Domain, DomainVocabulary

#: Built-in synonyms of common commerce/SaaS terms → the canonical concept they match.
#: Only used to *recognise* identifiers; a concept becomes a domain only when the README
#: (or --domains, or settings.domains) names it.
SYNONYMS: dict[str, str] = {
    "order": "order",
    "payment": "payment", "pay": "payment",
    "shipping": "shipping", "shipment": "shipping", "ship": "shipping",
    "delivery": "shipping", "carrier": "shipping", "parcel": "shipping",
    "notification": "notification", "notify": "notification", "notifier": "notification",
    "inventory": "inventory", "stock": "inventory", "warehouse": "inventory",
    "user": "user", "account": "user", "auth": "user", "authentication": "user",
    "login": "user", "signup": "user",
    "catalog": "catalog", "catalogue": "catalog", "product": "catalog",
    "category": "catalog",
}

def _words(text: str) -> list[str]:
    return text.split()


_IRREGULAR_PLURALS = {
    "addresses": "address", "statuses": "status", "people": "person", "children": "child",
    "analyses": "analysis", "indices": "index", "data": "data", "news": "news",
    "series": "series", "species": "species",
}

# English function words and very common verbs/adjectives: never domain words.
_STOPWORDS = frozenset(_words("""
a about above after again against all also an and any are as at be because been before
being below between both but by can could did do does doing done down during each either
etc every few for from further get gets got had has have having he her here hers him his
how i if in into is it its itself just less let like make makes many may me more most
much must my no nor not now of off on once one only or other our ours out over own per
same see she should so some such than that the their them then there these they this
those through to too two under until up upon us use used uses using very via was way we
well were what when where which while who whom why will with within without would yet you
your new old first last next also always never often still already may might shall
each both either neither whose whom into onto can't don't won't isn't it's you're we're
simple simply easy quickly fast slow small large big good great best better real really
thing things something anything everything nothing lot lots kind part parts set sets
example examples e.g i.e note notes see also run runs running start starts work works
working want wants need needs needed keep keeps kept take takes taken give gives given
know known show shows shown call calls called find finds found look looks write writes
written read reads same different own other another able
"""))

# README headings and words that describe the project, not the business.
_GENERIC = frozenset(_words("""
readme introduction overview about features feature installation install installing
image images screenshot screenshots logo badge badges demo preview license
setup usage requirements requirement dependencies dependency configuration config
configuring settings setting development develop developing developer developers
contributing contribution contributions contributors contributor license licence
licensing copyright changelog changes roadmap faq support help documentation docs doc
quickstart quick started getting tutorial tutorials guide guides demo demos testing test
tests deployment deploy deploying production running build building local locally
environment variables variable credits authors author acknowledgements acknowledgments
thanks sponsors sponsor community contact table contents project projects application
applications app apps code codebase repository repo source sources package packages
module modules library libraries framework frameworks tool tools system systems platform
service services microservice microservices domain domains management manager business
layer layers structure architecture design pattern patterns model models database
databases table tables schema schemas migration migrations data api apis rest endpoint
endpoints http https url urls route routes server servers client clients web website
site page pages admin administration dashboard interface interfaces ui frontend backend
version versions release releases update updates upgrade command commands script scripts
file files folder folders directory directories line lines user-facing monolith
everything handling processing handle handles logic function functions class classes
method methods object objects instance instances core common shared base utils util
helpers helper misc general main index default defaults option options support
"""))

# Technology names: a README mentions them, they never name a business domain.
_TECH = frozenset(_words("""
python django flask fastapi sqlalchemy alembic celery redis rabbitmq postgres postgresql
mysql sqlite mongodb docker compose kubernetes k8s helm nginx gunicorn uvicorn graphql
graphene react vue angular javascript typescript node npm yarn pip poetry pytest tox
github gitlab travis jenkins aws gcp azure heroku linux macos windows json yaml toml xml
html css jinja jinja2 pydantic asyncio asyncpg psycopg aiohttp starlette openapi swagger
jwt oauth oauth2 saml ldap sentry prometheus grafana elasticsearch kafka grpc protobuf
webpack babel eslint black ruff mypy flake8 sphinx mkdocs markdown
"""))

# Verbs of operations (they are in every domain's function names) and past participles
# never make a domain's related vocabulary: only nouns should pull identifiers.
_VERBS = frozenset(_words("""
create creates update updates delete deletes remove removes add adds list lists cancel
cancels send sends mark marks check checks commit commits release releases reserve
reserves close closes open opens pay buy buys sell sells search searches browse browses
register registers manage manages go goes correct corrects arrive arrives ship ships
notify notifies confirm confirms receive receives gives give look looks
"""))

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_HEADING_MD = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")
_BULLET = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])\s+(?:\*\*|__|`)?([A-Za-z][A-Za-z &/,'-]{1,48}?)(?:\*\*|__|`)?"
    r"\s*(?::|—|–|\s-\s|\.\s)\s*(.*)$")
_BOLD = re.compile(r"(?:\*\*|__)([A-Za-z][A-Za-z &/-]{1,40}?)[.:]?(?:\*\*|__)")
# A section with such a heading lists the business domains; when one exists, only its
# terms are domains (the rest of a README is setup, API conventions, ...).
_DOMAIN_SECTION = re.compile(r"domain|bounded|context|business|capabilit", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*_(\"])")

# Where a domain word is found decides how sure we are it names a part of the business.
_WEIGHT_HEADING = 3.0
_WEIGHT_BULLET = 3.0
_WEIGHT_BOLD = 2.0
_WEIGHT_MENTION = 0.25  # per further mention in prose, capped below
_MENTION_CAP = 2.0
_FALLBACK_MIN_COUNT = 2  # prose-only READMEs: a noun must recur to count
_FALLBACK_LIMIT = 15
_RELATED_LIMIT = 20


def split_identifier(name: str) -> list[str]:
    """``OrderItem`` / ``order_items`` / ``shop.services.orders`` → lower-case words."""
    # _CAMEL matches only ASCII letters and digits and its look-ahead never crosses another
    # character, so one pass over the whole name gives the words of every part
    return [w.lower() for w in _CAMEL.findall(name)]


def singular(word: str) -> str:
    """A plural English noun in singular form (good enough for identifiers)."""
    w = word.lower()
    if w in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[w]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zes")):
        return w[:-2]
    if w.endswith(("ss", "us", "is", "os")) or len(w) <= 3:
        return w
    if w.endswith("s"):
        return w[:-1]
    return w


def stem(word: str) -> str:
    """The matching key of a word: singular, synonyms resolved, ``-ing`` and final ``e``
    dropped (``Orders`` → ``order``, ``shipments`` → ``shipping``, ``pricing``/``price``
    → ``pric``)."""
    w = singular(word)
    if w in SYNONYMS:
        return SYNONYMS[w]
    if w.endswith("ing") and len(w) > 6:
        w = w[:-3]
        if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":
            w = w[:-1]
        if w in SYNONYMS:
            return SYNONYMS[w]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return SYNONYMS.get(w, w)


def identifier_stems(name: str) -> list[str]:
    return [stem(w) for w in split_identifier(name) if len(w) >= 3 and not w.isdigit()]


def _is_candidate(word: str) -> bool:
    w = word.lower()
    return (len(w) >= 3 and w.isalpha() and w not in _STOPWORDS and w not in _GENERIC
            and w not in _TECH and singular(w) not in _GENERIC and w not in LAYER_WORDS)


@dataclass(slots=True)
class _Candidate:
    display: str
    weight: float
    description: str
    line: int


def domains(text: str | None, *, source: str | None = None,
            explicit: list[str] | None = None) -> DomainVocabulary:
    """Domain words from a README-like ``text``; ``explicit`` words (settings.domains)
    replace the README's choice of domains but still take descriptions from it."""
    vocab = DomainVocabulary(source=source)
    plain = _strip_markup(text or "")
    sections = _sections(plain)
    candidates: dict[str, _Candidate] = {}
    if explicit:
        for word in explicit:
            key = stem(word)
            candidates.setdefault(key, _Candidate(word.strip().lower(), _WEIGHT_HEADING, "", 0))
    else:
        _structured_candidates(sections, candidates)
        if not candidates:
            _prose_candidates(plain, candidates)
    mentions = Counter(stem(w) for w in _WORD.findall(plain) if _is_candidate(w))
    concepts = set(candidates)
    descriptions = {key: cand.description or _sentences_mentioning(plain, key)
                    for key, cand in candidates.items()}
    related_of: dict[str, Counter[str]] = {}
    for key, description in descriptions.items():
        related_of[key] = Counter(
            stem(w) for w in _WORD.findall(description)
            if _is_candidate(w) and w.lower() not in _VERBS and not w.lower().endswith("ed")
            and stem(w) not in concepts and len(stem(w)) >= 3)
    # a word in the description of several domains ("customer") tells them apart less
    spread = Counter(w for counts in related_of.values() for w in counts)
    for key, cand in sorted(candidates.items()):
        scored = {w: c / spread[w] for w, c in related_of[key].items()}
        top = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:_RELATED_LIMIT]
        peak = top[0][1] if top else 1.0
        weight = cand.weight + min(_MENTION_CAP, _WEIGHT_MENTION * max(0, mentions[key] - 1))
        vocab.domains.append(Domain(
            name=cand.display, concept=key, weight=round(weight, 3),
            description=_first_sentences(descriptions[key], 2),
            related={w: round(c / peak, 3) for w, c in sorted(top)},
        ))
    vocab.domains.sort(key=lambda d: (-d.weight, d.name))
    return vocab


def _strip_markup(text: str) -> str:
    out: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced or line.startswith("    ") and not line.strip().startswith(("-", "*")):
            continue
        stripped = line.strip()
        if stripped.startswith(("..", ":")) or stripped.startswith("|") and \
                stripped.endswith("|"):
            continue  # reStructuredText directives/fields, substitutions, tables
        line = re.sub(r"<[^>]+>", " ", line)
        line = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", line)  # images
        line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)  # links keep their text
        line = re.sub(r"https?://\S+", " ", line)
        out.append(line)
    return "\n".join(out)


_Section = tuple[str | None, int, int, list[str]]


def _sections(text: str) -> list[_Section]:
    """(heading, level, line number, body lines) in document order; the preamble has
    heading None. reStructuredText headings count as level 2."""
    lines = text.splitlines()
    sections: list[_Section] = [(None, 0, 0, [])]
    i = 0
    while i < len(lines):
        line = lines[i]
        md = _HEADING_MD.match(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if md:
            sections.append((md.group(2).strip(), len(md.group(1)), i + 1, []))
        elif line.strip() and _RST_UNDERLINE.match(nxt) and len(nxt.strip()) >= len(
                line.strip()) - 1:
            sections.append((line.strip(), 2, i + 1, []))
            i += 1
        elif not _RST_UNDERLINE.match(line):
            sections[-1][3].append(line)
        i += 1
    return sections


def _lead_words(term: str) -> list[str]:
    """Domain words of a heading/bullet lead: ``Catalog & inventory`` → both; ``Order
    management`` → ``order``; a long phrase is not a domain name."""
    parts = re.split(r"\s*(?:&|/|,|\band\b|\bor\b)\s*", term.strip().strip("*_`:"))
    words: list[str] = []
    for part in parts:
        tokens = [t for t in part.split() if t]
        if not tokens or len(tokens) > 3:
            continue
        kept = [t for t in tokens if _is_candidate(t)]
        if len(kept) == 1:
            words.append(kept[0].lower())
    return words


def _domain_sections(sections: list[_Section]) -> list[_Section]:
    """The sections that list the domains (and their subsections), else all of them."""
    chosen: list[_Section] = []
    level = 0
    for section in sections:
        heading, lvl = section[0], section[1]
        if level and heading is not None and lvl <= level:
            level = 0
        if level:
            chosen.append(section)
        elif heading is not None and _DOMAIN_SECTION.search(heading):
            level = lvl
            chosen.append((None, lvl, section[2], section[3]))  # not its own heading
    return chosen or sections


def _structured_candidates(sections: list[_Section], out: dict[str, _Candidate]) -> None:
    def add(word: str, weight: float, description: str, line: int) -> None:
        key = stem(word)
        cand = out.get(key)
        if cand is None:
            out[key] = _Candidate(word, weight, description, line)
        else:
            cand.weight = max(cand.weight, weight)
            if not cand.description and description:
                cand.description = description

    for heading, _level, line, body in _domain_sections(sections):
        paragraphs = _paragraphs(body)
        if heading:
            for word in _lead_words(heading):
                add(word, _WEIGHT_HEADING, " ".join(paragraphs[:1]), line)
        for offset, text in enumerate(body):
            bullet = _BULLET.match(text)
            if bullet:
                for word in _lead_words(bullet.group(1)):
                    add(word, _WEIGHT_BULLET, bullet.group(2).strip(), line + offset + 1)
        for para in paragraphs:
            if _BULLET.match(para):
                continue
            for bold in _BOLD.finditer(para):
                # a bold lead opens a paragraph about it; a bold word inside one is a mention
                lead = bold.start() == 0
                description = para[bold.end():].strip() if lead else _sentence_with(
                    para, bold.group(1))
                for word in _lead_words(bold.group(1)):
                    add(word, _WEIGHT_BULLET if lead else _WEIGHT_BOLD, description, line)


def _prose_candidates(text: str, out: dict[str, _Candidate]) -> None:
    counts: Counter[str] = Counter()
    display: dict[str, str] = {}
    for word in _WORD.findall(text):
        lower = word.lower()
        if _is_candidate(word) and lower not in _VERBS and not lower.endswith(("ed", "ing")):
            key = stem(word)
            counts[key] += 1
            display.setdefault(key, word.lower())
    for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if count < _FALLBACK_MIN_COUNT or len(out) >= _FALLBACK_LIMIT:
            break
        out[key] = _Candidate(display[key], min(_WEIGHT_BOLD, 0.5 * count), "", 0)


def _paragraphs(lines: list[str]) -> list[str]:
    paras: list[str] = []
    cur: list[str] = []
    for line in lines:
        if line.strip():
            cur.append(line.strip())
        elif cur:
            paras.append(" ".join(cur))
            cur = []
    if cur:
        paras.append(" ".join(cur))
    return paras


def _sentence_with(text: str, term: str) -> str:
    for sentence in _SENTENCE.split(text):
        if term in sentence:
            return sentence.strip()
    return text.strip()


def _sentences_mentioning(text: str, key: str) -> str:
    found: list[str] = []
    for para in _paragraphs(text.splitlines()):
        for sentence in _SENTENCE.split(para):
            if any(stem(w) == key for w in _WORD.findall(sentence)):
                found.append(sentence.strip())
            if len(found) >= 2:
                return " ".join(found)
    return " ".join(found)


def _first_sentences(text: str, count: int) -> str:
    clean = re.sub(r"[*_`]+", "", " ".join(text.split()))
    return " ".join(_SENTENCE.split(clean)[:count]).strip()


#: Words that name a layer or a technical role, not a business domain: they never make a
#: domain and are skipped when module paths are matched or services named.
LAYER_WORDS = frozenset(_words("""
models model views view services service api apis routes route routers router handlers
handler schemas schema serializers serializer utils util helpers helper core common base
app apps db database crud repositories repository repo controllers controller endpoints
endpoint resources resource forms form tasks task signals signal managers manager mixins
mixin types type graphql mutations mutation queries query resolvers resolver dataloaders
dataloader tests test migrations migration templatetags management commands command init
main config settings conf exceptions exception errors error admin backends backend
interfaces interface abstract abstracts impl internal lib libs src pkg package shared
misc tools tool extensions extension plugins plugin web http rest json defaults constants
dashboard dashboards data corelib
enums enum decorators middleware middlewares permissions permission validators filters
sorters search storage storages wsgi asgi urls url templates template static contrib
"""))


class DomainMatcher:
    """Scores identifiers (units, tables, modules) against the domains. The first word of
    a compound name is its qualifier (``OrderItem``, ``payment_refunds``) and counts 1.0,
    later words 0.6; a word of a domain's description counts up to 0.3."""

    RELATED_WEIGHT = 0.3
    LATER_WORD = 0.6

    def __init__(self, vocab: DomainVocabulary) -> None:
        self.domains = list(vocab.domains)
        self._concept = {d.concept: d.name for d in self.domains}
        self._related: dict[str, list[tuple[str, float]]] = {}
        for d in self.domains:
            for word, w in d.related.items():
                if word not in self._concept:
                    self._related.setdefault(word, []).append((d.name, w))
        self._cache: dict[tuple[str, bool], dict[str, float]] = {}
        self._stems: dict[str, str] = {}  # word -> stem: identifiers repeat their words
        # results of callers that score composite things (a unit with its module path)
        self.memo: dict[tuple[str, str, bool], dict[str, float]] = {}
        # module -> the non-empty scores of its path's words (shared by all its units)
        self.module_memo: dict[tuple[str, bool], list[dict[str, float]]] = {}
        self.module_evidence: dict[tuple[str, bool], dict[str, float]] = {}

    def score(self, name: str, *, related: bool = True) -> dict[str, float]:
        """Domain name → match strength of identifier ``name`` (empty when none); with
        ``related=False`` only the domains' own words count (what names a service)."""
        hit = self._cache.get((name, related))
        if hit is not None:
            return hit
        if not self.domains:
            return {}
        # both variants in one pass over the words: every name is asked for both
        own: dict[str, float] = {}
        out: dict[str, float] = {}
        stems = self._stems
        position = 0
        for word in split_identifier(name):
            if len(word) < 3 or word.isdigit() or word in LAYER_WORDS:
                continue
            s = stems.get(word)
            if s is None:
                s = stems[word] = stem(word)
            pos = 1.0 if position == 0 else self.LATER_WORD
            position += 1
            dom = self._concept.get(s)
            if dom is not None:
                own[dom] = own.get(dom, 0.0) + pos
                out[dom] = out.get(dom, 0.0) + pos
                continue
            for dname, w in self._related.get(s, ()):
                out[dname] = out.get(dname, 0.0) + self.RELATED_WEIGHT * w * pos
        self._cache[(name, False)] = own
        self._cache[(name, True)] = out
        return out if related else own
