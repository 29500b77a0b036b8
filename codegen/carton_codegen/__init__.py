"""carton_codegen: turns the FlatBuffers schema in schema/ into the SDK's C++.

Layers, each in its own module:
  bfbs   -- runs the real flatc and reads its binary schema (load)
  model  -- resolves the wire facts into an IR and validates them (model); its
            vocabulary is in wire_types (how a value is laid out) and revisions (the
            core revisions and what `since` names); service, native and lock check
            the RPC service, the native tensor and the released revisions' frozen wire
  emit   -- renders Jinja2 templates from the model (emit)
  cli    -- the command line (regenerate, --check)
"""

# Bumped whenever generated code needs a different runtime; the generated headers
# refuse to compile against a runtime that declares another value.
RUNTIME_ABI_VERSION = 1
