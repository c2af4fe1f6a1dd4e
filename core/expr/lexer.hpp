// Internal: CEL tokens. The lexer decodes literals (escapes, numeric suffixes) so that the
// parser only sees values; every token keeps its byte offset for caret diagnostics.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::expr::detail {

enum class Tok : std::uint8_t {
    end, ident, quoted_ident, int_lit, uint_lit, double_lit, string_lit, bytes_lit,
    lparen, rparen, lbracket, rbracket, lbrace, rbrace, dot, comma, colon, question,
    plus, minus, star, slash, percent, bang, eq, ne, lt, le, gt, ge, and_, or_,
    kw_true, kw_false, kw_null, kw_in,
};

struct Token {
    Tok kind = Tok::end;
    std::size_t pos = 0;   // byte offset in the source
    std::string text;      // identifier name or decoded string/bytes literal
    std::uint64_t u = 0;   // integer literal magnitude (sign is applied by the parser)
    double d = 0;
};

/// Splits `source` into tokens; throws usage_error with a caret on malformed input.
std::vector<Token> tokenize(std::string_view source);

/// True for words CEL reserves (they may not name variables or functions, except after '.').
bool is_reserved_word(std::string_view word);

/// Appends code point `cp` (at most 0x10FFFF, not a surrogate) as UTF-8.
void append_utf8(std::string& out, std::uint32_t cp);
/// The value of hex digit `c`, or -1.
int hex_value(char c);

/// Formats a usage error: the message, the offending source line and a caret under `pos`.
[[noreturn]] void fail_at(std::string_view source, std::size_t pos, const std::string& message,
                          std::string hint = {});

}  // namespace meshctl::expr::detail
