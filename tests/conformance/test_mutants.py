#!/usr/bin/python3
"""The conformance suite against carton-runner-mutant, one fault at a time.

carton-runner-mutant (tests/conformance/mutants/) is carton's noop runner with one bug
switched on by CARTON_MUTANT. CATCHES says, for every fault, which case of the suite
must FAIL it (and at which core version); docs/conformance.md ("Mutants") has the same
table with the reasons.

  test_mutants.py check FAULT     run the catching case against the fault; pass when it
                                  FAILs. With MUTANT_RESULTS=DIR also record the verdict
  test_mutants.py score           read DIR, print "suite caught N of M", fail unless every
                                  fault was run and caught
  test_mutants.py compare --reference DIR [FAULT...]
                                  carton's real core (ref-core smoke, both versions) per
                                  fault; fail if it fails a fault the catching case passes
  test_mutants.py survey [--reference DIR] [FAULT...]
                                  the whole suite (--core-version all, every suite) per
                                  fault, and with DIR carton's real core (ref-core smoke
                                  at both versions): one table row per fault

Environment: CARTON_CONFORMANCE, CARTON_MUTANT_RUNNER (the binaries), MUTANT_RESULTS,
CARTON_SOURCE_DIR (for the docs check of `score`).
"""
import os
import re
import subprocess
import sys

TOOL = os.environ.get("CARTON_CONFORMANCE", "carton-conformance")
RUNNER = os.environ.get("CARTON_MUTANT_RUNNER", "carton-runner-mutant")
SUITES = "protocol,robustness,echo"
# A hang or a lost reply is only seen by a timeout: the catching case waits this long
# for each reply (the noop runner answers within milliseconds).
REPLY_TIMEOUT_S = "2"

# fault -> (the case that catches it, the core version it is run at). The cheapest
# catching case: run alone, it fails the fault on its own.
CATCHES = {
    "wrong_id": ("protocol/load", "0.0.1"),
    "reused_id": ("protocol/seal_infer_with_handle", "0.0.1"),
    "missing_reply_concurrent": ("protocol/ids_in_flight_16", "0.0.1"),
    "no_complete": ("protocol/load", "0.0.1"),
    "extra_complete": ("protocol/logs_any_time", "0.0.1"),
    "partial_before_final": ("protocol/infer_with_tensors_non_streaming", "0.0.1"),
    "wrong_revision": ("protocol/load", "0.0.1"),
    "stray_bytes": ("protocol/load", "0.0.1"),
    "stray_frame": ("protocol/load", "0.0.1"),
    "drop_last_tensor": ("echo/echo_many", "0.0.1"),
    "add_tensor": ("echo/echo_float32", "0.0.1"),
    "rename_tensor": ("echo/echo_float32", "0.0.1"),
    "swap_first_last": ("echo/echo_many", "0.0.1"),
    "rotate_values": ("echo/echo_many", "0.0.1"),
    "names_sorted_values_not": ("echo/echo_many", "0.0.1"),
    "dtype_sign_flipped": ("echo/echo_int32", "0.0.1"),
    "shape_flattened": ("echo/echo_int32", "0.0.1"),
    "shape_reversed": ("echo/echo_uint64", "0.0.1"),
    "strides_dropped": ("echo/echo_strided", "0.0.1"),
    "string_truncated": ("echo/echo_string", "0.0.1"),
    "long_string_cut": ("echo/echo_many", "0.0.1"),
    "strings_reencoded": ("echo/echo_string", "0.0.1"),
    "nan_canonical": ("echo/echo_float32", "0.0.1"),
    "negzero_canonical": ("echo/echo_float32", "0.0.1"),
    "float64_narrowed": ("echo/echo_float64", "0.0.1"),
    "large_tensor_tail": ("echo/echo_many", "0.0.1"),
    "empty_dropped": ("echo/echo_empty", "0.0.1"),
    "scalar_as_vector": ("echo/echo_scalar", "0.0.1"),
    "cross_request": ("echo/echo_concurrent", "0.0.1"),
    "streaming_split": ("echo/echo_streaming", "0.0.1"),
    "seal_same_handle": ("echo/echo_seal_many", "0.0.1"),
    "seal_wrong_seal": ("echo/echo_seal_many", "0.0.1"),
    "pack_path_changed": ("echo/echo_pack", "0.0.1"),
    "pack_path_missing": ("protocol/pack", "0.0.1"),
    "load_rejects_options": ("echo/echo_load", "0.0.1"),
    "load_rejects_gpu": ("echo/echo_load", "0.0.1"),
    "fail_after_50": ("echo/echo_concurrent", "0.0.1"),
    "streaming_empty": ("echo/echo_streaming", "0.0.1"),
    "error_load": ("echo/echo_load", "0.0.1"),
    "error_pack": ("echo/echo_pack", "0.0.1"),
    "error_seal": ("echo/echo_seal", "0.0.1"),
    "error_infer_with_tensors": ("echo/echo_float32", "0.0.1"),
    "error_infer_with_handle": ("echo/echo_seal", "0.0.1"),
    "abort_load": ("protocol/load", "0.0.1"),
    "abort_pack": ("protocol/pack", "0.0.1"),
    "abort_seal": ("protocol/seal_infer_with_handle", "0.0.1"),
    "abort_infer_with_tensors": ("protocol/infer_dtype_float32", "0.0.1"),
    "abort_infer_with_handle": ("protocol/seal_infer_with_handle", "0.0.1"),
    "hang_load": ("protocol/load", "0.0.1"),
    "hang_pack": ("protocol/pack", "0.0.1"),
    "hang_seal": ("protocol/seal_infer_with_handle", "0.0.1"),
    "hang_infer_with_tensors": ("protocol/infer_dtype_float32", "0.0.1"),
    "hang_infer_with_handle": ("protocol/seal_infer_with_handle", "0.0.1"),
    "leak_per_infer": ("robustness/no_leak", "0.0.1"),
    "fd_leak_per_request": ("robustness/no_leak", "0.0.1"),
    "no_logs": ("protocol/log_forwarded", "0.0.1"),
    "linger_after_eof": ("protocol/clean_exit", "0.0.1"),
    "no_parent_death": ("protocol/parent_death", "0.0.1"),
    "exit_nonzero": ("protocol/clean_exit", "0.0.1"),
    "exclusive_instance": ("protocol/two_instances", "0.0.1"),
}

