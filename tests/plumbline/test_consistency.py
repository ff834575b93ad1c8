"""Tests for plumbline.consistency: matching rules, the score, the report shape.

Plain pytest and hypothesis; no database. A brute-force reference matcher at the bottom
states the matching rules directly, and hypothesis checks the fast matcher against it.
"""

import json
import pickle
import re
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import snowballstemmer
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from plumbline import consistency
from plumbline.consistency import (
    BAND_NEEDS_ATTENTION,
    BAND_OFF_MESSAGE,
    BAND_ON_MESSAGE,
    COVERAGE_POINTS,
    DEPTH_MIN_PHRASES,
    DEPTH_POINTS,
    NEEDS_ATTENTION_MIN,
    ON_MESSAGE_MIN,
    SEVERITY_PENALTIES,
    GuardrailSpec,
    PillarSpec,
    Report,
    VersionSpec,
    band_for,
    check,
    compile_matcher,
    score_for,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "how-the-score-works.md"


def guardrail(phrase, severity="warning", preferred="better words", reason="because"):
    return GuardrailSpec(phrase, preferred, reason, severity)


def version(pillars=None, guardrails=(), number=1):
    if pillars is None:
        pillars = {"value": ["fair price", "cost plus"], "speed": ["fast setup", "live in a day"]}
    specs = tuple(PillarSpec(key, key.title(), tuple(phrases)) for key, phrases in pillars.items())
    return VersionSpec(number, specs, tuple(guardrails))


def hit_matches(text, *phrases):
    report = check(text, version(pillars={}, guardrails=[guardrail(p) for p in phrases]))
    for hit in report.guardrail_hits:
        assert text[hit.start : hit.end] == hit.match
    return [(hit.phrase, hit.match) for hit in report.guardrail_hits]


def evidence_of(text, pillars):
    report = check(text, version(pillars=pillars))
    for items in report.evidence.values():
        for item in items:
            assert text[item.start : item.end] == item.match
    return {
        key: [(item.phrase, item.match) for item in items] for key, items in report.evidence.items()
    }


# --- matching ------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["discount", "discounts", "Discounted", "DISCOUNTING"])
def test_inflections_match_the_phrase(word):
    assert hit_matches(f"We never {word} anything.", "discount") == [("discount", word)]


def test_inflected_phrase_matches_base_form():
    assert hit_matches("A discount today.", "discounted") == [("discounted", "discount")]


@pytest.mark.parametrize("text", ["priceless", "undiscounted", "repriced", "pricey", "price2"])
def test_only_whole_words_match(text):
    assert hit_matches(f"It is {text}.", "price", "discount") == []


def test_stemming_decides_derived_words():
    # Documented: "discountable" stems to "discount", so it counts.
    assert hit_matches("discountable", "discount") == [("discount", "discountable")]


def test_case_does_not_matter():
    found = hit_matches("PRICE MATCH and Price Match", "price match")
    assert found == [("price match", "PRICE MATCH"), ("price match", "Price Match")]


@pytest.mark.parametrize("phrase", ["cost plus", "cost-plus", "Cost - Plus"])
@pytest.mark.parametrize("text", ["cost plus", "cost-plus", "Cost-Plus", "cost‐plus"])
def test_hyphen_and_space_are_alike(phrase, text):
    assert hit_matches(f"Our {text} model", phrase) == [(phrase, text)]


@pytest.mark.parametrize(
    "gap", ["\n", "   ", "\r\n", "\t", " \n\n  ", "\xa0", "\u3000", " * ", ' "', " _ "]
)
def test_phrases_match_across_line_breaks_and_spaces(gap):
    text = f"We price{gap}match."
    assert hit_matches(text, "price match") == [("price match", f"price{gap}match")]


@pytest.mark.parametrize("gap", [". ", ", ", " — ", "/", " & ", "(", ": "])
def test_punctuation_stops_a_phrase(gap):
    assert hit_matches(f"price{gap}match", "price match") == []


@pytest.mark.parametrize("text", ["24/7", "(24/7).", "x,24/7,"])
def test_phrase_with_punctuation_needs_it_in_place(text):
    assert evidence_of(f"Support {text} here", {"care": ["24/7"]}) == {"care": [("24/7", "24/7")]}
    assert evidence_of("Support 24 7 here", {"care": ["24/7"]}) == {}


def test_punctuation_around_a_phrase_is_fine():
    found = hit_matches('("Price match!")', "price match")
    assert found == [("price match", "Price match")]


def test_comma_without_space_still_separates_words():
    assert hit_matches("fast,cheap,free", "cheap") == [("cheap", "cheap")]


def test_overlapping_guardrails_longest_wins():
    assert hit_matches("We price match.", "price", "price match") == [
        ("price match", "price match")
    ]
    assert hit_matches("Our price is fair.", "price", "price match") == [("price", "price")]


def test_overlapping_guardrails_leftmost_wins():
    found = hit_matches("price match point", "price match", "match point")
    assert found == [("price match", "price match")]


def test_pillar_phrase_containing_a_guardrail_counts_for_both():
    report = check(
        "A fair price for all.",
        version(pillars={"value": ["fair price"]}, guardrails=[guardrail("price")]),
    )
    assert [(h.phrase, h.match) for h in report.guardrail_hits] == [("price", "price")]
    assert [(e.phrase, e.match) for e in report.evidence["value"]] == [("fair price", "fair price")]


def test_pillars_claim_overlapping_words_independently():
    pillars = {"safe": ["data security"], "audit": ["security audit"]}
    assert evidence_of("A data security audit.", pillars) == {
        "safe": [("data security", "data security")],
        "audit": [("security audit", "security audit")],
    }


def test_overlap_within_one_pillar_keeps_the_longest():
    assert evidence_of("fast setup", {"speed": ["fast", "fast setup"]}) == {
        "speed": [("fast setup", "fast setup")]
    }


@pytest.mark.parametrize(
    ("phrase", "text"),
    [("customer’s choice", "customer's choice"), ("customer's choice", "Customer’s choice")],
)
def test_typographic_apostrophes_are_ascii_ones(phrase, text):
    assert evidence_of(text, {"choice": [phrase]}) == {"choice": [(phrase, text)]}


def test_typographic_quotes_are_ignored():
    assert hit_matches("It’s “free” forever", "free") == [("free", "free")]


@pytest.mark.parametrize("text", ["cafe", "café", "CAFÉ", "cafe\u0301", "Café"])
@pytest.mark.parametrize("phrase", ["café", "cafe"])
def test_accents_are_folded(phrase, text):
    assert evidence_of(f"Meet at the {text}.", {"place": [phrase]}) == {"place": [(phrase, text)]}


def test_spans_survive_characters_whose_lowercase_is_longer():
    # "İ".lower() and "ß".casefold() are longer than the original: offsets must not shift.
    text = "İİİ Straße ﬁne: we PRICE match, İstanbul price"
    found = hit_matches(text, "price match", "istanbul", "strasse")
    assert found == [
        ("strasse", "Straße"),
        ("price match", "PRICE match"),
        ("istanbul", "İstanbul"),
    ]


def test_spans_index_the_original_text():
    text = "  Fair\r\nprice,  cost-plus (24/7)  and\u3000a   fast\n\nsetup!  "
    pillars = {"value": ["fair price", "cost plus", "24/7"], "speed": ["fast setup"]}
    report = check(text, version(pillars=pillars))
    spans = [(e.match, e.start, e.end) for items in report.evidence.values() for e in items]
    assert spans == [
        ("Fair\r\nprice", 2, 13),
        ("cost-plus", 16, 25),
        ("24/7", 27, 31),
        ("fast\n\nsetup", 42, 53),
    ]


def test_empty_text():
    report = check("", version(guardrails=[guardrail("cheap")]), tagged=["value"])
    assert (report.score, report.band) == (0, BAND_OFF_MESSAGE)
    assert report.guardrail_hits == [] and report.evidence == {}
    assert report.tagged_not_told == ["value"]
    assert check("", version(pillars={})).score == 100  # nothing to tell, nothing to avoid


def test_texts_without_words():
    assert check("  \n — … !!", version()).to_dict()["pillars"]["evidence"] == {}


def test_version_without_any_phrase():
    report = check("anything at all", VersionSpec(1, (), ()))
    assert (report.score, report.guardrail_hits) == (100, [])


def test_a_100000_word_text_is_quick():
    sentence = "Our fair price beats any cheap offer, and setup is fast setup indeed. "
    text = sentence * 8_000  # 13 words x 8,000 ≈ 100,000 words
    started = time.perf_counter()
    report = check(text, version(guardrails=[guardrail("cheap")]), ["value", "speed"])
    elapsed = time.perf_counter() - started
    assert len(text.split()) > 100_000
    assert len(report.guardrail_hits) == 8_000
    assert len(report.evidence["value"]) == 8_000 and len(report.evidence["speed"]) == 8_000
    last = report.evidence["speed"][-1]
    assert text[last.start : last.end] == "fast setup" and last.end == len(text) - 9
    assert elapsed < 3.0, f"{elapsed:.2f} s"


def test_a_long_text_without_spaces_is_quick():
    text = "fair price,cheap;" * 30_000  # one "piece" of 90,000 words
    started = time.perf_counter()
    report = check(text, version(guardrails=[guardrail("cheap")]))
    elapsed = time.perf_counter() - started
    assert len(report.guardrail_hits) == len(report.evidence["value"]) == 30_000
    last = report.guardrail_hits[-1]
    assert (last.start, last.end, last.match) == (len(text) - 6, len(text) - 1, "cheap")
    assert elapsed < 3.0, f"{elapsed:.2f} s"


def test_phrases_without_words_are_ignored():
    report = check("a - b", version(pillars={"x": ["-", " "]}, guardrails=[guardrail("—")]))
    assert report.evidence == {} and report.guardrail_hits == []


def test_duplicate_phrases_in_a_pillar_count_once():
    pillars = {"value": ["discount", "discounts", "fair price"]}
    report = check("discount, discounts!", version(pillars=pillars), ["value"])
    assert [e.phrase for e in report.evidence["value"]] == ["discount", "discount"]
    assert report.score == COVERAGE_POINTS  # one distinct phrase, not two


# --- tagging and report shape --------------------------------------------------------------


def test_told_not_tagged_and_tagged_not_told_follow_version_order():
    pillars = {"a": ["alpha"], "b": ["beta"], "c": ["gamma"], "d": ["delta"]}
    report = check("delta, alpha and beta", version(pillars=pillars), tagged=["c", "b", "zzz"])
    assert list(report.evidence) == ["a", "b", "d"]
    assert report.told_not_tagged == ["a", "d"]
    assert report.tagged_not_told == ["c"]


def test_unknown_tagged_keys_are_ignored():
    tagged = check("fair price", version(), tagged=["value", "nope"])
    assert tagged.score == check("fair price", version(), tagged=["value"]).score
    assert tagged.tagged_not_told == []


def example_report():
    v = version(guardrails=[guardrail("cheap", "error", "good value", "sounds low-end")])
    return check("A fair price, cost plus, never cheap. Fast setup.", v, tagged=["value"])


def test_to_dict_has_exactly_the_agreed_shape():
    data = example_report().to_dict()
    assert set(data) == {"version", "score", "band", "guardrail_hits", "pillars"}
    assert set(data["pillars"]) == {"evidence", "told_not_tagged", "tagged_not_told"}
    required = {"phrase", "match", "start", "end", "preferred", "severity"}
    assert [set(hit) for hit in data["guardrail_hits"]] == [required | {"reason"}]
    for items in data["pillars"]["evidence"].values():
        assert all(set(item) == {"phrase", "match", "start", "end"} for item in items)
    assert data == {
        "version": 1,
        "score": 100 - SEVERITY_PENALTIES["error"],
        "band": BAND_NEEDS_ATTENTION,
        "guardrail_hits": [
            {
                "phrase": "cheap",
                "match": "cheap",
                "start": 31,
                "end": 36,
                "preferred": "good value",
                "severity": "error",
                "reason": "sounds low-end",
            }
        ],
        "pillars": {
            "evidence": {
                "value": [
                    {"phrase": "fair price", "match": "fair price", "start": 2, "end": 12},
                    {"phrase": "cost plus", "match": "cost plus", "start": 14, "end": 23},
                ],
                "speed": [{"phrase": "fast setup", "match": "Fast setup", "start": 38, "end": 48}],
            },
            "told_not_tagged": ["speed"],
            "tagged_not_told": [],
        },
    }


def test_from_dict_round_trips_through_json():
    report = example_report()
    stored = json.loads(json.dumps(report.to_dict()))
    assert Report.from_dict(stored) == report
    assert Report.from_dict(stored).to_dict() == stored


def test_from_dict_accepts_hits_without_a_reason():
    data = example_report().to_dict()
    del data["guardrail_hits"][0]["reason"]
    assert Report.from_dict(data).guardrail_hits[0].reason == ""


# --- score and bands -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, BAND_OFF_MESSAGE),
        (59, BAND_OFF_MESSAGE),
        (60, BAND_NEEDS_ATTENTION),
        (79, BAND_NEEDS_ATTENTION),
        (80, BAND_ON_MESSAGE),
        (100, BAND_ON_MESSAGE),
    ],
)
def test_band_boundaries(score, band):
    assert band_for(score) == band


