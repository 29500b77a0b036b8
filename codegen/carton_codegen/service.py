"""The RPC service the schema describes: requests, the replies that answer them, streaming.

The request message (channel "rpc", core->runner) holds a union of request tables; each
names its response table with `reply`. The runner handler, its dispatch, the mock core
and the per-revision capabilities are all derived from this, so every mistake in it is
refused here with the file, line and declaration, and what to write instead.
"""

from __future__ import annotations

from typing import Callable, Optional

from . import model as M

Problem = Callable[[str, str], None]


def _union_of(model: "M.Model", direction: str) -> Optional["M.Union"]:
    msgs = [r for r in model.messages() if r.channel == "rpc" and r.direction == direction]
    if not msgs:
        return None
    field = next((f for f in msgs[0].fields if isinstance(f.type, M.UnionRef)), None)
    return model.unions[field.type.name] if field else None


def request_union(model: "M.Model") -> Optional["M.Union"]:
    return _union_of(model, "core->runner")


def response_union(model: "M.Model") -> Optional["M.Union"]:
    return _union_of(model, "runner->core")


def streaming_field(rec: "M.Record") -> Optional["M.Field"]:
    return next((f for f in rec.fields if f.name == "streaming" and f.type == M.Scalar("bool", "bool", 1)), None)


def supports_streaming(model: "M.Model", revision: str) -> bool:
    """A revision streams when one of its requests may ask for partial responses."""
    union = request_union(model)
    if union is None:
        return False
    for q in union.variants:
        rec = model.records[q]
        f = streaming_field(rec) if rec.streaming else None
        if f is not None and model.present(rec.since, revision) and model.present(f.since, revision):
            return True
    return False


def _since_hint(rec: "M.Record") -> str:
    return f'since: "{rec.since}"' if rec.since else "since: the revision that adds it"


def _home_fix(model: "M.Model", rec: "M.Record", requests: Optional["M.Union"]) -> str:
    """Which union a table no union lists belongs in. A request (it has `reply`) goes in
    the request union; any other variant in the union of its file whose next free index
    is its wire_index, when exactly one is; otherwise every union of its file is named."""
    if rec.reply and requests is not None:
        home = [requests]
    else:
        same_file = [u for u in model.unions.values() if u.file == rec.file and not u.native]
        home = [u for u in same_file if len(u.variants) == rec.wire_index] if rec.wire_index is not None else []
        if len(home) != 1:
            names = ", ".join(sorted(u.name for u in same_file))
            return (f"add {rec.name} to the union it is a variant of ({rec.file}.fbs declares {names}) with the "
                    f"next free wire_index, or drop its wire_index") if names else \
                f"add {rec.name} to the union it belongs to"
    return f"add {rec.name} to union {home[0].name} (wire_index: {len(home[0].variants)}, {_since_hint(rec)})"


def check(model: "M.Model", problem: Problem) -> None:
    requests, responses = request_union(model), response_union(model)
    in_union = {q for u in model.unions.values() for q in u.variants}
    replies_named = {model.records[q].reply for q in (requests.variants if requests else ())}
    for r in model.records.values():
        if r.qname in in_union or (r.wire_index is None and not r.reply):
            continue
        if responses is not None and r.name in replies_named:
            continue  # a reply left out of the response union: reported below, from its request
        # A request or variant no union lists generates nothing: say which union it was meant for.
        problem(model.where(r), f"is a union variant (it has {'`reply`' if r.reply else 'wire_index'}) but no "
                                f"union lists it; {_home_fix(model, r, requests)}")
    if requests is None or responses is None:
        return
    replies = {model.records[q].name: model.records[q] for q in responses.variants}
    for r in model.records.values():
        if r.streaming and streaming_field(r) is None:
            problem(model.where(r), "is `streaming` but has no `streaming: bool` field; add one (with `since` "
                                    "if it is new) or drop the `streaming` attribute")
    kinds = {}
    for q in requests.variants:
        req = model.records[q]
        if not req.reply:
            problem(model.where(req), f"a variant of {requests.name} needs `reply: \"NAME\"` naming the "
                                      f"{responses.name} table that answers it")
            continue
        if req.reply not in {r.name for r in model.records.values()}:
            continue  # reported by the model: the reply names no table
        reply = replies.get(req.reply)
        if reply is None:
            since = f'since: "{req.since}"' if req.since else f"since: the revision of {req.name}"
            problem(model.where(req), f"reply '{req.reply}' is not a variant of union {responses.name}; add "
                                      f"{req.reply} to {responses.name} (wire_index: {len(responses.variants)}, "
                                      f"{since})")
            continue
        if reply.since and not model.present(reply.since, req.since or model.revisions[0]):
            problem(model.where(req), f"reply {reply.name} exists only from {reply.since}, after {req.name}; "
                                      f"give them the same `since`")
        kind = bool(req.streaming)
        if kinds.setdefault(reply.name, kind) != kind:
            problem(model.where(reply), "answers streaming and non-streaming requests; give them separate "
                                        "response tables")
    for needed in ("ErrorResponse",):
        if needed not in replies:
            problem(model.where(responses), f"needs a variant {needed} (the runtime answers failures with it)")

