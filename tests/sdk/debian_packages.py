"""What the package tests share: a .deb's control fields, and which installed Debian
packages own a file or come with a Depends field (transitively)."""

from __future__ import annotations

import os
import re
import subprocess
import functools
from typing import Dict, List, Set, Tuple


def control(deb: str, names=("Package", "Version", "Section", "Description", "Depends")) -> Dict[str, str]:
    fields = {}
    for name in names:
        fields[name] = subprocess.run(["dpkg-deb", "-f", deb, name], stdout=subprocess.PIPE, text=True,
                                      check=True).stdout.strip()
    return fields


def package_names(depends: str) -> Set[str]:
    """Every package named in a Depends value, alternatives included."""
    return {re.split(r"[\s(:]", alt.strip())[0] for dep in depends.split(",") for alt in dep.split("|") if alt.strip()}


@functools.lru_cache(maxsize=None)
def _installed() -> Dict[str, Tuple[Set[str], Set[str]]]:
    """Every installed package -> (what its Depends and Pre-Depends name, what it
    Provides), from one dpkg-query call (one per package takes minutes for libtorch)."""
    p = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\\t${Depends},${Pre-Depends}\\t${Provides}\\n"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True)
    out = {}
    for line in p.stdout.splitlines():
        name, depends, provides = (line.split("\t") + ["", ""])[:3]
        out[name] = (package_names(depends), package_names(provides))
    return out


def depends_closure(direct: Set[str]) -> Set[str]:
    """The installed packages that `direct` brings in, transitively, and the virtual
    packages named on the way (libblas.so.3, which an installed provider satisfies)."""
    installed = _installed()
    seen, todo = set(), list(direct)
    while todo:
        pkg = todo.pop()
        if pkg in seen:
            continue
        seen.add(pkg)
        if pkg in installed:
            todo += installed[pkg][0] - seen
    return seen


def satisfied_by(closure: Set[str], packages: Set[str]) -> bool:
    """Whether one of `packages` is in `closure`, itself or through what it Provides
    (libopenblas0-pthread provides the libblas.so.3 that libtorch depends on)."""
    installed = _installed()
    return any(p in closure or installed.get(p, (set(), set()))[1] & closure for p in packages)


def owners_of(paths: List[str]) -> Dict[str, Set[str]]:
    """owners() of many paths with one dpkg-query call per spelling tried."""
    out: Dict[str, Set[str]] = {path: set() for path in paths}
    spellings = {}
    for path in paths:
        for p in (path, os.path.realpath(path)):
            for candidate in (p, p[len("/usr"):] if p.startswith("/usr/") else "/usr" + p):
                spellings.setdefault(candidate, set()).add(path)
    p = subprocess.run(["dpkg-query", "-S"] + list(spellings), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       text=True)
    for line in p.stdout.splitlines():
        names, _, file = line.partition(": ")
        for path in spellings.get(file.strip(), ()):
            out[path] |= {n.strip().split(":")[0] for n in names.split(",")}
    return out


def owners(path: str) -> Set[str]:
    """The packages that own `path` (several may share a directory). On a merged-/usr
    system dpkg knows /lib/x/libc.so.6 while the loader may report /usr/lib/x/libc.so.6
    (or the other way round), so the path, its target and both spellings are tried."""
    candidates = []
    for p in (path, os.path.realpath(path)):
        candidates.append(p)
        candidates.append(p[len("/usr"):] if p.startswith("/usr/") else "/usr" + p)
    for candidate in dict.fromkeys(candidates):
        p = subprocess.run(["dpkg-query", "-S", candidate], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           text=True)
        if p.returncode == 0:
            return {name.strip().split(":")[0]  # without the :amd64 qualifier
                    for line in p.stdout.splitlines() for name in line.split(": ")[0].split(",")}
    return set()
