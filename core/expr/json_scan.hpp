// Internal: reading JSON text without parsing all of it. The hot paths of pipelines read a
// few scalars near the start of each event (`value.customer_id`) and of each joined table
// row (`customer.tier`); a scan that stops at the field it wants does less work than
// simdjson's stage 1 over the whole document.
//
// Two uses, with different trust:
// - scan_path() reads an event nobody has checked. It answers only a scalar at a constant
//   path, exactly as the DOM would for a document the DOM accepts, and returns nullopt for
//   everything else (containers, missing fields, anything malformed or unusual on its way),
//   so that the caller asks the DOM, which also decides whether the event is JSON at all.
//   Like simdjson's On-Demand API it does not check what it skips or what follows the
//   field: a document malformed only there is still answered.
// - text_value() wraps text that was already parsed successfully (a table row checked when
//   it was stored): objects and arrays become Values backed by that text, read on demand.
#pragma once

#include "core/expr/value.hpp"

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::expr::detail {

/// True when `text` is valid UTF-8 without control characters (bytes below 0x20): what
/// simdjson's stage 1 rejects anywhere in a document, checked here for all of it at once.
/// A document with a raw tab or newline, even between tokens, is not plain: the DOM decides.
bool plain_text(std::string_view text);

/// True when scan_path may read `text`: plain_text, and it ends like an object (its last
/// byte other than spaces is '}'). Anything else goes to the DOM.
bool scannable_object(std::string_view text);

/// False when `text` cannot be a JSON document, by its first byte after whitespace (record
/// keys such as `c-000042` are mostly plain text: no parse attempt for them).
bool may_be_json(std::string_view text);

/// Equality of short strings (keys, field and binding names), inline: faster than memcmp's call.
inline bool same_text(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i]) return false;
    return true;
}

/// Strings that outlive one scan (unescaped copies), reused from event to event.
struct StringSlots {
    std::deque<std::string> slots;
    std::size_t used = 0;
    void reset() { used = 0; }
    std::string& next();
};

/// The scalar at `fields` in the object `text` (which plain_text accepted), as the DOM would
/// decode it, or nullopt when the DOM must answer. Strings borrow from `text`, or from
/// `slots` when they had escapes.
std::optional<Value> scan_path(std::string_view text, const std::vector<std::string>& fields, StringSlots& slots);

/// The Value of a JSON document that simdjson parsed successfully: objects and arrays are
/// backed by `text` (which must outlive the Value and its parts), scalars are decoded.
Value text_value(std::string_view text);

// The JSON-backed container operations (value_access.hpp) for text-backed Values.
std::size_t text_size(const Value& v);
Value text_at(const Value& v, std::size_t i);
std::vector<Value> text_items(const Value& v);
ValueEntries text_entries(const Value& v);
std::optional<Value> text_find(const Value& v, std::string_view key);

}  // namespace meshctl::expr::detail
