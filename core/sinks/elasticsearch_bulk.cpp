// The pure parts of the Elasticsearch sink: index templates, NDJSON items, bulk responses,
// item verdicts and backoff. No I/O here, so unit tests cover them directly.
#include "core/error.hpp"
#include "core/sinks/elasticsearch_sink.hpp"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace meshctl::sinks::es {

std::chrono::milliseconds RetryPolicy::delay(int attempt, std::uint64_t random) const {
    long long base = initial.count();
    for (int i = 0; i < attempt && base < max.count(); ++i) base *= 2;
    base = std::max<long long>(1, std::min<long long>(base, max.count()));
    long long half = base / 2;
    return std::chrono::milliseconds(half + static_cast<long long>(random % static_cast<std::uint64_t>(base - half + 1)));
}

namespace {

bool is_date_pattern(std::string_view p) {
    if (p.empty()) return false;
    bool letter = false;
    for (char c : p) {
        if (std::strchr("yMdHms", c)) letter = true;
        else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') return false;
    }
    return letter;
}

void append_padded(std::string& out, long long v, int width) {
    std::string s = std::to_string(v);
    if (static_cast<int>(s.size()) < width) out.append(static_cast<std::size_t>(width) - s.size(), '0');
    out += s;
}

void append_date(std::string_view pattern, std::int64_t ms, std::string& out) {
    using namespace std::chrono;
    sys_time<milliseconds> t{milliseconds(ms)};
    auto day = floor<days>(t);
    year_month_day ymd{day};
    hh_mm_ss hms{floor<seconds>(t - day)};
    for (std::size_t i = 0; i < pattern.size();) {
        char c = pattern[i];
        std::size_t n = 1;
        while (i + n < pattern.size() && pattern[i + n] == c) ++n;
        switch (c) {
            case 'y':
                if (n == 2) append_padded(out, static_cast<int>(ymd.year()) % 100, 2);
                else append_padded(out, static_cast<int>(ymd.year()), static_cast<int>(n));
                break;
            case 'M': append_padded(out, static_cast<unsigned>(ymd.month()), static_cast<int>(n)); break;
            case 'd': append_padded(out, static_cast<unsigned>(ymd.day()), static_cast<int>(n)); break;
            case 'H': append_padded(out, hms.hours().count(), static_cast<int>(n)); break;
            case 'm': append_padded(out, hms.minutes().count(), static_cast<int>(n)); break;
            case 's': append_padded(out, hms.seconds().count(), static_cast<int>(n)); break;
            default: out.append(n, c);
        }
        i += n;
    }
}

}  // namespace

IndexTemplate IndexTemplate::compile(std::string_view text) {
    IndexTemplate t;
    if (text.empty()) throw usage_error("elasticsearch sink needs an index", "e.g. index: orders or orders-{yyyy.MM.dd}");
    std::size_t i = 0;
    while (i < text.size()) {
        auto open = text.find('{', i);
        auto close = text.find('}', i);
        if (close != std::string_view::npos && close < open)
            throw usage_error("index template \"" + std::string(text) + "\": '}' without '{' at column " + std::to_string(close + 1));
        if (open == std::string_view::npos) {
            t.parts_.push_back({Part::literal, std::string(text.substr(i)), std::nullopt});
            break;
        }
        if (open > i) t.parts_.push_back({Part::literal, std::string(text.substr(i, open - i)), std::nullopt});
        if (close == std::string_view::npos)
            throw usage_error("index template \"" + std::string(text) + "\": '{' at column " + std::to_string(open + 1) + " is not closed");
        std::string inner(text.substr(open + 1, close - open - 1));
        if (is_date_pattern(inner)) {
            t.parts_.push_back({Part::date, inner, std::nullopt});
        } else {
            try {
                t.parts_.push_back({Part::expression, inner, expr::Program::compile(inner)});
            } catch (const Error& e) {
                throw usage_error("index template \"" + std::string(text) + "\": {" + inner + "} is neither a date pattern "
                                  "(yyyy, MM, dd, HH) nor a valid expression: " + e.what());
            }
        }
        i = close + 1;
    }
    return t;
}

std::string IndexTemplate::prefix() const {
    return !parts_.empty() && parts_[0].kind == Part::literal ? parts_[0].text : std::string();
}

