"""carton_framework_version() (cmake/CartonFrameworkVersion.cmake), run with `cmake -P`
against a stand-in framework header and pkg-config module: what each form reads, how
it is normalized to semver, and the error that names what was not found or not semver.

  framework_version_test.py SOURCE WORK
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import List, Tuple

CMAKE = os.environ.get("CARTON_CMAKE", "cmake")

HEADER = """// Stands in for a framework's version header.
#define LIBLINEAR_VERSION 230
#define FW_VER_MAJOR 1 /* NOLINT */
#define FW_VER_MINOR 7
#define FW_VER_PATCH 04
#  define FW_VERSION_STRING "2.30"  // two parts
#define FW_PRERELEASE ("2.0-rc1")
#define FW_FOUR_PARTS "1.2.3.4"
#define FW_LEADING_ZERO "2.03"
#define FW_NAME "liblinear"
"""

PC = """Name: fakefw
Description: a framework that reports {version}
Version: {version}
"""

# (arguments, expected version or the error's words, environment additions)
CASES: List[Tuple[str, str]] = [
    # liblinear packs 2.30 as 230: the REGEX's groups split it.
    ("FROM_HEADER fw.h MACRO LIBLINEAR_VERSION REGEX ^([0-9]+)([0-9][0-9])$", "2.30.0"),
    ("FROM_HEADER fw.h MAJOR FW_VER_MAJOR MINOR FW_VER_MINOR PATCH FW_VER_PATCH", "1.7.4"),
    ("FROM_HEADER fw.h MAJOR FW_VER_MAJOR MINOR FW_VER_MINOR", "1.7.0"),
    ("FROM_HEADER fw.h MACRO FW_VERSION_STRING", "2.30.0"),  # the library's 2.30, not 2.3.0
    ("FROM_HEADER fw.h MACRO FW_PRERELEASE", "2.0.0-rc1"),
    ("FROM_HEADER include/fw.h MACRO FW_VERSION_STRING", "2.30.0"),
    # Not 230.0.0: a bare number is most likely packed, so it needs a REGEX.
    ("FROM_HEADER fw.h MACRO LIBLINEAR_VERSION",
     "framework version '230' (LIBLINEAR_VERSION in {work}/fw.h) is not a semver version"),
    ("FROM_HEADER fw.h MACRO FW_FOUR_PARTS", "framework version '1.2.3.4' (FW_FOUR_PARTS in"),
    ("FROM_HEADER fw.h MACRO FW_LEADING_ZERO", "framework version '2.03' (FW_LEADING_ZERO in"),
    ("FROM_HEADER fw.h MACRO FW_NAME", "framework version 'liblinear' (FW_NAME in"),
    ("FROM_HEADER fw.h MACRO FW_NAME REGEX ^([0-9]+)$", "REGEX '^([0-9]+)$' does not match 'liblinear'"),
    ("FROM_HEADER fw.h MACRO FW_MISSING", "{work}/fw.h does not #define FW_MISSING"),
    ("FROM_HEADER nowhere.h MACRO FW_VER_MAJOR", "header nowhere.h not found"),
    ("FROM_HEADER fw.h", "needs either MAJOR <macro> MINOR <macro> [PATCH <macro>], or MACRO <macro>"),
    ("FROM_PKGCONFIG fakefw-two", "2.49.0"),
    ("FROM_PKGCONFIG fakefw-debian", "framework version '2.3.0~rc1' (pkg-config --modversion fakefw-debian)"),
    ("FROM_PKGCONFIG fakefw-debian REGEX ^([0-9]+)\\.([0-9]+)\\.([0-9]+)~", "2.3.0"),
    ("FROM_PKGCONFIG fakefw-build", "2.3.0+dfsg"),  # build metadata: carton's matching ignores it
    ("FROM_PKGCONFIG no-such-framework", "pkg-config module no-such-framework not found"),
    ("", "give one of FROM_PKGCONFIG <module> or FROM_HEADER <header>"),
]

SCRIPT = """include({source}/cmake/CartonFrameworkVersion.cmake)
separate_arguments(_args UNIX_COMMAND "${{ARGS}}")
carton_framework_version(_version ${{_args}})
message(STATUS "VERSION=${{_version}}")
"""


def main(argv: List[str]) -> int:
    source, work = (os.path.abspath(a) for a in argv)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "include"))
    os.makedirs(os.path.join(work, "pc"))
    for path in ("fw.h", "include/fw.h"):
        with open(os.path.join(work, path), "w", encoding="utf-8") as f:
            f.write(HEADER)
    for name, version in (("fakefw-two", "2.49"), ("fakefw-debian", "2.3.0~rc1"), ("fakefw-build", "2.3.0+dfsg")):
        with open(os.path.join(work, "pc", name + ".pc"), "w", encoding="utf-8") as f:
            f.write(PC.format(version=version))
    script = os.path.join(work, "version.cmake")
    with open(script, "w", encoding="utf-8") as f:
        f.write(SCRIPT.format(source=source))
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(work, "pc"))
    failures = 0
    for args, expected in CASES:
        expected = expected.format(work=work)
        p = subprocess.run([CMAKE, f"-DARGS={args}", "-P", script], cwd=work, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # CMake wraps long error messages: compare with the line breaks undone.
        out = " ".join(p.stdout.split())
        if expected[0].isdigit():
            ok = p.returncode == 0 and f"VERSION={expected} " in out + " "
        else:
            ok = p.returncode != 0 and expected in out
        print(f"{'PASS' if ok else 'FAIL'} [{args}] -> {expected}")
        if not ok:
            print(p.stdout)
            failures += 1
    print(f"{len(CASES) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
