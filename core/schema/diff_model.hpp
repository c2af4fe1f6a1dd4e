// The declared schema compiled for checking events (internal to core/schema/diff*.cpp): one
// node per declared location, with what is allowed there.
#pragma once

#include "core/schema/infer_tree.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace meshctl::schema::detail {

/// A bit per JsonKind.
constexpr std::uint8_t bit(JsonKind k) { return static_cast<std::uint8_t>(1u << k); }
constexpr std::uint8_t any_kind = 0x7f;

/// What one declared location allows.
struct Decl {
    std::string path;
    std::uint8_t types = any_kind;   // allowed kinds; `number` admits integers too
    struct Property {
        const Decl* decl = nullptr;
        int required = -1;           // index in `required`, or -1
    };
    std::unordered_map<std::string, Property, ViewHash, std::equal_to<>> properties;
    std::vector<std::string> required;
    bool report_undeclared = false;  // properties were declared and extra ones are not allowed
    const Decl* additional = nullptr;  // the schema of extra keys (maps), when declared
    const Decl* items = nullptr;
    std::optional<std::unordered_set<std::string, ViewHash, std::equal_to<>>> string_enum;  // allowed strings
};

/// Owns the nodes of one compiled schema.
struct DeclModel {
    std::vector<std::unique_ptr<Decl>> nodes;
    const Decl* root = nullptr;
};

/// Compiles a JSON Schema document. Unknown keywords are ignored; recursive $refs are
/// unrolled a few levels, below which anything is allowed.
DeclModel compile_declared(const nlohmann::json& schema);

/// `string|null` for a kind set.
std::string types_text(std::uint8_t types);

/// `a.b` from `a` and `b`; `b` when `a` is empty.
std::string join_path(std::string_view parent, std::string_view name);

}  // namespace meshctl::schema::detail
