"""Wire types: how a value is laid out on carton's bincode wire (bincode 1.3, fixint,
little-endian), as the model resolves each field, and the facts derived from a type
alone: what it refers to and the fewest bytes it takes.
"""

from __future__ import annotations

import dataclasses
from typing import List, Optional, Set, Union as TUnion

from . import bfbs

SCALARS = {
    # bfbs base type: (wire name, C++ type, byte width)
    bfbs.BOOL: ("bool", "bool", 1),
    bfbs.BYTE: ("i8", "std::int8_t", 1),
    bfbs.UBYTE: ("u8", "std::uint8_t", 1),
    bfbs.SHORT: ("i16", "std::int16_t", 2),
    bfbs.USHORT: ("u16", "std::uint16_t", 2),
    bfbs.INT: ("i32", "std::int32_t", 4),
    bfbs.UINT: ("u32", "std::uint32_t", 4),
    bfbs.LONG: ("i64", "std::int64_t", 8),
    bfbs.ULONG: ("u64", "std::uint64_t", 8),
    bfbs.FLOAT: ("f32", "float", 4),
    bfbs.DOUBLE: ("f64", "double", 8),
}
TAG_WIDTHS = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}
WIRE_OVERRIDES = {"u64be": bfbs.ULONG}  # wire: "..." value -> the FlatBuffers type it applies to
LENGTH_WIDTH = 8  # bincode fixint: every string, byte buffer, vector and map length is a u64

# The tensor element types the runtime's Tensor supports; `dtype` attributes name these.
DTYPES = ["float32", "float64", "string", "int8", "int16", "int32", "int64",
          "uint8", "uint16", "uint32", "uint64", "nested"]


@dataclasses.dataclass(frozen=True)
class Scalar:
    wire: str  # u8 .. u64, i8 .. i64, f32, f64, bool
    cpp: str
    width: int
    big_endian: bool = False


@dataclasses.dataclass(frozen=True)
class String:
    pass


@dataclasses.dataclass(frozen=True)
class Bytes:
    pass


@dataclasses.dataclass(frozen=True)
class Vector:
    element: "WireType"


@dataclasses.dataclass(frozen=True)
class Map:
    key: "WireType"
    value: "WireType"
    entry: str  # the entry table's name, for messages


@dataclasses.dataclass(frozen=True)
class Option:
    inner: "WireType"


@dataclasses.dataclass(frozen=True)
class RecordRef:
    name: str


@dataclasses.dataclass(frozen=True)
class UnionRef:
    name: str


@dataclasses.dataclass(frozen=True)
class EnumRef:
    name: str


WireType = TUnion[Scalar, String, Bytes, Vector, Map, Option, RecordRef, UnionRef, EnumRef]



def refs(t: WireType) -> List[str]:
    """Every declaration (record, union, enum) a value of this type contains."""
    if isinstance(t, (RecordRef, UnionRef, EnumRef)):
        return [t.name]
    if isinstance(t, (Vector,)):
        return refs(t.element)
    if isinstance(t, Option):
        return refs(t.inner)
    if isinstance(t, Map):
        return refs(t.key) + refs(t.value)
    return []


def _unions_in(t: WireType) -> List[str]:
    if isinstance(t, UnionRef):
        return [t.name]
    if isinstance(t, Vector):
        return _unions_in(t.element)
    if isinstance(t, Option):
        return _unions_in(t.inner)
    if isinstance(t, Map):
        return _unions_in(t.value)
    return []


def min_wire_size(model, t: WireType, _seen: Optional[Set[str]] = None) -> int:
    """The fewest bytes a value of this type occupies on the wire (bounds vector counts)."""
    seen = _seen or set()
    if isinstance(t, Scalar):
        return t.width
    if isinstance(t, (String, Bytes, Vector, Map)):
        return LENGTH_WIDTH
    if isinstance(t, Option):
        return 1
    if isinstance(t, EnumRef):
        return model.enums[t.name].underlying.width
    if isinstance(t, RecordRef):
        # A field added by a later revision is absent in older ones: not part of the bound.
        return sum(min_wire_size(model, f.type, seen) + (1 if f.always_some else 0)
                   for f in model.records[t.name].fields if f.since is None)
    if isinstance(t, UnionRef):
        u = model.unions[t.name]
        if t.name in seen:
            return u.tag_width or 0  # recursion: the tag alone is a safe lower bound
        seen = seen | {t.name}
        return (u.tag_width or 0) + min((min_wire_size(model, RecordRef(v), seen) for v in u.variants), default=0)
    raise TypeError(t)
