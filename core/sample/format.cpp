#include "core/sample/format.hpp"

#include "core/error.hpp"

#include <simdjson.h>

#include <cstdio>
#include <cstring>

namespace meshctl::sample {

FormatSpec parse_format_spec(std::string_view spec) {
    FormatSpec f;
    if (spec == "text") f.format = RecordFormat::text;
    else if (spec == "json") f.format = RecordFormat::json;
    else if (spec == "jsonl") f.format = RecordFormat::jsonl;
    else if (spec == "raw") f.format = RecordFormat::raw;
    else if (spec.find('%') != std::string_view::npos) {
        f.format = RecordFormat::tmpl;
        for (std::size_t i = 0; i < spec.size(); ++i) {
            if (spec[i] == '\\' && i + 1 < spec.size()) {
                char c = spec[++i];
                f.tmpl += c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == '0' ? '\0' : c;
            } else {
                f.tmpl += spec[i];
            }
        }
        if (f.tmpl.empty() || f.tmpl.back() != '\n') f.tmpl += '\n';  // one record per line, as kcat -f users expect
    } else {
        throw usage_error("unknown record format \"" + std::string(spec) + "\"",
                          "use text, json, jsonl, raw, or a template such as '%t %p %o %k %s'");
    }
    return f;
}

namespace {

std::string_view payload(const rd_kafka_message_t* m) {
    return m->payload ? std::string_view(static_cast<const char*>(m->payload), m->len) : std::string_view();
}
std::string_view key_of(const rd_kafka_message_t* m) {
    return m->key ? std::string_view(static_cast<const char*>(m->key), m->key_len) : std::string_view();
}

}  // namespace

std::string_view RecordFormatter::value_of(const rd_kafka_message_t* m) const { return value_ ? *value_ : payload(m); }

void RecordFormatter::append(const rd_kafka_message_t* m, std::string& out, std::optional<std::string_view> value) {
    value_ = value;
    switch (spec_.format) {
        case RecordFormat::text:
        case RecordFormat::raw:
            out.append(value_of(m));
            out += '\n';
            break;
        case RecordFormat::json:
        case RecordFormat::jsonl: append_envelope(m, out); break;
        case RecordFormat::tmpl: append_template(m, out); break;
    }
}

void RecordFormatter::append_envelope(const rd_kafka_message_t* m, std::string& out) {
    // kcat -J's field names, plus the value decoded when it is JSON.
    out += "{\"topic\":";
    append_json_string(m->rkt ? rd_kafka_topic_name(m->rkt) : "", out);
    out += ",\"partition\":";
    out += std::to_string(m->partition);
    out += ",\"offset\":";
    out += std::to_string(m->offset);
    rd_kafka_timestamp_type_t tstype;
    std::int64_t ts = rd_kafka_message_timestamp(m, &tstype);
    out += tstype == RD_KAFKA_TIMESTAMP_CREATE_TIME ? ",\"tstype\":\"create\",\"ts\":"
           : tstype == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? ",\"tstype\":\"logappend\",\"ts\":"
                                                          : ",\"tstype\":\"none\",\"ts\":";
    out += std::to_string(ts);
    out += ",\"headers\":";
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
        out += '[';
        const char* name;
        const void* val;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
            if (i) out += ',';
            append_json_string(name, out);
            out += ',';
            if (val) append_json_string(std::string_view(static_cast<const char*>(val), size), out);
            else out += "null";
        }
        out += ']';
    } else {
        out += "null";
    }
    out += ",\"key\":";
    if (m->key) append_json_string(key_of(m), out);
    else out += "null";
    out += ",\"value\":";
    std::string_view v = value_of(m);
    if (!m->payload && !value_) {
        out += "null";
    } else if (is_json(v)) {
        if (std::memchr(v.data(), '\n', v.size()) || std::memchr(v.data(), '\r', v.size())) {
            // Original bytes, minified, so one record stays one line.
            scratch_.resize(v.size());
            size_t len = 0;
            if (simdjson::minify(v.data(), v.size(), scratch_.data(), len) == simdjson::SUCCESS) out.append(scratch_.data(), len);
            else append_json_string(v, out);
        } else {
            out.append(v);
        }
    } else {
        append_json_string(v, out);
    }
    out += "}";
}

void RecordFormatter::append_template(const rd_kafka_message_t* m, std::string& out) {
    const std::string& t = spec_.tmpl;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] != '%' || i + 1 >= t.size()) {
            out += t[i];
            continue;
        }
        switch (t[++i]) {
            case 't': out += m->rkt ? rd_kafka_topic_name(m->rkt) : ""; break;
            case 'p': out += std::to_string(m->partition); break;
            case 'o': out += std::to_string(m->offset); break;
            case 'k': out.append(key_of(m)); break;
            case 'K': out += m->key ? std::to_string(m->key_len) : "-1"; break;
            case 's': out.append(value_of(m)); break;
            case 'S': out += m->payload ? std::to_string(value_of(m).size()) : "-1"; break;
            case 'T': out += std::to_string(rd_kafka_message_timestamp(m, nullptr)); break;
            case 'h': {
                rd_kafka_headers_t* hdrs = nullptr;
                if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
                    const char* name;
                    const void* val;
                    size_t size;
                    for (size_t k = 0; rd_kafka_header_get_all(hdrs, k, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++k) {
                        if (k) out += ',';
                        out += name;
                        out += '=';
                        if (val) out.append(static_cast<const char*>(val), size);
                    }
                }
                break;
            }
            case '%': out += '%'; break;
            default:
                out += '%';
                out += t[i];
        }
    }
}

}  // namespace meshctl::sample
