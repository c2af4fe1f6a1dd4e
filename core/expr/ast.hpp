// Internal: the syntax tree the parser produces and the compiler consumes. Operators are
// calls with CEL's internal names ("_+_", "_[_]", "_?_:_"), so one code path resolves them.
#pragma once

#include "core/expr/value.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::expr::detail {

struct Ast;
using AstPtr = std::unique_ptr<Ast>;

enum class AstKind : std::uint8_t { literal, ident, select, call, list, map };

struct Ast {
    AstKind kind;
    std::size_t pos;            // byte offset for diagnostics
    Value literal;              // literal
    std::string name;           // ident name, selected field, or function name
    AstPtr target;              // select operand, or receiver of a member call (may be null)
    std::vector<AstPtr> args;   // call arguments; list elements; map keys and values alternating
};

/// Parses CEL source text; throws usage_error with a caret on syntax errors.
AstPtr parse(std::string_view source);

}  // namespace meshctl::expr::detail
