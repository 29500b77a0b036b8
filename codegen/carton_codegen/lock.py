"""The frozen wire of each released core revision (schema/wire.lock).

A released revision is a core that exists: its bytes can never change. For each one the
lock records a canonical description of what is on its wire: every declaration the
messages reach in that revision, fields in wire order with their wire types, union
variants by index with the tag width, enum values. A field or variant whose `since` is a
later revision is absent from the description, so forgetting `since` shows up as an
addition to a released revision.

`check` compares the schema with the lock and names each declaration and field whose
bytes changed; `release` records a revision (the explicit, documented step of
docs/evolving-the-protocol.md). The format is plain text so a diff of the lock reads as
a diff of the wire.
"""

from __future__ import annotations

import os
import re
from typing import Callable, Dict, List, Optional, Tuple

from . import model as M

HEADER = """\
# The frozen wire of each released carton core revision, written by
# `carton-codegen --release REVISION`; never edit by hand. `carton-codegen` (and --check)
# refuses a schema that changes the bytes of a revision listed here.
# Per revision: every declaration its messages reach; fields in wire order, union
# variants by index, enum values; things a later revision adds (`since`) are absent.
"""

Description = Dict[str, Tuple[str, List[str]]]  # declaration name -> (header, entries)


class LockError(Exception):
    """The lock file cannot be read or names a revision the schema does not declare."""


def default_path(schema_path: str) -> str:
    return os.path.join(os.path.dirname(os.path.abspath(schema_path)), "wire.lock")


# ------------------------------------------------------------------------- description

def _spell(model: M.Model, t: M.WireType) -> str:
    if isinstance(t, M.Scalar):
        return t.wire + ("be" if t.big_endian else "")
    if isinstance(t, M.String):
        return "string"
    if isinstance(t, M.Bytes):
        return "bytes"
    if isinstance(t, M.Vector):
        return f"[{_spell(model, t.element)}]"
    if isinstance(t, M.Map):
        return f"map<{_spell(model, t.key)}, {_spell(model, t.value)}>"
    if isinstance(t, M.Option):
        return f"option<{_spell(model, t.inner)}>"
    if isinstance(t, M.RecordRef):
        return model.records[t.name].name
    if isinstance(t, M.UnionRef):
        return model.unions[t.name].name
    if isinstance(t, M.EnumRef):
        return model.enums[t.name].name
    raise TypeError(t)


def describe(model: M.Model, revision: str) -> Description:
    """Every declaration the messages reach in `revision` (an enumerator), canonically."""
    out: Description = {}
    stack = [m.qname for m in sorted(model.messages(), key=lambda r: r.qname)]
    while stack:
        q = stack.pop()
        if q in model.records:
            r = model.records[q]
            if r.name in out:
                continue
            fields = [f for f in r.fields if model.present(f.since, revision)]
            out[r.name] = ("struct " if r.is_struct else "table ") + r.name, [
                f"{i} {f.name}: {'some ' if f.always_some else ''}{_spell(model, f.type)}"
                for i, f in enumerate(fields)]
            for f in fields:
                stack.extend(M.refs(f.type))
        elif q in model.unions:
            u = model.unions[q]
            if u.name in out:
                continue
            present = [(i, v) for i, v in enumerate(u.variants) if model.present(model.records[v].since, revision)]
            out[u.name] = (f"union {u.name} u{(u.tag_width or 0) * 8}",
                           [f"{i} {model.records[v].name}" for i, v in present])
            stack.extend(v for _, v in present)
        elif q in model.enums:
            e = model.enums[q]
            out[e.name] = (f"enum {e.name} {e.underlying.wire}", [f"{v.value} {v.name}" for v in e.values])
    return out


# ------------------------------------------------------------------------------ the file

def render(sections: Dict[str, Description]) -> str:
    lines = [HEADER]
    for name, desc in sections.items():
        lines.append(f"revision {name}")
        for decl in sorted(desc):
            header, entries = desc[decl]
            lines.append(f"  {header}")
            lines.extend(f"    {e}" for e in entries)
        lines.append("")
    return "\n".join(lines)


