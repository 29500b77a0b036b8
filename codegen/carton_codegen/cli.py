"""Command line: regenerate generated/ from schema/, or check that it is current."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import traceback
from typing import Dict, List, Optional

from . import bfbs, emit, lock, model

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# Exit codes: 0 written or current; 1 (--check) generated/ is stale; 2 the schema or the
# lock is refused (each problem on one line); 3 the generator itself failed.
EXIT_STALE, EXIT_REFUSED, EXIT_INTERNAL = 1, 2, 3


def load(schema: str, flatc: str) -> model.Model:
    return model.build_model(bfbs.compile_schema(schema, flatc))


def generate(schema: str, flatc: str) -> Dict[str, str]:
    return emit.Emitter(load(schema, flatc)).render()


def existing_files(out_dir: str) -> Dict[str, str]:
    found: Dict[str, str] = {}
    for dirpath, _, names in os.walk(out_dir):
        for n in names:
            path = os.path.join(dirpath, n)
            with open(path, encoding="utf-8") as f:
                found[os.path.relpath(path, out_dir)] = f.read()
    return found


def check(files: Dict[str, str], out_dir: str) -> List[str]:
    """Returns a unified diff of out_dir against `files` (empty when current)."""
    on_disk = existing_files(out_dir) if os.path.isdir(out_dir) else {}
    diff: List[str] = []
    for rel in sorted(set(files) | set(on_disk)):
        old = on_disk.get(rel, "").splitlines(keepends=True)
        new = files.get(rel, "").splitlines(keepends=True)
        if old != new:
            diff.extend(difflib.unified_diff(old, new, f"a/generated/{rel}", f"b/generated/{rel}"))
    return diff


def write(files: Dict[str, str], out_dir: str) -> None:
    for rel in set(existing_files(out_dir)) - set(files) if os.path.isdir(out_dir) else ():
        os.remove(os.path.join(out_dir, rel))  # a declaration left the schema
    for rel, text in sorted(files.items()):
        path = os.path.join(out_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(
        prog="carton-codegen",
        description="Generate the SDK's C++ (types, byte-exact codecs) from the FlatBuffers schema. "
                    "flatc parses the schema; its file:line errors are shown as they are.")
    p.add_argument("--schema", default=os.path.join(ROOT, "schema", "carton.fbs"),
                   help="the schema entry file (default: schema/carton.fbs)")
    p.add_argument("--out", default=os.path.join(ROOT, "generated"), help="output directory (default: generated/)")
    p.add_argument("--flatc", default=os.environ.get("FLATC", "flatc"), help="the flatc to run (default: flatc)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 with a diff if the output directory is not current")
    p.add_argument("--lock", help="the released revisions' frozen wire (default: wire.lock beside the schema)")
    p.add_argument("--release", metavar="REVISION",
                   help="record REVISION's wire in the lock (it can no longer change), then generate; again for a "
                        "released REVISION, re-record it after a rename (its bytes unchanged)")
    p.add_argument("--allow-byte-change", action="store_true",
                   help="with --release of a released REVISION: re-record it although its bytes change (only when "
                        "the lock recorded them wrong)")
    args = p.parse_args(argv)
    if args.allow_byte_change and not args.release:
        p.error("--allow-byte-change only applies to --release REVISION")
    lock_path = args.lock or lock.default_path(args.schema)
    try:
        return _run(args, lock_path)
    except Exception:  # a bug of the generator: never mistaken for a stale generated/ (1) or a refusal (2)
        print("carton-codegen: internal error, please report it with the schema that caused it:", file=sys.stderr)
        traceback.print_exc()
        return EXIT_INTERNAL


def _run(args: argparse.Namespace, lock_path: str) -> int:
    try:
        m = load(args.schema, args.flatc)
        locked = lock.read(lock_path)
        was = None
        if args.release:
            was = locked.get(lock.revision_name(m, args.release) or "")
            locked = lock.release(m, locked, args.release, args.allow_byte_change)
        problems = lock.check(m, locked)
        files = emit.Emitter(m).render()
    except bfbs.FlatcError as e:
        print(f"carton-codegen: flatc rejected the schema:\n{e}", file=sys.stderr)
        return EXIT_REFUSED
    except model.ModelError as e:
        print("carton-codegen: the schema cannot describe the wire:", file=sys.stderr)
        for prob in e.problems:
            print(f"  {prob}", file=sys.stderr)
        return EXIT_REFUSED
    except lock.LockError as e:
        print(f"carton-codegen: {e}", file=sys.stderr)
        return EXIT_REFUSED
    if problems:
        print(f"carton-codegen: the schema changes the bytes of a released revision ({lock_path}):", file=sys.stderr)
        for prob in problems:
            print(f"  {prob}", file=sys.stderr)
        return EXIT_REFUSED
    if args.release:
        name = lock.revision_name(m, args.release)
        with open(lock_path, "w", encoding="utf-8") as f:
            f.write(lock.render(locked))
        how = f"released {name}" if was is None else f"{name} was already released, unchanged" \
            if was == locked[name] else f"re-recorded {name} (names only, its bytes unchanged)" \
            if lock.same_bytes(was, locked[name]) else f"re-recorded {name} with changed bytes (--allow-byte-change)"
        print(f"carton-codegen: {how}; {lock_path} now freezes {', '.join(locked)}")
    if args.check:
        diff = check(files, args.out)
        if diff:
            sys.stdout.writelines(diff)
            print(f"carton-codegen: {args.out} is stale; run codegen/carton-codegen to regenerate", file=sys.stderr)
            return EXIT_STALE
        print(f"carton-codegen: {args.out} is current ({len(files)} files; released: {', '.join(locked) or 'none'})")
        return 0
    write(files, args.out)
    print(f"carton-codegen: wrote {len(files)} files to {args.out}")
    return 0
