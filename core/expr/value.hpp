// CEL values as the evaluator produces and consumes them.
//
// A Value is a small tagged union (40 bytes). Scalars live inline; strings may *borrow*
// their bytes (from the program's literals, the event or the evaluator's parsed JSON
// document) so that evaluating a filter allocates nothing per event. Lists and maps are
// either owned (shared, immutable) or JSON-backed: a handle into simdjson's parsed tape, or
// JSON text that was parsed before, decoded element by element only when the expression
// touches them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meshctl::expr {

/// The runtime type of a Value.
enum class Kind : std::uint8_t {
    null, boolean, int64, uint64, double_, string, bytes, list, map, timestamp, duration, type, error,
};

/// CEL's name for a kind ("int", "google.protobuf.Timestamp", ...).
std::string_view kind_name(Kind kind);

class Value;
/// Entries of an owned map, in insertion order.
using ValueEntries = std::vector<std::pair<Value, Value>>;

namespace detail { struct ValueAccess; }

/// An immutable CEL value. Borrowed strings and JSON-backed containers stay valid only as
/// long as what they borrow from (see Evaluator); `detach()` makes a self-contained copy.
class Value {
public:
    /// The null value.
    Value() noexcept : p_{} {}

    /// A bool.
    static Value boolean(bool b) { Value v(Kind::boolean); v.p_.b = b; return v; }
    /// A signed 64-bit integer.
    static Value int64(std::int64_t i) { Value v(Kind::int64); v.p_.i = i; return v; }
    /// An unsigned 64-bit integer.
    static Value uint64(std::uint64_t u) { Value v(Kind::uint64); v.p_.u = u; return v; }
    /// A double.
    static Value double_(double d) { Value v(Kind::double_); v.p_.d = d; return v; }
    /// A string that owns a copy of `s` (UTF-8 is the caller's promise).
    static Value string(std::string s);
    /// A string that borrows `s`; the bytes must outlive every copy of the value.
    static Value string_view(std::string_view s) { return borrowed(Kind::string, s); }
    /// Bytes that own a copy of `b`.
    static Value bytes(std::string b);
    /// Bytes that borrow `b`.
    static Value bytes_view(std::string_view b) { return borrowed(Kind::bytes, b); }
    /// An owned list.
    static Value list(std::vector<Value> items);
    /// An owned map; the caller guarantees that keys are distinct under CEL equality.
    static Value map(ValueEntries entries);
    /// A timestamp: seconds since the Unix epoch plus nanoseconds in [0, 1e9). No range check.
    static Value timestamp(std::int64_t seconds, std::int32_t nanos = 0);
    /// A duration: seconds plus nanoseconds with the same sign. No range check.
    static Value duration(std::int64_t seconds, std::int32_t nanos = 0);
    /// A type value named `name`, which must have static storage duration.
    static Value type(std::string_view name) { return borrowed(Kind::type, name); }
    /// An error with a message (CEL errors are values until the top of the evaluation).
    static Value error(std::string message);
    /// An error whose message has static storage duration (no allocation).
    static Value error_static(std::string_view message) { return borrowed(Kind::error, message); }

    /// The runtime type.
    Kind kind() const noexcept { return kind_; }
    /// True for Kind::error.
    bool is_error() const noexcept { return kind_ == Kind::error; }
    /// True for Kind::null.
    bool is_null() const noexcept { return kind_ == Kind::null; }
    /// The bool; precondition kind()==boolean.
    bool as_bool() const noexcept { return p_.b; }
    /// The integer; precondition kind()==int64.
    std::int64_t as_int() const noexcept { return p_.i; }
    /// The unsigned integer; precondition kind()==uint64.
    std::uint64_t as_uint() const noexcept { return p_.u; }
    /// The double; precondition kind()==double_.
    double as_double() const noexcept { return p_.d; }
    /// The bytes of a string, bytes, type name or error message; empty for other kinds.
    std::string_view as_string() const noexcept;
    /// Seconds of a timestamp or duration.
    std::int64_t seconds() const noexcept { return p_.i; }
    /// Nanoseconds of a timestamp or duration.
    std::int32_t nanos() const noexcept { return nanos_; }
    /// True when a number was decoded from JSON (such numbers mix freely in arithmetic).
    bool from_json() const noexcept { return (flags_ & json_number) != 0; }

    /// Number of elements of a list or entries of a map; 0 for other kinds.
    std::size_t size() const;
    /// The i-th element of a list; an error value when out of range or not a list.
    Value at(std::size_t i) const;
    /// All elements of a list (borrowing like the list does).
    std::vector<Value> items() const;
    /// All entries of a map (JSON object keys become strings).
    ValueEntries entries() const;
    /// The value under `key` in a map, by CEL key equality (1 == 1u == 1.0); nullopt if absent.
    std::optional<Value> find(const Value& key) const;
    /// The value under a string key in a map; nullopt if absent or not a map.
    std::optional<Value> find(std::string_view key) const;

    /// A copy that borrows nothing (JSON containers become owned lists and maps).
    Value detach() const;
    /// A short human-readable rendering for messages and test output (CEL-like syntax).
    std::string debug_string() const;

private:
    friend struct detail::ValueAccess;
    static constexpr std::uint8_t json_container = 1;
    static constexpr std::uint8_t json_number = 2;
    static constexpr std::uint8_t json_text = 4;  // with json_container: backed by parsed JSON text (p_.s)
    struct Span { const char* data; std::size_t size; };
    union Payload {
        bool b;
        std::int64_t i;
        std::uint64_t u;
        double d;
        Span s;
        alignas(8) unsigned char json[16];  // a simdjson::dom::element, copied bytewise
    };
    explicit Value(Kind k) noexcept : kind_(k), p_{} {}
    static Value borrowed(Kind k, std::string_view s) {
        Value v(k);
        v.p_.s = {s.data(), s.size()};
        return v;
    }

    Kind kind_ = Kind::null;
    std::uint8_t flags_ = 0;
    std::int32_t nanos_ = 0;
    Payload p_;
    std::shared_ptr<const void> heap_;  // owns string bytes, list items or map entries
};

/// CEL equality: heterogeneous numbers compare by value, NaN != NaN, different kinds are
/// unequal, lists and maps compare element-wise. Precondition: neither is an error.
bool equals(const Value& a, const Value& b);

/// CEL ordering for <, <=, >, >=: -1, 0, 1, or nullopt when the kinds are not comparable
/// (and for NaN operands, where every comparison is false: then returns 2).
std::optional<int> compare(const Value& a, const Value& b);

/// Appends `v` as JSON text: timestamps and durations as strings ("1.5s"), bytes as base64,
/// map keys as strings, NaN/Inf as strings; errors as null.
void append_json(const Value& v, std::string& out);

}  // namespace meshctl::expr
