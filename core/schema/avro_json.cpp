#include "core/schema/avro_json.hpp"

#include <avro.h>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace meshctl::schema {

void append_json_string(std::string& out, std::string_view text) {
    static const char* hex = "0123456789abcdef";
    out += '"';
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

namespace {

// avro-c forgets logical types, so a parallel tree built from the schema text remembers
// the one that changes how a value reads: decimal. Unions and records index into
// `children` the same way avro-c numbers branches and fields.
struct Shape {
    bool decimal = false;
    int scale = 0;
    std::vector<const Shape*> children;
};

class ShapeBuilder {
public:
    const Shape* build(const nlohmann::json& node, const std::string& ns) {
        if (node.is_string()) {
            const std::string& name = node.get_ref<const std::string&>();
            if (auto it = named_.find(name); it != named_.end()) return it->second;
            if (!ns.empty())
                if (auto it = named_.find(ns + "." + name); it != named_.end()) return it->second;
            return leaf();
        }
        if (node.is_array()) {
            Shape* s = make();
            for (const auto& branch : node) s->children.push_back(build(branch, ns));
            return s;
        }
        if (!node.is_object() || !node.contains("type")) return leaf();
        const auto& type = node["type"];
        if (!type.is_string()) return build(type, ns);
        const std::string& t = type.get_ref<const std::string&>();
        Shape* s = make();
        if (node.value("logicalType", "") == "decimal" && (t == "bytes" || t == "fixed")) {
            s->decimal = true;
            s->scale = node.value("scale", 0);
        }
        std::string inner_ns = ns;
        if (t == "record" || t == "error" || t == "enum" || t == "fixed") {
            std::string name = node.value("name", "");
            std::string space = node.value("namespace", ns);
            auto dot = name.rfind('.');
            if (dot != std::string::npos) space = name.substr(0, dot);
            std::string full = dot != std::string::npos || space.empty() ? name : space + "." + name;
            named_[full] = s;
            named_[dot != std::string::npos ? name.substr(dot + 1) : name] = s;
            inner_ns = space;
        }
        if (t == "record" || t == "error") {
            if (node.contains("fields") && node["fields"].is_array())
                for (const auto& f : node["fields"]) s->children.push_back(f.contains("type") ? build(f["type"], inner_ns) : leaf());
        } else if (t == "array" && node.contains("items")) {
            s->children.push_back(build(node["items"], ns));
        } else if (t == "map" && node.contains("values")) {
            s->children.push_back(build(node["values"], ns));
        }
        return s;
    }
    std::deque<Shape> take() { return std::move(nodes_); }

private:
    Shape* make() { return &nodes_.emplace_back(); }
    const Shape* leaf() { return make(); }
    std::deque<Shape> nodes_;
    std::map<std::string, const Shape*> named_;
};

const Shape* child(const Shape* s, std::size_t i) { return s && i < s->children.size() ? s->children[i] : nullptr; }

/// Big-endian two's complement bytes to a decimal number with `scale` digits after the point.
void append_decimal(std::string& out, const unsigned char* p, std::size_t n, int scale) {
    std::vector<unsigned char> mag(p, p + n);
    bool negative = n && (mag[0] & 0x80);
    if (negative) {  // two's complement negation
        for (auto& b : mag) b = static_cast<unsigned char>(~b);
        for (std::size_t i = mag.size(); i-- > 0;)
            if (++mag[i] != 0) break;
    }
    std::string digits;
    for (;;) {
        bool zero = true;
        unsigned rem = 0;
        for (auto& b : mag) {
            unsigned cur = rem * 256 + b;
            b = static_cast<unsigned char>(cur / 10);
            rem = cur % 10;
            if (b) zero = false;
        }
        digits += static_cast<char>('0' + rem);
        if (zero) break;
    }
    if (scale < 0) scale = 0;
    while (digits.size() <= static_cast<std::size_t>(scale)) digits += '0';
    if (negative && digits.find_first_not_of('0') != std::string::npos) out += '-';
    for (std::size_t i = digits.size(); i-- > 0;) {
        out += digits[i];
        if (i == static_cast<std::size_t>(scale) && i != 0) out += '.';
    }
}

void append_bytes(std::string& out, const void* buf, std::size_t n, const Shape* shape) {
    auto* p = static_cast<const unsigned char*>(buf);
    if (shape && shape->decimal) return append_decimal(out, p, n, shape->scale);
    std::string latin1;
    latin1.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        if (p[i] < 0x80) {
            latin1 += static_cast<char>(p[i]);
        } else {
            latin1 += static_cast<char>(0xC0 | (p[i] >> 6));
            latin1 += static_cast<char>(0x80 | (p[i] & 0x3F));
        }
    }
    append_json_string(out, latin1);
}

template <typename T>
void append_number(std::string& out, T v) {
    if constexpr (std::is_floating_point_v<T>) {
        if (!std::isfinite(v)) {
            out += "null";
            return;
        }
    }
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

bool write_value(avro_value_t* v, const Shape* shape, std::string& out) {
    switch (avro_value_get_type(v)) {
        case AVRO_NULL: out += "null"; return true;
        case AVRO_BOOLEAN: {
            int b = 0;
            if (avro_value_get_boolean(v, &b)) return false;
            out += b ? "true" : "false";
            return true;
        }
        case AVRO_INT32: {
            int32_t i = 0;
            if (avro_value_get_int(v, &i)) return false;
            append_number(out, i);
            return true;
        }
        case AVRO_INT64: {
            int64_t i = 0;
            if (avro_value_get_long(v, &i)) return false;
            append_number(out, i);
            return true;
        }
        case AVRO_FLOAT: {
            float f = 0;
            if (avro_value_get_float(v, &f)) return false;
            append_number(out, f);
            return true;
        }
        case AVRO_DOUBLE: {
            double d = 0;
            if (avro_value_get_double(v, &d)) return false;
            append_number(out, d);
            return true;
        }
        case AVRO_STRING: {
            const char* s = nullptr;
            size_t n = 0;  // includes the terminating NUL
            if (avro_value_get_string(v, &s, &n)) return false;
            append_json_string(out, std::string_view(s, n ? n - 1 : 0));
            return true;
        }
        case AVRO_BYTES: {
            const void* b = nullptr;
            size_t n = 0;
            if (avro_value_get_bytes(v, &b, &n)) return false;
            append_bytes(out, b, n, shape);
            return true;
        }
        case AVRO_FIXED: {
            const void* b = nullptr;
            size_t n = 0;
            if (avro_value_get_fixed(v, &b, &n)) return false;
            append_bytes(out, b, n, shape);
            return true;
        }
        case AVRO_ENUM: {
            int i = 0;
            if (avro_value_get_enum(v, &i)) return false;
            // avro-c reads the index without checking it against the schema, and
            // avro_schema_enum_get returns an uninitialised pointer for an unknown one.
            avro_schema_t schema = avro_value_get_schema(v);
            if (i < 0 || i >= avro_schema_enum_number_of_symbols(schema)) return false;
            const char* sym = avro_schema_enum_get(schema, i);
            if (!sym) return false;
            append_json_string(out, sym);
            return true;
        }
        case AVRO_RECORD:
        case AVRO_MAP: {
            bool record = avro_value_get_type(v) == AVRO_RECORD;
            size_t n = 0;
            if (avro_value_get_size(v, &n)) return false;
            out += '{';
            for (size_t i = 0; i < n; ++i) {
                avro_value_t c;
                const char* name = nullptr;
                if (avro_value_get_by_index(v, i, &c, &name)) return false;
                if (i) out += ',';
                append_json_string(out, name ? name : "");
                out += ':';
                if (!write_value(&c, record ? child(shape, i) : child(shape, 0), out)) return false;
            }
            out += '}';
            return true;
        }
        case AVRO_ARRAY: {
            size_t n = 0;
            if (avro_value_get_size(v, &n)) return false;
            out += '[';
            for (size_t i = 0; i < n; ++i) {
                avro_value_t c;
                if (avro_value_get_by_index(v, i, &c, nullptr)) return false;
                if (i) out += ',';
                if (!write_value(&c, child(shape, 0), out)) return false;
            }
            out += ']';
            return true;
        }
        case AVRO_UNION: {
            int d = -1;
            avro_value_t branch;
            if (avro_value_get_discriminant(v, &d) || avro_value_get_current_branch(v, &branch)) return false;
            return write_value(&branch, d >= 0 ? child(shape, static_cast<std::size_t>(d)) : nullptr, out);
        }
        default: return false;
    }
}

// avro-c 1.11.1 allocates a string or bytes buffer of the length a payload declares before
// checking that the payload holds it, so one corrupt length asks for up to 2^63 bytes. While a
// payload is read, no single allocation may exceed what a datum of that size can need; a
// refused allocation fails the read (ENOMEM) like any other bad payload.
thread_local std::size_t avro_allocation_cap = SIZE_MAX;

void* bounded_avro_allocator(void*, void* ptr, std::size_t, std::size_t nsize) {
    if (nsize == 0) {
        std::free(ptr);
        return nullptr;
    }
    if (nsize > avro_allocation_cap) return nullptr;
    return std::realloc(ptr, nsize);
}

// The cap for one payload: generic values hold a few dozen bytes per element, and an element
// takes at least a byte of payload except for nulls, hence the margin.
std::size_t allocation_cap_for(std::size_t payload_size) { return 64 * payload_size + (1u << 20); }

}  // namespace

struct AvroDecoder::Impl {
    avro_schema_t schema = nullptr;
    avro_value_iface_t* iface = nullptr;
    avro_value_t value{};
    bool has_value = false;
    avro_reader_t reader = nullptr;
    std::deque<Shape> shapes;
    const Shape* root = nullptr;

    ~Impl() {
        if (reader) avro_reader_free(reader);
        if (has_value) avro_value_decref(&value);
        if (iface) avro_value_iface_decref(iface);
        if (schema) avro_schema_decref(schema);
    }
};

AvroDecoder::AvroDecoder(std::string_view schema_json) : impl_(std::make_unique<Impl>()) {
    static std::once_flag allocator_set;
    std::call_once(allocator_set, [] { avro_set_allocator(bounded_avro_allocator, nullptr); });
    if (avro_schema_from_json_length(schema_json.data(), schema_json.size(), &impl_->schema) != 0)
        throw std::invalid_argument(std::string("invalid Avro schema: ") + avro_strerror());
    impl_->iface = avro_generic_class_from_schema(impl_->schema);
    if (!impl_->iface) throw std::invalid_argument(std::string("unsupported Avro schema: ") + avro_strerror());
    if (avro_generic_value_new(impl_->iface, &impl_->value) != 0)
        throw std::invalid_argument(std::string("cannot allocate an Avro value: ") + avro_strerror());
    impl_->has_value = true;
    impl_->reader = avro_reader_memory("", 0);
    if (!impl_->reader) throw std::invalid_argument("cannot allocate an Avro reader");
    // The schema already parsed in avro-c, so this parse cannot fail on syntax.
    auto j = nlohmann::json::parse(schema_json, nullptr, false);
    if (!j.is_discarded()) {
        try {
            ShapeBuilder b;
            impl_->root = b.build(j, "");
            impl_->shapes = b.take();
        } catch (const nlohmann::json::exception&) {
            // An odd attribute (say a non-numeric scale) costs only the decimal rendering.
            impl_->root = nullptr;
            impl_->shapes.clear();
        }
    }
}

AvroDecoder::~AvroDecoder() = default;

bool AvroDecoder::decode(std::string_view payload, std::string& out, std::string& error) {
    out.clear();
    avro_reader_memory_set_source(impl_->reader, payload.data(), static_cast<int64_t>(payload.size()));
    avro_value_reset(&impl_->value);
    avro_allocation_cap = allocation_cap_for(payload.size());
    int read = avro_value_read(impl_->reader, &impl_->value);
    avro_allocation_cap = SIZE_MAX;
    if (read != 0) {
        error = std::string("Avro payload does not match its schema: ") + avro_strerror();
        while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
        return false;
    }
    if (!write_value(&impl_->value, impl_->root, out)) {
        error = std::string("cannot convert the Avro value to JSON: ") + avro_strerror();
        return false;
    }
    if (simdjson::validate_utf8(out.data(), out.size()) == false) {
        error = "Avro string is not valid UTF-8";
        return false;
    }
    return true;
}

}  // namespace meshctl::schema
