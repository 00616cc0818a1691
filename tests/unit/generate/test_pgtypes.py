"""Values for database types of their own: valid as the database reads them, seeded, and
drawn row by row (batches never change a value)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re

import pytest
from faker import Faker
from sqlalchemy.dialects.postgresql import Range

from seedrunner.generate.infer import field_gen
from seedrunner.generate.typed import Context, GenColumn, type_gen
from seedrunner.models.shape import TypeShape

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CTX = Context((Faker("en_US"),), NOW, (0, 3), "t.f", field_gen)


def values(t: TypeShape, n: int = 300, seed: int = 7) -> list:
    return GenColumn(seed, type_gen(t, CTX)).values(0, n)


def test_every_kind_is_deterministic_and_row_by_row():
    kinds = [
        TypeShape("range", item=TypeShape("int")),
        TypeShape("range", item=TypeShape("date")),
        TypeShape("inet"),
        TypeShape("cidr"),
        TypeShape("macaddr"),
        TypeShape("bits", min_length=1, max_length=8),
        TypeShape("xml"),
        TypeShape("tsvector"),
        TypeShape("flags", choices=("a", "b", "c")),
    ]
    for t in kinds:
        whole = values(t, 100)
        assert values(t, 100) == whole
        col = GenColumn(7, type_gen(t, CTX))
        assert col.values(0, 40) + col.values(40, 60) == whole
        assert values(t, 100, seed=8) != whole


@pytest.mark.parametrize(
    ("item", "bound"),
    [
        (TypeShape("int"), int),
        (TypeShape("decimal", decimal_places=2), object),
        (TypeShape("date"), dt.date),
        (TypeShape("datetime"), dt.datetime),
        (TypeShape("datetime", timezone=True), dt.datetime),
    ],
)
def test_ranges_are_non_empty_and_half_open(item, bound):
    for r in values(TypeShape("range", item=item)):
        assert isinstance(r, Range)
        assert r.bounds == "[)"
        assert isinstance(r.lower, bound)
        assert r.lower < r.upper
    if item.kind == "datetime":
        aware = {r.lower.tzinfo is not None for r in values(TypeShape("range", item=item))}
        assert aware == {item.timezone}


def test_network_values_parse_as_the_database_reads_them():
    for host in values(TypeShape("inet")):
        assert ipaddress.ip_address(host).is_private
    for host in values(TypeShape("inet", format="ipv6")):
        assert ipaddress.IPv6Address(host) in ipaddress.ip_network("fd00::/8")
    for net in values(TypeShape("cidr")):
        ipaddress.ip_network(net, strict=True)  # host bits zero, or this raises
    for mac in values(TypeShape("macaddr")):
        assert re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", mac)
    for mac in values(TypeShape("macaddr", format="macaddr8")):
        assert re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){7}", mac)


def test_bit_strings_keep_their_length():
    assert {len(v) for v in values(TypeShape("bits", min_length=4, max_length=4))} == {4}
    varying = values(TypeShape("bits", min_length=1, max_length=8))
    assert all(set(v) <= {"0", "1"} and 1 <= len(v) <= 8 for v in varying)
    assert len({len(v) for v in varying}) > 4


def test_sets_give_members_and_sometimes_combinations_in_declared_order():
    members = ("red", "green", "blue", "black")
    got = values(TypeShape("flags", choices=members))
    for v in got:
        parts = v.split(",")
        assert set(parts) <= set(members)
        assert parts == sorted(parts, key=members.index)
    assert any("," in v for v in got)
    assert any("," not in v for v in got)


def test_xml_and_tsvector_are_well_formed():
    import xml.etree.ElementTree as ET

    for doc in values(TypeShape("xml"), 50):
        ET.fromstring(doc)
    for vector in values(TypeShape("tsvector"), 50):
        assert vector
        assert all(re.fullmatch(r"[a-z]+", w) for w in vector.split())


def span_values(t: TypeShape, n: int = 500) -> list:
    from seedrunner.generate.infer import infer_column
    from seedrunner.models.shape import FieldShape

    field = FieldShape("paid_on", t)  # by name this would be a recent date: spans win
    return infer_column(field, seed=3, fakers=[Faker("en_US")], now=NOW).values(0, n)


def test_values_land_in_the_partitions_spans():
    months = tuple((dt.date(2022, m, 1), dt.date(2022, m + 1, 1)) for m in (1, 2, 5))
    got = span_values(TypeShape("date", spans=months))
    assert all(any(lo <= v < hi for lo, hi in months) for v in got)
    assert {v.month for v in got} == {1, 2, 5}


def test_spans_prefer_the_usual_window_where_they_overlap_it():
    old = (None, dt.datetime(2025, 1, 1, tzinfo=dt.UTC))  # MINVALUE .. 2025
    new = (dt.datetime(2025, 1, 1, tzinfo=dt.UTC), None)  # 2025 .. MAXVALUE
    got = span_values(TypeShape("datetime", timezone=True, spans=(old, new)))
    assert all(v.tzinfo is not None for v in got)
    assert min(got) >= dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    assert max(got) <= NOW
    ints = span_values(TypeShape("int", spans=((100, 200), (5000, None))))
    assert all(100 <= v < 200 or 5000 <= v <= 10_000 for v in ints)
