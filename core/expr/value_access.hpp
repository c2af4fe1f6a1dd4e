// Internal: the parts of Value that only the evaluator and the JSON bridge may touch.
#pragma once

#include "core/expr/value.hpp"

#include <cstring>
#include <string_view>

namespace meshctl::expr::detail {

struct ValueAccess {
    static bool is_json(const Value& v) { return (v.flags_ & Value::json_container) != 0; }
    static const std::vector<Value>* owned_list(const Value& v) {
        return v.kind_ == Kind::list && !is_json(v) ? static_cast<const std::vector<Value>*>(v.heap_.get()) : nullptr;
    }
    static const ValueEntries* owned_map(const Value& v) {
        return v.kind_ == Kind::map && !is_json(v) ? static_cast<const ValueEntries*>(v.heap_.get()) : nullptr;
    }
    static const unsigned char* json_handle(const Value& v) { return v.p_.json; }
    // `handle` is a 16-byte simdjson::dom::element of an array (kind list) or object (map).
    static Value make_json(Kind k, const void* handle) {
        Value v(k);
        v.flags_ = Value::json_container;
        std::memcpy(v.p_.json, handle, sizeof v.p_.json);
        return v;
    }
    static bool is_text(const Value& v) { return (v.flags_ & Value::json_text) != 0; }
    // `text` is a JSON array (kind list) or object (map) that simdjson parsed successfully.
    static Value make_text(Kind k, std::string_view text) {
        Value v(k);
        v.flags_ = Value::json_container | Value::json_text;
        v.p_.s = {text.data(), text.size()};
        return v;
    }
    static std::string_view text(const Value& v) { return {v.p_.s.data, v.p_.s.size}; }
    static Value mark_json_number(Value v) {
        v.flags_ |= Value::json_number;
        return v;
    }
};

// Implemented in json_bridge.cpp for JSON-backed containers.
std::size_t json_size(const Value& v);
Value json_at(const Value& v, std::size_t i);
std::vector<Value> json_items(const Value& v);
ValueEntries json_entries(const Value& v);
std::optional<Value> json_find(const Value& v, std::string_view key);

// Implemented in functions.cpp / time.cpp; shared by value.cpp and the evaluator.
std::string format_double(double d);
std::string format_timestamp(std::int64_t seconds, std::int32_t nanos);
std::string format_duration(std::int64_t seconds, std::int32_t nanos);

}  // namespace meshctl::expr::detail
