"""Prints the request spans of a runner's Chrome trace (CARTON_RUNNER_TRACE_FILE, see
runtime/include/carton/runtime/trace.hpp): one line per request, its name, id and
duration in microseconds, in the order they began. The trace may be unterminated (a
runner that is still running, or crashed), as the viewers allow.

    python3 bench/trace_spans.py /tmp/trace.json
"""
import json
import sys


def spans(path):
    events = []
    with open(path) as f:
        for line in f:
            line = line.strip().rstrip(",")
            if line.startswith("{"):
                event = json.loads(line)
                if event.get("ph") == "X":
                    events.append(event)
    return sorted(events, key=lambda e: e["ts"])


if __name__ == "__main__":
    for e in spans(sys.argv[1]):
        print(f'{e["name"]} id={e.get("args", {}).get("id")} dur_us={e["dur"]:.1f}')
