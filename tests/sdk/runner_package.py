"""A runner's own Debian package (carton_add_runner(... PACKAGE)), as a machine that
installs only that package gets it:

  runner_package.py BUILD WORK COMPONENT RUNNER_NAME REQUIREMENT [MODEL_DIR INPUT_JSON]

builds the component's .deb with cpack into WORK, checks its control fields and that
it holds only <libdir>/carton/runners/RUNNER_NAME/ (the binary and runner.toml),
extracts it with dpkg-deb -x into a scratch root, and there

  * discovers runners as carton does (every runner.toml under the runner dir, at any
    depth) and checks the one found: runner_name, a framework_version that satisfies
    REQUIREMENT (e.g. ">=1.7"), interface version, platform, a relative runner_path
    naming the executable beside it;
  * checks that every shared library the binary loads resolves and belongs to a Debian
    package that the .deb's Depends bring in (transitively), and that the binary runs
    (--version);
  * with CARTON_REF_DIR=/path/to/shared/ref (opt-in): carton's own discovery
    (`ref-core discover --runner-dir ROOT/usr/lib/carton/runners --runner-name N
    --framework-version REQ`) prints MATCH for the extracted binary, and, given
    MODEL_DIR and INPUT_JSON, carton's core loads the model with it and infers (OUTPUT).
"""

from __future__ import annotations

import glob
import os
import platform
import re
import shutil
import subprocess
import sys
import tomllib
from typing import Dict, List, Tuple

from debian_packages import control, depends_closure, owners_of, package_names, satisfied_by

SKIP = 77
CPACK = os.environ.get("CARTON_CPACK", "cpack")
RUNNER_DIR = os.path.join("usr", "lib", "carton", "runners")


class Failure(Exception):
    pass


def run(*cmd: str, env: Dict[str, str] = None, cwd: str = None) -> str:
    print("+ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd,
                       env=dict(os.environ, **(env or {})))
    print(p.stdout, end="", flush=True)
    if p.returncode != 0:
        raise Failure(f"{cmd[0]} exited with {p.returncode}")
    return p.stdout


def build_deb(build: str, work: str, component: str) -> str:
    out = os.path.join(work, "deb")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    run(CPACK, "-G", "DEB", "-B", out, "-D", f"CPACK_COMPONENTS_ALL={component}",
        "--config", os.path.join(build, "CPackConfig.cmake"), cwd=build)
    debs = glob.glob(os.path.join(out, "*.deb"))
    if len(debs) != 1:
        raise Failure(f"expected one .deb in {out}, found {debs}")
    return debs[0]


def check_control(deb: str, name: str) -> Dict[str, str]:
    fields = control(deb, ("Package", "Version", "Architecture", "Section", "Description", "Depends"))
    print("control: " + "; ".join(f"{k}: {v.splitlines()[0] if v else ''}" for k, v in fields.items()))
    arch = run("dpkg", "--print-architecture").strip()
    expected_file = f"{fields['Package']}_{fields['Version']}_{arch}.deb"
    if os.path.basename(deb) != expected_file:
        raise Failure(f"the package file is {os.path.basename(deb)}, not {expected_file}")
    if not re.fullmatch(r"carton-runner-[a-z0-9.+-]+", fields["Package"]) or \
            not re.match(r"\d+\.\d+\.\d+", fields["Version"]) or not fields["Description"] or not fields["Depends"]:
        raise Failure(f"unexpected control fields {fields}")
    contents = run("dpkg-deb", "--contents", deb)
    files = [line.split()[-1] for line in contents.splitlines() if not line.startswith("d")]
    prefix = f"./{RUNNER_DIR}/{name}/"
    stray = [f for f in files if not f.startswith(prefix)]
    if stray or len(files) != 2:
        raise Failure(f"the package must hold exactly a binary and runner.toml under {prefix}; it holds {files}")
    return fields


def version_tuple(text: str) -> Tuple[int, ...]:
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", text)
    if not m:
        raise Failure(f"'{text}' is not a semver version")
    return tuple(int(g) for g in m.groups())


def satisfies(version: str, requirement: str) -> bool:
    """The comparison forms the tests use (>=, >, =, <, <=, and a bare version as =)."""
    m = re.fullmatch(r"\s*(>=|<=|>|<|=)?\s*(\d+(?:\.\d+){0,2})\s*", requirement)
    if not m:
        raise Failure(f"unsupported requirement '{requirement}'")
    op, want = m.group(1) or "=", m.group(2)
    parts = [int(p) for p in want.split(".")]
    have = version_tuple(version)[:len(parts)]
    want_t = tuple(parts)
    return {">=": have >= want_t, "<=": have <= want_t, ">": have > want_t, "<": have < want_t,
            "=": have == want_t}[op]


