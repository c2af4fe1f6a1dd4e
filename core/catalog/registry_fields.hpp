// What the schema registry knows about the streams discover lists: which topics have a
// registered value schema, and (when a search needs them) that schema's field paths.
#pragma once

#include "core/catalog/search.hpp"
#include "core/config/settings.hpp"

#include <vector>

namespace meshctl::catalog {

/// Sets registry_subject on entries whose topic has a value subject (the context's subject
/// strategy for topics, or the subject a descriptor names) and, when `with_fields`, their
/// registry_fields from the subject's latest version. Does nothing without a configured
/// registry; a registry that fails is a warning, not an error: discover still answers.
void attach_registry(std::vector<SearchEntry>& entries, const config::Settings& settings, bool with_fields);

}  // namespace meshctl::catalog