def test_band_thresholds_are_the_agreed_ones():
    assert (ON_MESSAGE_MIN, NEEDS_ATTENTION_MIN) == (80, 60)


def test_telling_every_tagged_pillar_without_hits_is_on_message():
    report = check("A fair price. Fast setup.", version(), tagged=["value", "speed"])
    assert report.score == COVERAGE_POINTS and report.band == BAND_ON_MESSAGE


def test_depth_bonus_for_two_different_phrases():
    report = check("A fair price, cost plus.", version(), tagged=["value"])
    assert report.score == COVERAGE_POINTS + DEPTH_POINTS == 100


def test_one_error_drops_below_on_message_even_from_full_marks():
    v = version(guardrails=[guardrail("cheap", "error")])
    report = check("A fair price, cost plus, cheap.", v, tagged=["value"])
    assert report.score == 100 - SEVERITY_PENALTIES["error"] < ON_MESSAGE_MIN


def test_several_errors_are_off_message():
    v = version(guardrails=[guardrail("cheap", "error"), guardrail("free", "error")])
    report = check("A fair price, cost plus. Cheap! Free!", v, tagged=["value"])
    assert report.band == BAND_OFF_MESSAGE


@pytest.mark.parametrize(("severity", "cost"), [("suggestion", 3), ("warning", 10), ("error", 25)])
def test_each_hit_costs_its_severity(severity, cost):
    v = version(guardrails=[guardrail("cheap", severity)])
    report = check("Fair price, cost plus, cheap and cheap.", v, tagged=["value"])
    assert SEVERITY_PENALTIES[severity] == cost
    assert report.score == 100 - 2 * cost


