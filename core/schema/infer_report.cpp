// From the statistics tree to the JSON Schema document, the flat field list and the text tree.
#include "core/output/table.hpp"
#include "core/schema/infer.hpp"
#include "core/schema/infer_tree.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace meshctl::schema {

namespace detail {

namespace {

constexpr const char* draft_2020_12 = "https://json-schema.org/draft/2020-12/schema";

// Schema type names in a fixed order, `null` last; integer only when no other number was seen.
std::vector<std::string> type_names(const Node& n) {
    std::vector<std::string> out;
    if (n.kinds[k_object]) out.emplace_back("object");
    if (n.kinds[k_array]) out.emplace_back("array");
    if (n.kinds[k_string]) out.emplace_back("string");
    if (n.kinds[k_number]) out.emplace_back("number");
    else if (n.kinds[k_integer]) out.emplace_back("integer");
    if (n.kinds[k_boolean]) out.emplace_back("boolean");
    if (n.kinds[k_null]) out.emplace_back("null");
    return out;
}

std::string format_of(const Node& n) {
    if (!n.kinds[k_string] || !n.formats) return {};
    if (n.formats & f_date_time) return "date-time";
    if (n.formats & f_date) return "date";
    if (n.formats & f_uuid) return "uuid";
    if (n.formats & f_email) return "email";
    return "uri";
}

// An enum only for string-only fields with few distinct values, each seen about twice or
// more: ids in a small sample are not an enum.
std::vector<std::pair<std::string, std::int64_t>> enum_of(const Node& n) {
    std::vector<std::pair<std::string, std::int64_t>> out;
    std::int64_t strings = n.kinds[k_string];
    bool string_only = strings + n.kinds[k_null] == n.present;
    if (!strings || !string_only || n.values_overflow || !format_of(n).empty()) return out;
    if (strings < std::max<std::int64_t>(4, 2 * static_cast<std::int64_t>(n.values.size()))) return out;
    out.assign(n.values.begin(), n.values.end());
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    return out;
}

bool has_numbers(const Node& n) { return n.kinds[k_integer] || n.kinds[k_number]; }

nlohmann::json bound(const Node& n, bool low) {
    if (n.kinds[k_number] || (low ? n.ilo : n.ihi) == INT64_MAX) return low ? n.lo : n.hi;
    return low ? n.ilo : n.ihi;
}

nlohmann::json schema_of(const Node& n) {
    nlohmann::json s = nlohmann::json::object();
    auto types = type_names(n);
    if (types.size() == 1) s["type"] = types.front();
    else if (!types.empty()) s["type"] = types;
    if (auto f = format_of(n); !f.empty()) s["format"] = f;
    if (auto e = enum_of(n); !e.empty()) {
        auto& values = s["enum"] = nlohmann::json::array();
        for (const auto& [v, count] : e) values.push_back(v);
        if (n.kinds[k_null]) values.push_back(nullptr);  // the enum must admit what the type admits
    }
    if (has_numbers(n)) {
        s["minimum"] = bound(n, true);
        s["maximum"] = bound(n, false);
    }
    if (n.kinds[k_object]) {
        auto& props = s["properties"] = nlohmann::json::object();
        nlohmann::json required = nlohmann::json::array();
        for (const auto& c : n.children) {
            if (!c->present) continue;
            props[c->name] = schema_of(*c);
            if (c->present == n.kinds[k_object]) required.push_back(c->name);
        }
        if (!required.empty()) s["required"] = std::move(required);
    }
    if (n.kinds[k_array] && n.items && n.items->present) s["items"] = schema_of(*n.items);
    if (n.has_example) s["examples"] = nlohmann::json::array({n.example});
    return s;
}

InferredField field_of(const Node& n, const std::string& path, const std::string& name, int depth, std::int64_t of) {
    InferredField f;
    f.path = path;
    f.name = name;
    f.depth = depth;
    f.types = type_names(n);
    f.present = n.present;
    f.of = of;
    f.presence = of > 0 ? 100.0 * static_cast<double>(n.present) / static_cast<double>(of) : 0.0;
    f.required = n.present >= of;
    f.nulls = n.kinds[k_null];
    f.format = format_of(n);
    f.enum_values = enum_of(n);
    if (has_numbers(n)) {
        f.minimum = bound(n, true);
        f.maximum = bound(n, false);
    }
    if (n.kinds[k_array]) {
        f.min_items = n.min_items;
        f.max_items = n.max_items;
    }
    if (n.has_example) f.example = n.example;
    return f;
}

// Depth-first in first-seen order. Array items get a row of their own (`[]`) unless they
// are all objects, whose fields then appear directly under the array.
void flatten(const Node& n, const std::string& path, const std::string& name, int depth, std::int64_t of, bool row,
             std::vector<InferredField>& out) {
    if (row) out.push_back(field_of(n, path, name, depth, of));
    int inner = row ? depth + 1 : depth;
    if (n.kinds[k_object])
        for (const auto& c : n.children)
            if (c->present) flatten(*c, path.empty() ? c->name : path + "." + c->name, c->name, inner, n.kinds[k_object], true, out);
    if (n.items && n.items->present) {
        const Node& item = *n.items;
        flatten(item, path + "[]", "[]", inner, item.present, item.kinds[k_object] != item.present, out);
    }
}

}  // namespace

void describe_tree(const Node& root, const InferOptions&, InferredSchema& out) {
    out.schema = root.present ? schema_of(root) : nlohmann::json::object();
    out.schema["$schema"] = draft_2020_12;
    out.fields.clear();
    if (root.present) flatten(root, "", "(event)", 0, root.present, root.kinds[k_object] != root.present, out.fields);
}

}  // namespace detail

