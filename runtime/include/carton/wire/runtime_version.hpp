// The version of the contract between generated code and this runtime.
//
// Generated headers check it with #error, so code generated for another runtime fails
// at compile time with a message instead of misbehaving at run time. Bump it together
// with codegen's RUNTIME_ABI_VERSION whenever that contract changes.
#pragma once

#define CARTON_WIRE_RUNTIME_ABI_VERSION 1
