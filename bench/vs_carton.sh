#!/usr/bin/env bash
# The SDK's runners against carton's own Rust noop, both driven by carton's real core:
# bench/vs_carton.sh REF_DIR [runner ...]. See bench/vs_carton.py for what is measured.
exec /usr/bin/python3 "$(dirname "$0")/vs_carton.py" "$@"