def test_partial_coverage_is_shared_between_tagged_pillars():
    report = check("A fair price.", version(), tagged=["value", "speed"])
    assert report.score == round(COVERAGE_POINTS / 2 + 0.01)  # 42.5 rounds half up to 43


def test_untagged_text_is_scored_by_its_best_pillar():
    assert check("A fair price. Fast setup.", version()).score == COVERAGE_POINTS
    assert check("Fair price, cost plus.", version()).score == 100
    assert check("Nothing relevant.", version()).score == 0


def test_score_never_leaves_0_to_100():
    v = version(guardrails=[guardrail("cheap", "error")])
    assert check("cheap " * 10, v, ["value"]).score == 0
    assert (
        check("fair price cost plus", version(pillars={"v": ["fair price", "cost plus"]})).score
        == 100
    )


def test_unknown_severity_is_refused():
    with pytest.raises(ValueError, match="severity"):
        GuardrailSpec("cheap", "good value", "reason", "fatal")


def test_the_doc_explains_the_same_numbers():
    doc = DOC.read_text(encoding="utf-8")
    numbers = [COVERAGE_POINTS, DEPTH_POINTS, DEPTH_MIN_PHRASES, ON_MESSAGE_MIN]
    numbers += [NEEDS_ATTENTION_MIN, *SEVERITY_PENALTIES.values()]
    for number in numbers:
        assert re.search(rf"(?<![\d.]){number}(?![\d.])", doc), f"{number} missing from the doc"
    for severity in SEVERITY_PENALTIES:
        assert severity in doc.lower()