def parse(text: str, path: str = "wire.lock") -> Dict[str, Description]:
    sections: Dict[str, Description] = {}
    current: Optional[Description] = None
    decl: Optional[str] = None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("revision "):
            current = sections.setdefault(line.split(None, 1)[1].strip(), {})
        elif line.startswith("    ") and current is not None and decl is not None:
            current[decl][1].append(line.strip())
        elif line.startswith("  ") and current is not None and len(line.split()) >= 2:
            decl = line.split()[1]
            current[decl] = (line.strip(), [])
        else:
            raise LockError(f"{path}:{n}: cannot read this line; restore the file from git and "
                            "re-run `carton-codegen --release` for the revisions it should hold")
    return sections


def read(path: str) -> Dict[str, Description]:
    """The released revisions recorded at `path` (none when the file does not exist)."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return parse(f.read(), os.path.basename(path))


def release(model: M.Model, locked: Dict[str, Description], revision: str,
            allow_byte_change: bool = False) -> Dict[str, Description]:
    """`locked` plus `revision` (a name or enumerator) described from the schema, oldest first.

    Releasing a revision the lock already holds re-records it: allowed when only names
    changed (a rename keeps every byte), refused when its bytes change unless
    `allow_byte_change` says they are meant to (the lock recorded them wrong)."""
    info = _revision(model, revision)
    if info is None:
        raise LockError(f"--release {revision}: not a core revision (known: "
                        f"{', '.join(r.name for r in model.revision_info)})")
    new = describe(model, info.enumerator)
    if info.name in locked and not allow_byte_change and not same_bytes(locked[info.name], new):
        changes = "\n".join(f"  {p}" for p in check(model, {info.name: locked[info.name]}))
        raise LockError(f"--release {info.name}: {info.name} is already released and the schema changes its bytes:\n"
                        f"{changes}\nA released revision's bytes never change: restore the schema. Only if the "
                        f"lock recorded them wrong, run again with --allow-byte-change and say why in the commit.")
    released = dict(locked)
    released[info.name] = new
    order = [r.name for r in model.revision_info]
    return {name: released[name] for name in sorted(released, key=lambda n: order.index(n) if n in order else -1)}


def _revision(model: M.Model, text: str) -> Optional[M.Revision]:
    return next((r for r in model.revision_info if text in (r.name, r.enumerator)), None)


def revision_name(model: M.Model, text: str) -> Optional[str]:
    """The name users type of the revision `text` names (a name or an enumerator)."""
    info = _revision(model, text)
    return info.name if info else None


# ------------------------------------------------------------------- the bytes alone

def _references(desc: Description, entry: str, kind: str) -> Tuple[Tuple[str, ...], List[str]]:
    """An entry without its names: (its shape, the declarations it refers to in order).
    A field keeps its position and type with every declaration name replaced by "@"; a
    union variant keeps its index; an enum value keeps its number."""
    key, rest = entry.split(" ", 1)
    if kind == "enum":
        return (key,), []
    if kind == "union":
        return (key,), [rest]
    tokens = re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\S", rest.split(": ", 1)[1])
    return (key,) + tuple("@" if tok in desc else tok for tok in tokens), [tok for tok in tokens if tok in desc]


def _roots(desc: Description) -> List[str]:
    """The declarations nothing else refers to: the messages."""
    referenced = {ref for header, entries in desc.values() for e in entries
                  for ref in _references(desc, e, header.split()[0])[1]}
    return sorted(d for d in desc if d not in referenced)


def same_bytes(old: Description, new: Description) -> bool:
    """Whether two descriptions of a revision put the same bytes on the wire: they may
    differ in the names of declarations, fields, variants and enum values, nothing else."""
    assumed = set()  # pairs taken as equal while they are compared (the tensor recurses)

    def same(a: str, b: str) -> bool:
        if (a, b) in assumed:
            return True
        assumed.add((a, b))
        (ha, ea), (hb, eb) = old[a], new[b]
        ka, kb = ha.split(), hb.split()
        if ka[:1] + ka[2:] != kb[:1] + kb[2:] or len(ea) != len(eb):
            return False
        for x, y in zip(ea, eb):
            (sx, rx), (sy, ry) = _references(old, x, ka[0]), _references(new, y, kb[0])
            if sx != sy or not all(same(p, q) for p, q in zip(rx, ry)):
                return False
        return True

    ro, rn = _roots(old), _roots(new)
    pairs = [(r, r) for r in ro if r in rn]
    lone_old, lone_new = [r for r in ro if r not in rn], [r for r in rn if r not in ro]
    if len(lone_old) != len(lone_new) or len(lone_old) > 1:
        return False  # a message came or went (one renamed message is paired below)
    pairs += list(zip(lone_old, lone_new))
    return all(same(a, b) for a, b in pairs)


# ---------------------------------------------------------------------------- checking

def check(model: M.Model, locked: Dict[str, Description]) -> List[str]:
    """One problem per change to a released revision's bytes, naming declaration and field."""
    problems: List[str] = []
    released = {r.name for r in model.revision_info if r.name in locked}
    unreleased = [r for r in model.revision_info if r.name not in released]
    def hint(target: str) -> str:
        if unreleased:
            return f"mark {target} `since: \"{unreleased[-1].enumerator}\"` (the unreleased revision " \
                   f"{unreleased[-1].name})"
        return f"add a new revision to the `revisions` enum and mark {target} `since` it"
    by_name = {d.name: d for d in list(model.records.values()) + list(model.unions.values())
               + list(model.enums.values())}
    for name, old in locked.items():
        info = _revision(model, name)
        if info is None:
            problems.append(f"wire.lock: revision {name} is released but the schema no longer declares it; "
                            "a released revision cannot be removed (restore it in the `revisions` enum)")
            continue
        new = describe(model, info.enumerator)
        for decl in sorted(old):
            where = model.where(by_name[decl]) if decl in by_name else f"{old[decl][0]}"
            if decl not in new:
                problems.append(f"{where}: gone from released revision {name} (it had {old[decl][0]}); "
                                "restore it, or rename it back")
                continue
            problems.extend(_compare(model, by_name[decl], name, old[decl], new[decl], hint))
    return problems


