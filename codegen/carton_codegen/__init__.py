"""carton_codegen: turns the FlatBuffers schema in schema/ into the SDK's C++.

Layers, each in its own module:
  bfbs   -- runs the real flatc and reads its binary schema (load)
  model  -- resolves the wire facts into an IR and validates them (model)
  emit   -- renders Jinja2 templates from the model (emit)
  cli    -- the command line (regenerate, --check)
"""

# Bumped whenever generated code needs a different runtime; the generated headers
# refuse to compile against a runtime that declares another value.
RUNTIME_ABI_VERSION = 1
