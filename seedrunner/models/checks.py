"""CHECK constraints -> bounds, lengths and choices: only what can be read safely.

A CHECK is SQL text as the database gives it back (PostgreSQL adds casts and rewrites ``IN``
as ``= ANY (ARRAY[...])``, MariaDB quotes names with backticks and lowercases keywords).
``parse_check`` tokenizes it, drops casts and splits it into top-level ``AND`` conjuncts;
every conjunct is a condition each row must meet on its own, so the ones understood can be
applied and the rest ignored.  An ``OR`` at the top level makes the whole expression unsafe
to split: nothing is taken from it.  Understood conjuncts::

    col >= 0 | 0 < col | col BETWEEN a AND b | col IN ('a', 'b') | col = 'a'
    col = ANY (ARRAY['a', 'b']) | length(col) <= 20 | json_valid(col)
    col ~ 'regex' | col ~* 'regex'   (PostgreSQL; POSIX classes such as [:alpha:] translated)

A domain's CHECK names its value ``VALUE``; ``parse_check`` reads it like any column name.

Parsing never raises: anything else yields no facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar, cast

Op = Literal[">=", ">", "<=", "<", "="]
_T = TypeVar("_T")


@dataclass(frozen=True)
class Bound:
    """``column op value`` for a numeric value (the column on the left)."""

    column: str
    op: Op
    value: int | Decimal


@dataclass(frozen=True)
class Length:
    """``length(column) op value``."""

    column: str
    op: Op
    value: int


@dataclass(frozen=True)
class Choices:
    """``column IN (values)``."""

    column: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class JsonValid:
    """``json_valid(column)``: MariaDB's mark of a JSON column stored as LONGTEXT."""

    column: str


@dataclass(frozen=True)
class Pattern:
    """``column ~ 'regex'``: the regex in Python's syntax (case-insensitive for ``~*``)."""

    column: str
    regex: str


Fact = Bound | Length | Choices | JsonValid | Pattern


_Kind = Literal["str", "num", "id", "word", "op", "punct", "cast"]


@dataclass(frozen=True)
class _Tok:
    kind: _Kind
    text: str

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


_TOKEN = re.compile(
    r"""\s+
    | (?P<str>'(?:[^']|'')*')
    | (?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)
    | (?P<id>"(?:[^"]|"")+"|`(?:[^`]|``)+`)
    | (?P<cast>::)
    | (?P<op><>|!=|>=|<=|=|<|>|-|\+|!?~\*?)
    | (?P<punct>[(),\[\]])
    | (?P<word>[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)*)
    """,
    re.VERBOSE,
)
_KEYWORDS = frozenset(
    {"AND", "OR", "NOT", "IN", "BETWEEN", "ANY", "ALL", "ARRAY", "IS", "NULL", "TRUE", "FALSE"}
    | {"LIKE", "ILIKE", "CASE", "WHEN"}
)
# A cast of the *column* to one of these keeps its values (PostgreSQL writes
# ``(status)::text = ANY (...)`` for a varchar); any other cast of a column (``x::integer``
# rounds) makes the conjunct unreadable.
_TEXT_TYPES = frozenset(
    {"TEXT", "VARCHAR", "CHARACTER VARYING", "CHAR", "CHARACTER", "BPCHAR", "NAME", "CITEXT"}
)
# Words that continue a multi-word type name after a cast: ``::double precision``.
_TYPE_WORDS = frozenset({"PRECISION", "VARYING", "WITH", "WITHOUT", "TIME", "ZONE"})
_LENGTH_FUNCTIONS = frozenset({"LENGTH", "CHAR_LENGTH", "CHARACTER_LENGTH"})
_FLIP: dict[str, Op] = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "=": "="}


class _Unparsed(Exception):
    """Not an expression this module reads."""


def parse_check(sql: str) -> list[Fact]:
    """Facts every row must satisfy under the CHECK ``sql``; [] for what is not understood."""
    try:
        tokens = _fold_casts(_tokenize(sql))
    except _Unparsed:
        return []
    facts: list[Fact] = []
    for conjunct in _conjuncts(tokens):
        try:
            facts += _predicate(conjunct)
        except (_Unparsed, IndexError):
            continue
    return facts