namespace {

std::string percent(std::int64_t part, std::int64_t whole) {
    if (whole <= 0) return "-";
    if (part >= whole) return "100%";
    double p = 100.0 * static_cast<double>(part) / static_cast<double>(whole);
    if (p < 0.05) return "<0.1%";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", std::min(p, 99.9));
    std::string s = buf;
    if (auto dot = s.find(".0%"); dot != std::string::npos) s.erase(dot, 2);
    return s;
}

std::string type_text(const InferredField& f, const std::vector<InferredField>& all, std::size_t index) {
    std::string out;
    for (const auto& t : f.types) {
        std::string name = t;
        if (t == "array") {
            // The element types: from the `[]` row, or `object` when the fields sit directly below.
            std::string inner;
            for (std::size_t j = index + 1; j < all.size() && all[j].depth > f.depth; ++j) {
                if (all[j].path == f.path + "[]") {
                    for (const auto& it : all[j].types) inner += (inner.empty() ? "" : "|") + it;
                    break;
                }
                if (all[j].path.rfind(f.path + "[].", 0) == 0) {
                    inner = "object";
                    break;
                }
            }
            if (!inner.empty()) name += "<" + inner + ">";
        }
        out += (out.empty() ? "" : "|") + name;
    }
    return out;
}

std::string details(const InferredField& f) {
    std::vector<std::string> parts;
    if (!f.format.empty()) parts.push_back(f.format);
    if (!f.enum_values.empty()) {
        std::string e = "enum";
        for (std::size_t i = 0; i < f.enum_values.size(); ++i)
            e += (i ? ", " : " ") + f.enum_values[i].first + " " + std::to_string(f.enum_values[i].second);
        parts.push_back(e);
    }
    if (!f.minimum.is_null()) parts.push_back(f.minimum == f.maximum ? "= " + f.minimum.dump() : f.minimum.dump() + " .. " + f.maximum.dump());
    if (f.min_items) parts.push_back(std::to_string(*f.min_items) + (*f.min_items == *f.max_items ? "" : ".." + std::to_string(*f.max_items)) + " items");
    if (f.nulls) parts.push_back(std::to_string(f.nulls) + " null");
    if (!f.example.is_null() && f.enum_values.empty()) parts.push_back("e.g. " + f.example.dump());
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "  ") + p;
    return out;
}

}  // namespace

nlohmann::json InferredSchema::to_json() const {
    nlohmann::json fields_json = nlohmann::json::array();
    for (const auto& f : fields) {
        nlohmann::json j = {{"path", f.path},
                            {"types", f.types},
                            {"present", f.present},
                            {"of", f.of},
                            {"presence", std::round(f.presence * 10.0) / 10.0},
                            {"required", f.required},
                            {"nullable", f.nulls > 0},
                            {"nulls", f.nulls}};
        if (!f.format.empty()) j["format"] = f.format;
        if (!f.enum_values.empty()) {
            auto& e = j["enum"] = nlohmann::json::array();
            for (const auto& [v, n] : f.enum_values) e.push_back({{"value", v}, {"count", n}});
        }
        if (!f.minimum.is_null()) {
            j["minimum"] = f.minimum;
            j["maximum"] = f.maximum;
        }
        if (f.min_items) {
            j["min_items"] = *f.min_items;
            j["max_items"] = *f.max_items;
        }
        if (!f.example.is_null()) j["example"] = f.example;
        fields_json.push_back(std::move(j));
    }
    return {{"stream", stream},
            {"topic", topic},
            {"partitions", partitions},
            {"samples",
             {{"requested", requested}, {"observed", observed}, {"decoded", decoded}, {"tombstones", tombstones}, {"bad", bad.total()}}},
            {"interrupted", interrupted},
            {"bad_events", bad.to_json()},
            {"untracked_fields", untracked_fields},
            {"schema", schema},
            {"fields", std::move(fields_json)}};
}

void InferredSchema::to_text(std::ostream& out, const output::TextStyle& style) const {
    std::string head = stream.empty() ? "events" : stream;
    if (!topic.empty() && topic != stream) head += " (topic " + topic + ")";
    out << output::bold(head, style) << ": " << output::thousands(observed) << " events";
    if (partitions) out << " from " << partitions << (partitions == 1 ? " partition" : " partitions");
    out << ", " << output::thousands(decoded) << " read as JSON";
    if (tombstones) out << ", " << output::thousands(tombstones) << " tombstones";
    if (bad.total()) out << ", " << output::red(output::thousands(bad.total()) + " bad", style);
    if (interrupted) out << " (interrupted)";
    out << "\n";
    if (!fields.empty()) {
        out << "\n";
        output::Table table({"field", "type", "present", "details"});
        table.align_right(2);
        for (std::size_t i = 0; i < fields.size(); ++i) {
            const auto& f = fields[i];
            table.add_row({std::string(2 * static_cast<std::size_t>(f.depth), ' ') + f.name, type_text(f, fields, i),
                           percent(f.present, f.of), details(f)});
        }
        table.render(out, style);
    }
    if (untracked_fields) out << "\n" << untracked_fields << " field occurrences beyond the tracked field limit were not analysed\n";
    if (bad.total()) {
        out << "\n" << bad.total() << " bad events (" << bad.summary() << "):\n";
        for (const auto& e : bad.listed()) out << "  " << e.at.str() << "  " << e.reason << "  " << e.error << "\n";
        if (bad.total() > static_cast<std::int64_t>(bad.listed().size()))
            out << "  ... and " << bad.total() - static_cast<std::int64_t>(bad.listed().size()) << " more\n";
    }
}

}  // namespace meshctl::schema
