// The compiler: resolves names (comprehension variables, event variables, bindings, type
// names), expands macros, picks function implementations, folds constants and checks
// `value` field paths against a known schema, reporting mistakes with a caret.
#include "core/error.hpp"
#include "core/expr/ast.hpp"
#include "core/expr/eval.hpp"
#include "core/expr/lexer.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>

namespace meshctl::expr {

namespace detail {
namespace {

struct EventVarName { std::string_view name; EventVar var; };
constexpr EventVarName event_vars[] = {
    {"value", EventVar::value}, {"key", EventVar::key}, {"headers", EventVar::headers}, {"topic", EventVar::topic},
    {"partition", EventVar::partition}, {"offset", EventVar::offset}, {"timestamp", EventVar::timestamp}};

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

std::string suggestion(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        std::size_t d = edit_distance(word, c);
        if (d < best_d) { best_d = d; best = c; }
    }
    return best.empty() ? std::string() : " (did you mean '" + best + "'?)";
}

class Compiler {
public:
    Compiler(std::string_view src, const CompileOptions& o) : src_(src), opts_(o) {}

    NodePtr compile(const Ast& a) {
        const FieldTree* ignored = nullptr;
        if (a.kind == AstKind::select) root_path_ = value_path_of(a);
        return build(a, ignored);
    }
    /// The fields when the whole expression is a constant path into `value`, else empty.
    std::vector<std::string>& root_path() { return root_path_; }
    int locals() const { return max_locals_; }
    bool uses_value() const { return uses_value_; }
    bool uses_headers() const { return uses_headers_; }
    bool uses_event() const { return uses_event_; }
    /// True when `value` is read only through constant paths.
    bool value_paths_only() const { return uses_value_ && whole_value_uses_ == 0; }
    std::map<std::string, BindingUse, std::less<>>& binding_uses() { return binding_uses_; }

private:
    [[noreturn]] void fail(std::size_t pos, const std::string& msg) { fail_at(src_, pos, msg); }

    // `shape` receives the schema node of the result when it is a path into `value`.
    NodePtr build(const Ast& a, const FieldTree*& shape) {
        shape = nullptr;
        switch (a.kind) {
        case AstKind::literal: return make_const(a.pos, a.literal);
        case AstKind::ident: return ident(a, shape);
        case AstKind::select: return select(a, shape);
        case AstKind::list: {
            std::vector<NodePtr> items;
            for (const auto& e : a.args) items.push_back(build(*e));
            return make_list(a.pos, std::move(items));
        }
        case AstKind::map: {
            std::vector<NodePtr> kv;
            for (const auto& e : a.args) kv.push_back(build(*e));
            return make_map(a.pos, std::move(kv));
        }
        case AstKind::call: return call(a, shape);
        }
        fail(a.pos, "unsupported expression");
    }
    NodePtr build(const Ast& a) {
        const FieldTree* ignored = nullptr;
        return build(a, ignored);
    }

    NodePtr ident(const Ast& a, const FieldTree*& shape) {
        const std::string* field = std::exchange(selected_field_, nullptr);
        for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it)
            if (it->first == a.name) return make_local(a.pos, it->second);
        for (const auto& ev : event_vars) {
            if (ev.name == a.name) {
                uses_event_ = true;
                if (ev.var == EventVar::headers) uses_headers_ = true;
                if (ev.var == EventVar::value) {
                    uses_value_ = true;
                    ++whole_value_uses_;
                    if (opts_.value_fields) shape = &*opts_.value_fields;
                }
                return make_event_var(a.pos, ev.var, a.name);
            }
        }
        if (auto t = type_named(a.name)) return make_const(a.pos, *t);
        if (opts_.dynamic || std::find(opts_.variables.begin(), opts_.variables.end(), a.name) != opts_.variables.end()) {
            BindingUse& use = binding_uses_[a.name];
            if (field) use.fields.insert(*field);
            else use.whole = true;
            return make_binding(a.pos, {{a.name, {}}});
        }
        std::vector<std::string> known(opts_.variables);
        for (const auto& ev : event_vars) known.emplace_back(ev.name);
        for (const auto& s : scopes_) known.push_back(s.first);
        std::string hint = suggestion(a.name, known);
        if (hint.empty() && opts_.value_fields && opts_.value_fields->fields.count(a.name))
            hint = " (did you mean 'value." + a.name + "'?)";
        fail(a.pos, "unknown variable '" + a.name + "'" + hint);
    }

