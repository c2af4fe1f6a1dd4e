// The evaluation nodes. Each node is resolved at compile time (slots, functions, compiled
// regular expressions), so evaluation does no name lookups except for Bindings.
#include "core/expr/eval.hpp"
#include "core/expr/value_access.hpp"

#include <re2/re2.h>

namespace meshctl::expr::detail {

namespace {

class ConstNode final : public Node {
public:
    ConstNode(std::size_t p, Value v) : Node(p), v_(std::move(v)) {}
    Value eval(Frame&) const override { return v_; }
    const Value* constant() const override { return &v_; }

private:
    Value v_;
};

// The message lives as long as the program, so producing the error allocates nothing.
class ErrorNode final : public Node {
public:
    ErrorNode(std::size_t p, std::string m) : Node(p), msg_(std::move(m)) {}
    Value eval(Frame&) const override { return Value::error_static(msg_); }

private:
    std::string msg_;
};

class EventVarNode final : public Node {
public:
    EventVarNode(std::size_t p, EventVar w, std::string name) : Node(p), which_(w), name_(std::move(name)) {}
    Value eval(Frame& f) const override {
        if (f.vars) return f.vars->event_var(which_);
        if (f.bindings)
            if (const Value* v = f.bindings->find(name_)) return *v;
        return Value::error_static(missing_);
    }

private:
    EventVar which_;
    std::string name_;
    std::string missing_ = "no value bound to '" + name_ + "'";
};

class BindingNode final : public Node {
public:
    BindingNode(std::size_t p, std::vector<std::pair<std::string, std::vector<std::string>>> c)
        : Node(p), candidates_(std::move(c)), missing_("undeclared reference to '" + candidates_.front().first + "'") {}
    Value eval(Frame& f) const override {
        if (f.bindings) {
            for (const auto& [name, fields] : candidates_) {
                const Value* v = f.bindings->find(name);
                if (!v) continue;
                Value r = *v;
                for (const auto& field : fields) r = select_field(r, field);
                return r;
            }
        }
        return Value::error_static(missing_);
    }

private:
    std::vector<std::pair<std::string, std::vector<std::string>>> candidates_;
    std::string missing_;
};

class LocalNode final : public Node {
public:
    LocalNode(std::size_t p, int slot) : Node(p), slot_(slot) {}
    Value eval(Frame& f) const override { return f.locals[slot_]; }

private:
    int slot_;
};

class SelectNode final : public Node {
public:
    SelectNode(std::size_t p, NodePtr o, std::string field, bool test)
        : Node(p), operand_(std::move(o)), field_(std::move(field)), test_only_(test) {}
    Value eval(Frame& f) const override {
        Value o = operand_->eval(f);
        return test_only_ ? has_field(o, field_) : select_field(o, field_);
    }

private:
    NodePtr operand_;
    std::string field_;
    bool test_only_;
};

class ValuePathNode final : public Node {
public:
    ValuePathNode(std::size_t p, std::vector<std::string> fields, NodePtr fallback)
        : Node(p), fields_(std::move(fields)), fallback_(std::move(fallback)) {}
    Value eval(Frame& f) const override {
        if (!f.vars) return fallback_->eval(f);
        return f.vars->value_path(fields_, *fallback_, f);
    }

private:
    std::vector<std::string> fields_;
    NodePtr fallback_;
};

class IndexNode final : public Node {
public:
    IndexNode(std::size_t p, NodePtr o, NodePtr i) : Node(p), operand_(std::move(o)), index_(std::move(i)) {}
    Value eval(Frame& f) const override {
        Value o = operand_->eval(f);
        return index_value(o, index_->eval(f));
    }

private:
    NodePtr operand_, index_;
};

// && and || are commutative over errors: false && error == false, true || error == true,
// whichever side the error is on; otherwise the first error wins.
template <bool IsAnd>
class LogicNode final : public Node {
public:
    LogicNode(std::size_t p, NodePtr a, NodePtr b) : Node(p), a_(std::move(a)), b_(std::move(b)) {}
    Value eval(Frame& f) const override {
        Value a = a_->eval(f);
        if (a.kind() == Kind::boolean && a.as_bool() != IsAnd) return a;
        Value b = b_->eval(f);
        if (b.kind() == Kind::boolean && b.as_bool() != IsAnd) return b;
        if (a.kind() == Kind::boolean && b.kind() == Kind::boolean) return b;
        if (a.kind() != Kind::boolean) return a.is_error() ? a : no_overload(IsAnd ? "&&" : "||", a, b);
        return b.is_error() ? b : no_overload(IsAnd ? "&&" : "||", a, b);
    }

private:
    NodePtr a_, b_;
};

class NotNode final : public Node {
public:
    NotNode(std::size_t p, NodePtr a) : Node(p), a_(std::move(a)) {}
    Value eval(Frame& f) const override { return logical_not(a_->eval(f)); }

private:
    NodePtr a_;
};

class NegateNode final : public Node {
public:
    NegateNode(std::size_t p, NodePtr a) : Node(p), a_(std::move(a)) {}
    Value eval(Frame& f) const override { return negate(a_->eval(f)); }

private:
    NodePtr a_;
};

class ConditionalNode final : public Node {
public:
    ConditionalNode(std::size_t p, NodePtr c, NodePtr a, NodePtr b)
        : Node(p), c_(std::move(c)), a_(std::move(a)), b_(std::move(b)) {}
    Value eval(Frame& f) const override {
        Value c = c_->eval(f);
        if (c.kind() != Kind::boolean) return c.is_error() ? c : no_overload("?:", c);
        return c.as_bool() ? a_->eval(f) : b_->eval(f);
    }

private:
    NodePtr c_, a_, b_;
};

class BinaryNode final : public Node {
public:
    BinaryNode(std::size_t p, BinOp op, NodePtr a, NodePtr b) : Node(p), op_(op), a_(std::move(a)), b_(std::move(b)) {}
    Value eval(Frame& f) const override {
        Value a = a_->eval(f);
        return binary(op_, a, b_->eval(f));
    }

private:
    BinOp op_;
    NodePtr a_, b_;
};

class CallNode final : public Node {
public:
    CallNode(std::size_t p, const FunctionDef* fn, std::vector<NodePtr> args) : Node(p), fn_(fn), args_(std::move(args)) {}
    Value eval(Frame& f) const override {
        Value vals[4];
        for (std::size_t i = 0; i < args_.size(); ++i) {
            vals[i] = args_[i]->eval(f);
            if (vals[i].is_error()) return vals[i];
        }
        return fn_->fn(vals, args_.size());
    }

private:
    const FunctionDef* fn_;
    std::vector<NodePtr> args_;  // at most 4: no built-in takes more
};

class MatchesNode final : public Node {
public:
    MatchesNode(std::size_t p, NodePtr text, NodePtr pattern) : Node(p), text_(std::move(text)), pattern_(std::move(pattern)) {
        if (const Value* c = pattern_->constant(); c && c->kind() == Kind::string) {
            auto sv = c->as_string();
            re_ = std::make_unique<RE2>(re2::StringPiece(sv.data(), sv.size()), RE2::Quiet);
        }
    }
    Value eval(Frame& f) const override {
        Value t = text_->eval(f);
        if (t.is_error()) return t;
        if (!re_) {
            Value args[2] = {t, pattern_->eval(f)};
            if (args[1].is_error()) return args[1];
            return find_function("matches", true, 2)->fn(args, 2);
        }
        if (t.kind() != Kind::string) return no_overload("matches", t);
        auto s = t.as_string();
        return Value::boolean(RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *re_));
    }

private:
    NodePtr text_, pattern_;
    std::unique_ptr<RE2> re_;
};

class ListNode final : public Node {
public:
    ListNode(std::size_t p, std::vector<NodePtr> items) : Node(p), items_(std::move(items)) {}
    Value eval(Frame& f) const override {
        std::vector<Value> out;
        out.reserve(items_.size());
        for (const auto& n : items_) {
            out.push_back(n->eval(f));
            if (out.back().is_error()) return out.back();
        }
        return Value::list(std::move(out));
    }

private:
    std::vector<NodePtr> items_;
};

class MapNode final : public Node {
public:
    MapNode(std::size_t p, std::vector<NodePtr> kv) : Node(p), kv_(std::move(kv)) {}
    Value eval(Frame& f) const override {
        ValueEntries out;
        out.reserve(kv_.size() / 2);
        for (std::size_t i = 0; i + 1 < kv_.size(); i += 2) {
            Value k = kv_[i]->eval(f);
            if (k.is_error()) return k;
            Kind kk = k.kind();
            if (kk != Kind::int64 && kk != Kind::uint64 && kk != Kind::boolean && kk != Kind::string)
                return Value::error("unsupported map key type '" + std::string(kind_name(kk)) + "'");
            Value v = kv_[i + 1]->eval(f);
            if (v.is_error()) return v;
            for (const auto& e : out)
                if (equals(e.first, k)) return Value::error("repeated map key " + k.debug_string());
            out.emplace_back(std::move(k), std::move(v));
        }
        return Value::map(std::move(out));
    }

private:
    std::vector<NodePtr> kv_;
};

class ComprehensionNode final : public Node {
public:
    ComprehensionNode(std::size_t p, MacroKind k, NodePtr range, int slot, NodePtr pred, NodePtr transform)
        : Node(p), kind_(k), range_(std::move(range)), slot_(slot), pred_(std::move(pred)), transform_(std::move(transform)) {}

