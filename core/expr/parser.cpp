// Recursive descent over CEL's grammar. Precedence, loosest first: ?:, ||, &&, relations
// (== != < <= > >= in share one level, as in CEL), + -, * / %, unary ! -, member access.
#include "core/expr/ast.hpp"
#include "core/expr/lexer.hpp"

#include <limits>

namespace meshctl::expr::detail {

namespace {

constexpr int max_depth = 250;  // bounds recursion so hostile input cannot overflow the stack
// Long operator chains nest left-deep without recursing in the parser; bounding the token
// count bounds the depth of the tree that evaluation and destruction recurse over.
constexpr std::size_t max_tokens = 10000;

class Parser {
public:
    explicit Parser(std::string_view src) : src_(src), toks_(tokenize(src)) {
        if (toks_.size() > max_tokens) fail_at(src_, toks_[max_tokens].pos, "expression is too long");
    }

    AstPtr run() {
        AstPtr e = expr();
        if (cur().kind != Tok::end) fail("unexpected " + describe(cur()));
        return e;
    }

private:
    const Token& cur() const { return toks_[i_]; }
    const Token& ahead(std::size_t n) const { return toks_[std::min(i_ + n, toks_.size() - 1)]; }
    bool accept(Tok k) {
        if (cur().kind != k) return false;
        ++i_;
        return true;
    }
    void expect(Tok k, const char* what) {
        if (!accept(k)) fail(std::string("expected ") + what + (cur().kind == Tok::end ? "" : ", found " + describe(cur())));
    }
    [[noreturn]] void fail(const std::string& msg) const { fail_at(src_, cur().kind == Tok::end ? src_.size() : cur().pos, msg); }

    static std::string describe(const Token& t) {
        switch (t.kind) {
        case Tok::end: return "end of expression";
        case Tok::ident: case Tok::quoted_ident: return "'" + t.text + "'";
        case Tok::int_lit: case Tok::uint_lit: case Tok::double_lit: return "number";
        case Tok::string_lit: case Tok::bytes_lit: return "string";
        default: return "token";
        }
    }

    struct DepthGuard {
        Parser& p;
        explicit DepthGuard(Parser& parser) : p(parser) {
            if (++p.depth_ > max_depth) p.fail("expression is nested too deeply");
        }
        ~DepthGuard() { --p.depth_; }
    };

    static AstPtr node(AstKind k, std::size_t pos) {
        auto a = std::make_unique<Ast>();
        a->kind = k;
        a->pos = pos;
        return a;
    }
    static AstPtr call(std::string name, std::size_t pos, AstPtr a, AstPtr b = nullptr, AstPtr c = nullptr) {
        auto n = node(AstKind::call, pos);
        n->name = std::move(name);
        n->args.push_back(std::move(a));
        if (b) n->args.push_back(std::move(b));
        if (c) n->args.push_back(std::move(c));
        return n;
    }

    AstPtr expr() {
        DepthGuard g(*this);
        AstPtr cond = logical(Tok::or_, "_||_");
        if (cur().kind != Tok::question) return cond;
        std::size_t pos = cur().pos;
        ++i_;
        AstPtr yes = logical(Tok::or_, "_||_");
        expect(Tok::colon, "':' of the conditional");
        AstPtr no = expr();
        return call("_?_:_", pos, std::move(cond), std::move(yes), std::move(no));
    }

    AstPtr logical(Tok op, const char* name) {
        AstPtr lhs = op == Tok::or_ ? logical(Tok::and_, "_&&_") : relation();
        while (cur().kind == op) {
            std::size_t pos = cur().pos;
            ++i_;
            AstPtr rhs = op == Tok::or_ ? logical(Tok::and_, "_&&_") : relation();
            lhs = call(name, pos, std::move(lhs), std::move(rhs));
        }
        return lhs;
    }

    AstPtr relation() {
        AstPtr lhs = additive();
        for (;;) {
            const char* name = nullptr;
            switch (cur().kind) {
            case Tok::eq: name = "_==_"; break;
            case Tok::ne: name = "_!=_"; break;
            case Tok::lt: name = "_<_"; break;
            case Tok::le: name = "_<=_"; break;
            case Tok::gt: name = "_>_"; break;
            case Tok::ge: name = "_>=_"; break;
            case Tok::kw_in: name = "@in"; break;
            default: return lhs;
            }
            std::size_t pos = cur().pos;
            ++i_;
            lhs = call(name, pos, std::move(lhs), additive());
        }
    }

    AstPtr additive() {
        AstPtr lhs = multiplicative();
        while (cur().kind == Tok::plus || cur().kind == Tok::minus) {
            const char* name = cur().kind == Tok::plus ? "_+_" : "_-_";
            std::size_t pos = cur().pos;
            ++i_;
            lhs = call(name, pos, std::move(lhs), multiplicative());
        }
        return lhs;
    }

    AstPtr multiplicative() {
        AstPtr lhs = unary();
        while (cur().kind == Tok::star || cur().kind == Tok::slash || cur().kind == Tok::percent) {
            const char* name = cur().kind == Tok::star ? "_*_" : cur().kind == Tok::slash ? "_/_" : "_%_";
            std::size_t pos = cur().pos;
            ++i_;
            lhs = call(name, pos, std::move(lhs), unary());
        }
        return lhs;
    }

