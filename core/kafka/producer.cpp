#include "core/kafka/producer.hpp"

#include "core/error.hpp"
#include "core/util/log.hpp"

namespace meshctl::kafka {

void Producer::delivery_cb(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* state = static_cast<ErrorState*>(opaque);
    auto* self = state ? static_cast<Producer*>(state->owner) : nullptr;
    if (!self) return;
    if (m->err) {
        ++self->failed_;
        if (self->failed_since_flush_++ == 0)
            self->first_failure_ = std::string(rd_kafka_err2str(m->err)) + " (topic \"" + rd_kafka_topic_name(m->rkt) + "\")";
    } else {
        ++self->delivered_;
    }
}

Producer::Producer(const ClientSettings& settings, const std::vector<std::pair<std::string, std::string>>& extra) {
    std::vector<std::pair<std::string, std::string>> props = {
        {"enable.idempotence", "true"},
        {"linger.ms", "5"},
        {"message.timeout.ms", std::to_string(std::max<long long>(settings.timeout.count(), 1000))},
    };
    for (const auto& e : extra) props.push_back(e);
    client_ = std::make_unique<Client>(settings, RD_KAFKA_PRODUCER, props,
                                       [](rd_kafka_conf_t* conf) { rd_kafka_conf_set_dr_msg_cb(conf, delivery_cb); });
    client_->set_owner(this);
}

Producer::~Producer() {
    try {
        rd_kafka_flush(client_->get(), client_->timeout_ms());
        if (int left = rd_kafka_outq_len(client_->get()); left > 0)
            log::warn(std::to_string(left) + " records were not delivered before the producer closed");
    } catch (...) {
    }
}

void Producer::produce(const std::string& topic, std::optional<std::string_view> key, std::optional<std::string_view> value,
                       std::int32_t partition, const std::vector<OutHeader>& headers, std::int64_t timestamp_ms) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
        hdrs = rd_kafka_headers_new(headers.size());
        for (const auto& h : headers)
            rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value ? h.value->data() : nullptr,
                                h.value ? static_cast<ssize_t>(h.value->size()) : 0);
    }
    void* value_ptr = value ? const_cast<char*>(value->data()) : nullptr;
    std::size_t value_len = value ? value->size() : 0;
    const void* key_ptr = key ? key->data() : nullptr;
    std::size_t key_len = key ? key->size() : 0;
    while (true) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            client_->get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_VALUE(value_ptr, value_len), RD_KAFKA_V_KEY(key_ptr, key_len), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(client_->get(), 50);
            continue;
        }
        if (err) {
            if (hdrs) rd_kafka_headers_destroy(hdrs);
            client_->fail(err, "produce to", "topic \"" + topic + "\"");
        }
        return;  // on success librdkafka owns the headers
    }
}

void Producer::flush(int timeout_ms) {
    rd_kafka_resp_err_t err = rd_kafka_flush(client_->get(), timeout_ms);
    client_->check_fatal();
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT)
        client_->fail(RD_KAFKA_RESP_ERR__TIMED_OUT, "deliver " + std::to_string(rd_kafka_outq_len(client_->get())) + " records");
    if (auto failed = failed_since_flush_.exchange(0); failed > 0)
        throw remote_error(std::to_string(failed) + " records could not be delivered: " + first_failure_);
}

}  // namespace meshctl::kafka
