"""Model layer: the schema as carton's wire sees it.

Turns flatc's parse (bfbs.Schema) into an IR in which every wire fact is resolved:
each field's wire type (widths, Option, maps, big-endian), each union's variant order
and tag width, which core revision added what, which messages exist. Everything the
generator refuses is refused here, with a message that names the schema file, the
declaration and what to change.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Dict, List, Optional, Tuple

from . import bfbs, native, revisions, service
from .revisions import Revision  # noqa: F401 (model.Revision)
from .source import Locator
# The wire types are part of the model's vocabulary: model.Scalar, model.min_wire_size, ...
from .wire_types import (DTYPES, LENGTH_WIDTH, SCALARS, TAG_WIDTHS, WIRE_OVERRIDES,  # noqa: F401
                         Bytes, EnumRef, Map, Option, RecordRef, Scalar, String, UnionRef, Vector, WireType,
                         _unions_in, min_wire_size, refs)


class ModelError(Exception):
    """The schema parses but cannot describe carton's wire. Holds every problem found."""

    def __init__(self, problems: List[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


# ------------------------------------------------------------------------- declarations

@dataclasses.dataclass
class Field:
    name: str
    type: WireType
    doc: List[str]
    since: Optional[str] = None  # revision name
    always_some: bool = False
    default: Optional[str] = None  # C++ initializer for scalars (fbs default)


@dataclasses.dataclass
class Record:
    name: str  # short name
    qname: str  # fbs qualified name
    namespace: List[str]
    doc: List[str]
    fields: List[Field]
    is_struct: bool
    file: str  # schema file stem ("rpc")
    wire_index: Optional[int] = None
    since: Optional[str] = None
    message: Optional[str] = None
    channel: Optional[str] = None
    direction: Optional[str] = None
    reply: Optional[str] = None
    streaming: bool = False
    dtype: Optional[str] = None
    native_internal: bool = False  # only reachable through a native union; not emitted
    source: str = ""  # the declaration file as flatc records it (for error locations)


@dataclasses.dataclass
class Union:
    name: str
    qname: str
    namespace: List[str]
    doc: List[str]
    variants: List[str]  # record qnames in wire-index order
    tag_width: Optional[int]
    file: str
    native: Optional[str] = None
    native_internal: bool = False
    source: str = ""


@dataclasses.dataclass
class EnumValue:
    name: str
    value: int
    doc: List[str]


@dataclasses.dataclass
class Enum:
    name: str
    qname: str
    namespace: List[str]
    doc: List[str]
    values: List[EnumValue]
    underlying: Scalar
    file: str
    is_revisions: bool = False
    source: str = ""


@dataclasses.dataclass
class Model:
    records: Dict[str, Record]
    unions: Dict[str, Union]
    enums: Dict[str, Enum]
    revisions: List[str]  # enumerator names, oldest first
    files: List[str]  # schema file stems in include order (dependencies first)
    revision_info: List[Revision] = dataclasses.field(default_factory=list)  # oldest first
    default_revision: Optional[str] = None  # enumerator a runner speaks unless told otherwise
    locator: Optional[Locator] = None

    def where(self, decl, field: Optional[str] = None) -> str:
        """An error location: "rpc.fbs:57: table LoadRequest" or "...: field LoadRequest.fs"."""
        kind = "union" if isinstance(decl, Union) else "enum" if isinstance(decl, Enum) else \
            "struct" if decl.is_struct else "table"
        if self.locator is None:
            return f"{decl.file}.fbs: " + (f"field {decl.name}.{field}" if field else f"{kind} {decl.name}")
        return self.locator.where(decl.source, kind, decl.name, field)

    def present(self, since: Optional[str], revision: str) -> bool:
        """Whether something added by `since` exists in `revision`."""
        return since is None or self.revisions.index(since) <= self.revisions.index(revision)

    def revision_enum(self) -> Optional["Enum"]:
        return next((e for e in self.enums.values() if e.is_revisions), None)

    def record(self, qname: str) -> Record:
        return self.records[qname]

    def messages(self) -> List[Record]:
        return [r for r in self.records.values() if r.message]

    def latest_revision(self) -> str:
        return self.revisions[-1]

    def native_union(self) -> Optional[Union]:
        natives = [u for u in self.unions.values() if u.native]
        return natives[0] if natives else None


# ------------------------------------------------------------------------------ building

def _short(qname: str) -> str:
    return qname.rsplit(".", 1)[-1]


def _namespace(qname: str) -> List[str]:
    return qname.split(".")[:-1]


def _doc(lines: List[str]) -> List[str]:
    return [l[1:] if l.startswith(" ") else l for l in lines]


def _file_stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


class _Builder:
    def __init__(self, schema: bfbs.Schema):
        self.s = schema
        self.problems: List[str] = []
        self.unknown_since: List[Tuple[str, str]] = []  # (where, the unknown `since`)
        self.locator = Locator(schema.root)

    def problem(self, where: str, msg: str) -> None:
        self.problems.append(f"{where}: {msg}")

    # -- types

    def field_type(self, owner: bfbs.Object, f: bfbs.Field) -> Optional[WireType]:
        where = self.locator.where(owner.declaration_file, "table", _short(owner.name), f.name)
        t = f.type
        wire = f.attributes.get("wire")
        if wire is not None:
            if wire not in WIRE_OVERRIDES:
                self.problem(where, f"unknown wire type '{wire}' (known: {', '.join(sorted(WIRE_OVERRIDES))})")
                return None
            if t.base_type != WIRE_OVERRIDES[wire]:
                self.problem(where, f"wire type '{wire}' needs a field of type "
                                    f"{bfbs.BASE_TYPE_NAMES[WIRE_OVERRIDES[wire]]}")
                return None
            base = self.scalar(t.base_type)
            wt: WireType = Scalar(base.wire, base.cpp, base.width, big_endian=True)
        elif "map" in f.attributes:
            wt = self.map_type(where, t)
            if wt is None:
                return None
        else:
            wt = self.plain_type(where, t.base_type, t.element, t.index)
            if wt is None:
                return None
        if "option" in f.attributes:
            if "always_some" in f.attributes:
                self.problem(where, "a field cannot be both `option` and `always_some`")
            wt = Option(wt)
        return wt

    def scalar(self, base_type: int) -> Scalar:
        name, cpp, width = SCALARS[base_type]
        return Scalar(name, cpp, width)

    def plain_type(self, where: str, base: int, element: int, index: int) -> Optional[WireType]:
        if base in SCALARS:
            if index >= 0:
                return EnumRef(self.s.enums[index].name)
            return self.scalar(base)
        if base == bfbs.STRING:
            return String()
        if base == bfbs.OBJ:
            return RecordRef(self.s.objects[index].name)
        if base == bfbs.UNION:
            return UnionRef(self.s.enums[index].name)
        if base == bfbs.VECTOR:
            if element == bfbs.UBYTE and index < 0:
                return Bytes()
            inner = self.plain_type(where, element, bfbs.NONE, index)
            return Vector(inner) if inner is not None else None
        self.problem(where, f"unknown wire type for FlatBuffers type '{bfbs.BASE_TYPE_NAMES.get(base, base)}'")
        return None

    def map_type(self, where: str, t: bfbs.Type) -> Optional[WireType]:
        if t.base_type != bfbs.VECTOR or t.element != bfbs.OBJ:
            self.problem(where, "`map` needs a vector of entry tables with fields `key` and `value`")
            return None
        entry = self.s.objects[t.index]
        names = [f.name for f in entry.fields if f.type.base_type != bfbs.UTYPE]
        if names != ["key", "value"]:
            self.problem(where, f"map entry table {_short(entry.name)} must have exactly the fields "
                                f"`key` and `value` (has {', '.join(names) or 'none'})")
            return None
        ew = self.locator.where(entry.declaration_file, "table", _short(entry.name), "key")
        key = self.field_type(entry, entry.fields[[f.name for f in entry.fields].index("key")])
        value = self.field_type(entry, entry.fields[[f.name for f in entry.fields].index("value")])
        if key is None or value is None:
            return None
        if isinstance(key, (Option, Vector, Map, UnionRef)):
            self.problem(ew, "a map key must be a scalar, string or record")
            return None
        return Map(key, value, entry.name)

    # -- declarations

    def build(self) -> Model:
        revisions = self.revisions()
        enums: Dict[str, Enum] = {}
        unions: Dict[str, Union] = {}
        for e in self.s.enums:
            if e.is_union:
                u = self.union(e)
                if u:
                    unions[u.qname] = u
            else:
                enums[e.name] = Enum(
                    name=_short(e.name), qname=e.name, namespace=_namespace(e.name), doc=_doc(e.documentation),
                    values=[EnumValue(v.name, v.value, _doc(v.documentation)) for v in e.values],
                    underlying=self.scalar(e.underlying_type.base_type), file=_file_stem(e.declaration_file),
                    is_revisions="revisions" in e.attributes, source=e.declaration_file)
        records: Dict[str, Record] = {}
        for o in self.s.objects:
            r = self.record(o, revisions)
            records[r.qname] = r
        model = Model(records=records, unions=unions, enums=enums, revisions=revisions, files=self.files(),
                      locator=self.locator)
        self.revision_names(model)
        if self.unknown_since:
            # What is checked next depends on which revision has what: it would only add noise.
            self.report_unknown_since(model)
            raise ModelError(self.problems)
        self.check_union_fields(model)
        self.check_unions(model)
        self.check_replies(model)
        service.check(model, self.problem)
        native.mark_internal(model)
        native.check(model, self.problem)
        self.check_bounded(model)
        if self.problems:
            raise ModelError(self.problems)
        return model

    def files(self) -> List[str]:
        order: List[str] = []
        for decl in [o.declaration_file for o in self.s.objects] + [e.declaration_file for e in self.s.enums]:
            stem = _file_stem(decl)
            if stem not in order:
                order.append(stem)
        return order

    def revisions(self) -> List[str]:
        return revisions.enumerators(self.s, self.problem)

    def revision_names(self, model: Model) -> None:
        e = model.revision_enum()
        if e is not None:
            revisions.name_revisions(model, next(x.attributes for x in self.s.enums if x.name == e.qname),
                                     self.problem)

    def check_since(self, where: str, attrs: Dict[str, str], revisions: List[str]) -> Optional[str]:
        """The enumerator `since` names; None (and a problem, reported once the revision
        names are known) when it names none, so nothing downstream meets an unknown one."""
        since = attrs.get("since")
        if since is not None and since not in revisions:
            self.unknown_since.append((where, since))
            return None
        return since

    def report_unknown_since(self, model: Model) -> None:
        for where, since in self.unknown_since:
            self.problem(where, revisions.unknown_since(model, since))

    def record(self, o: bfbs.Object, revisions: List[str]) -> Record:
        where = self.locator.where(o.declaration_file, "struct" if o.is_struct else "table", _short(o.name))
        fields = []
        for f in o.fields:
            if bfbs.UTYPE in (f.type.base_type, f.type.element):
                continue  # flatc's hidden union type field; the wire tag is the union's own
            wt = self.field_type(o, f)
            if wt is None:
                continue
            fwhere = self.locator.where(o.declaration_file, "table", _short(o.name), f.name)
            default = None
            if isinstance(wt, Scalar) and wt.wire == "bool":
                default = "true" if f.default_integer else "false"
            elif isinstance(wt, Scalar) and wt.wire in ("f32", "f64"):
                default = repr(f.default_real)
            elif isinstance(wt, (Scalar, EnumRef)):
                default = str(f.default_integer)
            fields.append(Field(name=f.name, type=wt, doc=_doc(f.documentation),
                                since=self.check_since(fwhere, f.attributes, revisions),
                                always_some="always_some" in f.attributes, default=default))
        wire_index = o.attributes.get("wire_index")
        if wire_index is not None:
            try:
                wire_index = int(wire_index)
            except ValueError:
                self.problem(where, f"wire_index must be an integer, not '{wire_index}'")
                wire_index = None
        dtype = o.attributes.get("dtype")
        if dtype is not None and dtype not in DTYPES:
            self.problem(where, f"unknown dtype '{dtype}' (known: {', '.join(DTYPES)})")
        return Record(name=_short(o.name), qname=o.name, namespace=_namespace(o.name), doc=_doc(o.documentation),
                      fields=fields, is_struct=o.is_struct, file=_file_stem(o.declaration_file),
                      wire_index=wire_index, since=self.check_since(where, o.attributes, revisions),
                      message=o.attributes.get("message"), channel=o.attributes.get("channel"),
                      direction=o.attributes.get("direction"), reply=o.attributes.get("reply"),
                      streaming="streaming" in o.attributes, dtype=dtype, source=o.declaration_file)

    def union(self, e: bfbs.Enum) -> Optional[Union]:
        where = self.locator.where(e.declaration_file, "union", _short(e.name))
        tag = e.attributes.get("tag")
        width = None
        if tag is not None:
            if tag not in TAG_WIDTHS:
                self.problem(where, f"unknown wire type '{tag}' for the tag (known: {', '.join(TAG_WIDTHS)})")
            else:
                width = TAG_WIDTHS[tag]
        members = []
        for v in e.values:
            if v.union_type is None or v.union_type.base_type != bfbs.OBJ:
                continue  # NONE
            members.append(self.s.objects[v.union_type.index])
        indexed: Dict[int, str] = {}
        for m in members:
            wi = m.attributes.get("wire_index")
            if wi is None:
                self.problem(where, f"member {_short(m.name)} has no wire_index (declare it on table {_short(m.name)})")
                continue
            try:
                wi = int(wi)
            except ValueError:
                continue  # reported with the record
            if wi in indexed:
                self.problem(where, f"variants {_short(indexed[wi])} and {_short(m.name)} both have wire index {wi}; "
                                    "give each variant its own index")
                continue
            indexed[wi] = m.name
        if indexed and len(indexed) == len(members):
            missing = [i for i in range(len(members)) if i not in indexed]
            if missing:
                self.problem(where, f"wire indices must be 0..{len(members) - 1} without gaps "
                                    f"(missing {', '.join(map(str, missing))})")
        variants = [indexed[i] for i in sorted(indexed)]
        return Union(name=_short(e.name), qname=e.name, namespace=_namespace(e.name), doc=_doc(e.documentation),
                     variants=variants, tag_width=width, file=_file_stem(e.declaration_file),
                     native=e.attributes.get("native"), source=e.declaration_file)

    # -- cross-checks

    def check_union_fields(self, model: Model) -> None:
        for r in model.records.values():
            for f in r.fields:
                for u in _unions_in(f.type):
                    union = model.unions.get(u)
                    if union is not None and union.tag_width is None:
                        self.problem(model.where(r, f.name),
                                     f"union {union.name} has no wire width for its tag "
                                     f"(declare `tag: \"u32\"` on union {union.name})")
                if f.always_some and not isinstance(f.type, UnionRef):
                    pass  # always_some applies to any type; nothing more to check

    def check_unions(self, model: Model) -> None:
        for u in model.unions.values():
            for v in u.variants:
                rec = model.records[v]
                if rec.is_struct:
                    self.problem(model.where(u), f"member {rec.name} must be a table")

    def check_replies(self, model: Model) -> None:
        names = {r.name: r for r in model.records.values()}
        for r in model.records.values():
            if r.reply and r.reply not in names:
                self.problem(model.where(r), f"reply '{r.reply}' names no table; name the response table "
                                             f"that answers {r.name}")

    def check_bounded(self, model: Model) -> None:
        """A vector of elements that take no bytes could claim 2^64 elements in 8 bytes."""
        for r in model.records.values():
            for f in r.fields:
                t = f.type.inner if isinstance(f.type, Option) else f.type
                if isinstance(t, Vector) and min_wire_size(model, t.element) == 0:
                    self.problem(model.where(r, f.name),
                                 "a vector of elements that take no bytes cannot be bounded; "
                                 "give the element a field or drop the vector")


def build_model(schema: bfbs.Schema) -> Model:
    return _Builder(schema).build()