bool IndexTemplate::render(const expr::Event& event, expr::Evaluator& evaluator, std::string& out, std::string& error) const {
    for (const auto& p : parts_) {
        if (p.kind == Part::literal) {
            out += p.text;
        } else if (p.kind == Part::date) {
            append_date(p.text, event.timestamp_ms, out);
        } else {
            auto v = evaluator.eval(*p.program, event);
            switch (v.kind()) {
                case expr::Kind::string: out += v.as_string(); break;
                case expr::Kind::int64: out += std::to_string(v.as_int()); break;
                case expr::Kind::uint64: out += std::to_string(v.as_uint()); break;
                default:
                    error = "index template part {" + p.text + "}: " +
                            (v.is_error() ? std::string(v.as_string()) : "gives a " + std::string(expr::kind_name(v.kind())) + ", not a string");
                    return false;
            }
        }
    }
    return true;
}

void append_json_string(std::string_view s, std::string& out) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default: out += "\\u00"; out += hex[c >> 4]; out += hex[c & 15];
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

std::size_t append_bulk_item(Action action, std::string_view index, std::string_view id,
                             std::optional<std::string_view> value, std::string& out) {
    static constexpr const char* names[] = {"{\"index\":{\"_index\":", "{\"create\":{\"_index\":", "{\"update\":{\"_index\":",
                                            "{\"delete\":{\"_index\":"};
    out += names[static_cast<int>(action)];
    append_json_string(index, out);
    out += ",\"_id\":";
    append_json_string(id, out);
    // Two writers upserting one id race; the server retries the read-modify-write itself.
    if (action == Action::update) out += ",\"retry_on_conflict\":3";
    out += "}}\n";
    if (action == Action::delete_ || !value) return std::string::npos;
    if (action == Action::update) out += "{\"doc\":";
    std::size_t at = out.size();
    out += *value;
    // JSON allows raw newlines only as whitespace, and bulk bodies are newline-framed.
    if (std::memchr(value->data(), '\n', value->size()) || std::memchr(value->data(), '\r', value->size()))
        std::replace_if(out.begin() + static_cast<std::ptrdiff_t>(at), out.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    if (action == Action::update) out += ",\"doc_as_upsert\":true}";
    out += '\n';
    return at;
}

Verdict classify(Action action, long status) {
    if (status >= 200 && status < 300) return Verdict::ack;
    if (status == 409 && action == Action::create) return Verdict::ack;   // already written by an earlier attempt
    if (status == 404 && action == Action::delete_) return Verdict::ack;  // already gone
    if (status == 409 && action == Action::update) return Verdict::retry;
    if (status == 429 || status >= 500 || status == 0) return Verdict::retry;
    return Verdict::reject;
}

namespace {

std::string error_text(simdjson::ondemand::value v) {
    using namespace simdjson;
    if (v.type() == ondemand::json_type::string) return std::string(std::string_view(v.get_string()));
    if (v.type() != ondemand::json_type::object) return std::string(std::string_view(v.raw_json_token()));
    std::string type, reason, cause;
    for (auto f : v.get_object()) {
        std::string_view k = f.unescaped_key();
        if (k == "type") type = std::string_view(f.value().get_string());
        else if (k == "reason" && f.value().type() == ondemand::json_type::string) reason = std::string_view(f.value().get_string());
        else if (k == "caused_by") cause = error_text(f.value());
    }
    std::string out = type.empty() ? reason : type + ": " + reason;
    if (!cause.empty()) out += " (caused by " + cause + ")";
    return out;
}

}  // namespace

bool parse_bulk_response(std::string& body, BulkResponse& out) {
    using namespace simdjson;
    out = {};
    static thread_local ondemand::parser parser;
    if (body.capacity() < body.size() + SIMDJSON_PADDING) body.reserve(body.size() + SIMDJSON_PADDING);
    bool saw_errors = false, saw_items = false;
    try {
        auto doc = parser.iterate(padded_string_view(body.data(), body.size(), body.capacity()));
        for (auto field : doc.get_object()) {
            std::string_view key = field.unescaped_key();
            if (key == "errors") {
                out.errors = field.value().get_bool();
                saw_errors = true;
                // Servers write `errors` before `items`: a clean response needs no item walk.
                if (!out.errors) return true;
            } else if (key == "items") {
                // A second array would mix its items' positions with the first one's.
                if (saw_items) return false;
                saw_items = true;
                std::size_t i = 0;
                for (auto item : field.value().get_array()) {
                    for (auto act : item.get_object()) {
                        long status = 0;
                        std::string reason;
                        for (auto f : act.value().get_object()) {
                            std::string_view k = f.unescaped_key();
                            if (k == "status") status = static_cast<long>(f.value().get_int64());
                            else if (k == "error") reason = error_text(f.value());
                        }
                        if (status < 200 || status >= 300) out.failed.push_back({i, status, std::move(reason)});
                    }
                    ++i;
                }
                out.items = i;
            }
        }
    } catch (const simdjson_error&) {
        return false;
    }
    return saw_errors && (saw_items || !out.errors);
}

}  // namespace meshctl::sinks::es