    Value eval(Frame& f) const override {
        Value range = range_->eval(f);
        if (range.is_error()) return range;
        std::vector<Value> keys;
        const std::vector<Value>* items = ValueAccess::owned_list(range);
        if (!items) {
            if (range.kind() == Kind::list) {
                keys = range.items();
            } else if (range.kind() == Kind::map) {
                for (auto& [k, v] : range.entries()) keys.push_back(std::move(k));
            } else {
                return Value::error("cannot iterate over type '" + std::string(kind_name(range.kind())) + "'");
            }
            items = &keys;
        }
        Value first_error;
        bool have_error = false;
        std::int64_t count = 0;
        std::vector<Value> out;
        for (const auto& item : *items) {
            f.locals[slot_] = item;
            Value r = pred_ ? pred_->eval(f) : Value::boolean(true);
            if (r.kind() != Kind::boolean) {
                if (kind_ == MacroKind::all || kind_ == MacroKind::exists) {
                    if (!have_error) { first_error = r.is_error() ? r : no_overload("predicate", r); have_error = true; }
                    continue;
                }
                return r.is_error() ? r : no_overload("predicate", r);
            }
            switch (kind_) {
            case MacroKind::all: if (!r.as_bool()) return r; break;
            case MacroKind::exists: if (r.as_bool()) return r; break;
            case MacroKind::exists_one: count += r.as_bool(); break;
            case MacroKind::filter: if (r.as_bool()) out.push_back(item); break;
            case MacroKind::map:
                if (r.as_bool()) {
                    Value t = transform_->eval(f);
                    if (t.is_error()) return t;
                    out.push_back(std::move(t));
                }
                break;
            }
        }
        switch (kind_) {
        case MacroKind::all: return have_error ? first_error : Value::boolean(true);
        case MacroKind::exists: return have_error ? first_error : Value::boolean(false);
        case MacroKind::exists_one: return Value::boolean(count == 1);
        default: return Value::list(std::move(out));
        }
    }

private:
    MacroKind kind_;
    NodePtr range_;
    int slot_;
    NodePtr pred_, transform_;
};

}  // namespace