CLOSING = re.compile(r"^([0-9]+) passed, ([0-9]+) failed")


def conformance(fault, *args, timeout=900):
    env = dict(os.environ, CARTON_MUTANT=fault)
    p = subprocess.run([TOOL, "--runner", RUNNER, *args], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, timeout=timeout)
    return p.returncode, p.stdout


def listed_faults():
    out = subprocess.run([RUNNER, "--list-faults"], stdout=subprocess.PIPE, text=True, check=True).stdout
    return [l.split()[0] for l in out.splitlines() if l.strip()]


def catching_case(fault):
    """(caught, the case's output line) for the fault's catching case."""
    case, version = CATCHES[fault]
    rc, out = conformance(fault, "--core-version", version, "--suite", SUITES, "--case", case,
                          "--timeout", REPLY_TIMEOUT_S, timeout=120)
    line = next((l for l in out.splitlines() if l.startswith("FAIL " + case)), None)
    return rc == 1 and line is not None, line or out


def check(fault):
    case = CATCHES[fault][0]
    caught, line = catching_case(fault)
    results = os.environ.get("MUTANT_RESULTS")
    if results:
        os.makedirs(results, exist_ok=True)
        with open(os.path.join(results, fault), "w") as f:
            f.write(("caught " if caught else "missed ") + case + "\n")
    if not caught:
        print("MISSED %s: %s passed it:\n%s" % (fault, case, line))
        return 1
    print("caught %s by %s: %s" % (fault, case, line[len("FAIL " + case) + 2:]))
    return 0


