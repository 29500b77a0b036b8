// Core revisions by name: parsing what users type, naming a revision, listing them.
// Which revisions exist and what they support is the schema's (generated
// carton/wire/revisions.hpp); nothing here names a particular revision.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "carton/wire/revisions.hpp"

namespace carton::wire {

// "0.0.1" or the schema's enumerator ("Carton0_0_1"); nullopt for anything else.
std::optional<CoreRevision> parse_core_revision(std::string_view text);

// The name users type ("0.0.1").
std::string_view core_revision_name(CoreRevision revision);

// Every revision's name, oldest first, joined by `separator` (for help and errors).
std::string core_revision_names(std::string_view separator = ", ");

// Whether requests may ask for partial responses in this revision.
bool supports_streaming(CoreRevision revision);

}  // namespace carton::wire
