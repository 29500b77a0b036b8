"""The core revisions the schema declares: the one enum carrying `revisions` (its
enumerators, oldest first, are what `since` names), the names users type, and the
revision a runner speaks unless told otherwise (`default_revision`).
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Dict, List

from . import bfbs

Problem = Callable[[str, str], None]


@dataclasses.dataclass
class Revision:
    """One core revision: the enumerator `since` names, and the name users type."""
    enumerator: str  # "Carton0_0_1"
    name: str  # "0.0.1"


def enumerators(schema: bfbs.Schema, problem: Problem) -> List[str]:
    """The revisions' enumerators, oldest (lowest value) first."""
    revs = [e for e in schema.enums if not e.is_union and "revisions" in e.attributes]
    if len(revs) != 1:
        problem("schema", f"exactly one enum must carry the `revisions` attribute (found {len(revs)})")
        return []
    return [v.name for v in sorted(revs[0].values, key=lambda v: v.value)]


def name_revisions(model, attrs: Dict[str, str], problem: Problem) -> None:
    """`revisions: "2023-09, 0.0.1"` names the enumerators, in order, as users type them;
    sets model.revision_info and model.default_revision."""
    e = model.revision_enum()
    text = attrs.get("revisions", "")
    # A bare `revisions` (flatc records "0") names each revision by its enumerator.
    names = [n.strip() for n in text.split(",")] if text.strip() not in ("", "0") else list(model.revisions)
    if len(names) != len(model.revisions) or len(set(names)) != len(names) or \
            any(not n or any(c.isspace() for c in n) for n in names):
        problem(model.where(e), f"`revisions: \"{text}\"` must give one distinct name per revision, "
                                f"oldest first, separated by commas (the {len(model.revisions)} values are "
                                f"{', '.join(model.revisions)})")
        names = list(model.revisions)
    model.revision_info = [Revision(enumerator=r, name=n) for r, n in zip(model.revisions, names)]
    default = attrs.get("default_revision")
    if default is None:
        model.default_revision = model.revisions[-1] if model.revisions else None
        return
    match = [r.enumerator for r in model.revision_info if default in (r.name, r.enumerator)]
    if not match:
        problem(model.where(e), f"default_revision: '{default}' is not a core revision (known: {', '.join(names)})")
    model.default_revision = match[0] if match else None


def unknown_since(model, since: str) -> str:
    """What to say of a `since` that names no enumerator. It takes the enumerator; the
    name users type is the likeliest slip, so that one gets the enumerator to write."""
    named = next((r for r in model.revision_info if r.name == since), None)
    fix = f"; write since: \"{named.enumerator}\" (the enumerator of revision {since})" if named else ""
    return f"since: '{since}' is not a core revision (known: {', '.join(model.revisions)}){fix}"