def score():
    results = os.environ["MUTANT_RESULTS"]
    faults = listed_faults()
    problems = []
    if sorted(faults) != sorted(CATCHES):
        problems.append("the runner's faults and CATCHES differ: %s" % sorted(set(faults) ^ set(CATCHES)))
    doc = os.path.join(os.environ.get("CARTON_SOURCE_DIR", "."), "docs", "conformance.md")
    if os.path.exists(doc):
        text = open(doc).read()
        undocumented = [f for f in faults if "| `%s` |" % f not in text]
        if undocumented:
            problems.append("docs/conformance.md lists no row for: " + ", ".join(undocumented))
    caught, run = 0, 0
    for f in faults:
        path = os.path.join(results, f)
        if not os.path.exists(path):
            continue
        run += 1
        verdict = open(path).read().split()
        if verdict[0] == "caught":
            caught += 1
        else:
            problems.append("%s was not caught by %s" % (f, verdict[1]))
    print("suite caught %d of %d" % (caught, run) + ("" if run == len(faults) else
                                                     " (%d faults not run)" % (len(faults) - run)))
    for p in problems:
        print("PROBLEM " + p)
    return 1 if problems or caught != run else 0


def smoke(ref, version, fault):
    """ref-core smoke at `version`: (verdict, failed check names)."""
    env = dict(os.environ, CARTON_MUTANT=fault, REF_CORE_QUIET_LOGS="1", REF_CORE_TIMEOUT_S="5")
    if version != "0.0.1":
        env["CARTON_CORE_REVISION"] = version
    try:
        p = subprocess.run([os.path.join(ref, "carton-" + version, "ref-core"), RUNNER, "smoke"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return "FAIL", ["(timed out)"]
    failed = [l.split()[1].rstrip(":") for l in p.stdout.splitlines() if l.startswith("FAIL ")]
    m = re.search(r"smoke: [0-9]+ passed, ([0-9]+) failed", p.stdout)
    ok = m is not None and m.group(1) == "0" and p.returncode == 0
    return ("PASS" if ok else "FAIL"), failed


def compare(args):
    ref = args[0]
    faults = args[1:] or listed_faults()
    print("| fault | real core 0.0.1 | real core 2023-09 | catching case |")
    print("|---|---|---|---|")
    bad = []
    for fault in faults:
        verdicts = [smoke(ref, v, fault) for v in ("0.0.1", "2023-09")]
        caught, _ = catching_case(fault)
        if any(v == "FAIL" for v, _ in verdicts) and not caught:
            bad.append(fault)
        print("| `%s` | %s | %s | %s %s |" % (fault, verdicts[0][0], verdicts[1][0], CATCHES[fault][0],
                                             "FAIL" if caught else "PASS"), flush=True)
    for fault in bad:
        print("PROBLEM the real core fails %s, %s passes it" % (fault, CATCHES[fault][0]))
    return 1 if bad else 0


def survey(args):
    ref = None
    if args[:1] == ["--reference"]:
        ref, args = args[1], args[2:]
    faults = args or listed_faults()
    print("| fault | real core 0.0.1 | real core 2023-09 | suite | failing cases |")
    print("|---|---|---|---|---|")
    bad = 0
    for fault in faults:
        timeout = ["--timeout", "2"]
        rc, out = conformance(fault, "--core-version", "all", "--suite", SUITES, *timeout)
        failing = [l.split()[1].rstrip(":") for l in out.splitlines() if l.startswith("FAIL ")]
        m = CLOSING.search(out.splitlines()[-1] if out.strip() else "")
        suite = "FAIL (%s)" % m.group(2) if rc == 1 else ("PASS" if rc == 0 else "exit %d" % rc)
        cores = []
        for version in ("0.0.1", "2023-09"):
            if ref:
                verdict, checks = smoke(ref, version, fault)
                cores.append(verdict + (" (" + ", ".join(checks[:3]) + (", ..." if len(checks) > 3 else "") + ")"
                                        if checks else ""))
            else:
                cores.append("-")
        if any(c.startswith("FAIL") for c in cores) and rc != 1:
            bad += 1
        shown = ", ".join(failing[:4]) + (", ... (%d)" % len(failing) if len(failing) > 4 else "")
        print("| `%s` | %s | %s | %s | %s |" % (fault, cores[0], cores[1], suite, shown), flush=True)
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "check":
        return check(argv[1])
    if argv[:1] == ["score"]:
        return score()
    if argv[:2] == ["compare", "--reference"] and len(argv) >= 3:
        return compare(argv[2:])
    if argv[:1] == ["survey"]:
        return survey(argv[1:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
