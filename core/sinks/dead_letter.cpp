#include "core/expr/value.hpp"
#include "core/sinks/sink.hpp"

namespace meshctl::sinks {

namespace {

void append_string_or_null(const std::optional<std::string>& s, std::string& out) {
    if (s) expr::append_json(expr::Value::string_view(*s), out);
    else out += "null";
}

}  // namespace

Record dead_letter_record(const Record& origin, std::string_view reason) {
    Record r;
    r.id = origin.id.empty() ? default_record_id(origin.topic, origin.partition, origin.offset) : origin.id;
    r.topic = origin.topic;
    r.partition = origin.partition;
    r.offset = origin.offset;
    r.timestamp_ms = origin.timestamp_ms;
    r.key = origin.key;
    std::string v = "{\"reason\":";
    expr::append_json(expr::Value::string_view(reason), v);
    v += ",\"topic\":";
    expr::append_json(expr::Value::string_view(origin.topic), v);
    v += ",\"partition\":" + std::to_string(origin.partition) + ",\"offset\":" + std::to_string(origin.offset) +
         ",\"timestamp\":" + std::to_string(origin.timestamp_ms) + ",\"key\":";
    append_string_or_null(origin.key, v);
    v += ",\"value\":";
    append_string_or_null(origin.value, v);
    v += "}";
    r.value = std::move(v);
    return r;
}

}  // namespace meshctl::sinks