def test_the_worked_example_in_the_doc():
    pillars = {
        "fair-value": ["fair price", "cost plus", "no hidden fees"],
        "fast-start": ["fast setup", "live in a day"],
    }
    rules = [
        guardrail("cheap", "error", "affordable"),
        guardrail("guarantee"),
        guardrail("best", "suggestion"),
    ]
    v, tagged = version(pillars=pillars, guardrails=rules), list(pillars)
    text = (
        "Our cost-plus model means a fair price with no hidden fees. Most teams are live in a\n"
        "day, the best way to start."
    )
    assert " ".join(text.split()) in " ".join(
        DOC.read_text(encoding="utf-8").replace(">", "").split()
    )
    assert check(text, v, tagged).score == 90
    assert check(text + " A cheap plan.", v, tagged).score == 65
    assert check(text + " An affordable plan.", v, tagged).score == 90
    assert check(text.replace("the best way", "a fast setup"), v, tagged).score == 100


# --- matcher cache -------------------------------------------------------------------------


def test_matcher_is_compiled_once_per_version():
    first = compile_matcher(version(number=41))
    assert compile_matcher(version(number=41)) is first  # equal spec, same matcher
    assert compile_matcher(version(number=42)) is not first
    edited = version(pillars={"value": ["fair price", "honest price"]}, number=41)
    assert compile_matcher(edited) is not first