def _tokenize(sql: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(sql):
        m = _TOKEN.match(sql, pos)
        if m is None:
            raise _Unparsed(sql[pos:])
        pos = m.end()
        if m.lastgroup is not None:
            tokens.append(_Tok(cast(_Kind, m.lastgroup), m.group()))
    return tokens


def _fold_casts(tokens: list[_Tok]) -> list[_Tok]:
    """Fold ``::type`` into one ``cast`` token whose text is the type (``DOUBLE PRECISION``)."""
    out: list[_Tok] = []
    i = 0
    while i < len(tokens):
        if tokens[i].kind != "cast":
            out.append(tokens[i])
            i += 1
            continue
        i += 1
        if i >= len(tokens) or tokens[i].kind not in ("word", "id"):
            raise _Unparsed("cast without a type")
        words = [tokens[i].text.strip('"').upper()]
        i += 1
        while i < len(tokens) and tokens[i].is_word(*_TYPE_WORDS):
            words.append(tokens[i].text.upper())
            i += 1
        if i < len(tokens) and tokens[i].text == "(":  # varchar(10), numeric(8,2)
            i = _closing(tokens, i) + 1
        while i + 1 < len(tokens) and tokens[i].text == "[" and tokens[i + 1].text == "]":
            i += 2
        out.append(_Tok("cast", " ".join(words)))
    return out


def _closing(tokens: list[_Tok], start: int) -> int:
    """Index of the bracket closing the one at ``start``."""
    pairs = {"(": ")", "[": "]"}
    stack: list[str] = []
    for i in range(start, len(tokens)):
        t = tokens[i]
        if t.kind != "punct":
            continue
        if t.text in pairs:
            stack.append(pairs[t.text])
        elif t.text in (")", "]"):
            if not stack or stack.pop() != t.text:
                raise _Unparsed("unbalanced brackets")
            if not stack:
                return i
    raise _Unparsed("unbalanced brackets")


def _unwrap(tokens: list[_Tok]) -> list[_Tok]:
    while tokens and tokens[0].text == "(" and _closing(tokens, 0) == len(tokens) - 1:
        tokens = tokens[1:-1]
    return tokens


def _conjuncts(tokens: list[_Tok]) -> list[list[_Tok]]:
    """Top-level AND parts (recursing into parenthesised ones); none under a top-level OR."""
    try:
        return list(_split_and(_unwrap(tokens)))
    except _Unparsed:
        return []


def _split_and(tokens: list[_Tok]) -> Iterator[list[_Tok]]:
    parts: list[list[_Tok]] = [[]]
    depth = 0
    between = False
    for t in tokens:
        if t.text in ("(", "["):
            depth += 1
        elif t.text in (")", "]"):
            depth -= 1
        elif depth == 0 and t.is_word("OR"):
            raise _Unparsed("a top-level OR")
        elif depth == 0 and t.is_word("BETWEEN"):
            between = True
        elif depth == 0 and t.is_word("AND"):
            if not between:
                parts.append([])
                continue
            between = False
        parts[-1].append(t)
    for part in parts:
        if not part:
            raise _Unparsed("an empty AND operand")
        inner = _unwrap(part)
        if len(inner) == len(part):
            yield part
            continue
        try:  # "(a OR b) AND c": the parenthesised OR says nothing, c still holds
            nested = list(_split_and(inner))
        except _Unparsed:
            continue
        yield from nested


def _predicate(t: list[_Tok]) -> list[Fact]:
    if t[0].is_word("JSON_VALID"):
        column, rest = _column(t[1:])
        if rest:
            raise _Unparsed("json_valid(...) followed by more")
        return [JsonValid(column)]
    if t[0].kind == "word" and t[0].text.upper() in _LENGTH_FUNCTIONS:
        column, rest = _column(t[1:])
        op, value = _comparison(rest)
        if isinstance(value, int):
            return [Length(column, op, value)]
        raise _Unparsed("length compared with a non-integer")
    if _is_literal_start(t):  # 0 < col
        value, rest = _literal(t)
        op, rest = _operator(rest)
        column, rest = _column(rest)
        if rest:
            raise _Unparsed("more after the column")
        return [_fact(column, _FLIP[op], value)]
    column, rest = _column(t)
    if rest and rest[0].is_word("BETWEEN"):
        lo, rest = _literal(rest[1:])
        if not rest or not rest[0].is_word("AND"):
            raise _Unparsed("BETWEEN without AND")
        hi, rest = _literal(rest[1:])
        if rest:
            raise _Unparsed("more after BETWEEN")
        return [_fact(column, ">=", lo), _fact(column, "<=", hi)]
    if rest and rest[0].is_word("IN"):
        return [Choices(column, _list(rest[1:], "(", ")"))]
    if rest and rest[0].kind == "op" and rest[0].text in ("~", "~*"):
        regex, after = _literal(rest[1:])
        if after or not isinstance(regex, str):
            raise _Unparsed("a regex that is not one string")
        return [Pattern(column, python_regex(regex, ignore_case=rest[0].text == "~*"))]
    if rest and rest[0].is_word("IS") and [x.text.upper() for x in rest] == ["IS", "NOT", "NULL"]:
        return []
    op, after = _operator(rest)
    if op == "=" and after and after[0].is_word("ANY"):  # = ANY (ARRAY[...])
        inner = _without_casts(after[1:])
        if not inner or not inner[0].is_word("ARRAY"):
            raise _Unparsed("ANY without ARRAY")
        return [Choices(column, _list(inner[1:], "[", "]"))]
    value, rest = _literal(after)
    if rest:
        raise _Unparsed("more after the comparison")
    return [_fact(column, op, value)]


_POSIX_CLASSES = {
    "[:alpha:]": "a-zA-Z",
    "[:digit:]": "0-9",
    "[:alnum:]": "a-zA-Z0-9",
    "[:upper:]": "A-Z",
    "[:lower:]": "a-z",
    "[:space:]": " \\t\\n\\r\\f\\v",
    "[:xdigit:]": "0-9a-fA-F",
    "[:punct:]": "!-/:-@\\[-`{-~",
}


def python_regex(regex: str, *, ignore_case: bool = False) -> str:
    """A PostgreSQL regex in Python's syntax: POSIX bracket classes spelled out."""
    for posix, chars in _POSIX_CLASSES.items():
        regex = regex.replace(posix, chars)
    return f"(?i){regex}" if ignore_case else regex


def _fact(column: str, op: Op, value: Any) -> Fact:
    if op == "=":
        return Choices(column, (value,))
    number = as_number(value)
    if number is None:
        raise _Unparsed("a bound that is no number")
    return Bound(column, op, number)


def as_number(value: Any) -> int | Decimal | None:
    """A numeric literal, also quoted (PostgreSQL writes ``'-5'::integer``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        if not number.is_finite():
            return None
        return int(number) if number == number.to_integral_value() else number
    return None


def _is_literal_start(t: list[_Tok]) -> bool:
    inner = t
    while inner and inner[0].text == "(":
        inner = inner[1:]
    return bool(inner) and (inner[0].kind in ("num", "str") or inner[0].text in ("-", "+"))


def _column(t: list[_Tok]) -> tuple[str, list[_Tok]]:
    """A column name, possibly parenthesised, table-qualified or cast to text."""
    name, rest = _column_name(t)
    while rest and rest[0].kind == "cast":
        if rest[0].text not in _TEXT_TYPES:
            raise _Unparsed("a cast column")
        rest = rest[1:]
    return name, rest


def _in_parens(
    t: list[_Tok], read: Callable[[list[_Tok]], tuple[_T, list[_Tok]]]
) -> tuple[_T, list[_Tok]]:
    """``read`` all that the parentheses opening ``t`` hold; return it and what follows."""
    close = _closing(t, 0)
    value, inside = read(t[1:close])
    if inside:
        raise _Unparsed("more inside the parentheses")
    return value, t[close + 1 :]


def _column_name(t: list[_Tok]) -> tuple[str, list[_Tok]]:
    if t and t[0].text == "(":
        return _in_parens(t, _column)
    if not t:
        raise _Unparsed("no column")
    tok = t[0]
    if tok.kind == "id":
        quote = tok.text[0]
        return tok.text[1:-1].replace(quote * 2, quote), t[1:]
    if tok.kind == "word" and tok.text.upper() not in _KEYWORDS:
        return tok.text.rpartition(".")[2], t[1:]
    raise _Unparsed("no column")


def _operator(t: list[_Tok]) -> tuple[Op, list[_Tok]]:
    if t and t[0].kind == "op" and t[0].text in _FLIP:
        return cast(Op, t[0].text), t[1:]
    raise _Unparsed("no comparison")


def _comparison(t: list[_Tok]) -> tuple[Op, Any]:
    op, rest = _operator(t)
    value, rest = _literal(rest)
    if rest:
        raise _Unparsed("more after the comparison")
    return op, value


def _literal(t: list[_Tok]) -> tuple[Any, list[_Tok]]:
    """A number (with sign) or a string, possibly in parentheses: ``(0)``, ``'-5'``."""
    if t and t[0].text == "(":
        value, rest = _in_parens(t, _literal)
    else:
        value, rest = _bare_literal(t)
    while rest and rest[0].kind == "cast":
        rest = rest[1:]
    return value, rest


def _bare_literal(t: list[_Tok]) -> tuple[Any, list[_Tok]]:
    sign = 1
    if t and t[0].text in ("-", "+"):
        sign = -1 if t[0].text == "-" else 1
        t = t[1:]
    if not t:
        raise _Unparsed("no literal")
    tok = t[0]
    if tok.kind == "num":
        exact = tok.text.isdigit()
        value: int | Decimal = int(tok.text) if exact else Decimal(tok.text)
        return sign * value, t[1:]
    if tok.kind == "str" and sign == 1:
        return tok.text[1:-1].replace("''", "'"), t[1:]
    raise _Unparsed("no literal")


def _without_casts(t: list[_Tok]) -> list[_Tok]:
    """Drop trailing casts and enclosing parentheses: ``((ARRAY[...])::text[])``."""
    while True:
        before = len(t)
        while t and t[-1].kind == "cast":
            t = t[:-1]
        t = _unwrap(t)
        if len(t) == before:
            return t


def _list(t: list[_Tok], open_: str, close_: str) -> tuple[Any, ...]:
    t = _without_casts(t) if open_ == "[" else t
    if not t or t[0].text != open_ or _closing(t, 0) != len(t) - 1:
        raise _Unparsed("not a list")
    values: list[Any] = []
    items = t[1:-1]
    while items:
        value, items = _literal(items)
        values.append(value)
        if items:
            if items[0].text != ",":
                raise _Unparsed("list items not separated by commas")
            items = items[1:]
    if not values:
        raise _Unparsed("empty list")
    return tuple(values)
