"""The consistency checker: how well a text tells the plumb line, and what it should avoid.

Pure Python (no Django, no database). ``check(text, version, tagged)`` returns a Report.

Matching. Texts and phrases are normalised the same way, so "Discounted" matches "discount":

* A text is split into pieces at spaces; line breaks, tabs, hyphens, underscores, double
  quotes and "*" count as spaces, so "cost-plus", "cost plus" and "cost\n  plus" are alike.
  Words are runs of letters and digits, with inner apostrophes ("customer's"). Any other
  character is punctuation, which a phrase never runs across ("cost. Plus" is not "cost
  plus") unless the phrase has it in the same place ("24/7").
* A word is case-folded, its accents dropped ("café" = "cafe"), typographic apostrophes
  made ASCII, then reduced to its Snowball English stem ("discounts", "discounted",
  "discounting" → "discount"). Words are compared whole: "priceless" is not "price" and
  "undiscounted" is not "discount", but "discountable" is "discount". Stemming can merge
  unrelated words ("customer" and "custom").
* Overlaps: within one list (the guardrails, or one pillar's key phrases) the leftmost
  match wins and, of matches starting at the same word, the longest; matches it overlaps
  are dropped. With guardrails "price" and "price match", "price match" is one hit, for
  "price match". Lists are independent: a key phrase containing a guardrail phrase is
  evidence for its pillar *and* a guardrail hit.

Speed. Splitting at spaces is C-speed ``str.split``, and pieces sit exactly one character
apart, so offsets are only worked out for matches. Each piece maps (cached) to one code
character per word (stem number plus punctuation flags), phrases are code strings too, and
a regex character class finds the few places where a phrase can start.

Score: ``coverage - penalties``, rounded half up and clamped to 0..100. For the tagged
pillars T (unknown keys ignored)::

    coverage = (COVERAGE_POINTS * told + DEPTH_POINTS * deep) / len(T)

``told`` counts pillars of T with at least one key phrase in the text, ``deep`` those
with DEPTH_MIN_PHRASES or more different ones. Each guardrail hit costs
SEVERITY_PENALTIES[severity]. Nothing tagged: scored as if tagged with the pillar the text
tells best (no pillar told: no coverage). A version without pillars gives full coverage.
band_for: ON_MESSAGE_MIN and up is on message, NEEDS_ATTENTION_MIN and up needs attention.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import snowballstemmer

COVERAGE_POINTS = 85
DEPTH_POINTS = 15
DEPTH_MIN_PHRASES = 2
SEVERITY_SUGGESTION = "suggestion"
SEVERITY_WARNING = "warning"
SEVERITY_ERROR = "error"
SEVERITY_PENALTIES = {SEVERITY_SUGGESTION: 3, SEVERITY_WARNING: 10, SEVERITY_ERROR: 25}

BAND_ON_MESSAGE = "on_message"
BAND_NEEDS_ATTENTION = "needs_attention"
BAND_OFF_MESSAGE = "off_message"
BANDS = (BAND_ON_MESSAGE, BAND_NEEDS_ATTENTION, BAND_OFF_MESSAGE)
ON_MESSAGE_MIN = 80
NEEDS_ATTENTION_MIN = 60

MATCHER_CACHE_SIZE = 64

_WORD_CHAR = r"(?:[^\W_]|[\u0300-\u036f])"  # letters and digits, plus combining accents
TOKEN_PATTERN = re.compile(
    rf"({_WORD_CHAR}+(?:['’‘]{_WORD_CHAR}+)*)"  # a word, apostrophes inside it allowed
    # Any other character that is not a separator is punctuation, one character at a time.
    r"|[^\w\s\u0300-\u036f'\"“”‘’„«»*\-‐‑]"
)
# Separators turned into spaces before a text is split into pieces at spaces, only for
# speed: TOKEN_PATTERN skips them anyway, but as spaces they make pieces shorter and more
# repetitive (better cached). Always one character for one, so offsets do not move.
_SEPARATORS = ("\n", "\r", "\t", "\xa0", "-", "_", '"', "“", "”", "*", "‐", "‑")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})

# A piece of text becomes one code per word: a character that stands for the word's stem
# plus two flags. Stems are numbered only if some phrase uses them; every other word is
# stem 0. Each word after the first in a piece ("7" in "24/7") is preceded by JOIN. Pieces
# without words become BREAK (punctuation only: "—", "&"), which no phrase crosses, or
# SKIP (nothing: the "" between two spaces). Phrases step over SKIP and JOIN.
_BEFORE = 1  # punctuation right before the word: "(cost"
_AFTER = 2  # punctuation right after it: "plus,"
# Codes stay below the surrogates: regex character classes of such characters are
# bitmaps, while classes of higher characters are searched one member at a time.
_CODE_BASE = 0x1000
_STEMS_PER_FLAGS = 0x3000  # 4 flag combinations x 0x3000 end at 0xD000
_MAX_PHRASE_STEMS = _STEMS_PER_FLAGS - 1  # then the numbering starts again (see _stem_id)
_BREAK = "\x01"
_SKIP = "\x02"
_JOIN = "\x03"
_STEPPED_OVER = f"[{_SKIP}{_JOIN}]"
_NOT_STEPPED_OVER = re.compile(f"[^{_SKIP}{_JOIN}]")
_CACHE_MAX_ENTRIES = 100_000  # for each of the text caches below
_PIECE_CACHE_MAX_LEN = 40  # longer pieces (text without spaces) rarely repeat

_stemmer = snowballstemmer.stemmer("english")
_stem_ids: dict[str, int] = {}  # stems of phrases of any version compiled so far
# Text caches: word → stem number, piece → codes, piece → word spans. A new phrase stem
# makes them stale (a word coded 0 may now be that stem), so they are emptied and their
# generation moves on; a piece learnt meanwhile is not stored.
_word_ids: dict[str, int] = {}
_piece_codes: dict[str, str] = {"": _SKIP}
_piece_spans: dict[str, tuple[tuple[int, int], ...]] = {}
_text_generation = 0
_vocabulary_generation = 0  # moves on when stems are numbered afresh; matchers go stale
# The Snowball stemmer keeps state between calls, so stemming and numbering take turns.
_vocabulary_lock = threading.Lock()


@dataclass(frozen=True)
class PillarSpec:
    key: str
    title: str
    key_phrases: tuple[str, ...]

    def __post_init__(self) -> None:
        # Callers may pass lists; tuples keep the spec hashable for the matcher cache.
        object.__setattr__(self, "key_phrases", tuple(self.key_phrases))


@dataclass(frozen=True)
class GuardrailSpec:
    phrase: str
    preferred: str
    reason: str
    severity: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_PENALTIES:
            raise ValueError(f"unknown guardrail severity {self.severity!r}")


@dataclass(frozen=True)
class VersionSpec:
    number: int
    pillars: tuple[PillarSpec, ...]
    guardrails: tuple[GuardrailSpec, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "pillars", tuple(self.pillars))
        object.__setattr__(self, "guardrails", tuple(self.guardrails))

    def __hash__(self) -> int:
        return self._hash

    @functools.cached_property
    def _hash(self) -> int:
        # check() hashes the version on every call to find its matcher, and walking every
        # phrase of a big plumb line takes ~30 µs, so that is done once.
        return hash((self.number, self.pillars, self.guardrails))

    def __getstate__(self) -> dict[str, Any]:
        # String hashes differ from one process to the next: never pickle the cached one.
        return {name: value for name, value in self.__dict__.items() if name != "_hash"}


# Not frozen: slots make the many hits of a long text cheap to build.
@dataclass(slots=True)
class GuardrailHit:
    phrase: str
    match: str
    start: int
    end: int
    preferred: str
    severity: str
    reason: str


@dataclass(slots=True)
class Evidence:
    phrase: str
    match: str
    start: int
    end: int


@dataclass
class Report:
    version: int
    score: int
    band: str
    guardrail_hits: list[GuardrailHit]
    evidence: dict[str, list[Evidence]]  # pillar key → matches, only pillars with some
    told_not_tagged: list[str]
    tagged_not_told: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "score": self.score,
            "band": self.band,
            "guardrail_hits": [asdict(hit) for hit in self.guardrail_hits],
            "pillars": {
                "evidence": {
                    key: [asdict(item) for item in items] for key, items in self.evidence.items()
                },
                "told_not_tagged": list(self.told_not_tagged),
                "tagged_not_told": list(self.tagged_not_told),
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        pillars = data["pillars"]
        return cls(
            version=data["version"],
            score=data["score"],
            band=data["band"],
            # "reason" is not part of the required shape, so older reports may lack it.
            guardrail_hits=[
                GuardrailHit(**{"reason": "", **hit}) for hit in data["guardrail_hits"]
            ],
            evidence={
                key: [Evidence(**item) for item in items]
                for key, items in pillars["evidence"].items()
            },
            told_not_tagged=list(pillars["told_not_tagged"]),
            tagged_not_told=list(pillars["tagged_not_told"]),
        )


def band_for(score: int) -> str:
    if score >= ON_MESSAGE_MIN:
        return BAND_ON_MESSAGE
    if score >= NEEDS_ATTENTION_MIN:
        return BAND_NEEDS_ATTENTION
    return BAND_OFF_MESSAGE


def score_for(
    pillar_keys: Sequence[str],
    distinct_phrases: Mapping[str, int],
    tagged: Iterable[str],
    severities: Iterable[str],
) -> int:
    """The score formula (see the module docstring) on its own, without any text.

    ``distinct_phrases`` maps a pillar key to how many different key phrases of it the text
    uses; ``severities`` has one entry per guardrail hit.
    """
    penalty = sum(SEVERITY_PENALTIES[severity] for severity in severities)
    if not pillar_keys:
        told = deep = claimed = 1
    else:
        counts = [distinct_phrases.get(key, 0) for key in _known(tagged, pillar_keys)]
        if not counts:
            # Nothing tagged: judge the text by the pillar it tells best.
            counts = [max((distinct_phrases.get(key, 0) for key in pillar_keys), default=0)]
        claimed = len(counts)
        told = sum(1 for count in counts if count >= 1)
        deep = sum(1 for count in counts if count >= DEPTH_MIN_PHRASES)
    # Integer arithmetic, rounding halves up: exact, so the score is reproducible.
    numerator = COVERAGE_POINTS * told + DEPTH_POINTS * deep - penalty * claimed
    return max(0, min(100, (2 * numerator + claimed) // (2 * claimed)))


def _known(tagged: Iterable[str], pillar_keys: Sequence[str]) -> list[str]:
    wanted = set(tagged)
    return [key for key in pillar_keys if key in wanted]


def _normalize(word: str) -> str:
    folded = word.casefold()
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded.translate(_APOSTROPHES))
        folded = "".join(char for char in folded if not unicodedata.combining(char))
    return _stemmer.stemWord(folded)


def _code(stem_id: int, flags: int) -> str:
    return chr(_CODE_BASE + flags * _STEMS_PER_FLAGS + stem_id)


def _stem_id(word: str, *, from_phrase: bool) -> int:
    if not from_phrase:
        known = _word_ids.get(word)
        if known is not None:
            return known
    global _vocabulary_generation
    with _vocabulary_lock:
        stem = _normalize(word)
        stem_id = _stem_ids.get(stem, 0)
        if from_phrase and not stem_id:
            if len(_stem_ids) >= _MAX_PHRASE_STEMS:
                # Only after thousands of distinct phrase words: number them afresh, and
                # let every matcher be rebuilt (see Matcher.__init__ and check).
                _stem_ids.clear()
                _vocabulary_generation += 1
                compile_matcher.cache_clear()
            stem_id = _stem_ids[stem] = len(_stem_ids) + 1
            _forget_texts()
        elif not from_phrase:
            if len(_word_ids) >= _CACHE_MAX_ENTRIES:
                _word_ids.clear()
            _word_ids[word] = stem_id
    return stem_id


def _forget_texts() -> None:
    """Empty the text caches; the caller holds _vocabulary_lock."""
    global _text_generation
    _text_generation += 1
    for cache in _word_ids, _piece_codes, _piece_spans:
        cache.clear()
    _piece_codes[""] = _SKIP


def _spaced(text: str) -> str:
    for separator in _SEPARATORS:
        text = text.replace(separator, " ")
    return text


def _piece_words(piece: str, *, from_phrase: bool = False) -> list[list[int]]:
    """[stem number, flags, start, end] for each word of a piece."""
    words: list[list[int]] = []
    flags = 0
    for match in TOKEN_PATTERN.finditer(piece):
        word = match.group(1)
        if word is None:  # punctuation separates the words on either side of it
            if words:
                words[-1][1] |= _AFTER
            flags = _BEFORE
        else:
            words.append([_stem_id(word, from_phrase=from_phrase), flags, *match.span()])
            flags = 0
    return words


def _piece_code(piece: str, words: list[list[int]]) -> str:
    if words:
        return _JOIN.join(_code(stem_id, flags) for stem_id, flags, _, _ in words)
    return _BREAK if TOKEN_PATTERN.search(piece) else _SKIP


def _learn_piece(piece: str) -> str:
    generation = _text_generation
    words = _piece_words(piece)
    codes = _piece_code(piece, words)
    if len(piece) <= _PIECE_CACHE_MAX_LEN:
        with _vocabulary_lock:
            if generation == _text_generation:
                if len(_piece_codes) >= _CACHE_MAX_ENTRIES:
                    _forget_texts()
                _piece_codes[piece] = codes
                _piece_spans[piece] = tuple((start, end) for _, _, start, end in words)
    return codes


def _encode(pieces: list[str]) -> str:
    try:
        return "".join(map(_piece_codes.__getitem__, pieces))  # common: all pieces seen before
    except KeyError:
        get = _piece_codes.get
        return "".join(
            [
                codes if (codes := get(piece)) is not None else _learn_piece(piece)
                for piece in pieces
            ]
        )


def _word_spans(piece: str) -> tuple[tuple[int, int], ...]:
    return tuple((start, end) for _, _, start, end in _piece_words(piece))


def _phrase_patterns(phrase: str) -> list[str]:
    """The code strings that match a phrase; the first one is the phrase as written.

    The others allow punctuation before its first word and after its last, as in
    "(cost plus)"; inside the phrase, punctuation must be where the phrase has it.
    Phrases are split and coded exactly as texts are.
    """
    pieces = _spaced(phrase).split(" ")
    codes = "".join(_piece_code(piece, _piece_words(piece, from_phrase=True)) for piece in pieces)
    codes = codes.replace(_SKIP, "").replace(_JOIN, "").strip(_BREAK)
    if not codes:
        return []
    patterns = [codes, _flagged(codes[0], _BEFORE) + codes[1:]]
    patterns += [pattern[:-1] + _flagged(pattern[-1], _AFTER) for pattern in patterns]
    return list(dict.fromkeys(patterns))


def _flagged(code: str, flags: int) -> str:
    old_flags, stem_id = divmod(ord(code) - _CODE_BASE, _STEMS_PER_FLAGS)
    return _code(stem_id, old_flags | flags)


class Matcher:
    """The phrases of one version, indexed by the codes of their first two words.

    pyahocorasick was the first choice, but it finds a character's transition by scanning
    the node's children one by one: with a realistic plumb line the root has hundreds, and
    a 1,000-word text took ~120 µs. Here a regex character class (a bitmap test per word)
    finds the words that can start a phrase, and only those are looked at.
    """

    def __init__(self, version: VersionSpec) -> None:
        self.version = version
        for _ in range(2):  # once more if stems were numbered afresh meanwhile
            self.generation = _vocabulary_generation
            self._compile(version)
            if self.generation == _vocabulary_generation:
                return
        raise RuntimeError(f"version {version.number} has more words than can be numbered")

    def _compile(self, version: VersionSpec) -> None:
        # Code string → [guardrail or None, [(pillar key, phrase), ...]].
        entries: dict[str, list[Any]] = {}
        for guardrail in version.guardrails:
            for pattern in _phrase_patterns(guardrail.phrase):
                entry = entries.setdefault(pattern, [None, []])
                if entry[0] is None:  # the first guardrail for a phrase wins
                    entry[0] = guardrail
        for pillar in version.pillars:
            seen: set[str] = set()  # so "discount" and "discounts" in one pillar count once
            for phrase in pillar.key_phrases:
                patterns = _phrase_patterns(phrase)
                if patterns and patterns[0] not in seen:
                    seen.add(patterns[0])
                    for pattern in patterns:
                        entries.setdefault(pattern, [None, []])[1].append((pillar.key, phrase))
        # First code → [one-word entry or None, {second code: [(pattern, entry), ...]}].
        self._index: dict[str, list[Any]] = {}
        for pattern, entry in entries.items():
            slot = self._index.setdefault(pattern[0], [None, {}])
            if len(pattern) == 1:
                slot[0] = tuple(entry)
            else:
                slot[1].setdefault(pattern[1], []).append((pattern, tuple(entry)))
        if self._index:
            self._starts = re.compile("[" + "".join(map(re.escape, sorted(self._index))) + "]")

    def find(self, codes: str) -> tuple[list[tuple], list[tuple]]:
        """Guardrail and pillar matches in a code string, as (first word, last word, what).

        ``what`` is the GuardrailSpec, or (pillar key, phrase). Overlaps are settled within
        the guardrails and within each pillar, never between them.
        """
        if not self._index:
            return [], []
        found: list[tuple[int, int, tuple]] = []
        steps = _SKIP in codes or _JOIN in codes
        for start in self._starts.finditer(codes):
            first = start.start()
            one_word, longer = self._index[start.group()]
            if one_word is not None:
                found.append((first, first, one_word))
            if longer:
                after = first + 1
                if steps and codes[after : after + 1] in (_SKIP, _JOIN):
                    following = _NOT_STEPPED_OVER.search(codes, after)
                    after = following.start() if following else len(codes)
                for pattern, entry in longer.get(codes[after : after + 1], ()):
                    if codes.startswith(pattern, first):
                        found.append((first, first + len(pattern) - 1, entry))
                    elif steps and (match := _stepping(pattern).match(codes, first)):
                        found.append((first, match.end() - 1, entry))
        return _leftmost_longest(found)


@functools.lru_cache(maxsize=4096)
def _stepping(pattern: str) -> re.Pattern[str]:
    """The pattern, also matching with SKIPs and JOINs between its words."""
    return re.compile(f"{_STEPPED_OVER}*".join(map(re.escape, pattern)))


def _leftmost_longest(found: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """Settle overlaps in each list: the earliest match wins, the longest if they tie.

    ``found`` is in order of first word, which makes one pass enough: a match either
    starts after the last one kept for its list, or replaces it if it starts at the same
    word and ends later.
    """
    rules: list[tuple] = []
    told: list[tuple] = []
    kept: dict[str, int] = {}  # pillar key → index in `told` of its last match kept
    for first, last, (guardrail, claims) in found:
        if guardrail is not None:
            if not rules or first > rules[-1][1]:
                rules.append((first, last, guardrail))
            elif first == rules[-1][0] and last > rules[-1][1]:
                rules[-1] = (first, last, guardrail)
        for claim in claims:
            index = kept.get(claim[0])
            if index is None or first > told[index][1]:
                kept[claim[0]] = len(told)
                told.append((first, last, claim))
            elif first == told[index][0] and last > told[index][1]:
                told[index] = (first, last, claim)
    return rules, told


@functools.lru_cache(maxsize=MATCHER_CACHE_SIZE)
def compile_matcher(version: VersionSpec) -> Matcher:
    return Matcher(version)


def _locate(pieces: list[str], codes: str, matches: list[tuple]) -> list[tuple[int, int]]:
    """The (start, end) text offsets of (first word, last word, ...) matches.

    A piece has one code, plus a JOIN and a code for each word after its first; pieces are
    one space apart. Words are visited in order, so every count runs forward only once.
    """
    joined = len(codes) != len(pieces)
    spans: dict[int, tuple[int, int]] = {}  # word → its span in the text
    offset = previous = 0  # where piece number `previous` starts
    joins = counted = 0  # JOINs in codes[:counted]
    joins_before = -1  # JOINs before the first code of piece `previous`
    word_spans: tuple[tuple[int, int], ...] = ()
    for word in sorted({word for match in matches for word in (match[0], match[1])}):
        piece = word
        if joined:
            joins += codes.count(_JOIN, counted, word)
            counted = word
            piece -= 2 * joins
        if piece != previous or joins_before < 0:
            offset += sum(map(len, pieces[previous:piece])) + (piece - previous)
            previous = piece
            within = 0  # how many words of the piece come before this one
            while word > 2 * within and codes[word - 2 * within - 1] == _JOIN:
                within += 1
            joins_before = joins - within
            text = pieces[piece]
            word_spans = _piece_spans.get(text) or _word_spans(text)
        start, end = word_spans[joins - joins_before]
        spans[word] = (offset + start, offset + end)
    return [(spans[first][0], spans[last][1]) for first, last, _ in matches]


def check(text: str, version: VersionSpec, tagged: Iterable[str] = ()) -> Report:
    """Check a text against a plumb line version; ``tagged`` are the pillar keys it claims."""
    matcher = compile_matcher(version)
    pieces = _spaced(text).split(" ")
    codes = _encode(pieces)
    if matcher.generation != _vocabulary_generation:  # stems were numbered afresh
        compile_matcher.cache_clear()
        return check(text, version, tagged)
    guardrail_matches, pillar_matches = matcher.find(codes)

    hits: list[GuardrailHit] = []
    evidence: dict[str, list[Evidence]] = {}
    if guardrail_matches or pillar_matches:
        spans = _locate(pieces, codes, guardrail_matches + pillar_matches)
        rule_spans, told_spans = spans[: len(guardrail_matches)], spans[len(guardrail_matches) :]
        for (_, _, rule), (start, end) in zip(guardrail_matches, rule_spans, strict=True):
            match = text[start:end]
            hits.append(
                GuardrailHit(
                    rule.phrase, match, start, end, rule.preferred, rule.severity, rule.reason
                )
            )
        for (_, _, (key, phrase)), (start, end) in zip(pillar_matches, told_spans, strict=True):
            evidence.setdefault(key, []).append(Evidence(phrase, text[start:end], start, end))

    pillar_keys = [pillar.key for pillar in version.pillars]
    evidence = {key: evidence[key] for key in pillar_keys if key in evidence}  # version order
    tagged_keys = set(_known(tagged, pillar_keys))
    score = score_for(
        pillar_keys,
        {key: len({item.phrase for item in items}) for key, items in evidence.items()},
        tagged_keys,
        [hit.severity for hit in hits],
    )
    return Report(
        version=version.number,
        score=score,
        band=band_for(score),
        guardrail_hits=hits,
        evidence=evidence,
        told_not_tagged=[key for key in evidence if key not in tagged_keys],
        tagged_not_told=[key for key in pillar_keys if key in tagged_keys and key not in evidence],
    )
