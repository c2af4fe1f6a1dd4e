// The statistics tree behind `schema infer` (internal to core/schema/infer*.cpp): one node
// per field path, holding what was seen there.
#pragma once

#include "core/schema/infer.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace meshctl::schema::detail {

/// JSON types as inference distinguishes them (integer apart from other numbers).
enum JsonKind : std::uint8_t { k_null, k_boolean, k_integer, k_number, k_string, k_object, k_array, k_kinds };

/// JSON Schema's name of a kind.
const char* kind_name(JsonKind k);

/// Bits of the string formats still possible for a field.
enum FormatBit : std::uint8_t { f_date_time = 1, f_date = 2, f_uuid = 4, f_email = 8, f_uri = 16, f_all = 31 };

/// The formats among `candidates` that `s` has.
std::uint8_t string_formats(std::string_view s, std::uint8_t candidates);

/// Hash with lookups by string_view (no allocation per probe).
struct ViewHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

/// What was seen at one field path.
struct Node {
    std::string name;
    std::size_t position = 0;             // index among the parent's children
    std::int64_t present = 0;             // values seen, nulls included
    std::array<std::int64_t, k_kinds> kinds{};
    // strings
    std::unordered_map<std::string, std::int64_t, ViewHash, std::equal_to<>> values;
    bool values_overflow = false;         // more distinct values than the enum limit
    std::uint8_t formats = f_all;
    // numbers: `lo`/`hi` over all numbers; `ilo`/`ihi` exact over integers
    double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
    std::int64_t ilo = std::numeric_limits<std::int64_t>::max(), ihi = std::numeric_limits<std::int64_t>::min();
    // arrays
    std::int64_t min_items = std::numeric_limits<std::int64_t>::max(), max_items = 0;
    std::unique_ptr<Node> items;
    // objects: children in first-seen order, and an index by name
    std::vector<std::unique_ptr<Node>> children;
    std::unordered_map<std::string, Node*, ViewHash, std::equal_to<>> index;
    std::size_t hint = 0;                 // the child expected next (fields usually come in the same order)
    std::uint64_t last_object = 0;        // the object occurrence it was last seen in (duplicate keys count once)
    nlohmann::json example;               // first non-null scalar
    bool has_example = false;
};

/// Fills `out.schema` and `out.fields` from the tree of `documents` top-level values.
void describe_tree(const Node& root, const InferOptions& options, InferredSchema& out);

}  // namespace meshctl::schema::detail
