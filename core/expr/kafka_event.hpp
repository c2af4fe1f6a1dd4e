// Building an expression Event from a consumed librdkafka record, shared by every hot
// path that evaluates expressions on records (sample --where, pipelines).
#pragma once

#include "core/expr/expr.hpp"

#include <librdkafka/rdkafka.h>

#include <string_view>
#include <vector>

namespace meshctl::expr {

/// The payload of `m` as bytes (empty when it has none).
inline std::string_view payload_view(const rd_kafka_message_t* m) {
    return m->payload ? std::string_view(static_cast<const char*>(m->payload), m->len) : std::string_view();
}

/// Views of `m` as an Event; header views go into `headers` (cleared and reused, so no
/// allocation per record once it has grown). `m` and `headers` must outlive the Event.
/// With `with_headers` false the Event has none (librdkafka allocates to list them).
inline Event event_from_message(const rd_kafka_message_t* m, std::string_view topic, std::vector<Header>& headers,
                                bool with_headers = true) {
    Event ev;
    if (m->payload) ev.value = std::string_view(static_cast<const char*>(m->payload), m->len);
    if (m->key) ev.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
    headers.clear();
    rd_kafka_headers_t* hdrs = nullptr;
    if (with_headers && rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
        const char* name;
        const void* val;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
            headers.push_back({name, val ? std::optional<std::string_view>(std::string_view(static_cast<const char*>(val), size))
                                         : std::nullopt});
    }
    ev.headers = headers;
    ev.topic = topic;
    ev.partition = m->partition;
    ev.offset = m->offset;
    ev.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
    return ev;
}

}  // namespace meshctl::expr