def rust_triple() -> str:
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(), platform.machine().lower())
    return f"{arch}-unknown-linux-gnu"


def discover(runner_dir: str, name: str, requirement: str) -> str:
    """carton's walk: every file named runner.toml below runner_dir; returns the binary
    of the one runner named `name`."""
    found: List[Tuple[str, dict]] = []
    for dirpath, _, files in os.walk(runner_dir, followlinks=True):
        if "runner.toml" in files:
            path = os.path.join(dirpath, "runner.toml")
            with open(path, "rb") as f:
                toml = tomllib.load(f)
            if toml.get("version") != 1:
                raise Failure(f"{path}: version = {toml.get('version')!r}, carton reads version 1")
            found += [(path, r) for r in toml.get("runner", [])]
    matching = [(p, r) for p, r in found if r.get("runner_name") == name]
    if len(matching) != 1:
        raise Failure(f"expected one runner named {name} under {runner_dir}, found {found}")
    path, r = matching[0]
    print(f"discovered {path}: {r}")
    if not satisfies(r["framework_version"], requirement):
        raise Failure(f"framework_version {r['framework_version']} does not satisfy {requirement}")
    if r.get("runner_interface_version") != 1 or r.get("platform") != rust_triple():
        raise Failure(f"interface {r.get('runner_interface_version')} / platform {r.get('platform')}: "
                      f"carton 0.0.1 on this machine needs 1 / {rust_triple()}")
    if os.path.isabs(r["runner_path"]) or "/" in r["runner_path"]:
        raise Failure(f"runner_path {r['runner_path']} is not the bare file name: the package would not move")
    binary = os.path.join(os.path.dirname(path), r["runner_path"])
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        raise Failure(f"runner_path {binary} is not an executable file")
    return binary


def check_libraries(binary: str, depends: str) -> None:
    out = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    if "not found" in out:
        raise Failure(f"{binary} has unresolved libraries:\n{out}")
    libs = re.findall(r"=>\s+(/\S+)", out)
    closure = depends_closure(package_names(depends))
    owned = owners_of(libs)
    unowned = [lib for lib, pkgs in owned.items() if not pkgs]
    if unowned:
        raise Failure(f"no Debian package owns {unowned}: a machine with only the Depends would lack them")
    missing = {lib: sorted(pkgs) for lib, pkgs in owned.items() if not satisfied_by(closure, pkgs)}
    if missing:
        raise Failure(f"Depends ({depends}) does not bring {missing}")
    print(f"{len(libs)} shared libraries, each from a package that Depends brings in")
    version = run(binary, "--version")
    if not version.strip():
        raise Failure(f"{binary} --version printed nothing")


def reference(ref: str, root: str, binary: str, name: str, requirement: str, model: str, input_json: str) -> None:
    runner_dir = os.path.join(root, RUNNER_DIR)
    out = run(os.path.join(ref, "carton-0.0.1", "ref-core"), "discover", "--runner-dir", runner_dir,
              "--runner-name", name, "--framework-version", requirement)
    if f"MATCH {os.path.abspath(binary)}" not in out:
        raise Failure(f"carton's discovery does not pick {binary}")
    if model:
        out = run(os.path.join(ref, "carton-0.0.1", "ref-core"), binary, "load-infer", "--dir", model,
                  "--input", input_json, "--runner-name", name, "--framework-version", requirement,
                  env={"REF_CORE_QUIET_LOGS": "1"})
        if "\nOUTPUT " not in "\n" + out:
            raise Failure("carton's core got no OUTPUT from the installed runner")


def main(argv: List[str]) -> int:
    if len(argv) not in (5, 7):
        print(__doc__, file=sys.stderr)
        return 2
    if not (shutil.which("dpkg-deb") and shutil.which(CPACK) and shutil.which("dpkg-query")):
        print("SKIP: no dpkg-deb, dpkg-query or cpack (not a Debian system)")
        return SKIP
    build, work, component, name, requirement = argv[:5]
    model, input_json = (os.path.abspath(argv[5]), os.path.abspath(argv[6])) if len(argv) == 7 else ("", "")
    build, work = os.path.abspath(build), os.path.abspath(work)
    try:
        deb = build_deb(build, work, component)
        fields = check_control(deb, name)
        root = os.path.join(work, "root")
        shutil.rmtree(root, ignore_errors=True)
        run("dpkg-deb", "-x", deb, root)
        binary = discover(os.path.join(root, RUNNER_DIR), name, requirement)
        check_libraries(binary, fields["Depends"])
        ref = os.environ.get("CARTON_REF_DIR")
        if ref:
            reference(ref, root, binary, name, requirement, model, input_json)
        else:
            print("carton's own discovery not run (set CARTON_REF_DIR to the reference binaries)")
    except Failure as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