def test_version_spec_accepts_lists_and_pickles():
    spec = VersionSpec(3, [PillarSpec("v", "V", ["fair price"])], [guardrail("cheap")])
    assert spec == version(pillars={"v": ["fair price"]}, guardrails=[guardrail("cheap")], number=3)
    hash(spec)
    restored = pickle.loads(pickle.dumps(spec))  # noqa: S301 (our own bytes)
    assert "_hash" not in restored.__dict__ and restored == spec


def test_running_out_of_stem_numbers_renumbers_and_stays_correct(monkeypatch):
    text = "A fair price, a fast setup, a quiet harbour; never cheap."
    versions = [
        version(pillars={"v": ["fair price"]}, guardrails=[guardrail("cheap")], number=71),
        version(pillars={"w": ["zebra crossing", "fast setup"]}, number=72),
        version(pillars={"x": ["quiet harbour", "fair deal"]}, number=73),
    ]
    expected = [check(text, v).to_dict() for v in versions]
    # Room for 6 stems: any two of the versions together overflow it.
    monkeypatch.setattr(consistency, "_MAX_PHRASE_STEMS", 6)
    generation = consistency._vocabulary_generation
    compile_matcher.cache_clear()  # so that the versions are compiled again under the limit
    check(text, version(pillars={"new": ["renumbering sentinel"]}, number=75))  # a new stem
    for _ in range(3):
        assert [check(text, v).to_dict() for v in reversed(versions)] == expected[::-1]
        assert [check(text, v).to_dict() for v in versions] == expected
    assert consistency._vocabulary_generation > generation + 3


