// simdjson DOM elements as CEL values. A JSON array or object becomes a Value that holds
// the 16-byte dom::element handle, so selecting `value.amount` reads the tape directly;
// scalars become inline Values and strings are views into the parser's string buffer.
#include "core/expr/json_bridge.hpp"

#include "core/expr/json_scan.hpp"
#include "core/expr/value_access.hpp"

#include <cstring>
#include <type_traits>

namespace meshctl::expr::detail {

using simdjson::dom::element;
using simdjson::dom::element_type;

static_assert(sizeof(element) == 16 && std::is_trivially_copyable_v<element>,
              "Value stores simdjson::dom::element bytewise");

namespace {
element handle(const Value& v) {
    element e;
    std::memcpy(static_cast<void*>(&e), ValueAccess::json_handle(v), sizeof e);
    return e;
}
}  // namespace

namespace {
// Callers check the element's type first, so the conversion cannot fail.
template <class T>
T as(const element& e) {
    T x{};
    if (e.get(x) != simdjson::SUCCESS) return T{};
    return x;
}
simdjson::dom::array array_of(const Value& v) { return as<simdjson::dom::array>(handle(v)); }
simdjson::dom::object object_of(const Value& v) { return as<simdjson::dom::object>(handle(v)); }
}  // namespace

Value from_element(const element& e) {
    switch (e.type()) {
    case element_type::ARRAY: return ValueAccess::make_json(Kind::list, &e);
    case element_type::OBJECT: return ValueAccess::make_json(Kind::map, &e);
    case element_type::INT64: return ValueAccess::mark_json_number(Value::int64(as<std::int64_t>(e)));
    case element_type::UINT64: return ValueAccess::mark_json_number(Value::uint64(as<std::uint64_t>(e)));
    case element_type::DOUBLE: return ValueAccess::mark_json_number(Value::double_(as<double>(e)));
    case element_type::STRING: return Value::string_view(as<std::string_view>(e));
    case element_type::BOOL: return Value::boolean(as<bool>(e));
    case element_type::NULL_VALUE: return Value();
    }
    return Value();
}

std::size_t json_size(const Value& v) {
    if (ValueAccess::is_text(v)) return text_size(v);
    return v.kind() == Kind::list ? array_of(v).size() : object_of(v).size();
}

Value json_at(const Value& v, std::size_t i) {
    if (ValueAccess::is_text(v)) return text_at(v, i);
    element e;
    if (array_of(v).at(i).get(e)) return Value::error("invalid_argument: index " + std::to_string(i) + " out of range");
    return from_element(e);
}

std::vector<Value> json_items(const Value& v) {
    if (ValueAccess::is_text(v)) return text_items(v);
    std::vector<Value> out;
    for (element item : array_of(v)) out.push_back(from_element(item));
    return out;
}

ValueEntries json_entries(const Value& v) {
    if (ValueAccess::is_text(v)) return text_entries(v);
    ValueEntries out;
    for (auto field : object_of(v)) out.emplace_back(Value::string_view(field.key), from_element(field.value));
    return out;
}

std::optional<Value> json_find(const Value& v, std::string_view key) {
    if (ValueAccess::is_text(v)) return text_find(v, key);
    element e;
    if (object_of(v).at_key(key).get(e)) return std::nullopt;
    return from_element(e);
}

bool JsonDecoder::decode(std::string_view text, element& out) {
    if (capacity_ < text.size() + simdjson::SIMDJSON_PADDING) {
        capacity_ = (text.size() + simdjson::SIMDJSON_PADDING) * 2;
        buffer_ = std::make_unique<char[]>(capacity_);
    }
    // An empty view may hold a null pointer, which memcpy must not be given even for 0 bytes.
    if (!text.empty()) std::memcpy(buffer_.get(), text.data(), text.size());
    return !parser_.parse(buffer_.get(), text.size(), false).get(out);
}

}  // namespace meshctl::expr::detail
