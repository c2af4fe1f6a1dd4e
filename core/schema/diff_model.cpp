#include "core/schema/diff_model.hpp"

#include <algorithm>

namespace meshctl::schema::detail {

std::string join_path(std::string_view parent, std::string_view name) {
    if (parent.empty()) return std::string(name);
    std::string out;
    out.reserve(parent.size() + 1 + name.size());
    out.append(parent).append(".").append(name);
    return out;
}

std::string types_text(std::uint8_t types) {
    if (types == any_kind) return "any";
    if (types == 0) return "nothing";
    std::string out;
    for (JsonKind k : {k_object, k_array, k_string, k_number, k_integer, k_boolean, k_null})
        if (types & bit(k)) {
            if (k == k_integer && (types & bit(k_number))) continue;  // number covers it
            out += (out.empty() ? "" : "|") + std::string(kind_name(k));
        }
    return out;
}

namespace {

constexpr int max_depth = 64;
constexpr std::size_t max_nodes = 20000;  // a bound for schemas that expand (shared $refs)
constexpr long max_unroll = 4;            // levels of a recursive $ref that are checked

std::uint8_t kind_bits(const std::string& name) {
    if (name == "null") return bit(k_null);
    if (name == "boolean") return bit(k_boolean);
    if (name == "integer") return bit(k_integer);
    if (name == "number") return bit(k_number) | bit(k_integer);
    if (name == "string") return bit(k_string);
    if (name == "object") return bit(k_object);
    if (name == "array") return bit(k_array);
    return 0;
}

std::uint8_t kind_of_value(const nlohmann::json& v) {
    if (v.is_null()) return bit(k_null);
    if (v.is_boolean()) return bit(k_boolean);
    if (v.is_number_integer()) return bit(k_integer);
    if (v.is_number()) return bit(k_number);
    if (v.is_string()) return bit(k_string);
    if (v.is_object()) return bit(k_object);
    return bit(k_array);
}

class Compiler {
public:
    Compiler(const nlohmann::json& root, DeclModel& model) : root_(root), model_(model) {}

    Decl* compile(const nlohmann::json& s, const std::string& path, int depth) {
        Decl* d = make(path);
        if (s.is_boolean()) {
            if (!s.get<bool>()) d->types = 0;
            return d;
        }
        if (!s.is_object() || depth > max_depth || model_.nodes.size() > max_nodes) return d;
        bool typed = false;
        if (auto t = s.find("type"); t != s.end()) {
            std::uint8_t types = 0;
            if (t->is_string()) types = kind_bits(t->get<std::string>());
            else if (t->is_array())
                for (const auto& n : *t)
                    if (n.is_string()) types |= kind_bits(n.get<std::string>());
            if (types) {
                d->types = types;
                typed = true;
            }
        }
        if (typed && s.value("nullable", false)) d->types |= bit(k_null);  // OpenAPI's spelling
        const nlohmann::json* values = nullptr;
        nlohmann::json one;
        if (auto e = s.find("enum"); e != s.end() && e->is_array()) values = &*e;
        else if (auto c = s.find("const"); c != s.end()) values = &(one = nlohmann::json::array({*c}));
        if (values) {
            std::uint8_t kinds = 0;
            d->string_enum.emplace();
            for (const auto& v : *values) {
                kinds |= kind_of_value(v);
                if (v.is_string()) d->string_enum->insert(v.get<std::string>());
            }
            if (!typed) d->types = kinds ? kinds : 0;
        }
        bool declared_properties = false;
        if (auto p = s.find("properties"); p != s.end() && p->is_object()) {
            for (const auto& [name, sub] : p->items())
                d->properties[name] = {compile(sub, join_path(path, name), depth + 1), -1};
            declared_properties = !p->empty();
        }
        if (auto r = s.find("required"); r != s.end() && r->is_array())
            for (const auto& n : *r)
                if (n.is_string()) d->required.push_back(n.get<std::string>());
        d->report_undeclared = declared_properties;
        for (const char* key : {"additionalProperties", "unevaluatedProperties"}) {
            auto a = s.find(key);
            if (a == s.end()) continue;
            if (a->is_boolean()) d->report_undeclared = !a->get<bool>();
            else if (a->is_object()) {
                d->report_undeclared = false;
                d->additional = compile(*a, path.empty() ? "*" : path + ".*", depth + 1);
            }
        }
        if (s.contains("patternProperties")) d->report_undeclared = false;  // cannot tell which keys are meant
        Decl* items = nullptr;
        auto add_items = [&](const nlohmann::json& sub) {
            Decl* c = compile(sub, path + "[]", depth + 1);
            if (!items) items = c;
            else unite(*items, *c);
        };
        if (auto it = s.find("prefixItems"); it != s.end() && it->is_array())
            for (const auto& sub : *it) add_items(sub);
        if (auto it = s.find("items"); it != s.end()) {
            if (it->is_array())  // tuple form of older drafts
                for (const auto& sub : *it) add_items(sub);
            else add_items(*it);
        }
        d->items = items;
        reindex(*d);

        if (auto r = s.find("$ref"); r != s.end() && r->is_string()) {
            if (const Decl* target = resolve(r->get<std::string>(), path, depth)) intersect(*d, *target);
        }
        if (auto a = s.find("allOf"); a != s.end() && a->is_array())
            for (const auto& sub : *a) intersect(*d, *compile(sub, path, depth + 1));
        for (const char* key : {"anyOf", "oneOf"}) {
            auto a = s.find(key);
            if (a == s.end() || !a->is_array() || a->empty()) continue;
            Decl* u = compile((*a)[0], path, depth + 1);
            for (std::size_t i = 1; i < a->size(); ++i) unite(*u, *compile((*a)[i], path, depth + 1));
            intersect(*d, *u);
        }
        return d;
    }

private:
    Decl* make(const std::string& path) {
        model_.nodes.push_back(std::make_unique<Decl>());
        model_.nodes.back()->path = path;
        return model_.nodes.back().get();
    }

