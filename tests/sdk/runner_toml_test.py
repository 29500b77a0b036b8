"""runner.toml's runner_release_date is the time the runner binary was linked
(cmake/CartonRunner.cmake, cmake/CartonRunnerToml.cmake): carton takes the newest
runner_release_date among the runners that match a model, so a rebuilt runner must
carry a newer date, and one only configured again must not.

  runner_toml_test.py SOURCE WORK

builds a small project in WORK with SOURCE's CartonRunner.cmake (an empty stand-in for
CartonRunnerSDK::runner, so nothing but the function is under test) and checks: the
build-tree and installed runner.toml carry the same date; configuring again does not
move it; touching a source and rebuilding does; SOURCE_DATE_EPOCH fixes it; RELEASE_DATE
overrides it; a changed FRAMEWORK_VERSION rewrites the file without a source change.
Uses the SDK's generator and compiler launcher (CARTON_CMAKE_GENERATOR,
CARTON_CXX_LAUNCHER) like sdk_test.py.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import time
from typing import Dict

CMAKE = os.environ.get("CARTON_CMAKE", "cmake")

PROJECT = """cmake_minimum_required(VERSION 3.25)
project(runner_toml_test LANGUAGES CXX)
include({source}/cmake/CartonRunner.cmake)
# What carton_add_runner links; the test needs no SDK library.
add_library(fake_sdk_runner INTERFACE)
add_library(CartonRunnerSDK::runner ALIAS fake_sdk_runner)
set(TEST_FRAMEWORK_VERSION 1.2.3 CACHE STRING "")
carton_add_runner(carton-runner-dated RUNNER_NAME acme/dated FRAMEWORK_VERSION ${{TEST_FRAMEWORK_VERSION}}
                  SOURCES main.cpp)
carton_add_runner(carton-runner-fixed RUNNER_NAME acme/fixed FRAMEWORK_VERSION 1.0.0
                  RELEASE_DATE 1979-05-27T07:32:00Z SOURCES main.cpp)
"""


class Failure(Exception):
    pass


def run(*cmd: str, env: Dict[str, str] = None) -> str:
    print("+ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, env=dict(os.environ, **(env or {})), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    print(p.stdout, end="", flush=True)
    if p.returncode != 0:
        raise Failure(f"{cmd[0]} exited with {p.returncode}")
    return p.stdout


def toml(path: str) -> Dict[str, str]:
    with open(path, encoding="utf-8") as f:
        return dict(re.findall(r'^(\w+) = "?([^"\n]*)"?$', f.read(), re.M))


def next_second() -> None:
    """The date has whole seconds: wait for the next one, so a new date must differ."""
    time.sleep(1.1)


def main(source: str, work: str) -> None:
    project = os.path.join(work, "project")
    build = os.path.join(work, "build")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(project)
    with open(os.path.join(project, "CMakeLists.txt"), "w") as f:
        f.write(PROJECT.format(source=source))
    main_cpp = os.path.join(project, "main.cpp")
    with open(main_cpp, "w") as f:
        f.write("int main() { return 0; }\n")
    configure = [CMAKE, "-S", project, "-B", build]
    if os.environ.get("CARTON_CMAKE_GENERATOR"):
        configure += ["-G", os.environ["CARTON_CMAKE_GENERATOR"]]
    if os.environ.get("CARTON_CXX_LAUNCHER"):
        configure.append(f"-DCMAKE_CXX_COMPILER_LAUNCHER={os.environ['CARTON_CXX_LAUNCHER']}")
    built = os.path.join(build, "runners", "carton-runner-dated", "runner.toml")
    staged = os.path.join(build, "CartonRunnerInstall", "carton-runner-dated", "runner.toml")
    # A reproducible build elsewhere in the environment must not decide the dates here.
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    os.environ.clear()
    os.environ.update(env)

    run(*configure)
    if os.path.exists(built):
        raise Failure(f"{built} exists before the runner was built: it is written at configure time")
    run(CMAKE, "--build", build)
    first = toml(built)
    date = first["runner_release_date"]
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", date):
        raise Failure(f"runner_release_date {date!r} is not an RFC 3339 UTC time")
    if first["runner_name"] != "acme/dated" or first["framework_version"] != "1.2.3":
        raise Failure(f"unexpected runner.toml {first}")
    prefix = os.path.join(work, "prefix")
    run(CMAKE, "--install", build, "--prefix", prefix)
    # Installed under the runner_name carton matches (carton_add_runner), not the target.
    found = glob.glob(os.path.join(prefix, "lib*", "carton", "runners", "acme", "dated", "runner.toml"))
    if len(found) != 1:
        raise Failure(f"no installed runner.toml for carton-runner-dated under {prefix}")
    installed = toml(found[0])
    if installed["runner_release_date"] != date or installed["runner_path"] != "carton-runner-dated":
        raise Failure(f"the installed runner.toml {installed} does not match the build tree's date {date}")
    fixed = toml(os.path.join(build, "runners", "carton-runner-fixed", "runner.toml"))
    if fixed["runner_release_date"] != "1979-05-27T07:32:00Z":
        raise Failure(f"RELEASE_DATE was not kept: {fixed}")

    # Configured again (from scratch, as a changed CMakeLists.txt would) and built: the
    # binary is up to date, so the date stays.
    next_second()
    os.utime(os.path.join(project, "CMakeLists.txt"))
    run(*configure)
    run(CMAKE, "--build", build)
    if toml(built)["runner_release_date"] != date:
        raise Failure(f"configuring again moved runner_release_date from {date} to {toml(built)['runner_release_date']}")

    # A changed source relinks the runner: a newer date, in both files.
    next_second()
    os.utime(main_cpp)
    run(CMAKE, "--build", build)
    rebuilt = toml(built)["runner_release_date"]
    if not rebuilt > date:
        raise Failure(f"rebuilding the runner left runner_release_date at {rebuilt} (was {date})")
    if toml(staged)["runner_release_date"] != rebuilt:
        raise Failure(f"the runner.toml staged for install has {toml(staged)['runner_release_date']}, not {rebuilt}")

    # SOURCE_DATE_EPOCH at build time: a reproducible date.
    next_second()
    os.utime(main_cpp)
    run(CMAKE, "--build", build, env={"SOURCE_DATE_EPOCH": "1700000000"})
    if toml(built)["runner_release_date"] != "2023-11-14T22:13:20Z":
        raise Failure(f"SOURCE_DATE_EPOCH=1700000000 gave {toml(built)['runner_release_date']}")

    # Another framework version with no source change: the file follows.
    run(*configure, "-DTEST_FRAMEWORK_VERSION=1.2.4")
    run(CMAKE, "--build", build)
    if toml(built)["framework_version"] != "1.2.4" or toml(staged)["framework_version"] != "1.2.4":
        raise Failure(f"a new FRAMEWORK_VERSION did not reach runner.toml: {toml(built)}")
    print("runner_toml_test: ok")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        main(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]))
    except Failure as e:
        print(f"FAIL: {e}", file=sys.stderr)
        sys.exit(1)
