// CEL operators: arithmetic with overflow checks, heterogeneous comparison, `in`,
// indexing and field selection. Errors are values, never exceptions.
#include "core/expr/eval.hpp"
#include "core/expr/time.hpp"
#include "core/expr/value_access.hpp"

#include <cmath>
#include <limits>

namespace meshctl::expr::detail {

Value no_overload(std::string_view op, const Value& a) {
    return Value::error("no such overload: " + std::string(op) + "(" + std::string(kind_name(a.kind())) + ")");
}

Value no_overload(std::string_view op, const Value& a, const Value& b) {
    return Value::error("no such overload: " + std::string(kind_name(a.kind())) + " " + std::string(op) + " " +
                        std::string(kind_name(b.kind())));
}

namespace {

constexpr wide_int nanos_per_second = 1000000000;

bool is_number(Kind k) { return k == Kind::int64 || k == Kind::uint64 || k == Kind::double_; }

double to_double(const Value& v) {
    switch (v.kind()) {
    case Kind::int64: return static_cast<double>(v.as_int());
    case Kind::uint64: return static_cast<double>(v.as_uint());
    default: return v.as_double();
    }
}

wide_int total_nanos(const Value& v) { return static_cast<wide_int>(v.seconds()) * nanos_per_second + v.nanos(); }

Value timestamp_from_nanos(wide_int n) {
    wide_int s = n / nanos_per_second, r = n % nanos_per_second;
    if (r < 0) { r += nanos_per_second; --s; }
    if (s < min_timestamp_seconds || s > max_timestamp_seconds) return Value::error_static("timestamp out of range");
    return Value::timestamp(static_cast<std::int64_t>(s), static_cast<std::int32_t>(r));
}

Value duration_from_nanos(wide_int n) {
    if (!duration_in_range(n)) return Value::error_static("duration out of range");
    return Value::duration(static_cast<std::int64_t>(n / nanos_per_second), static_cast<std::int32_t>(n % nanos_per_second));
}

const char* op_text(BinOp op) {
    static constexpr const char* texts[] = {"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "in"};
    return texts[static_cast<int>(op)];
}

Value arith_int(BinOp op, std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    switch (op) {
    case BinOp::add: if (__builtin_add_overflow(a, b, &r)) return Value::error_static("int overflow"); break;
    case BinOp::sub: if (__builtin_sub_overflow(a, b, &r)) return Value::error_static("int overflow"); break;
    case BinOp::mul: if (__builtin_mul_overflow(a, b, &r)) return Value::error_static("int overflow"); break;
    case BinOp::div:
        if (b == 0) return Value::error_static("division by zero");
        if (a == std::numeric_limits<std::int64_t>::min() && b == -1) return Value::error_static("int overflow");
        r = a / b;
        break;
    default:
        if (b == 0) return Value::error_static("modulus by zero");
        if (a == std::numeric_limits<std::int64_t>::min() && b == -1) return Value::error_static("int overflow");
        r = a % b;
    }
    return Value::int64(r);
}

Value arith_uint(BinOp op, std::uint64_t a, std::uint64_t b) {
    std::uint64_t r = 0;
    switch (op) {
    case BinOp::add: if (__builtin_add_overflow(a, b, &r)) return Value::error_static("uint overflow"); break;
    case BinOp::sub: if (__builtin_sub_overflow(a, b, &r)) return Value::error_static("uint overflow"); break;
    case BinOp::mul: if (__builtin_mul_overflow(a, b, &r)) return Value::error_static("uint overflow"); break;
    case BinOp::div: if (b == 0) return Value::error_static("division by zero"); r = a / b; break;
    default: if (b == 0) return Value::error_static("modulus by zero"); r = a % b;
    }
    return Value::uint64(r);
}

Value concat(const Value& a, const Value& b) {
    if (a.kind() == Kind::string || a.kind() == Kind::bytes) {
        std::string s;
        s.reserve(a.as_string().size() + b.as_string().size());
        s += a.as_string();
        s += b.as_string();
        return a.kind() == Kind::string ? Value::string(std::move(s)) : Value::bytes(std::move(s));
    }
    auto items = a.items();
    auto more = b.items();
    items.insert(items.end(), more.begin(), more.end());
    return Value::list(std::move(items));
}

Value arithmetic(BinOp op, const Value& a, const Value& b) {
    Kind ka = a.kind(), kb = b.kind();
    if (ka == kb) {
        switch (ka) {
        case Kind::int64: return arith_int(op, a.as_int(), b.as_int());
        case Kind::uint64: return arith_uint(op, a.as_uint(), b.as_uint());
        case Kind::double_: {
            double x = a.as_double(), y = b.as_double();
            switch (op) {
            case BinOp::add: return Value::double_(x + y);
            case BinOp::sub: return Value::double_(x - y);
            case BinOp::mul: return Value::double_(x * y);
            case BinOp::div: return Value::double_(x / y);
            default: break;
            }
            break;
        }
        case Kind::string: case Kind::bytes: case Kind::list:
            if (op == BinOp::add) return concat(a, b);
            break;
        case Kind::duration:
            if (op == BinOp::add) return duration_from_nanos(total_nanos(a) + total_nanos(b));
            if (op == BinOp::sub) return duration_from_nanos(total_nanos(a) - total_nanos(b));
            break;
        case Kind::timestamp:
            if (op == BinOp::sub) return duration_from_nanos(total_nanos(a) - total_nanos(b));
            break;
        default: break;
        }
    } else if (is_number(ka) && is_number(kb) && (a.from_json() || b.from_json()) && op != BinOp::mod) {
        // JSON does not distinguish 12 from 12.0, so numbers decoded from an event mix with
        // doubles instead of failing the way CEL's typed numbers would.
        return arithmetic(op, Value::double_(to_double(a)), Value::double_(to_double(b)));
    } else if (ka == Kind::timestamp && kb == Kind::duration) {
        if (op == BinOp::add) return timestamp_from_nanos(total_nanos(a) + total_nanos(b));
        if (op == BinOp::sub) return timestamp_from_nanos(total_nanos(a) - total_nanos(b));
    } else if (ka == Kind::duration && kb == Kind::timestamp && op == BinOp::add) {
        return timestamp_from_nanos(total_nanos(a) + total_nanos(b));
    }
    return no_overload(op_text(op), a, b);
}

bool valid_key_kind(Kind k) {
    return k == Kind::int64 || k == Kind::uint64 || k == Kind::boolean || k == Kind::string || k == Kind::double_;
}

}  // namespace

Value binary(BinOp op, const Value& a, const Value& b) {
    if (a.is_error()) return a;
    if (b.is_error()) return b;
    switch (op) {
    case BinOp::eq: return Value::boolean(equals(a, b));
    case BinOp::ne: return Value::boolean(!equals(a, b));
    case BinOp::lt: case BinOp::le: case BinOp::gt: case BinOp::ge: {
        auto c = compare(a, b);
        if (!c) return no_overload(op_text(op), a, b);
        if (*c == 2) return Value::boolean(false);
        bool r = op == BinOp::lt ? *c < 0 : op == BinOp::le ? *c <= 0 : op == BinOp::gt ? *c > 0 : *c >= 0;
        return Value::boolean(r);
    }
    case BinOp::in:
        if (b.kind() == Kind::list) {
            if (auto* l = ValueAccess::owned_list(b)) {
                for (const auto& item : *l)
                    if (equals(a, item)) return Value::boolean(true);
                return Value::boolean(false);
            }
            for (const auto& item : b.items())
                if (equals(a, item)) return Value::boolean(true);
            return Value::boolean(false);
        }
        if (b.kind() == Kind::map) {
            if (!valid_key_kind(a.kind())) return Value::boolean(false);
            return Value::boolean(b.find(a).has_value());
        }
        return no_overload("in", a, b);
    default:
        return arithmetic(op, a, b);
    }
}

Value negate(const Value& v) {
    switch (v.kind()) {
    case Kind::error: return v;
    case Kind::int64:
        if (v.as_int() == std::numeric_limits<std::int64_t>::min()) return Value::error_static("int overflow");
        return Value::int64(-v.as_int());
    case Kind::double_: return Value::double_(-v.as_double());
    case Kind::duration: return duration_from_nanos(-total_nanos(v));
    default: return no_overload("-", v);
    }
}

Value logical_not(const Value& v) {
    if (v.is_error()) return v;
    if (v.kind() != Kind::boolean) return no_overload("!", v);
    return Value::boolean(!v.as_bool());
}

Value index_value(const Value& c, const Value& i) {
    if (c.is_error()) return c;
    if (i.is_error()) return i;
    if (c.kind() == Kind::list) {
        std::int64_t n;
        if (i.kind() == Kind::int64) {
            n = i.as_int();
        } else if (i.kind() == Kind::uint64) {
            n = i.as_uint() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ? -1
                                                                                                   : static_cast<std::int64_t>(i.as_uint());
        } else if (i.kind() == Kind::double_) {
            double d = i.as_double();
            if (d != std::trunc(d) || std::fabs(d) > 9.0e18) return Value::error_static("invalid_argument: index is not an integer");
            n = static_cast<std::int64_t>(d);
        } else {
            return no_overload("[]", c, i);
        }
        if (n < 0 || static_cast<std::size_t>(n) >= c.size())
            return Value::error("invalid_argument: index " + std::to_string(n) + " out of range for list of size " +
                                std::to_string(c.size()));
        return c.at(static_cast<std::size_t>(n));
    }
    if (c.kind() == Kind::map) {
        if (!valid_key_kind(i.kind())) return no_overload("[]", c, i);
        if (auto v = c.find(i)) return *v;
        return Value::error("no such key: " + i.debug_string());
    }
    return no_overload("[]", c, i);
}

Value select_field(const Value& operand, std::string_view field) {
    if (operand.is_error()) return operand;
    if (operand.kind() == Kind::map) {
        if (auto v = operand.find(field)) return *v;
        return Value::error("no such key: '" + std::string(field) + "'");
    }
    return Value::error("type '" + std::string(kind_name(operand.kind())) + "' has no field '" + std::string(field) + "'");
}

Value has_field(const Value& operand, std::string_view field) {
    if (operand.is_error()) return operand;
    if (operand.kind() == Kind::map) return Value::boolean(operand.find(field).has_value());
    return Value::error("has() does not apply to type '" + std::string(kind_name(operand.kind())) + "'");
}

Value type_of(const Value& v) { return Value::type(kind_name(v.kind())); }

std::optional<Value> type_named(std::string_view name) {
    static constexpr std::string_view names[] = {
        "bool", "int", "uint", "double", "string", "bytes", "list", "map", "null_type", "type",
        "google.protobuf.Timestamp", "google.protobuf.Duration"};
    for (auto n : names)
        if (n == name) return Value::type(n);
    return std::nullopt;
}

}  // namespace meshctl::expr::detail