    // `a.b.c` may name a binding "a.b.c" (CEL's qualified identifiers) or a type; try the
    // longest bound prefix first. Returns null when the chain is an ordinary selection.
    NodePtr qualified(const Ast& a) {
        std::vector<std::string> parts;
        const Ast* e = &a;
        while (e->kind == AstKind::select) {
            parts.push_back(e->name);
            e = e->target.get();
        }
        if (e->kind != AstKind::ident) return nullptr;
        for (const auto& s : scopes_)
            if (s.first == e->name) return nullptr;
        for (const auto& ev : event_vars)
            if (ev.name == e->name) return nullptr;
        parts.push_back(e->name);
        std::reverse(parts.begin(), parts.end());
        std::vector<std::pair<std::string, std::vector<std::string>>> candidates;
        for (std::size_t n = parts.size(); n >= 1; --n) {
            std::string name = parts[0];
            for (std::size_t i = 1; i < n; ++i) name += "." + parts[i];
            if (n > 1)
                if (auto t = type_named(name)) return make_const(a.pos, *t);
            bool declared = std::find(opts_.variables.begin(), opts_.variables.end(), name) != opts_.variables.end();
            if (declared || opts_.dynamic)
                candidates.emplace_back(std::move(name), std::vector<std::string>(parts.begin() + static_cast<long>(n), parts.end()));
        }
        if (candidates.empty() || (!opts_.dynamic && candidates.size() == 1 && candidates[0].second.size() == parts.size() - 1))
            return nullptr;  // only the root is bound: plain selection, checked as usual
        for (const auto& c : candidates) binding_uses_[c.first].whole = true;
        return make_binding(a.pos, std::move(candidates));
    }

    const FieldTree* child_shape(const FieldTree* parent, const std::string& field, std::size_t pos) {
        if (!parent) return nullptr;
        auto it = parent->fields.find(field);
        if (it != parent->fields.end()) return &it->second;
        if (parent->closed) {
            std::vector<std::string> names;
            for (const auto& [k, v] : parent->fields)
                if (k != "[]") names.push_back(k);
            fail(pos, "unknown field '" + field + "'" + suggestion(field, names));
        }
        return nullptr;
    }

    // `value.a.b` with `value` the event variable: the fields, outermost last; else empty.
    std::vector<std::string> value_path_of(const Ast& a) const {
        std::vector<std::string> fields;
        const Ast* e = &a;
        while (e->kind == AstKind::select) {
            fields.push_back(e->name);
            e = e->target.get();
        }
        if (e->kind != AstKind::ident || e->name != "value") return {};
        for (const auto& s : scopes_)
            if (s.first == "value") return {};  // a macro variable named value
        std::reverse(fields.begin(), fields.end());
        return fields;
    }

    NodePtr select(const Ast& a, const FieldTree*& shape) {
        if (auto q = qualified(a)) return q;
        if (auto fields = value_path_of(a); !fields.empty()) {
            // The fallback is the plain chain, checked against the schema level by level.
            std::vector<const Ast*> sel;
            for (const Ast* e = &a; e->kind == AstKind::select; e = e->target.get()) sel.push_back(e);
            const FieldTree* level = nullptr;
            NodePtr chain = ident(*sel.back()->target, level);
            --whole_value_uses_;  // this use of `value` is a path, not the whole document
            for (auto it = sel.rbegin(); it != sel.rend(); ++it) {
                level = child_shape(level, (*it)->name, (*it)->pos);
                chain = make_select((*it)->pos, std::move(chain), (*it)->name, false);
            }
            shape = level;
            return make_value_path(a.pos, std::move(fields), std::move(chain));
        }
        const FieldTree* parent = nullptr;
        if (a.target->kind == AstKind::ident) selected_field_ = &a.name;  // for ident(): `binding.field`
        NodePtr operand = build(*a.target, parent);
        shape = child_shape(parent, a.name, a.pos);
        return make_select(a.pos, std::move(operand), a.name, false);
    }