    const Decl* any() {
        if (!any_) any_ = make("");
        return any_;
    }

    // Local references only (`#`, `#/$defs/x`). A recursive one is unrolled a few levels,
    // then allows anything (events are checked as deep as that).
    const Decl* resolve(const std::string& ref, const std::string& path, int depth) {
        if (ref.empty() || ref[0] != '#') return nullptr;
        if (std::count(stack_.begin(), stack_.end(), ref) >= max_unroll) return nullptr;
        const nlohmann::json* target = &root_;
        if (ref.size() > 1) {
            try {
                target = &root_.at(nlohmann::json::json_pointer(ref.substr(1)));
            } catch (const nlohmann::json::exception&) {
                return nullptr;
            }
        }
        stack_.push_back(ref);
        const Decl* d = compile(*target, path, depth + 1);
        stack_.pop_back();
        return d;
    }

    // Indexes `required` in `properties`; required names without a declared schema allow anything.
    void reindex(Decl& d) {
        for (auto& [name, p] : d.properties) p.required = -1;
        std::vector<std::string> unique;
        for (const auto& name : d.required)
            if (std::find(unique.begin(), unique.end(), name) == unique.end()) unique.push_back(name);
        d.required = std::move(unique);
        for (std::size_t i = 0; i < d.required.size(); ++i) {
            auto it = d.properties.find(d.required[i]);
            if (it == d.properties.end()) it = d.properties.emplace(d.required[i], Decl::Property{any(), -1}).first;
            it->second.required = static_cast<int>(i);
        }
    }

    // anyOf/oneOf: a value may take any branch.
    void unite(Decl& a, const Decl& b) {
        const bool a_str = a.types & bit(k_string), b_str = b.types & bit(k_string);
        const bool a_obj = a.types & bit(k_object), b_obj = b.types & bit(k_object);
        const bool a_arr = a.types & bit(k_array), b_arr = b.types & bit(k_array);
        if (a_str && b_str) {
            if (a.string_enum && b.string_enum) a.string_enum->insert(b.string_enum->begin(), b.string_enum->end());
            else a.string_enum.reset();
        } else if (b_str) {
            a.string_enum = b.string_enum;
        }
        if (b_obj && !a_obj) {
            a.properties = b.properties;
            a.required = b.required;
            a.report_undeclared = b.report_undeclared;
            a.additional = b.additional;
        } else if (a_obj && b_obj) {
            for (const auto& [name, p] : b.properties) a.properties.emplace(name, p);
            std::vector<std::string> both;
            for (const auto& n : a.required)
                if (std::find(b.required.begin(), b.required.end(), n) != b.required.end()) both.push_back(n);
            a.required = std::move(both);
            a.report_undeclared = a.report_undeclared && b.report_undeclared;
            if (!a.additional) a.additional = b.additional;
        }
        if ((b_arr && !a_arr) || !a.items) a.items = b.items ? b.items : a.items;
        a.types |= b.types;
        reindex(a);
    }

    // allOf, and a schema's own keywords with its $ref and compositions: all must hold.
    void intersect(Decl& a, const Decl& b) {
        a.types &= b.types;
        if (b.string_enum) {
            if (!a.string_enum) a.string_enum = b.string_enum;
            else
                for (auto it = a.string_enum->begin(); it != a.string_enum->end();)
                    it = b.string_enum->count(*it) ? std::next(it) : a.string_enum->erase(it);
        }
        for (const auto& [name, p] : b.properties) a.properties.emplace(name, p);
        for (const auto& n : b.required) a.required.push_back(n);
        a.report_undeclared = a.report_undeclared || b.report_undeclared;
        if (!a.additional) a.additional = b.additional;
        if (!a.items) a.items = b.items;
        reindex(a);
    }

    const nlohmann::json& root_;
    DeclModel& model_;
    std::vector<std::string> stack_;
    Decl* any_ = nullptr;
};

}  // namespace

DeclModel compile_declared(const nlohmann::json& schema) {
    DeclModel model;
    Compiler compiler(schema, model);
    model.root = compiler.compile(schema, "", 0);
    return model;
}

}  // namespace meshctl::schema::detail