    AstPtr unary() {
        DepthGuard g(*this);
        if (cur().kind == Tok::bang) {
            std::size_t pos = cur().pos;
            ++i_;
            return call("!_", pos, unary());
        }
        if (cur().kind == Tok::minus) {
            std::size_t pos = cur().pos;
            ++i_;
            // A minus directly before a number is part of the literal, so that
            // -9223372036854775808 is a valid int.
            bool literal_follows = (cur().kind == Tok::int_lit || cur().kind == Tok::double_lit) &&
                                   ahead(1).kind != Tok::dot && ahead(1).kind != Tok::lbracket;
            if (literal_follows) {
                const Token& t = cur();
                auto lit = node(AstKind::literal, pos);
                if (t.kind == Tok::double_lit) {
                    lit->literal = Value::double_(-t.d);
                } else {
                    if (t.u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1)
                        fail("integer literal out of range");
                    lit->literal = Value::int64(static_cast<std::int64_t>(0 - t.u));
                }
                ++i_;
                return lit;
            }
            return call("-_", pos, unary());
        }
        return member(primary());
    }

    std::vector<AstPtr> arguments(Tok close, const char* what) {
        std::vector<AstPtr> args;
        if (accept(close)) return args;
        for (;;) {
            args.push_back(expr());
            if (accept(close)) return args;
            expect(Tok::comma, what);
        }
    }

    AstPtr member(AstPtr e) {
        for (;;) {
            if (cur().kind == Tok::dot) {
                ++i_;
                std::size_t pos = cur().pos;
                if (cur().kind != Tok::ident && cur().kind != Tok::quoted_ident)
                    fail("expected a field name after '.'");
                bool quoted = cur().kind == Tok::quoted_ident;
                std::string name = cur().text;
                ++i_;
                if (!quoted && cur().kind == Tok::lparen) {
                    ++i_;
                    auto c = node(AstKind::call, pos);
                    c->name = std::move(name);
                    c->target = std::move(e);
                    c->args = arguments(Tok::rparen, "',' or ')' in the argument list");
                    e = std::move(c);
                } else {
                    if (cur().kind == Tok::lbrace) fail("message construction is not supported");
                    auto s = node(AstKind::select, pos);
                    s->name = std::move(name);
                    s->target = std::move(e);
                    e = std::move(s);
                }
            } else if (cur().kind == Tok::lbracket) {
                std::size_t pos = cur().pos;
                ++i_;
                AstPtr index = expr();
                expect(Tok::rbracket, "']'");
                e = call("_[_]", pos, std::move(e), std::move(index));
            } else {
                return e;
            }
        }
    }

    AstPtr primary() {
        DepthGuard g(*this);
        const Token& t = cur();
        std::size_t pos = t.pos;
        switch (t.kind) {
        case Tok::int_lit: {
            if (t.u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                fail("integer literal out of range (add a 'u' suffix for uint)");
            auto lit = node(AstKind::literal, pos);
            lit->literal = Value::int64(static_cast<std::int64_t>(t.u));
            ++i_;
            return lit;
        }
        case Tok::uint_lit: { auto lit = node(AstKind::literal, pos); lit->literal = Value::uint64(t.u); ++i_; return lit; }
        case Tok::double_lit: { auto lit = node(AstKind::literal, pos); lit->literal = Value::double_(t.d); ++i_; return lit; }
        case Tok::string_lit: { auto lit = node(AstKind::literal, pos); lit->literal = Value::string(t.text); ++i_; return lit; }
        case Tok::bytes_lit: { auto lit = node(AstKind::literal, pos); lit->literal = Value::bytes(t.text); ++i_; return lit; }
        case Tok::kw_true: case Tok::kw_false: {
            auto lit = node(AstKind::literal, pos);
            lit->literal = Value::boolean(t.kind == Tok::kw_true);
            ++i_;
            return lit;
        }
        case Tok::kw_null: { auto lit = node(AstKind::literal, pos); ++i_; return lit; }
        case Tok::lparen: {
            ++i_;
            AstPtr e = expr();
            expect(Tok::rparen, "')'");
            return e;
        }
        case Tok::lbracket: {
            ++i_;
            auto l = node(AstKind::list, pos);
            while (!accept(Tok::rbracket)) {
                l->args.push_back(expr());
                if (accept(Tok::rbracket)) break;
                expect(Tok::comma, "',' or ']' in the list");
            }
            return l;
        }
        case Tok::lbrace: {
            ++i_;
            auto m = node(AstKind::map, pos);
            while (!accept(Tok::rbrace)) {
                m->args.push_back(expr());
                expect(Tok::colon, "':' after the map key");
                m->args.push_back(expr());
                if (accept(Tok::rbrace)) break;
                expect(Tok::comma, "',' or '}' in the map");
            }
            return m;
        }
        case Tok::dot:
            // A leading dot names the root scope; meshctl has no containers, so it is a no-op.
            ++i_;
            if (cur().kind != Tok::ident) fail("expected an identifier after '.'");
            return primary();
        case Tok::ident: {
            if (is_reserved_word(t.text)) fail("'" + t.text + "' is a reserved word");
            std::string name = t.text;
            ++i_;
            if (accept(Tok::lparen)) {
                auto c = node(AstKind::call, pos);
                c->name = std::move(name);
                c->args = arguments(Tok::rparen, "',' or ')' in the argument list");
                return c;
            }
            if (cur().kind == Tok::lbrace) fail("message construction is not supported");
            auto id = node(AstKind::ident, pos);
            id->name = std::move(name);
            return id;
        }
        case Tok::end: fail("unexpected end of expression");
        default: fail("unexpected " + describe(t));
        }
    }

    std::string_view src_;
    std::vector<Token> toks_;
    std::size_t i_ = 0;
    int depth_ = 0;
};

}  // namespace

AstPtr parse(std::string_view source) { return Parser(source).run(); }

}  // namespace meshctl::expr::detail
