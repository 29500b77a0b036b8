"""What the overhead scripts share: a Google Benchmark JSON report's rows by
"BM_Name/arg", the median aggregate where repetitions made one."""
import re


def rows(report):
    out = {}
    for b in report["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        m = re.match(r"(BM_\w+/\d+)", b.get("run_name", b["name"]))
        if m:
            out[m.group(1)] = b
    return out