    NodePtr macro(const Ast& a, MacroKind kind) {
        std::size_t max_args = kind == MacroKind::map ? 3 : 2;  // map(x, filter, transform)
        if (a.args.size() < 2 || a.args.size() > max_args)
            fail(a.pos, a.name + "() takes " + (max_args == 3 ? "2 or 3" : "2") + " arguments");
        if (a.args[0]->kind != AstKind::ident) fail(a.args[0]->pos, a.name + "() needs a variable name as its first argument");
        NodePtr range = build(*a.target);
        int slot = static_cast<int>(scopes_.size());
        scopes_.emplace_back(a.args[0]->name, slot);
        max_locals_ = std::max(max_locals_, slot + 1);
        NodePtr pred, transform;
        if (kind == MacroKind::map) {
            transform = build(*a.args.back());
            if (a.args.size() == 3) pred = build(*a.args[1]);
        } else {
            pred = build(*a.args[1]);
        }
        scopes_.pop_back();
        return make_comprehension(a.pos, kind, std::move(range), slot, std::move(pred), std::move(transform));
    }

    NodePtr call(const Ast& a, const FieldTree*& shape) {
        const std::string& f = a.name;
        if (a.target) {
            static constexpr std::pair<std::string_view, MacroKind> macros[] = {
                {"all", MacroKind::all}, {"exists", MacroKind::exists}, {"exists_one", MacroKind::exists_one},
                {"map", MacroKind::map}, {"filter", MacroKind::filter}};
            for (auto [name, kind] : macros)
                if (f == name) return macro(a, kind);
        }
        if (!a.target && f == "has") {
            if (a.args.size() != 1 || a.args[0]->kind != AstKind::select)
                fail(a.pos, "has() takes one field selection, like has(value.field)");
            const Ast& sel = *a.args[0];
            const FieldTree* parent = nullptr;
            if (sel.target->kind == AstKind::ident) selected_field_ = &sel.name;
            NodePtr operand = build(*sel.target, parent);
            child_shape(parent, sel.name, sel.pos);
            return make_select(a.pos, std::move(operand), sel.name, true);
        }
        auto binop = [&](BinOp op) {
            NodePtr l = build(*a.args[0]);
            NodePtr r = build(*a.args[1]);
            bool constant = l->constant() && r->constant();
            return fold(make_binary(a.pos, op, std::move(l), std::move(r)), constant);
        };
        if (f == "_&&_") return make_and(a.pos, build(*a.args[0]), build(*a.args[1]));
        if (f == "_||_") return make_or(a.pos, build(*a.args[0]), build(*a.args[1]));
        if (f == "_?_:_") return make_conditional(a.pos, build(*a.args[0]), build(*a.args[1]), build(*a.args[2]));
        if (f == "!_" || f == "-_") {
            NodePtr operand = build(*a.args[0]);
            bool constant = operand->constant() != nullptr;
            return fold(f == "!_" ? make_not(a.pos, std::move(operand)) : make_negate(a.pos, std::move(operand)), constant);
        }
        if (f == "_[_]") {
            const FieldTree* parent = nullptr;
            NodePtr operand = build(*a.args[0], parent);
            const Ast& idx = *a.args[1];
            if (parent) {
                if (idx.kind == AstKind::literal && idx.literal.kind() == Kind::string)
                    shape = child_shape(parent, std::string(idx.literal.as_string()), idx.pos);
                else if (auto it = parent->fields.find("[]"); it != parent->fields.end())
                    shape = &it->second;
            }
            return make_index(a.pos, std::move(operand), build(idx));
        }
        static constexpr std::pair<std::string_view, BinOp> ops[] = {
            {"_+_", BinOp::add}, {"_-_", BinOp::sub}, {"_*_", BinOp::mul}, {"_/_", BinOp::div}, {"_%_", BinOp::mod},
            {"_==_", BinOp::eq}, {"_!=_", BinOp::ne}, {"_<_", BinOp::lt}, {"_<=_", BinOp::le}, {"_>_", BinOp::gt},
            {"_>=_", BinOp::ge}, {"@in", BinOp::in}};
        for (auto [name, op] : ops)
            if (f == name) return binop(op);

        std::size_t argc = a.args.size() + (a.target ? 1 : 0);
        const FunctionDef* def = find_function(f, a.target != nullptr, argc);
        if (!def) {
            std::string msg = function_exists(f) ? "no overload of '" + f + "' takes " + std::to_string(argc) +
                                                       " argument(s)" + (a.target ? " as a method" : "")
                                                 : "unknown function '" + f + "'";
            if (opts_.dynamic) return make_error(a.pos, msg);
            fail(a.pos, msg);
        }
        std::vector<NodePtr> args;
        if (a.target) args.push_back(build(*a.target));
        for (const auto& e : a.args) args.push_back(build(*e));
        if (f == "matches") {
            if (const Value* p = args[1]->constant(); p && p->kind() == Kind::string) {
                std::string err = check_pattern(p->as_string());
                if (!err.empty()) {
                    std::size_t pos = a.args.back()->pos;
                    if (opts_.dynamic) return make_error(pos, "invalid regular expression: " + err);
                    fail(pos, "invalid regular expression: " + err);
                }
            }
            return make_matches(a.pos, std::move(args[0]), std::move(args[1]));
        }
        bool all_const = true;
        for (const auto& n : args) all_const = all_const && n->constant();
        return fold(make_call(a.pos, def, std::move(args)), all_const);
    }

