// Internal: the evaluation tree. The compiler turns the syntax tree into Nodes whose names
// and fields are already resolved; evaluating is one virtual call per node, no lookups by
// name on the event path.
#pragma once

#include "core/expr/expr.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace meshctl::expr::detail {

enum class EventVar : std::uint8_t { value, key, headers, topic, partition, offset, timestamp };

class Node;
struct Frame;

/// Supplies the event variables, decoding each at most once per event.
class VarSource {
public:
    virtual Value event_var(EventVar which) = 0;
    /// The scalar at `value.<fields...>`, read without building the whole document; when it
    /// cannot (not a scalar, missing, not JSON) or the DOM is already there, `fallback`
    /// (the same selection over the DOM) answers, with its exact result or error.
    virtual Value value_path(const std::vector<std::string>& fields, const Node& fallback, Frame& f) = 0;

protected:
    ~VarSource() = default;
};

struct Frame {
    VarSource* vars = nullptr;           // null when evaluating with bindings only
    const Bindings* bindings = nullptr;  // may be null
    Value* locals = nullptr;             // comprehension variables, by slot
};

class Node {
public:
    explicit Node(std::size_t p) : pos(p) {}
    virtual ~Node() = default;
    virtual Value eval(Frame& f) const = 0;
    /// The constant this node always yields, if any (for folding and literal patterns).
    virtual const Value* constant() const { return nullptr; }
    std::size_t pos;
};
using NodePtr = std::unique_ptr<Node>;

struct ProgramImpl {
    std::string source;
    NodePtr root;
    int locals = 0;
    bool uses_value = false;
    bool uses_headers = false;
    bool uses_event = false;  // reads some event variable (value, key, headers, topic, ...)
    /// True when every use of `value` is a constant path (`value.a.b`): the path reader
    /// serves them and no DOM is built unless a path meets a container or an error.
    bool value_paths_only = false;
    std::vector<std::string> root_path;  // the whole expression is `value.<root_path...>`
    std::map<std::string, BindingUse, std::less<>> binding_uses;
};

enum class BinOp : std::uint8_t { add, sub, mul, div, mod, eq, ne, lt, le, gt, ge, in };
enum class MacroKind : std::uint8_t { all, exists, exists_one, map, filter };

/// A built-in function over already evaluated, non-error arguments.
using Fn = Value (*)(const Value* args, std::size_t n);

struct FunctionDef {
    std::string_view name;
    bool receiver;  // called as target.name(args...); the target is args[0]
    int min_args, max_args;  // counting the receiver
    Fn fn;
};
/// The built-in called `name` in the given style with `argc` arguments (receiver included).
const FunctionDef* find_function(std::string_view name, bool receiver, std::size_t argc);
/// True when some built-in has this name (for "wrong number of arguments" messages).
bool function_exists(std::string_view name);

// Operators, shared by the nodes and by constant folding.
Value binary(BinOp op, const Value& a, const Value& b);
Value negate(const Value& v);
Value logical_not(const Value& v);
Value index_value(const Value& container, const Value& index);
Value select_field(const Value& operand, std::string_view field);
Value has_field(const Value& operand, std::string_view field);
Value no_overload(std::string_view op, const Value& a);
Value no_overload(std::string_view op, const Value& a, const Value& b);
/// The type value of `v` (`type(v)`).
Value type_of(const Value& v);
/// The type value named by an identifier such as `int` or `google.protobuf.Duration`.
std::optional<Value> type_named(std::string_view name);

// Node factories (nodes.cpp).
NodePtr make_const(std::size_t pos, Value v);
NodePtr make_error(std::size_t pos, std::string message);
NodePtr make_event_var(std::size_t pos, EventVar which, std::string name);
/// A variable from Bindings; `candidates` are (bound name, fields to select after it),
/// tried in order, so "a.b.c" prefers a binding named "a.b.c" over field c of "a.b".
NodePtr make_binding(std::size_t pos, std::vector<std::pair<std::string, std::vector<std::string>>> candidates);
NodePtr make_local(std::size_t pos, int slot);
NodePtr make_select(std::size_t pos, NodePtr operand, std::string field, bool test_only);
/// `value.<fields...>` through VarSource::value_path; `fallback` is the plain selection chain.
NodePtr make_value_path(std::size_t pos, std::vector<std::string> fields, NodePtr fallback);
NodePtr make_index(std::size_t pos, NodePtr operand, NodePtr index);
NodePtr make_and(std::size_t pos, NodePtr a, NodePtr b);
NodePtr make_or(std::size_t pos, NodePtr a, NodePtr b);
NodePtr make_not(std::size_t pos, NodePtr a);
NodePtr make_negate(std::size_t pos, NodePtr a);
NodePtr make_conditional(std::size_t pos, NodePtr c, NodePtr a, NodePtr b);
NodePtr make_binary(std::size_t pos, BinOp op, NodePtr a, NodePtr b);
NodePtr make_call(std::size_t pos, const FunctionDef* fn, std::vector<NodePtr> args);
/// `matches` with the pattern compiled once when it is a constant; throws usage_error-free:
/// a bad constant pattern yields an error node built by the caller.
NodePtr make_matches(std::size_t pos, NodePtr text, NodePtr pattern);
NodePtr make_list(std::size_t pos, std::vector<NodePtr> items);
NodePtr make_map(std::size_t pos, std::vector<NodePtr> keys_and_values);
NodePtr make_comprehension(std::size_t pos, MacroKind kind, NodePtr range, int slot, NodePtr predicate,
                           NodePtr transform);

/// Validates a constant regular expression; returns an error message or empty.
std::string check_pattern(std::string_view pattern);

}  // namespace meshctl::expr::detail
