"""Load layer: run flatc and read its binary schema (.bfbs).

Debian ships no reflection.fbs, so there is no generated Python reader for it. The
binary schema is an ordinary FlatBuffer whose layout is fixed by reflection.fbs; we
read it with the flatbuffers runtime's Table, addressing each field by its vtable slot
(4 + 2 * field id, the same numbers as the VT_* constants in the shipped
flatbuffers/reflection_generated.h).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import tempfile
from typing import Dict, List, Optional

from flatbuffers import number_types as N
from flatbuffers.table import Table


class FlatcError(Exception):
    """flatc rejected the schema; the message is flatc's own (file:line: error)."""


# reflection.BaseType
NONE, UTYPE, BOOL, BYTE, UBYTE, SHORT, USHORT, INT, UINT, LONG, ULONG, FLOAT, DOUBLE, \
    STRING, VECTOR, OBJ, UNION, ARRAY = range(18)

BASE_TYPE_NAMES = {
    NONE: "none", UTYPE: "utype", BOOL: "bool", BYTE: "byte", UBYTE: "ubyte",
    SHORT: "short", USHORT: "ushort", INT: "int", UINT: "uint", LONG: "long",
    ULONG: "ulong", FLOAT: "float", DOUBLE: "double", STRING: "string",
    VECTOR: "vector", OBJ: "obj", UNION: "union", ARRAY: "array",
}


@dataclasses.dataclass
class Type:
    base_type: int
    element: int
    index: int  # into objects (OBJ) or enums (UNION, enum-typed scalars), else -1


@dataclasses.dataclass
class Field:
    name: str
    type: Type
    id: int
    default_integer: int
    default_real: float
    optional: bool
    key: bool
    attributes: Dict[str, str]
    documentation: List[str]


@dataclasses.dataclass
class Object:
    name: str  # fully qualified, dot separated
    fields: List[Field]  # sorted by id (declaration order)
    is_struct: bool
    attributes: Dict[str, str]
    documentation: List[str]
    declaration_file: str


@dataclasses.dataclass
class EnumVal:
    name: str
    value: int
    union_type: Optional[Type]
    documentation: List[str]


@dataclasses.dataclass
class Enum:
    name: str
    values: List[EnumVal]
    is_union: bool
    underlying_type: Type
    attributes: Dict[str, str]
    documentation: List[str]
    declaration_file: str


@dataclasses.dataclass
class Schema:
    objects: List[Object]
    enums: List[Enum]
    root: str = ""  # the entry file's directory; declaration files are relative to it


class _Tab:
    """A reflection table read by vtable slot."""

    def __init__(self, buf: bytearray, pos: int):
        self.t = Table(buf, pos)

    def _off(self, field_id: int) -> int:
        return self.t.Offset(4 + 2 * field_id)

    def scalar(self, field_id: int, flags, default):
        o = self._off(field_id)
        return self.t.Get(flags, o + self.t.Pos) if o else default

    def string(self, field_id: int, default: str = "") -> str:
        o = self._off(field_id)
        return self.t.String(o + self.t.Pos).decode("utf-8") if o else default

    def table(self, field_id: int) -> Optional["_Tab"]:
        o = self._off(field_id)
        return _Tab(self.t.Bytes, self.t.Indirect(o + self.t.Pos)) if o else None

    def tables(self, field_id: int) -> List["_Tab"]:
        o = self._off(field_id)
        if not o:
            return []
        start = self.t.Vector(o)
        return [_Tab(self.t.Bytes, self.t.Indirect(start + 4 * i)) for i in range(self.t.VectorLen(o))]

    def strings(self, field_id: int) -> List[str]:
        o = self._off(field_id)
        if not o:
            return []
        start = self.t.Vector(o)
        return [self.t.String(start + 4 * i).decode("utf-8") for i in range(self.t.VectorLen(o))]


def _type(t: _Tab) -> Type:
    return Type(base_type=t.scalar(0, N.Int8Flags, 0), element=t.scalar(1, N.Int8Flags, 0),
                index=t.scalar(2, N.Int32Flags, -1))


def _attributes(t: _Tab, field_id: int) -> Dict[str, str]:
    return {kv.string(0): kv.string(1) for kv in t.tables(field_id)}


def _field(f: _Tab) -> Field:
    # reflection.Field: name 0, type 1, id 2, offset 3, default_integer 4, default_real 5,
    # deprecated 6, required 7, key 8, attributes 9, documentation 10, optional 11
    return Field(name=f.string(0), type=_type(f.table(1)), id=f.scalar(2, N.Uint16Flags, 0),
                 default_integer=f.scalar(4, N.Int64Flags, 0),
                 default_real=f.scalar(5, N.Float64Flags, 0.0),
                 key=bool(f.scalar(8, N.BoolFlags, False)),
                 attributes=_attributes(f, 9), documentation=f.strings(10),
                 optional=bool(f.scalar(11, N.BoolFlags, False)))


def read_bfbs(data: bytes) -> Schema:
    buf = bytearray(data)
    root = _Tab(buf, N.UOffsetTFlags.py_type(int.from_bytes(buf[0:4], "little")))
    objects = []
    # reflection.Schema: objects 0, enums 1
    for o in root.tables(0):
        # reflection.Object: name 0, fields 1, is_struct 2, minalign 3, bytesize 4,
        # attributes 5, documentation 6, declaration_file 7
        fields = sorted((_field(f) for f in o.tables(1)), key=lambda f: f.id)
        objects.append(Object(name=o.string(0), fields=fields, is_struct=bool(o.scalar(2, N.BoolFlags, False)),
                              attributes=_attributes(o, 5), documentation=o.strings(6),
                              declaration_file=o.string(7)))
    enums = []
    for e in root.tables(1):
        # reflection.Enum: name 0, values 1, is_union 2, underlying_type 3, attributes 4,
        # documentation 5, declaration_file 6
        # reflection.EnumVal: name 0, value 1, (object, deprecated) 2, union_type 3, documentation 4
        values = []
        for v in e.tables(1):
            ut = v.table(3)
            values.append(EnumVal(name=v.string(0), value=v.scalar(1, N.Int64Flags, 0),
                                  union_type=_type(ut) if ut else None, documentation=v.strings(4)))
        enums.append(Enum(name=e.string(0), values=values, is_union=bool(e.scalar(2, N.BoolFlags, False)),
                          underlying_type=_type(e.table(3)), attributes=_attributes(e, 4),
                          documentation=e.strings(5), declaration_file=e.string(6)))
    return Schema(objects=objects, enums=enums)


def compile_schema(fbs_path: str, flatc: str = "flatc") -> Schema:
    """Runs flatc on `fbs_path` and returns its parse. Raises FlatcError with flatc's text."""
    with tempfile.TemporaryDirectory(prefix="carton-codegen-") as out:
        cmd = [flatc, "-b", "--schema", "--bfbs-comments", "--bfbs-builtins", "-o", out, fbs_path]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True)
        except FileNotFoundError as e:
            raise FlatcError(f"cannot run flatc ({flatc}): {e}") from e
        if proc.returncode != 0:
            raise FlatcError((proc.stderr or proc.stdout).strip())
        name = os.path.splitext(os.path.basename(fbs_path))[0] + ".bfbs"
        with open(os.path.join(out, name), "rb") as f:
            schema = read_bfbs(f.read())
        schema.root = os.path.dirname(os.path.abspath(fbs_path))
        return schema