def _compare(model: M.Model, decl, revision: str, old: Tuple[str, List[str]], new: Tuple[str, List[str]],
             hint: Callable[[str], str]) -> List[str]:
    where = model.where(decl)
    out: List[str] = []
    if old[0] != new[0]:
        out.append(f"{where}: was `{old[0]}` in released revision {revision}, now `{new[0]}`; restore it")
    is_union = isinstance(decl, M.Union)
    old_e = dict(e.split(" ", 1) for e in old[1])
    new_e = dict(e.split(" ", 1) for e in new[1])
    for key in sorted(set(old_e) | set(new_e), key=int):
        was, now = old_e.get(key), new_e.get(key)
        if was == now:
            continue
        if is_union:
            what = f"{where}: variant {key}"
            if was is None:
                out.append(f"{what} {now} is new in released revision {revision}; {hint('table ' + now)}")
            elif now is None:
                out.append(f"{what} {was} is gone from released revision {revision}; restore it at index {key}")
            else:
                out.append(f"{what} was {was} in released revision {revision}, now {now}; a released variant "
                           "keeps its wire_index")
            continue
        field = (now or was).split(":", 1)[0]
        fwhere = model.where(decl, field) if isinstance(decl, M.Record) and now else where
        if was is None:
            out.append(f"{fwhere}: new at position {key} in released revision {revision}; {hint('it')}" if not isinstance(decl, M.Enum) else
                       f"{where}: value {now} is new in released revision {revision}; a released enum keeps its values")
        elif now is None:
            out.append(f"{where}: `{was}` (position {key}) is gone from released revision {revision}; restore it")
        else:
            out.append(f"{fwhere}: position {key} was `{was}` in released revision {revision}, now `{now}`; "
                       "released fields keep their order, names and types")
    return out
