"""The SDK as its users get it: installed to a prefix (then moved), or as the .deb
extracted with dpkg -x, with a runner project built against it from outside this tree.

  sdk_test.py install     BUILD WORK   installs the `sdk` component, moves the prefix
  sdk_test.py standalone  WORK SOURCE  builds examples/standalone against WORK/prefix
  sdk_test.py new-runner  WORK         carton-new-runner acme/xgboost (both kinds), then
                                       the same, and its model check and model file
  sdk_test.py path-loader WORK SOURCE  builds examples/path_loader (a path-only loader
                                       behind ModelPath) and runs its mock-core tests
  sdk_test.py deb-package BUILD WORK   cpack -G DEB into WORK/deb
  sdk_test.py deb         WORK SOURCE  extracts the .deb, checks its control fields,
                                       builds SOURCE and a new-runner project on it

With CARTON_REF_DIR=/path/to/shared/ref (opt-in), the installed standalone runner is also
looked up by carton's own discovery (ref-core discover).

Projects are configured with the SDK's generator and compiler launcher
(CARTON_CMAKE_GENERATOR, CARTON_CXX_LAUNCHER) and no build type: the standalone example
then compiles fastest, and a carton-new-runner project must pick its own default.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from typing import Dict, List, Set

from debian_packages import control, depends_closure, owners, package_names

SKIP = 77  # CTest's SKIP_RETURN_CODE for these tests
CMAKE = os.environ.get("CARTON_CMAKE", "cmake")
CTEST = os.environ.get("CARTON_CTEST", "ctest")
CPACK = os.environ.get("CARTON_CPACK", "cpack")


class Failure(Exception):
    pass


def run(*cmd: str, cwd: str = None, env: Dict[str, str] = None) -> str:
    print("+ " + " ".join(cmd), flush=True)
    full_env = dict(os.environ, **(env or {}))
    p = subprocess.run(cmd, cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(p.stdout, end="", flush=True)
    if p.returncode != 0:
        raise Failure(f"{cmd[0]} exited with {p.returncode}")
    return p.stdout


def prefix_of(work: str) -> str:
    return os.path.join(work, "prefix")


def install(build: str, work: str) -> None:
    # Only its own directories: the .deb fixture shares WORK and may run meanwhile.
    staging = os.path.join(work, "staging")
    prefix = prefix_of(work)
    for d in (staging, prefix):
        shutil.rmtree(d, ignore_errors=True)
    run(CMAKE, "--install", build, "--prefix", staging, "--component", "sdk")
    # The users' copy lives elsewhere than where it was installed: nothing may point back.
    os.rename(staging, prefix)
    for path in text_files(prefix):
        with open(path, encoding="utf-8", errors="replace") as f:
            if staging in f.read():
                raise Failure(f"{path} names the install prefix {staging}: the package is not relocatable")
    for tool in ("carton-wire", "carton-conformance", "carton-codegen", "carton-new-runner"):
        if not os.access(os.path.join(prefix, "bin", tool), os.X_OK):
            raise Failure(f"bin/{tool} was not installed")


def text_files(root: str) -> List[str]:
    out = []
    for dirpath, _, names in os.walk(root):
        out += [os.path.join(dirpath, n) for n in names if not n.endswith((".a", ".so"))
                and "bin" not in os.path.relpath(dirpath, root).split(os.sep)[:1]]
    return out


def build_project(source: str, build: str, prefix: str) -> None:
    """Configure, build and test a runner project against the SDK under `prefix`."""
    shutil.rmtree(build, ignore_errors=True)
    args = [CMAKE, "-S", source, "-B", build, f"-DCMAKE_PREFIX_PATH={prefix}"]
    if os.environ.get("CARTON_CMAKE_GENERATOR"):
        args += ["-G", os.environ["CARTON_CMAKE_GENERATOR"]]
    if os.environ.get("CARTON_CXX_LAUNCHER"):
        args.append(f"-DCMAKE_CXX_COMPILER_LAUNCHER={os.environ['CARTON_CXX_LAUNCHER']}")
    run(*args)
    run(CMAKE, "--build", build, "-j", "2")
    run(CTEST, "--test-dir", build, "--output-on-failure")


def conformance(prefix: str, runner: str, *args: str) -> str:
    out = run(os.path.join(prefix, "bin", "carton-conformance"), "--runner", runner, "--core-version", "all", *args)
    if not re.search(r"^[1-9][0-9]* passed, 0 failed", out, re.M):
        raise Failure("carton-conformance did not pass")
    return out


def check_installed_runner(build: str, work: str, target: str, name: str, *filters: str) -> None:
    """`cmake --install` of the project: binary and runner.toml in one directory, the
    runner_path relative, and (opt-in, CARTON_REF_DIR) carton's own discovery finds it
    by `name` (and `filters`, more ref-core discover arguments)."""
    dest = os.path.join(work, "runners-install")
    shutil.rmtree(dest, ignore_errors=True)
    run(CMAKE, "--install", build, "--prefix", dest)
    runner_dirs = glob.glob(os.path.join(dest, "lib*", "carton", "runners"))
    if len(runner_dirs) != 1:
        raise Failure(f"no lib/carton/runners under {dest}")
    # The directory is named after the runner_name carton matches, not the target.
    with open(os.path.join(runner_dirs[0], name, "runner.toml"), encoding="utf-8") as f:
        toml = f.read()
    if f'runner_path = "{target}"' not in toml or not os.access(os.path.join(runner_dirs[0], name, target), os.X_OK):
        raise Failure(f"installed runner.toml does not name {target} beside it:\n{toml}")
    ref = os.environ.get("CARTON_REF_DIR")
    if ref:
        out = run(os.path.join(ref, "carton-0.0.1", "ref-core"), "discover", "--runner-dir", runner_dirs[0],
                  "--runner-name", name, *filters)
        if f"MATCH {os.path.join(runner_dirs[0], name, target)}" not in out:
            raise Failure("carton's discovery does not pick the installed runner")


def check_runner_package(build: str, name: str, binary: str) -> None:
    """The project's own runner package (carton_add_runner(... PACKAGE)), made with the
    installed CartonRunner.cmake: named after the runner, holding only its directory."""
    if not shutil.which("dpkg-deb"):
        print("runner package not checked: no dpkg-deb")
        return
    out = os.path.join(build, "deb")
    shutil.rmtree(out, ignore_errors=True)
    run(CPACK, "-G", "DEB", "-B", out, "--config", os.path.join(build, "CPackConfig.cmake"), cwd=build)
    debs = glob.glob(os.path.join(out, "*.deb"))
    if [os.path.basename(d).split("_")[0] for d in debs] != [f"carton-runner-{name}"]:
        raise Failure(f"expected carton-runner-{name}_*.deb in {out}, found {debs}")
    files = sorted(line.split()[-1] for line in run("dpkg-deb", "--contents", debs[0]).splitlines()
                   if not line.startswith("d"))
    expected = [f"./usr/lib/carton/runners/{name}/{binary}", f"./usr/lib/carton/runners/{name}/runner.toml"]
    if files != expected:
        raise Failure(f"the package holds {files}, not {expected}")


def standalone(work: str, source: str) -> None:
    prefix = prefix_of(work)
    build = os.path.join(work, "standalone")
    build_project(source, build, prefix)
    conformance(prefix, os.path.join(build, "carton-runner-echo"))
    check_installed_runner(build, build, "carton-runner-echo", "standalone-echo")
    check_runner_package(build, "standalone-echo", "carton-runner-echo")


def path_loader(work: str, source: str) -> None:
    """A framework that loads only from a path, served through ModelHandler and
    ModelPath, tested with the installed mock test helpers; its framework_version comes
    from the framework's header (FRAMEWORK_VERSION_FROM_HEADER, "1.4" -> 1.4.0)."""
    prefix = prefix_of(work)
    build = os.path.join(work, "path-loader")
    build_project(source, build, prefix)
    with open(os.path.join(build, "runners", "carton-runner-tinylinear", "runner.toml"), encoding="utf-8") as f:
        toml = f.read()
    if 'framework_version = "1.4.0"' not in toml:
        raise Failure(f"runner.toml does not carry the header's version as 1.4.0:\n{toml}")
    out = conformance(prefix, os.path.join(build, "carton-runner-tinylinear"),
                      "--model-dir", os.path.join(source, "tests", "model"),
                      "--model-check", os.path.join(source, "tests", "model_check.json"))
    if "PASS model/infer_with_tensors@0.0.1" not in out:
        raise Failure("the model suite did not run")


