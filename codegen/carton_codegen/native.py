"""The native tensor union: values the runtime represents and encodes itself.

The schema still describes the tensor's layout; these checks refuse a schema whose
tensor tables differ from what the runtime's codec speaks, and mark the declarations
only the native union reaches (the generator emits no C++ for them).
"""

from __future__ import annotations

from typing import Callable, Set

from . import model as M

Problem = Callable[[str, str], None]


def mark_internal(model: "M.Model") -> None:
    reachable_from_native: Set[str] = set()
    stack = [v for u in model.unions.values() if u.native for v in u.variants]
    while stack:
        q = stack.pop()
        if q in reachable_from_native:
            continue
        reachable_from_native.add(q)
        if q in model.records:
            for f in model.records[q].fields:
                stack.extend(M.refs(f.type))
        elif q in model.unions and not model.unions[q].native:
            stack.extend(model.unions[q].variants)
    for q in reachable_from_native:
        if q in model.records:
            model.records[q].native_internal = True
        elif q in model.unions and not model.unions[q].native:
            model.unions[q].native_internal = True


def check(model: "M.Model", problem: Problem) -> None:
    natives = [u for u in model.unions.values() if u.native]
    if len(natives) > 1:
        problem("schema", "only one union can be `native` (the tensor)")
    for u in natives:
        where = model.where(u)
        seen = set()
        for v in u.variants:
            rec = model.records[v]
            if rec.dtype is None:
                problem(where, f"member {rec.name} of a native tensor union needs a dtype")
                continue
            if rec.dtype in seen:
                problem(where, f"dtype '{rec.dtype}' appears twice")
            seen.add(rec.dtype)
            if rec.dtype == "nested":
                ok = len(rec.fields) == 1 and rec.fields[0].type == M.Vector(M.UnionRef(u.qname))
                if not ok:
                    problem(where, f"nested member {rec.name} must have one field: [{u.name}]")
                continue
            if len(rec.fields) != 1 or not isinstance(rec.fields[0].type, M.RecordRef):
                problem(where, f"member {rec.name} must have one field: its storage table")
                continue
            _check_storage(model, problem, where, model.records[rec.fields[0].type.name])


def _check_storage(model: "M.Model", problem: Problem, where: str, storage: "M.Record") -> None:
    """The runtime's tensor codec speaks exactly this layout; refuse anything else."""
    shape = [(f.name, type(f.type).__name__, f.always_some) for f in storage.fields]
    expected = [("data", "UnionRef", True), ("shape", "Vector", False), ("strides", "Option", False)]
    if shape != expected:
        problem(where, f"storage table {storage.name} must be (data: union (always_some), "
                            f"shape: [ulong], strides: [ulong] (option)) for the runtime tensor codec")
        return
    if storage.fields[1].type != M.Vector(M.Scalar("u64", "std::uint64_t", 8)) or \
            storage.fields[2].type != M.Option(M.Vector(M.Scalar("u64", "std::uint64_t", 8))):
        problem(where, f"{storage.name}.shape and .strides must be [ulong]")
    inline = model.unions[storage.fields[0].type.name]
    kinds = []
    for v in inline.variants:
        rec = model.records[v]
        kinds.append([f.type for f in rec.fields])
    if kinds != [[M.Bytes()], [M.Vector(M.String())]]:
        problem(where, f"union {inline.name} must list numeric storage ([ubyte]) at index 0 "
                            f"and string storage ([string]) at index 1")
