// Search over the mesh: catalog products merged with live topics, filtered and ranked.
// Pure functions, so the ranking rules are unit-tested without a broker.
#pragma once

#include "core/catalog/descriptor.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace meshctl::catalog {

/// What the user asked for.
struct Query {
    std::vector<std::string> terms;  // all must match (case-insensitive)
    std::optional<std::string> owner;   // team (exact) or contact (substring)
    std::optional<std::string> domain;  // exact
    std::optional<std::string> tag;     // exact
    std::optional<std::string> field;   // a field (leaf name or dotted path) of the declared schema
    bool include_internal = false;      // show topics whose name starts with '_'
    /// True when the query narrows anything (terms or filters).
    bool narrows() const { return !terms.empty() || owner || domain || tag || field; }
};

/// One searchable stream: a catalog product or an unmanaged live topic.
struct SearchEntry {
    std::string name;                     // product name, or topic name when unmanaged
    std::string topic;
    const Descriptor* descriptor = nullptr;  // null when unmanaged
    bool topic_exists = false;
    std::string registry_subject;              // the topic's value subject in the registry, if any
    std::vector<std::string> registry_fields;  // field paths of that subject's latest schema
};

/// Products first (whether or not their topic exists), then live topics no product names.
/// Topics starting with '_' are left out unless `include_internal`.
std::vector<SearchEntry> merge_entries(const std::vector<const Descriptor*>& products,
                                       const std::vector<std::string>& live_topics, bool include_internal);

/// Score points, highest wins: exact name 100, topic name 90, name prefix 80, name
/// substring 50, tag / owner / domain / field name 40, description word 20.
int score_term(const SearchEntry& e, const std::string& term);

/// The entry's score for the query, or -1 when it does not match (a filter fails or a
/// term matches nothing). Terms' scores add up.
int score(const SearchEntry& e, const Query& q);

/// A ranked hit: index into the entries and its score.
struct Ranked {
    std::size_t index = 0;
    int score = 0;
};

/// Matching entries, best first; ties: products before unmanaged topics, then by name.
std::vector<Ranked> rank(const std::vector<SearchEntry>& entries, const Query& q);

/// Names, tags, owners, domains and fields to suggest from when nothing matched.
std::vector<std::string> suggestion_pool(const std::vector<SearchEntry>& entries, const Query& q);

}  // namespace meshctl::catalog