def handler_methods(header: str) -> Set[str]:
    with open(header, encoding="utf-8") as f:
        return set(re.findall(r"virtual void (on_\w+)\(", f.read()))


def new_runner(work: str) -> None:
    new_runner_project(prefix_of(work), os.path.join(work, "new-runner"), "model")
    new_runner_project(prefix_of(work), os.path.join(work, "new-runner-handler"), "handler")


def refused(cmd: List[str], message: str) -> None:
    """`cmd` must exit 2 with `message` on stderr."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 2 or message not in p.stderr:
        raise Failure(f"{' '.join(cmd)} exited {p.returncode} with {p.stderr!r}; expected 2 and {message!r}")


def cache_value(build: str, name: str) -> str:
    with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8") as f:
        m = re.search(rf"^{name}:\w+=(.*)$", f.read(), re.M)
    return m.group(1) if m else ""


# A framework's own header declares its namespace; a runner for it named after it must
# not put its handler there. Had the skeleton used `namespace xgboost`, this alias would
# clash with its XgboostHandler class.
FRAMEWORK_STUB = """// Stands in for a header of the xgboost library, which declares namespace xgboost.
#pragma once
namespace xgboost {
using XgboostHandler = int;
}  // namespace xgboost
"""


def new_runner_project(prefix: str, project: str, kind: str = "model") -> None:
    """carton-new-runner acme/xgboost (--kind `kind`; model is the default), then the
    project's commands, unchanged: it builds (optimised, by its own default), its test
    passes and reads the model file through the mock core's served directory, and the
    conformance suite passes with its model check, which fails when the model
    directory lacks the model."""
    shutil.rmtree(project, ignore_errors=True)
    tool = os.path.join(prefix, "bin", "carton-new-runner")
    refused([tool, "xgboost", "--framework-version", "1.7.4", project], "has no namespace")
    refused([tool, "acme/xgboost", project], "--framework-version")
    refused([tool, "acme/xgboost", "--framework-version", "1.7", project], "full semver version")
    refused([tool, "acme/xgboost", "--framework-version", "1.7.4", "--kind", "other", project], "--kind")
    run(tool, "acme/xgboost", "--framework-version", "1.7.4", *(["--kind", kind] if kind != "model" else []),
        project)
    with open(os.path.join(project, "src", "xgboost_handler.hpp"), encoding="utf-8") as f:
        header = f.read()
    if kind == "model":
        # The three methods that are the framework's, and none of the protocol's.
        for line in ("class XgboostHandler : public carton::runner::ModelHandler<XgboostModel> {",
                     "load_served_model(const carton::wire::LoadRequest& request) override;",
                     "std::string pack_file_name(const carton::wire::PackRequest& request, const std::string& file) override;",
                     "Tensors infer(const XgboostModel& model, Tensors inputs) override;"):
            if line not in header:
                raise Failure(f"the ModelHandler skeleton lacks `{line}`:\n{header}")
        if re.search(r"void on_\w+\(", header):
            raise Failure("the ModelHandler skeleton overrides protocol methods")
    else:
        expected = handler_methods(os.path.join(prefix, "include", "carton", "runner", "runner_handler.hpp"))
        written = set(re.findall(r"void (on_\w+)\(.*\) override;", header))
        if written != expected:
            raise Failure(f"the skeleton overrides {sorted(written)}, RunnerHandler has {sorted(expected)}")
    if "namespace xgboost_runner {" not in header:
        raise Failure("the handler is not in namespace xgboost_runner")
    with open(os.path.join(project, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    for command in ("cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo", "cmake --build build",
                    "ctest --test-dir build", "carton-conformance --runner build/carton-runner-xgboost",
                    "--model-dir tests/model --model-check tests/model_check.json"):
        if command not in readme:
            raise Failure(f"README.md lacks `{command}`")
    with open(os.path.join(project, "CMakeLists.txt"), encoding="utf-8") as f:
        if 'set(XGBOOST_FRAMEWORK_VERSION "1.7.4" CACHE STRING' not in f.read():
            raise Failure("CMakeLists.txt does not set XGBOOST_FRAMEWORK_VERSION 1.7.4")
    with open(os.path.join(project, "src", "framework_stub.hpp"), "w", encoding="utf-8") as f:
        f.write(FRAMEWORK_STUB)
    handler_cpp = os.path.join(project, "src", "xgboost_handler.cpp")
    with open(handler_cpp, encoding="utf-8") as f:
        text = f.read()
    with open(handler_cpp, "w", encoding="utf-8") as f:
        f.write('#include "framework_stub.hpp"\n' + text)

    build = os.path.join(project, "build")
    build_project(project, build, prefix)
    if cache_value(build, "CMAKE_BUILD_TYPE") != "RelWithDebInfo":
        raise Failure(f"configured without a build type, the project builds {cache_value(build, 'CMAKE_BUILD_TYPE')!r}")
    with open(os.path.join(build, "runners", "carton-runner-xgboost", "runner.toml"), encoding="utf-8") as f:
        toml = f.read()
    for line in ('runner_name = "acme/xgboost"', 'framework_version = "1.7.4"'):
        if line not in toml:
            raise Failure(f"runner.toml lacks {line}:\n{toml}")
    runner = os.path.join(build, "carton-runner-xgboost")
    model_args = ["--model-dir", os.path.join(project, "tests", "model"),
                  "--model-check", os.path.join(project, "tests", "model_check.json")]
    out = conformance(prefix, runner, *model_args)
    if "PASS model/infer_with_tensors@0.0.1" not in out:
        raise Failure("the model suite did not run")
    empty = os.path.join(project, "empty-model")
    os.makedirs(empty, exist_ok=True)
    p = subprocess.run([os.path.join(prefix, "bin", "carton-conformance"), "--runner", runner, "--suite", "model",
                        "--model-dir", empty, "--model-check", model_args[-1]],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 1 or "cannot read model.bin" not in p.stdout:
        raise Failure(f"with an empty model directory the model suite did not fail on model.bin:\n{p.stdout}")
    # A model asking for xgboost 1.7.4 finds it (opt-in: carton's own discovery).
    check_installed_runner(build, build, "carton-runner-xgboost", "acme/xgboost", "--framework-version", "=1.7.4")


def deb_package(build: str, work: str) -> None:
    out = os.path.join(work, "deb")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    # Only the SDK's package: the runners' have tests of their own (runner_package.py).
    run(CPACK, "-G", "DEB", "-B", out, "-D", "CPACK_COMPONENTS_ALL=sdk",
        "--config", os.path.join(build, "CPackConfig.cmake"), cwd=build)
    debs = glob.glob(os.path.join(out, "*.deb"))
    if len(debs) != 1:
        raise Failure(f"expected one .deb in {out}, found {debs}")


def needed_packages(build: str, root: str) -> Dict[str, Set[str]]:
    """What the build used -> the packages that provide it: every package config CMake
    found on the system (<Package>_DIR: the Boost configs), CMake itself, and what
    carton-codegen runs."""
    used = {}
    with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"(\w+(?<!_INCLUDE)_DIR|CMAKE_COMMAND):\w+=(/.*)$", line.strip())
            # Only what the system provides, not the extracted root or the project.
            if m and m.group(2).startswith("/usr/") and not m.group(2).startswith(root) \
                    and os.path.exists(m.group(2)):
                used[m.group(2)] = m.group(1)
    import jinja2  # noqa: E402: the generator's imports, located by the same python3
    import flatbuffers
    used[jinja2.__file__] = "jinja2 (carton-codegen)"
    used[flatbuffers.__file__] = "flatbuffers (carton-codegen)"
    used[shutil.which("flatc") or "/usr/bin/flatc"] = "flatc (carton-codegen)"
    packages = {}
    for path, what in used.items():
        pkgs = owners(path)
        if not pkgs:
            raise Failure(f"no Debian package owns {path} ({what})")
        packages[f"{what} {path}"] = pkgs
    return packages


def deb(work: str, source: str) -> None:
    debs = glob.glob(os.path.join(work, "deb", "*.deb"))
    if len(debs) != 1:
        raise Failure(f"no .deb in {work}/deb")
    fields = control(debs[0])
    print("control: " + "; ".join(f"{k}: {v.splitlines()[0] if v else ''}" for k, v in fields.items()))
    if fields["Package"] != "libcarton-runner-sdk-dev" or fields["Section"] != "libdevel" \
            or not re.match(r"\d+\.\d+\.\d+", fields["Version"]) or not fields["Description"]:
        raise Failure(f"unexpected control fields {fields}")
    root = os.path.join(work, "deb-root")
    shutil.rmtree(root, ignore_errors=True)
    run("dpkg", "-x", debs[0], root)
    prefix = os.path.join(root, "usr")
    build = os.path.join(work, "deb-standalone")
    build_project(source, build, prefix)
    conformance(prefix, os.path.join(build, "carton-runner-echo"))
    new_runner_project(prefix, os.path.join(work, "deb-new-runner"))

    closure = depends_closure(package_names(fields["Depends"]))
    needed = needed_packages(build, root)
    print("needed: " + "; ".join(f"{what} <- {' | '.join(sorted(pkgs))}" for what, pkgs in needed.items()))
    missing = {what: pkgs for what, pkgs in needed.items() if not pkgs & closure}
    if missing:
        raise Failure(f"Depends ({fields['Depends']}) does not bring {missing}")
    # The packaged generator runs from the extracted tree and reproduces the packaged headers.
    generated = os.path.join(work, "deb-codegen")
    shutil.rmtree(generated, ignore_errors=True)
    run(os.path.join(prefix, "bin", "carton-codegen"), "--out", generated)
    rel = os.path.join("carton", "runner", "runner_handler.hpp")
    with open(os.path.join(generated, rel), encoding="utf-8") as a, \
            open(os.path.join(prefix, "include", rel), encoding="utf-8") as b:
        if a.read() != b.read():
            raise Failure("the packaged carton-codegen does not reproduce the packaged runner_handler.hpp")


def main(argv: List[str]) -> int:
    commands = {"install": install, "standalone": standalone, "new-runner": new_runner, "path-loader": path_loader,
                "deb-package": deb_package, "deb": deb}
    if len(argv) < 2 or argv[0] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0].startswith("deb") and not (shutil.which("dpkg-deb") and shutil.which(CPACK)):
        print("SKIP: no dpkg-deb or cpack (not a Debian system)")
        return SKIP
    try:
        commands[argv[0]](*[os.path.abspath(a) for a in argv[1:]])
    except Failure as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