def test_a_version_with_more_words_than_numbers_is_refused(monkeypatch):
    monkeypatch.setattr(consistency, "_MAX_PHRASE_STEMS", 2)
    with pytest.raises(RuntimeError, match="more words"):
        check("text", version(pillars={"y": ["one two three"]}, number=74))


def test_checks_from_many_threads_agree_with_one_thread():
    v = version(guardrails=[guardrail("cheap"), guardrail("price match", "error")], number=76)
    texts = [
        f"Fair prices{n}, cost-plus{n} and fast setups; cheapest{n} price matching {n}." * 20
        for n in range(200)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda text: check(text, v, ["value"]).to_dict(), texts))
    assert threaded == [check(text, v, ["value"]).to_dict() for text in texts]


# --- properties ----------------------------------------------------------------------------

PILLAR_WORDS = {"value": ["fair price", "cost plus", "honest"], "speed": ["fast setup", "quick"]}
GUARDRAIL_WORDS = [
    ("cheap", "error"),
    ("free", "warning"),
    ("risk free", "error"),
    ("best", "suggestion"),
]
FILLER = ["we", "the", "offer", "team", "plans", "today", "and", "customers"]
PROPERTY_VERSION = version(
    pillars=PILLAR_WORDS, guardrails=[guardrail(p, s) for p, s in GUARDRAIL_WORDS], number=99
)
PHRASES = [p for phrases in PILLAR_WORDS.values() for p in phrases] + [
    p for p, _ in GUARDRAIL_WORDS
]

sentences = st.lists(
    st.lists(st.sampled_from(FILLER + PHRASES), min_size=1, max_size=8).map(" ".join),
    max_size=12,
).map(". ".join)
taggings = st.lists(st.sampled_from([*PILLAR_WORDS, "unknown"]), max_size=3)
quick = settings(max_examples=150, deadline=None)


@quick
@given(text=sentences, tagged=taggings, data=st.data())
def test_removing_a_guardrail_hit_never_lowers_the_score(text, tagged, data):
    before = check(text, PROPERTY_VERSION, tagged)
    assume(before.guardrail_hits)
    hit = data.draw(st.sampled_from(before.guardrail_hits))
    # Replace the hit with a full stop, so its neighbours cannot join into a new phrase.
    after = check(text[: hit.start] + "." + text[hit.end :], PROPERTY_VERSION, tagged)
    assert len(after.guardrail_hits) == len(before.guardrail_hits) - 1
    assert after.score >= before.score


@quick
@given(text=sentences, tagged=taggings, data=st.data())
def test_more_evidence_for_a_tagged_pillar_never_lowers_the_score(text, tagged, data):
    known = [key for key in tagged if key in PILLAR_WORDS]
    assume(known)
    phrase = data.draw(st.sampled_from(PILLAR_WORDS[data.draw(st.sampled_from(known))]))
    before = check(text, PROPERTY_VERSION, tagged)
    after = check(f"{text}. {phrase}", PROPERTY_VERSION, tagged)
    assert after.score >= before.score
    assert after.guardrail_hits == before.guardrail_hits


@quick
@given(text=st.text(max_size=300), tagged=taggings)
def test_any_text_gets_a_score_in_range_and_valid_spans(text, tagged):
    report = check(text, PROPERTY_VERSION, tagged)
    assert 0 <= report.score <= 100
    assert report.band == band_for(report.score)
    spans = [*report.guardrail_hits, *(e for items in report.evidence.values() for e in items)]
    assert all(text[item.start : item.end] == item.match for item in spans)


counts = st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(0, 4))
severities = st.lists(st.sampled_from(list(SEVERITY_PENALTIES)), max_size=6)


