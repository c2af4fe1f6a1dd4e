// meshctl's expression language: a subset of CEL (https://cel.dev) used by `sample --where`
// and by pipeline filters, maps and join keys.
//
// Compile once, evaluate per event. Program::compile parses, resolves every name and field
// path and checks them against a schema when one is known; the result is an immutable tree
// of evaluation nodes, safe to share between threads. An Evaluator (one per thread) holds
// the reusable JSON parser and evaluates a Program against an Event without copying it.
//
// JSON decoding has two paths. When an expression reads `value` only through constant
// paths (`value.amount`, `value.customer.id`), a path reader serves each one with simdjson
// On-Demand: stage 1 over the payload, then a scan of just the objects on the path, no tape;
// strings are copied out, since each lookup rewinds the document and reuses simdjson's string
// buffer. A path that meets an array or object, a missing field or a malformed payload is
// answered by the DOM instead, so results, errors and not-JSON verdicts are the DOM's (a
// differential unit test holds them equal). The DOM path (simdjson's DOM API with a reused
// parser and a reused padded input buffer) serves every other use: the tape gives O(1)
// re-access in any order, fields are decoded into Values only when the expression reads
// them, and strings are views into the tape. One difference remains: On-Demand validates
// only what it reads, so a payload whose only defect lies in a field the expression never
// reads passes as JSON. After the first few events no heap allocation happens per event on
// the common paths.
#pragma once

#include "core/expr/value.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::expr {

/// One record header; a header may have a null value.
struct Header {
    std::string_view name;
    std::optional<std::string_view> value;
};

/// One Kafka record. All views are owned by the caller and must outlive the evaluation.
struct Event {
    std::optional<std::string_view> value;  // raw payload bytes (JSON expected); nullopt = null payload
    std::optional<std::string_view> key;    // raw key bytes; decoded as JSON when it parses, else a string
    std::span<const Header> headers;        // exposed as `headers`, a map string -> string
    std::string_view topic;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::int64_t timestamp_ms = 0;          // exposed as `timestamp`, a CEL timestamp
};

/// The known shape of `value`: which fields exist at each level, for compile-time checks.
struct FieldTree {
    std::map<std::string, FieldTree, std::less<>> fields;  // "[]" holds the element shape of an array
    bool closed = false;  // true: only `fields` exist here; false: any field may exist

    /// Builds a tree from a JSON Schema ("properties", "items", nested); throws usage_error
    /// on malformed JSON. An object with "properties" is closed unless its
    /// "additionalProperties" is true or a schema: typos are likelier than undeclared fields.
    static FieldTree from_json_schema(std::string_view schema_json);
};

/// How to compile.
struct CompileOptions {
    /// When set, references to unknown fields of `value` are compile errors ("did you mean").
    std::optional<FieldTree> value_fields;
    /// Names bound at evaluation through Bindings, besides the event variables (value, key,
    /// headers, topic, partition, offset, timestamp). Dotted names ("a.b") are allowed.
    std::vector<std::string> variables;
    /// When true, unknown identifiers and functions become evaluation errors instead of
    /// compile errors, as CEL's conformance suite expects of unchecked expressions.
    bool dynamic = false;
};

/// Named values for evaluation outside of, or in addition to, an event (pipelines, tests).
class Bindings {
public:
    /// Binds `name` (replacing an earlier binding of the same name).
    void set(std::string_view name, Value value);
    /// The value bound to `name`, or nullptr.
    const Value* find(std::string_view name) const;

private:
    std::vector<std::pair<std::string, Value>> entries_;
};

/// The verdict of a filter on one event.
enum class Outcome {
    match,     // the expression evaluated to true
    no_match,  // false
    not_json,  // the expression reads `value` and the payload is not JSON
    error,     // evaluation error (missing field, overflow, ...) or a non-bool result
};

/// How an expression reads one binding: the fields it selects from it (`name.field`, also in
/// has()), and whether it uses the binding in any other way (whole: `name`, `name[k]`, ...).
struct BindingUse {
    bool whole = false;
    std::set<std::string, std::less<>> fields;
};

namespace detail { struct ProgramImpl; }

/// A compiled expression: immutable, cheap to copy, shareable between threads.
class Program {
public:
    /// Parses and checks `source`; throws usage_error with the source line and a caret.
    static Program compile(std::string_view source, const CompileOptions& options = {});
    /// The source text.
    std::string_view source() const;
    /// True when the expression reads `value` (callers may skip fetching payloads otherwise).
    bool uses_value() const;
    /// True when the expression reads `headers` (callers may skip decoding them otherwise).
    bool uses_headers() const;
    /// The fields when the whole expression is a constant path into the event value
    /// (`value.customer_id`: {"customer_id"}), else null.
    const std::vector<std::string>* value_path() const;
    /// True when the result is a function of the binding `name` alone: the expression reads
    /// no event variable and no other binding (built-in functions are pure).
    bool depends_only_on(std::string_view name) const;
    /// How the expression reads the binding `name` (nothing, when it does not).
    BindingUse binding_use(std::string_view name) const;

private:
    friend class Evaluator;
    explicit Program(std::shared_ptr<const detail::ProgramImpl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<const detail::ProgramImpl> impl_;
};

/// Evaluates programs. Owns the reusable JSON parsers; use one per thread.
/// A returned Value may borrow from the event and from this evaluator's parsed document:
/// it is valid until the next evaluation on this evaluator (call Value::detach() to keep it).
class Evaluator {
public:
    Evaluator();
    ~Evaluator();
    Evaluator(const Evaluator&) = delete;
    Evaluator& operator=(const Evaluator&) = delete;

    /// Evaluates against an event; `extra` supplies any other declared variables.
    Value eval(const Program& program, const Event& event, const Bindings* extra = nullptr);
    /// Evaluates on the event of the last eval(), keeping what that evaluation decoded: the
    /// Values it and any eval_more() since returned stay valid. For several programs over one
    /// event (the fields of a map step), so that `value` is decoded at most once.
    Value eval_more(const Program& program, const Bindings* extra = nullptr);
    /// Evaluates a filter: true/false, not_json when `value` was needed and is not JSON, or error.
    Outcome test(const Program& program, const Event& event, const Bindings* extra = nullptr);
    /// Evaluates with bindings only (no event): every variable comes from `bindings`.
    Value eval(const Program& program, const Bindings& bindings);
    /// Decodes JSON text into an owned Value (for bindings built from stored records);
    /// nullopt when the text is not JSON.
    std::optional<Value> parse_json(std::string_view json);

    struct State;

private:
    std::unique_ptr<State> state_;
};

}  // namespace meshctl::expr