    // Evaluates operator trees over constants once, at compile time. Errors are kept as
    // nodes: `1/0` must still fail only when (and if) it is evaluated.
    static NodePtr fold(NodePtr n, bool operands_constant) {
        if (!operands_constant) return n;
        Frame f;  // constant operands never read variables
        Value v = n->eval(f);
        if (v.is_error()) return n;
        return make_const(n->pos, std::move(v));
    }

    std::string_view src_;
    const CompileOptions& opts_;
    std::vector<std::pair<std::string, int>> scopes_;
    int max_locals_ = 0;
    bool uses_value_ = false;
    bool uses_headers_ = false;
    bool uses_event_ = false;  // any event variable
    int whole_value_uses_ = 0;  // uses of `value` other than as the root of a constant path
    std::map<std::string, BindingUse, std::less<>> binding_uses_;
    const std::string* selected_field_ = nullptr;  // set by a selection whose target is an identifier
    std::vector<std::string> root_path_;
};

}  // namespace
}  // namespace detail

Program Program::compile(std::string_view source, const CompileOptions& options) {
    auto ast = detail::parse(source);
    auto impl = std::make_shared<detail::ProgramImpl>();
    impl->source = std::string(source);
    detail::Compiler c(impl->source, options);
    impl->root = c.compile(*ast);
    impl->locals = c.locals();
    impl->uses_value = c.uses_value();
    impl->value_paths_only = c.value_paths_only();
    impl->uses_headers = c.uses_headers();
    impl->uses_event = c.uses_event();
    impl->binding_uses = std::move(c.binding_uses());
    impl->root_path = std::move(c.root_path());
    return Program(std::move(impl));
}

std::string_view Program::source() const { return impl_->source; }
bool Program::uses_value() const { return impl_->uses_value; }
bool Program::uses_headers() const { return impl_->uses_headers; }
const std::vector<std::string>* Program::value_path() const {
    return impl_->root_path.empty() ? nullptr : &impl_->root_path;
}
bool Program::depends_only_on(std::string_view name) const {
    if (impl_->uses_event) return false;
    for (const auto& [bound, use] : impl_->binding_uses)
        if (bound != name) return false;
    return true;
}
BindingUse Program::binding_use(std::string_view name) const {
    auto it = impl_->binding_uses.find(name);
    return it == impl_->binding_uses.end() ? BindingUse{} : it->second;
}

namespace {
FieldTree tree_from(const nlohmann::json& s) {
    FieldTree t;
    if (!s.is_object()) return t;
    if (auto p = s.find("properties"); p != s.end() && p->is_object()) {
        for (const auto& [name, sub] : p->items()) t.fields.emplace(name, tree_from(sub));
        auto ap = s.find("additionalProperties");
        t.closed = ap == s.end() || (ap->is_boolean() && !ap->get<bool>());
    }
    if (auto it = s.find("items"); it != s.end() && it->is_object()) t.fields.emplace("[]", tree_from(*it));
    return t;
}
}  // namespace

FieldTree FieldTree::from_json_schema(std::string_view schema_json) {
    auto j = nlohmann::json::parse(schema_json, nullptr, false);
    if (j.is_discarded()) throw usage_error("the schema for expression checks is not valid JSON");
    return tree_from(j);
}

}  // namespace meshctl::expr