NodePtr make_const(std::size_t pos, Value v) { return std::make_unique<ConstNode>(pos, std::move(v)); }
NodePtr make_error(std::size_t pos, std::string message) { return std::make_unique<ErrorNode>(pos, std::move(message)); }
NodePtr make_event_var(std::size_t pos, EventVar which, std::string name) {
    return std::make_unique<EventVarNode>(pos, which, std::move(name));
}
NodePtr make_binding(std::size_t pos, std::vector<std::pair<std::string, std::vector<std::string>>> candidates) {
    return std::make_unique<BindingNode>(pos, std::move(candidates));
}
NodePtr make_local(std::size_t pos, int slot) { return std::make_unique<LocalNode>(pos, slot); }
NodePtr make_select(std::size_t pos, NodePtr operand, std::string field, bool test_only) {
    return std::make_unique<SelectNode>(pos, std::move(operand), std::move(field), test_only);
}
NodePtr make_value_path(std::size_t pos, std::vector<std::string> fields, NodePtr fallback) {
    return std::make_unique<ValuePathNode>(pos, std::move(fields), std::move(fallback));
}
NodePtr make_index(std::size_t pos, NodePtr operand, NodePtr index) {
    return std::make_unique<IndexNode>(pos, std::move(operand), std::move(index));
}
NodePtr make_and(std::size_t pos, NodePtr a, NodePtr b) { return std::make_unique<LogicNode<true>>(pos, std::move(a), std::move(b)); }
NodePtr make_or(std::size_t pos, NodePtr a, NodePtr b) { return std::make_unique<LogicNode<false>>(pos, std::move(a), std::move(b)); }
NodePtr make_not(std::size_t pos, NodePtr a) { return std::make_unique<NotNode>(pos, std::move(a)); }
NodePtr make_negate(std::size_t pos, NodePtr a) { return std::make_unique<NegateNode>(pos, std::move(a)); }
NodePtr make_conditional(std::size_t pos, NodePtr c, NodePtr a, NodePtr b) {
    return std::make_unique<ConditionalNode>(pos, std::move(c), std::move(a), std::move(b));
}
NodePtr make_binary(std::size_t pos, BinOp op, NodePtr a, NodePtr b) {
    return std::make_unique<BinaryNode>(pos, op, std::move(a), std::move(b));
}
NodePtr make_call(std::size_t pos, const FunctionDef* fn, std::vector<NodePtr> args) {
    return std::make_unique<CallNode>(pos, fn, std::move(args));
}
NodePtr make_matches(std::size_t pos, NodePtr text, NodePtr pattern) {
    return std::make_unique<MatchesNode>(pos, std::move(text), std::move(pattern));
}
NodePtr make_list(std::size_t pos, std::vector<NodePtr> items) { return std::make_unique<ListNode>(pos, std::move(items)); }
NodePtr make_map(std::size_t pos, std::vector<NodePtr> kv) { return std::make_unique<MapNode>(pos, std::move(kv)); }
NodePtr make_comprehension(std::size_t pos, MacroKind kind, NodePtr range, int slot, NodePtr predicate, NodePtr transform) {
    return std::make_unique<ComprehensionNode>(pos, kind, std::move(range), slot, std::move(predicate), std::move(transform));
}

}  // namespace meshctl::expr::detail