@given(counts, st.lists(st.sampled_from(["a", "b", "c", "x"])), severities, st.data())
def test_score_formula_is_monotonic(counts, tagged, hits, data):
    keys = ["a", "b", "c"]
    score = score_for(keys, counts, tagged, hits)
    assert 0 <= score <= 100
    if hits:
        fewer = list(hits)
        del fewer[data.draw(st.integers(0, len(hits) - 1))]
        assert score_for(keys, counts, tagged, fewer) >= score
    more = dict(counts)
    key = data.draw(st.sampled_from(keys))
    more[key] = more.get(key, 0) + 1
    assert score_for(keys, more, tagged, hits) >= score


# --- the fast matcher against a brute-force statement of the rules -------------------------

_stemmer = snowballstemmer.stemmer("english")
WORD_OR_PUNCTUATION = consistency.TOKEN_PATTERN


def reference_stem(word):
    folded = word.casefold().replace("’", "'").replace("‘", "'")
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    return _stemmer.stemWord(folded)


def reference_words(text):
    """(stem, start, end, punctuation since the previous word) for every word of a text."""
    words, punctuation = [], False
    for match in WORD_OR_PUNCTUATION.finditer(text):
        if match.group(1) is None:
            punctuation = True
        else:
            words.append((reference_stem(match.group()), match.start(), match.end(), punctuation))
            punctuation = False
    return words


def reference_matches(words, phrases):
    """Leftmost-longest matches of phrases (made of words only) in a list of words."""
    found = []
    for phrase in phrases:
        stems = [stem for stem, *_ in reference_words(phrase)]
        for i in range(len(words) - len(stems) + 1):
            window = words[i : i + len(stems)]
            if [w[0] for w in window] == stems and not any(w[3] for w in window[1:]):
                found.append((window[0][1], window[-1][2], phrase))
    kept, taken_until = [], -1
    for start, end, phrase in sorted(found, key=lambda m: (m[0], -m[1])):
        if start >= taken_until:
            kept.append((phrase, start, end))
            taken_until = end
    return kept


def first_of_each_meaning(phrases):
    by_stems = {}
    for phrase in phrases:
        by_stems.setdefault(tuple(w[0] for w in reference_words(phrase)), phrase)
    return [p for stems, p in by_stems.items() if stems]


POOL = ["price", "price match", "match", "cost plus", "cost-plus plan", "customer’s choice",
        "café", "fast setup", "setup", "set up", "straße", "İstanbul", "plan", "discount",
        "risk free", "free"]  # fmt: skip
PIECES = ["price", "Prices", "PRICING", "match", "matched", "cost", "plus", "plans", "customer's",
          "customer’s", "choice", "café", "CAFE", "cafe\u0301", "fast", "setup", "set", "up",
          "strasse", "Straße", "istanbul", "İstanbul", "discount", "undiscounted", "priceless",
          "risk", "free", "the", "we", " ", " ", " ", "  ", "\n", "\r\n", "-", " - ", "\t",
          "\u3000", "\xa0", '"', "“", "”", "*", "_", "'", ",", ".", ", ", ". ", "/", " — ", "&",
          "(", ")", "…", "\x01", "\x02", "\x03", "24/7"]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pieces=st.lists(st.sampled_from(PIECES), max_size=60),
    rules=st.lists(st.sampled_from(POOL), max_size=5, unique=True),
    told=st.lists(st.lists(st.sampled_from(POOL), max_size=4, unique=True), max_size=3),
)
def test_fast_matcher_agrees_with_the_rules(pieces, rules, told):
    text = "".join(pieces)
    pillars = {f"p{n}": phrases for n, phrases in enumerate(told)}
    report = check(text, version(pillars=pillars, guardrails=[guardrail(p) for p in rules]))
    words = reference_words(text)
    assert [(h.phrase, h.start, h.end) for h in report.guardrail_hits] == reference_matches(
        words, first_of_each_meaning(rules)
    )
    expected = {
        key: reference_matches(words, first_of_each_meaning(p)) for key, p in pillars.items()
    }
    actual = {
        key: [(e.phrase, e.start, e.end) for e in items] for key, items in report.evidence.items()
    }
    assert actual == {key: found for key, found in expected.items() if found}
