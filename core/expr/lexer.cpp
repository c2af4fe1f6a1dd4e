#include "core/expr/lexer.hpp"

#include "core/error.hpp"

#include <array>
#include <cerrno>
#include <cstdlib>

namespace meshctl::expr::detail {

bool is_reserved_word(std::string_view w) {
    static constexpr std::array<std::string_view, 17> words = {
        "as", "break", "const", "continue", "else", "for", "function", "if", "import",
        "let", "loop", "package", "namespace", "return", "var", "void", "while"};
    for (auto r : words)
        if (r == w) return true;
    return false;
}

void fail_at(std::string_view source, std::size_t pos, const std::string& message, std::string hint) {
    if (pos > source.size()) pos = source.size();
    std::size_t line_start = 0, line_no = 1;
    for (std::size_t i = 0; i < pos; ++i)
        if (source[i] == '\n') { line_start = i + 1; ++line_no; }
    std::size_t line_end = source.find('\n', pos);
    if (line_end == std::string_view::npos) line_end = source.size();
    std::string caret = "  ";
    std::size_t column = 1;
    for (std::size_t i = line_start; i < pos; ++i) {
        auto c = static_cast<unsigned char>(source[i]);
        if ((c & 0xC0) == 0x80) continue;  // continuation byte of a UTF-8 sequence
        caret += c == '\t' ? '\t' : ' ';
        ++column;
    }
    std::string where = source.find('\n') != std::string_view::npos
                            ? "line " + std::to_string(line_no) + ", column " + std::to_string(column)
                            : "column " + std::to_string(column);
    std::string line(source.substr(line_start, line_end - line_start));
    for (auto& c : line)
        if (c == '\r' || c == '\f' || c == '\v') c = ' ';
    throw usage_error("invalid expression at " + where + ": " + message + "\n  " + line + "\n" + caret + "^",
                      std::move(hint));
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | cp >> 6);
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | cp >> 12);
        out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | cp >> 18);
        out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
        out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

namespace {

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }
bool digit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
public:
    explicit Lexer(std::string_view src) : s_(src) {}

    std::vector<Token> run() {
        std::vector<Token> out;
        for (;;) {
            skip_space();
            Token t;
            t.pos = i_;
            if (i_ >= s_.size()) { out.push_back(t); return out; }
            lex_one(t);
            out.push_back(std::move(t));
        }
    }

