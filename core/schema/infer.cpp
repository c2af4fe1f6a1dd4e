#include "core/schema/infer.hpp"

#include "core/schema/infer_tree.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

namespace meshctl::schema {

namespace detail {

const char* kind_name(JsonKind k) {
    switch (k) {
        case k_null: return "null";
        case k_boolean: return "boolean";
        case k_integer: return "integer";
        case k_number: return "number";
        case k_string: return "string";
        case k_object: return "object";
        case k_array: return "array";
        case k_kinds: break;
    }
    return "?";
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The value of `n` digits at `pos`, or -1 when they are not all digits.
int number_at(std::string_view s, std::size_t pos, std::size_t n) {
    if (pos + n > s.size()) return -1;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (!is_digit(s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool is_date(std::string_view s) {
    if (s.size() < 10 || s[4] != '-' || s[7] != '-' || number_at(s, 0, 4) < 0) return false;
    int month = number_at(s, 5, 2), day = number_at(s, 8, 2);
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// RFC 3339: 2024-05-01T10:00:00(.fraction)?(Z|+hh:mm|-hh:mm)
bool is_date_time(std::string_view s) {
    if (s.size() < 20 || !is_date(s) || (s[10] != 'T' && s[10] != 't')) return false;
    int hour = number_at(s, 11, 2), minute = number_at(s, 14, 2), second = number_at(s, 17, 2);
    if (s[13] != ':' || s[16] != ':' || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60)
        return false;
    std::size_t i = 19;
    if (s[i] == '.') {
        std::size_t start = ++i;
        while (i < s.size() && is_digit(s[i])) ++i;
        if (i == start) return false;
    }
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) return i + 1 == s.size();
    if (i + 6 != s.size() || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':') return false;
    int oh = number_at(s, i + 1, 2), om = number_at(s, i + 4, 2);
    return oh >= 0 && oh <= 23 && om >= 0 && om <= 59;
}

bool is_uuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < 36; ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
    }
    return true;
}

bool plain(char c) { return static_cast<unsigned char>(c) > ' ' && c != 0x7f; }

// local@domain.tld, no spaces, one @: what people mean by an email field, not all of RFC 5322.
bool is_email(std::string_view s) {
    auto at = s.find('@');
    if (at == std::string_view::npos || at == 0 || s.size() > 254 || s.find('@', at + 1) != std::string_view::npos) return false;
    std::string_view domain = s.substr(at + 1);
    auto dot = domain.rfind('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 >= domain.size() || domain.front() == '.') return false;
    return std::all_of(s.begin(), s.end(), plain);
}

// scheme://rest, or the schemes whose URIs have no authority; a bare `a:b` is too often not a URI.
bool is_uri(std::string_view s) {
    if (s.empty() || !is_alpha(s[0])) return false;
    std::size_t i = 1;
    while (i < s.size() && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) ++i;
    if (i >= s.size() || s[i] != ':' || i + 1 >= s.size()) return false;
    std::string_view scheme = s.substr(0, i), rest = s.substr(i + 1);
    bool authority = rest.size() > 2 && rest[0] == '/' && rest[1] == '/';
    if (!authority && scheme != "mailto" && scheme != "urn" && scheme != "tel") return false;
    return std::all_of(s.begin(), s.end(), plain);
}

}  // namespace

std::uint8_t string_formats(std::string_view s, std::uint8_t candidates) {
    std::uint8_t out = 0;
    if ((candidates & f_date_time) && is_date_time(s)) out |= f_date_time;
    if ((candidates & f_date) && s.size() == 10 && is_date(s)) out |= f_date;
    if ((candidates & f_uuid) && is_uuid(s)) out |= f_uuid;
    if ((candidates & f_email) && is_email(s)) out |= f_email;
    if ((candidates & f_uri) && is_uri(s)) out |= f_uri;
    return out;
}

}  // namespace detail

bool matches_format(std::string_view format, std::string_view s) {
    using namespace detail;
    std::uint8_t bit = format == "date-time" ? f_date_time
                       : format == "date"    ? f_date
                       : format == "uuid"    ? f_uuid
                       : format == "email"   ? f_email
                       : format == "uri"     ? f_uri
                                             : 0;
    return bit != 0 && string_formats(s, bit) == bit;
}

using namespace detail;
namespace ondemand = simdjson::ondemand;

namespace {

constexpr int max_depth = 64;          // deeper values are typed but not descended into
constexpr std::size_t example_bytes = 60;

// A string example cut at a UTF-8 boundary, so that reports stay short and valid.
std::string short_example(std::string_view s) {
    if (s.size() <= example_bytes) return std::string(s);
    std::size_t cut = example_bytes;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return std::string(s.substr(0, cut)) + "…";
}

}  // namespace

struct Inferrer::Impl {
    // One value seen while walking a document; applied to the tree only when the whole
    // document parsed, so a document that breaks halfway leaves no trace.
    struct Seen {
        Node* node;
        JsonKind kind;
        std::int64_t i = 0;  // integer value, boolean, or array length
        double d = 0;        // numeric value
        std::string_view s;  // string value (in the parser's buffer until the next document)
    };

    InferOptions options;
    Decoder decoder;
    ondemand::parser parser;
    std::string padded;  // the current document followed by simdjson's padding, reused
    Node root;
    std::size_t nodes = 1;
    std::uint64_t objects = 0;  // serial of object occurrences
    std::int64_t observed = 0, tombstones = 0, documents = 0, untracked = 0, pending_untracked = 0;
    BadEvents bad;
    std::vector<Seen> journal;

    Impl(SchemaById by_id, InferOptions o) : options(o), decoder(std::move(by_id)), bad(o.listed_bad) {}

    Node* child(Node& parent, std::string_view key) {
        if (parent.hint < parent.children.size() && parent.children[parent.hint]->name == key)
            return parent.children[parent.hint++].get();
        if (auto it = parent.index.find(key); it != parent.index.end()) {
            parent.hint = it->second->position + 1;
            return it->second;
        }
        if (nodes >= options.max_fields) return nullptr;
        ++nodes;
        auto node = std::make_unique<Node>();
        node->name = std::string(key);
        node->position = parent.children.size();
        Node* raw = node.get();
        parent.index.emplace(node->name, raw);
        parent.children.push_back(std::move(node));
        parent.hint = parent.children.size();
        return raw;
    }

    Node& items(Node& array) {
        if (!array.items) {
            array.items = std::make_unique<Node>();
            array.items->name = "[]";
            ++nodes;
        }
        return *array.items;
    }

    template <class V>
    simdjson::error_code walk(V& v, Node& node, int depth) {
        ondemand::json_type type;
        if (auto e = v.type().get(type)) return e;
        switch (type) {
            case ondemand::json_type::object: {
                journal.push_back({&node, k_object});
                if (depth >= max_depth) return simdjson::SUCCESS;
                ondemand::object obj;
                if (auto e = v.get_object().get(obj)) return e;
                const std::uint64_t serial = ++objects;
                node.hint = 0;
                for (auto field : obj) {
                    std::string_view key;
                    if (auto e = field.unescaped_key().get(key)) return e;
                    Node* c = child(node, key);
                    if (!c) {
                        ++pending_untracked;
                        continue;
                    }
                    if (c->last_object == serial) continue;  // a duplicate key: the first one counts
                    c->last_object = serial;
                    ondemand::value value;
                    if (auto e = field.value().get(value)) return e;
                    if (auto e = walk(value, *c, depth + 1)) return e;
                }
                return simdjson::SUCCESS;
            }
            case ondemand::json_type::array: {
                std::size_t at = journal.size();
                journal.push_back({&node, k_array});
                if (depth >= max_depth) return simdjson::SUCCESS;
                ondemand::array arr;
                if (auto e = v.get_array().get(arr)) return e;
                Node& item = items(node);
                std::int64_t n = 0;
                for (auto element : arr) {
                    ondemand::value value;
                    if (auto e = element.get(value)) return e;
                    if (auto e = walk(value, item, depth + 1)) return e;
                    ++n;
                }
                journal[at].i = n;
                return simdjson::SUCCESS;
            }
            case ondemand::json_type::string: {
                std::string_view s;
                if (auto e = v.get_string().get(s)) return e;
                journal.push_back({&node, k_string, 0, 0, s});
                return simdjson::SUCCESS;
            }
            case ondemand::json_type::number: {
                ondemand::number num;
                if (auto e = v.get_number().get(num)) return e;
                switch (num.get_number_type()) {
                    case ondemand::number_type::signed_integer: {
                        std::int64_t i = num.get_int64();
                        journal.push_back({&node, k_integer, i, static_cast<double>(i)});
                        break;
                    }
                    case ondemand::number_type::unsigned_integer: {
                        // Above INT64_MAX: exact bounds saturate, the double range stays right.
                        journal.push_back({&node, k_integer, INT64_MAX, static_cast<double>(num.get_uint64())});
                        break;
                    }
                    case ondemand::number_type::floating_point_number:
                        journal.push_back({&node, k_number, 0, num.get_double()});
                        break;
                }
                return simdjson::SUCCESS;
            }
            case ondemand::json_type::boolean: {
                bool b = false;
                if (auto e = v.get_bool().get(b)) return e;
                journal.push_back({&node, k_boolean, b ? 1 : 0});
                return simdjson::SUCCESS;
            }
            case ondemand::json_type::null: {
                bool is_null = false;
                if (auto e = v.is_null().get(is_null)) return e;
                if (!is_null) return simdjson::INCORRECT_TYPE;
                journal.push_back({&node, k_null});
                return simdjson::SUCCESS;
            }
        }
        return simdjson::INCORRECT_TYPE;
    }

    void commit() {
        for (const Seen& seen : journal) {
            Node& n = *seen.node;
            ++n.present;
            ++n.kinds[seen.kind];
            switch (seen.kind) {
                case k_string:
                    if (!n.values_overflow) {
                        if (auto it = n.values.find(seen.s); it != n.values.end()) ++it->second;
                        else if (n.values.size() < options.max_enum_values) n.values.emplace(std::string(seen.s), 1);
                        else {
                            n.values_overflow = true;
                            decltype(n.values)().swap(n.values);
                        }
                    }
                    if (n.formats) n.formats = string_formats(seen.s, n.formats);
                    if (!n.has_example) {
                        n.example = short_example(seen.s);
                        n.has_example = true;
                    }
                    break;
                case k_integer:
                    n.ilo = std::min(n.ilo, seen.i);
                    n.ihi = std::max(n.ihi, seen.i);
                    [[fallthrough]];
                case k_number:
                    n.lo = std::min(n.lo, seen.d);
                    n.hi = std::max(n.hi, seen.d);
                    if (!n.has_example) {
                        n.example = seen.kind == k_integer && seen.i != INT64_MAX ? nlohmann::json(seen.i) : nlohmann::json(seen.d);
                        n.has_example = true;
                    }
                    break;
                case k_boolean:
                    if (!n.has_example) {
                        n.example = seen.i != 0;
                        n.has_example = true;
                    }
                    break;
                case k_array:
                    n.min_items = std::min(n.min_items, seen.i);
                    n.max_items = std::max(n.max_items, seen.i);
                    break;
                default: break;
            }
        }
    }

    void add_json(const Location& at, std::string_view json) {
        // simdjson reads a little past the end of the input: one copy into a padded buffer
        // that is reused, so no allocation per event.
        if (padded.size() < json.size() + simdjson::SIMDJSON_PADDING) padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
        std::memcpy(padded.data(), json.data(), json.size());
        journal.clear();
        pending_untracked = 0;
        ondemand::document doc;
        auto err = parser.iterate(padded.data(), json.size(), padded.size()).get(doc);
        if (!err) err = walk(doc, root, 0);
        const char* rest = nullptr;
        if (!err && !doc.current_location().get(rest)) err = simdjson::TRAILING_CONTENT;
        if (err) {
            bad.add(at, "not_json", std::string("not JSON: ") + simdjson::error_message(err));
            return;
        }
        commit();
        ++documents;
        untracked += pending_untracked;
    }
};

Inferrer::Inferrer(SchemaById by_id, InferOptions options) : impl_(std::make_unique<Impl>(std::move(by_id), options)) {}
Inferrer::~Inferrer() = default;

void Inferrer::add(const RecordView& record) {
    ++impl_->observed;
    if (!record.value) {
        ++impl_->tombstones;
        return;
    }
    if (auto json = decode_value(impl_->decoder, record, impl_->bad)) impl_->add_json(record.at, *json);
}

void Inferrer::add_json(const Location& at, std::string_view json) {
    ++impl_->observed;
    impl_->add_json(at, json);
}

InferredSchema Inferrer::result() const {
    InferredSchema out;
    out.observed = impl_->observed;
    out.tombstones = impl_->tombstones;
    out.decoded = impl_->documents;
    out.untracked_fields = impl_->untracked;
    out.bad = impl_->bad;
    describe_tree(impl_->root, impl_->options, out);
    return out;
}

InferredSchema infer_stream(const ObserveOptions& options, const kafka::ClientSettings& settings, SchemaById by_id,
                            const InferOptions& infer) {
    Inferrer inferrer(std::move(by_id), infer);
    auto stats = observe(options, settings, [&inferrer](const RecordView& r) { inferrer.add(r); });
    InferredSchema out = inferrer.result();
    out.stream = options.stream;
    out.topic = stats.topic;
    out.partitions = stats.partitions;
    out.requested = options.samples;
    out.interrupted = stats.interrupted;
    out.schema["title"] = options.stream;
    return out;
}

}  // namespace meshctl::schema
