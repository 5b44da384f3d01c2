"""Tests for bot.texts.buttons: button data is parsed strictly, as untrusted input."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.texts.buttons import _SHAPES, MAX_CALLBACK_BYTES, Callback, build, parse

VALID: list[tuple[str, dict[str, str]]] = [
    ("cs:y", {"answer": "y"}),
    ("cs:n", {"answer": "n"}),
    ("in:field:skip", {"key": "field", "option": "skip"}),
    ("in:help:cv", {"key": "help", "option": "cv"}),
    ("in:capacity:3", {"key": "capacity", "option": "3"}),
    ("in:" + "k" * 16 + ":" + "o_9" * 5 + "x", {"key": "k" * 16, "option": "o_9" * 5 + "x"}),
    ("pf:mentor:motivation", {"role": "mentor", "key": "motivation"}),
    ("pf:adept:languages", {"role": "adept", "key": "languages"}),
    ("lg:nb", {"language": "nb"}),
    ("lg:en", {"language": "en"}),
    ("lw:en", {"language": "en"}),
    ("iv:mentor:1", {"role": "mentor", "programme": "1"}),
    ("iv:adept:42", {"role": "adept", "programme": "42"}),
    ("iv:coordinator:9999999999", {"role": "coordinator", "programme": "9999999999"}),
    ("pp:7", {"programme": "7"}),
    ("pm:7:123456789012", {"programme": "7", "mentor": "123456789012"}),
    ("pa:7:8:9", {"programme": "7", "mentor": "8", "adept": "9"}),
    (
        "pa:9999999999:999999999999:999999999999",
        {"programme": "9999999999", "mentor": "999999999999", "adept": "999999999999"},
    ),
    ("st:1", {"pair": "1"}),
    ("st:999999999999", {"pair": "999999999999"}),
    ("gl:5:cv", {"pair": "5", "option": "cv"}),
    ("gl:999999999999:" + "g" * 16, {"pair": "999999999999", "option": "g" * 16}),
    ("gl:5:x2", {"pair": "5", "option": "x2"}),
    ("rp:3:17", {"pair": "3", "coordinator": "17"}),
    ("tc:y", {"answer": "y"}),
    ("tc:n", {"answer": "n"}),
    (
        "ex:5:start:often:monthly",
        {"pair": "5", "round": "start", "key": "often", "option": "monthly"},
    ),
    (
        "ex:999999999999:recheck:" + "k" * 16 + ":" + "o" * 20,
        {"pair": "999999999999", "round": "recheck", "key": "k" * 16, "option": "o" * 20},
    ),
    ("ag:12", {"pair": "12"}),
    ("np:3:date", {"pair": "3", "choice": "date"}),
    ("np:3:later", {"pair": "3", "choice": "later"}),
    ("pl:3:20260305", {"pair": "3", "day": "20260305"}),
    ("pc:44:y", {"planned": "44", "answer": "y"}),
    ("ml:3:q:today", {"pair": "3", "step": "q", "value": "today"}),
    ("ml:3:w:other", {"pair": "3", "step": "w", "value": "other"}),
    ("ml:3:m:120", {"pair": "3", "step": "m", "value": "120"}),
    ("mg:41:2", {"meeting": "41", "goal": "2"}),
    ("hm:9:y", {"planned": "9", "answer": "y"}),
    ("mc:9:d", {"meeting": "9", "answer": "d"}),
    ("cp:3:5", {"pair": "3", "score": "5"}),
    ("ck:8:gd:0", {"check_in": "8", "step": "gd", "value": "0"}),
    ("pz:3:61", {"pair": "3", "days": "61"}),
    ("pr:status:3", {"command": "status", "pair": "3"}),
    ("al:17:snooze", {"alert": "17", "action": "snooze"}),
    ("cm:3:both", {"pair": "3", "to": "both"}),
    ("dm:y", {"answer": "y"}),
    ("pg:2", {"page": "2"}),
    ("ev:3:g1:4", {"pair": "3", "step": "g1", "value": "4"}),
    ("ev:3:ot:skip", {"pair": "3", "step": "ot", "value": "skip"}),
    ("mp:7", {"programme": "7"}),
    ("mt:a:7:8:9", {"action": "a", "programme": "7", "mentor": "8", "adept": "9"}),
    ("mt:n:1:22:333", {"action": "n", "programme": "1", "mentor": "22", "adept": "333"}),
    ("gi:5:y", {"gathering": "5", "answer": "y"}),
    ("gi:5:n", {"gathering": "5", "answer": "n"}),
    ("gw:p:3", {"step": "p", "value": "3"}),
    ("gw:a:mentors", {"step": "a", "value": "mentors"}),
    ("gw:ok:0", {"step": "ok", "value": "0"}),
    ("gc:5:c", {"gathering": "5", "step": "c"}),
    ("gc:5:y", {"gathering": "5", "step": "y"}),
    ("gc:999999999999:n", {"gathering": "999999999999", "step": "n"}),
    ("sg:wn:0", {"key": "wn", "value": "0"}),
    ("sg:wn:1", {"key": "wn", "value": "1"}),
    ("ps:3:v:0", {"programme": "3", "step": "v", "value": "0"}),
    ("ps:3:c:every_other_month", {"programme": "3", "step": "c", "value": "every_other_month"}),
    ("ps:3:g:wed-14", {"programme": "3", "step": "g", "value": "wed-14"}),
]

# The longest data each shape can carry, built from its patterns' upper bounds.
LONGEST = {
    "cs": "cs:y",
    "in": "in:" + "k" * 16 + ":" + "o" * 16,
    "pf": "pf:mentor:" + "k" * 16,
    "lg": "lg:nb",
    "lw": "lw:nb",
    "iv": "iv:coordinator:" + "9" * 10,
    "pp": "pp:" + "9" * 10,
    "pm": "pm:" + "9" * 10 + ":" + "9" * 12,
    "pa": "pa:" + "9" * 10 + ":" + "9" * 12 + ":" + "9" * 12,
    "st": "st:" + "9" * 12,
    "gl": "gl:" + "9" * 12 + ":" + "o" * 16,
    "ex": "ex:" + "9" * 12 + ":recheck:" + "k" * 16 + ":" + "o" * 20,
    "ag": "ag:" + "9" * 12,
    "rp": "rp:" + "9" * 12 + ":" + "9" * 12,
    "tc": "tc:y",
    "ev": "ev:" + "9" * 12 + ":g99:internship",
    "np": "np:" + "9" * 12 + ":later",
    "pl": "pl:" + "9" * 12 + ":" + "9" * 8,
    "pc": "pc:" + "9" * 12 + ":y",
    "ml": "ml:" + "9" * 12 + ":q:today",
    "mg": "mg:" + "9" * 12 + ":99",
    "hm": "hm:" + "9" * 12 + ":y",
    "mc": "mc:" + "9" * 12 + ":y",
    "cp": "cp:" + "9" * 12 + ":5",
    "ck": "ck:" + "9" * 12 + ":gd:" + "9" * 2,
    "pz": "pz:" + "9" * 12 + ":" + "9" * 3,
    "pr": "pr:status:" + "9" * 12,
    "al": "al:" + "9" * 12 + ":resolve",
    "cm": "cm:" + "9" * 12 + ":mentor",
    "dm": "dm:n",
    "pg": "pg:" + "9" * 4,
    "mp": "mp:" + "9" * 10,
    "mt": "mt:o:" + "9" * 10 + ":" + "9" * 12 + ":" + "9" * 12,
    "gi": "gi:" + "9" * 12 + ":y",
    "gw": "gw:ok:" + "9" * 10,
    "gc": "gc:" + "9" * 12 + ":y",
    "sg": "sg:wn:1",
    "ps": "ps:" + "9" * 10 + ":c:" + "v" * 20,
}


def test_every_shape_has_a_valid_example() -> None:
    assert {data.split(":", 1)[0] for data, _ in VALID} == set(_SHAPES)


@pytest.mark.parametrize(("data", "values"), VALID)
def test_parse_valid_data(data: str, values: dict[str, str]) -> None:
    parsed = parse(data)
    assert parsed == Callback(data.split(":", 1)[0], values)


@pytest.mark.parametrize(("data", "values"), VALID)
def test_build_round_trips(data: str, values: dict[str, str]) -> None:
    action = data.split(":", 1)[0]
    built = build(action, *values.values())
    assert built == data
    assert parse(built) == Callback(action, values)


def test_build_accepts_ints() -> None:
    assert build("pa", 1, 22, 333) == "pa:1:22:333"
    parsed = parse(build("pm", 5, 6))
    assert parsed is not None
    assert (parsed.int("programme"), parsed.int("mentor")) == (5, 6)


def test_int_of_a_non_number_field_raises() -> None:
    parsed = parse("pf:adept:help")
    assert parsed is not None
    with pytest.raises(ValueError):
        parsed.int("key")
    with pytest.raises(KeyError):
        parsed.int("programme")


def test_every_shape_has_a_longest_example() -> None:
    assert set(LONGEST) == set(_SHAPES)


@pytest.mark.parametrize(("action", "longest"), sorted(LONGEST.items()))
def test_longest_data_of_each_shape_fits_telegram_limit(action: str, longest: str) -> None:
    parsed = parse(longest)
    assert parsed is not None and parsed.action == action
    assert len(longest.encode()) <= MAX_CALLBACK_BYTES
    # One more character in any field no longer fits the shape.
    for index, char in enumerate(longest):
        if char != ":" and (index + 1 == len(longest) or longest[index + 1] == ":"):
            assert parse(longest[: index + 1] + char + longest[index + 1 :]) is None


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        ":",
        "cs",
        "cs:",
        "cs:yes",
        "cs:Y",
        "xx:1",
        "CS:y",
        "lg:de",
        "lg:nb:en",
        "lg:NB",
        "lw:ar",
        "pp:",
        "pp:abc",
        "pp:-1",
        "pp:+1",
        "pp:1.0",
        "pp:1e3",
        "pp: 1",
        "pp:1 ",
        "pp:12345678901",  # more than 10 digits
        "pm:1",
        "pm:1:2:3",
        "pa:1:2",
        "pa:1:2:3:4",
        "pa:1:2:x",
        "pa:1::3",
        "in:../x:y",
        "in:field:../../etc",
        "in:Field:skip",
        "in:field:Skip",
        "in:field:",
        "in:" + "k" * 17 + ":x",
        "in:k:" + "o" * 17,
        "in:field:skip:extra",
        "pf:coordinator:field",
        "pf:mentor:field:x",
        "iv:admin:1",
        "ps:1:z:0",
        "ps:1:c:Monthly",
        "ps:1:c:",
        "ps:1:g:wed 14",
        "ps:x:v:0",
        "ps:1:v",
        "iv:mentor:",
        "iv:mentor:1;DROP TABLE person",
        "iv:mentor:1' OR '1'='1",
        "st:",
        "st:1:2",
        "st:" + "9" * 13,
        "gl:1",
        "gl:1:CV",
        "gl:1:c1",
        "gl:1:x12",
        "rp:1",
        "rp:1:x",
        "tc:yes",
        "ex:1:start:often",
        "ex:1:later:often:monthly",
        "ex:x:start:often:monthly",
        "ex:1:start:often:monthly:x",
        "ag:",
        "ag:abc",
        "gc:5",
        "gc:5:x",
        "gc:5:Y",
        "gc:5:yes",
        "gc::y",
        "gc:-5:y",
        "gc:" + "9" * 13 + ":y",
        "gc:5:y:1",
        "cs:y\x00",
        " cs:y",
        "pp:1\r",
    ],
)
def test_parse_rejects_what_we_did_not_make(data: str | None) -> None:
    assert parse(data) is None


def test_parse_rejects_more_than_64_bytes() -> None:
    assert parse("in:" + "a" * 16 + ":" + "b" * 16) is not None
    too_long = "pp:1" + "0" * (MAX_CALLBACK_BYTES - 3)
    assert len(too_long.encode()) > MAX_CALLBACK_BYTES
    assert parse(too_long) is None
    assert parse("cs:y" + " " * MAX_CALLBACK_BYTES) is None


@pytest.mark.parametrize(
    ("action", "values"),
    [
        ("zz", ("1",)),
        ("cs", ("maybe",)),
        ("cs", ()),
        ("lg", ("de",)),
        ("pa", (1, 2)),
        ("pa", (1, 2, 3, 4)),
        ("pp", ("x",)),
        ("pp", (-1,)),
        ("pp", (10**10,)),
        ("in", ("field", "Not_Ok")),
        ("in", ("k" * 17, "x")),
        ("iv", ("admin", 1)),
        ("pm", (1, "2:3")),
    ],
)
def test_build_rejects_data_that_does_not_fit(action: str, values: tuple[object, ...]) -> None:
    with pytest.raises(ValueError, match="does not fit"):
        build(action, *values)


@pytest.mark.parametrize("data", ["cs:y\n", "pp:1\n", "pa:1:2:3\n", "lg:en\n"])
def test_parse_rejects_trailing_newline(data: str) -> None:
    assert parse(data) is None


@pytest.mark.parametrize("data", ["pp:١٢", "pm:١:٢", "iv:mentor:２"])
def test_parse_accepts_only_ascii_digits(data: str) -> None:
    assert parse(data) is None


# Inputs near the real shapes, so the properties reach the patterns' interesting edges.
_near_valid = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda action, rest: f"{action}:{rest}",
        st.sampled_from([*_SHAPES, "xx", ""]),
        st.text(alphabet="0123456789abcdnoy_:-\n ./١", max_size=70),
    ),
    *(st.from_regex(pattern) for pattern in _SHAPES.values()),
)


@given(_near_valid)
@example("pa:1:2:3:4")
@example("é" * 40)
def test_parse_never_raises_and_accepts_only_short_known_data(data: str) -> None:
    parsed = parse(data)
    if parsed is not None:
        assert len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES
        assert parsed.action in _SHAPES
        assert data.startswith(parsed.action + ":")
        assert all(parsed.values.values())


@given(_near_valid)
@example("cs:y\n")
def test_accepted_data_rebuilds_to_itself(data: str) -> None:
    parsed = parse(data)
    if parsed is not None:
        assert build(parsed.action, *parsed.values.values()) == data