private:
    void skip_space() {
        while (i_ < s_.size()) {
            char c = s_[i_];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
                ++i_;
            } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '/') {
                while (i_ < s_.size() && s_[i_] != '\n') ++i_;
            } else {
                return;
            }
        }
    }

    bool peek(std::string_view p) const { return s_.substr(i_, p.size()) == p; }

    void lex_one(Token& t) {
        char c = s_[i_];
        // String prefixes: r, b and their combinations, in either case and order.
        std::size_t j = i_;
        bool raw = false, bytes = false;
        while (j < s_.size() && j - i_ < 2) {
            char p = s_[j];
            if ((p == 'r' || p == 'R') && !raw) raw = true;
            else if ((p == 'b' || p == 'B') && !bytes) bytes = true;
            else break;
            ++j;
        }
        if (j < s_.size() && (s_[j] == '"' || s_[j] == '\'') && j > i_) {
            i_ = j;
            lex_string(t, raw, bytes);
            return;
        }
        if (c == '"' || c == '\'') { lex_string(t, false, false); return; }
        if (ident_start(c)) {
            std::size_t start = i_;
            while (i_ < s_.size() && ident_char(s_[i_])) ++i_;
            t.text = std::string(s_.substr(start, i_ - start));
            t.kind = t.text == "true" ? Tok::kw_true : t.text == "false" ? Tok::kw_false
                   : t.text == "null" ? Tok::kw_null : t.text == "in" ? Tok::kw_in : Tok::ident;
            return;
        }
        if (c == '`') {
            std::size_t start = ++i_;
            while (i_ < s_.size() && s_[i_] != '`' && s_[i_] != '\n') ++i_;
            if (i_ >= s_.size() || s_[i_] != '`') fail_at(s_, t.pos, "unterminated quoted identifier");
            t.text = std::string(s_.substr(start, i_ - start));
            ++i_;
            if (t.text.empty()) fail_at(s_, t.pos, "empty quoted identifier");
            t.kind = Tok::quoted_ident;
            return;
        }
        if (digit(c) || (c == '.' && i_ + 1 < s_.size() && digit(s_[i_ + 1]))) { lex_number(t); return; }
        struct Op { std::string_view text; Tok kind; };
        static constexpr Op ops[] = {
            {"==", Tok::eq}, {"!=", Tok::ne}, {"<=", Tok::le}, {">=", Tok::ge}, {"&&", Tok::and_}, {"||", Tok::or_},
            {"<", Tok::lt}, {">", Tok::gt}, {"(", Tok::lparen}, {")", Tok::rparen}, {"[", Tok::lbracket},
            {"]", Tok::rbracket}, {"{", Tok::lbrace}, {"}", Tok::rbrace}, {".", Tok::dot}, {",", Tok::comma},
            {":", Tok::colon}, {"?", Tok::question}, {"+", Tok::plus}, {"-", Tok::minus}, {"*", Tok::star},
            {"/", Tok::slash}, {"%", Tok::percent}, {"!", Tok::bang}};
        for (const auto& op : ops) {
            if (peek(op.text)) {
                t.kind = op.kind;
                i_ += op.text.size();
                return;
            }
        }
        if (c == '=') fail_at(s_, t.pos, "unexpected '=' (use '==' to compare)");
        if (c == '&' || c == '|') fail_at(s_, t.pos, std::string("unexpected '") + c + "' (use '" + c + c + "')");
        fail_at(s_, t.pos, "unexpected character '" + std::string(1, c) + "'");
    }

    void lex_number(Token& t) {
        std::size_t start = i_;
        if (peek("0x") || peek("0X")) {
            i_ += 2;
            std::uint64_t v = 0;
            std::size_t digits_start = i_;
            while (i_ < s_.size() && hex_value(s_[i_]) >= 0) {
                if (v >> 60) fail_at(s_, start, "integer literal out of range");
                v = v << 4 | static_cast<unsigned>(hex_value(s_[i_++]));
            }
            if (i_ == digits_start) fail_at(s_, start, "malformed hexadecimal literal");
            t.u = v;
            t.kind = Tok::int_lit;
            if (i_ < s_.size() && (s_[i_] == 'u' || s_[i_] == 'U')) { ++i_; t.kind = Tok::uint_lit; }
            check_number_end(start);
            return;
        }
        bool is_float = false;
        while (i_ < s_.size() && digit(s_[i_])) ++i_;
        if (i_ + 1 < s_.size() && s_[i_] == '.' && digit(s_[i_ + 1])) {
            is_float = true;
            ++i_;
            while (i_ < s_.size() && digit(s_[i_])) ++i_;
        }
        if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
            std::size_t e = i_ + 1;
            if (e < s_.size() && (s_[e] == '+' || s_[e] == '-')) ++e;
            if (e < s_.size() && digit(s_[e])) {
                is_float = true;
                i_ = e;
                while (i_ < s_.size() && digit(s_[i_])) ++i_;
            } else {
                fail_at(s_, start, "malformed exponent in number");
            }
        }
        std::string text(s_.substr(start, i_ - start));
        if (is_float) {
            t.kind = Tok::double_lit;
            t.d = std::strtod(text.c_str(), nullptr);
        } else {
            errno = 0;
            t.u = std::strtoull(text.c_str(), nullptr, 10);
            if (errno == ERANGE) fail_at(s_, start, "integer literal out of range");
            t.kind = Tok::int_lit;
            if (i_ < s_.size() && (s_[i_] == 'u' || s_[i_] == 'U')) { ++i_; t.kind = Tok::uint_lit; }
        }
        check_number_end(start);
    }

    void check_number_end(std::size_t start) {
        if (i_ < s_.size() && (ident_char(s_[i_]) || (s_[i_] == '.' && i_ + 1 < s_.size() && digit(s_[i_ + 1]))))
            fail_at(s_, start, "malformed number");
    }

    void lex_string(Token& t, bool raw, bool bytes) {
        char q = s_[i_];
        bool triple = i_ + 2 < s_.size() && s_[i_ + 1] == q && s_[i_ + 2] == q;
        i_ += triple ? 3 : 1;
        t.kind = bytes ? Tok::bytes_lit : Tok::string_lit;
        std::string& out = t.text;
        for (;;) {
            if (i_ >= s_.size()) fail_at(s_, t.pos, "unterminated string literal");
            char c = s_[i_];
            if (c == q && (!triple || (i_ + 2 < s_.size() && s_[i_ + 1] == q && s_[i_ + 2] == q))) {
                i_ += triple ? 3 : 1;
                return;
            }
            if (!triple && (c == '\n' || c == '\r')) fail_at(s_, t.pos, "unterminated string literal");
            if (c != '\\' || raw) {
                out += c;
                ++i_;
                continue;
            }
            std::size_t esc = i_;
            if (++i_ >= s_.size()) fail_at(s_, t.pos, "unterminated string literal");
            char e = s_[i_++];
            switch (e) {
            case '\\': case '\'': case '"': case '`': case '?': out += e; break;
            case 'a': out += '\a'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'v': out += '\v'; break;
            case 'x': case 'X': code_point(out, esc, 2, 16, bytes); break;
            case 'u':
                if (bytes) fail_at(s_, esc, "\\u escapes are not allowed in bytes literals");
                code_point(out, esc, 4, 16, false);
                break;
            case 'U':
                if (bytes) fail_at(s_, esc, "\\U escapes are not allowed in bytes literals");
                code_point(out, esc, 8, 16, false);
                break;
            default:
                if (e >= '0' && e <= '3') {
                    --i_;
                    code_point(out, esc, 3, 8, bytes);
                    break;
                }
                fail_at(s_, esc, std::string("invalid escape sequence '\\") + e + "'");
            }
        }
    }

    void code_point(std::string& out, std::size_t esc, int n, int base, bool bytes) {
        std::uint32_t v = 0;
        for (int k = 0; k < n; ++k) {
            int h = i_ < s_.size() ? hex_value(s_[i_]) : -1;
            if (h < 0 || h >= base) fail_at(s_, esc, "malformed escape sequence");
            v = v * static_cast<std::uint32_t>(base) + static_cast<std::uint32_t>(h);
            ++i_;
        }
        if (bytes) {
            out += static_cast<char>(v);
            return;
        }
        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) fail_at(s_, esc, "invalid unicode code point in escape");
        append_utf8(out, v);
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) { return Lexer(source).run(); }

}  // namespace meshctl::expr::detail
