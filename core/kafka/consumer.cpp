#include "core/kafka/consumer.hpp"

#include "core/error.hpp"
#include "core/util/log.hpp"

#include <map>

namespace meshctl::kafka {

std::string Message::error_text() const {
    std::string s = rd_kafka_err2str(m_->err);
    if (m_->err && m_->payload && m_->len) s += ": " + std::string(static_cast<const char*>(m_->payload), m_->len);
    return s;
}

std::string_view Message::topic() const { return m_->rkt ? rd_kafka_topic_name(m_->rkt) : std::string_view(); }

std::optional<std::string_view> Message::value() const {
    if (!m_->payload) return std::nullopt;
    return std::string_view(static_cast<const char*>(m_->payload), m_->len);
}

std::optional<std::string_view> Message::key() const {
    if (!m_->key) return std::nullopt;
    return std::string_view(static_cast<const char*>(m_->key), m_->key_len);
}

std::int64_t Message::timestamp(rd_kafka_timestamp_type_t* type) const {
    rd_kafka_timestamp_type_t t;
    std::int64_t ts = rd_kafka_message_timestamp(m_.get(), &t);
    if (type) *type = t;
    return ts;
}

std::vector<std::pair<std::string_view, std::optional<std::string_view>>> Message::headers() const {
    std::vector<std::pair<std::string_view, std::optional<std::string_view>>> out;
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m_.get(), &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR || !hdrs) return out;
    const char* name;
    const void* val;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        if (val) out.emplace_back(name, std::string_view(static_cast<const char*>(val), size));
        else out.emplace_back(name, std::nullopt);
    }
    return out;
}

namespace {
std::vector<std::pair<std::string, std::string>> consumer_defaults(const std::optional<std::string>& group_id,
                                                                    const std::vector<std::pair<std::string, std::string>>& extra) {
    std::vector<std::pair<std::string, std::string>> props = {
        // meshctl commits explicitly, only what its sinks acknowledged.
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},
    };
    // A consumer without a group still needs a group.id for librdkafka; it never commits.
    props.emplace_back("group.id", group_id ? *group_id : "meshctl-assign-only");
    for (const auto& e : extra) props.push_back(e);
    return props;
}

std::vector<TopicPartition> to_vector(const rd_kafka_topic_partition_list_t* parts) {
    std::vector<TopicPartition> out;
    for (int i = 0; parts && i < parts->cnt; ++i) out.push_back({parts->elems[i].topic, parts->elems[i].partition});
    return out;
}
}  // namespace

Consumer::Consumer(const ClientSettings& settings, const std::optional<std::string>& group_id,
                   const std::vector<std::pair<std::string, std::string>>& extra) {
    // The rebalance callback must be on the conf before the handle exists.
    client_ = std::make_unique<Client>(settings, RD_KAFKA_CONSUMER, consumer_defaults(group_id, extra),
                                       [](rd_kafka_conf_t* conf) { rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb); });
    client_->set_owner(this);
    grouped_ = group_id.has_value();
    rd_kafka_poll_set_consumer(client_->get());
}

Consumer::~Consumer() {
    try {
        close();
    } catch (...) {
        // A destructor must not throw; close() already logged the failure.
    }
}

void Consumer::assign(const std::vector<PartitionOffset>& partitions) {
    auto* l = rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
    for (const auto& p : partitions) rd_kafka_topic_partition_list_add(l, p.tp.topic.c_str(), p.tp.partition)->offset = p.offset;
    rd_kafka_resp_err_t err = rd_kafka_assign(client_->get(), l);
    rd_kafka_topic_partition_list_destroy(l);
    if (err) client_->fail(err, "assign partitions");
}

void Consumer::rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void* opaque) {
    auto* state = static_cast<ErrorState*>(opaque);
    auto* self = state ? static_cast<Consumer*>(state->owner) : nullptr;
    bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (cooperative) {
            if (auto* e = rd_kafka_incremental_assign(rk, parts)) rd_kafka_error_destroy(e);
        } else {
            rd_kafka_assign(rk, parts);
        }
        if (self && self->handler_.assigned) self->handler_.assigned(to_vector(parts));
    } else {
        if (self && self->handler_.revoked) self->handler_.revoked(to_vector(parts));
        if (cooperative) {
            if (auto* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
        } else {
            rd_kafka_assign(rk, nullptr);
        }
    }
}

void Consumer::subscribe(const std::vector<std::string>& topics, RebalanceHandler handler) {
    handler_ = std::move(handler);
    auto* l = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
    for (const auto& t : topics) rd_kafka_topic_partition_list_add(l, t.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(client_->get(), l);
    rd_kafka_topic_partition_list_destroy(l);
    if (err) client_->fail(err, "subscribe to", "topic \"" + topics.front() + "\"");
    subscribed_ = true;
}

std::optional<Message> Consumer::poll(int timeout_ms) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(client_->get(), timeout_ms);
    if (!m) {
        client_->check_fatal();
        return std::nullopt;
    }
    return Message(m);
}

std::size_t Consumer::poll_batch(int timeout_ms, rd_kafka_message_t** out, std::size_t max) {
    if (!queue_) {
        queue_ = rd_kafka_queue_get_consumer(client_->get());
        waker_ = std::make_unique<FetchWaker>(client_->get());
    }
    // librdkafka waits for a whole batch until the timeout; take what is there instead, and
    // wait only for the first message when nothing is.
    ssize_t n = rd_kafka_consume_batch_queue(queue_, 0, out, max);
    if (n == 0 && timeout_ms != 0) {
        n = rd_kafka_consume_batch_queue(queue_, timeout_ms, out, 1);
        if (n == 1 && max > 1) {
            ssize_t more = rd_kafka_consume_batch_queue(queue_, 0, out + 1, max - 1);
            if (more > 0) n += more;
        }
    }
    if (n <= 0) {
        client_->check_fatal();
        return 0;
    }
    std::size_t bytes = 0;
    for (ssize_t i = 0; i < n; ++i) bytes += out[i]->len;
    waker_->received(static_cast<std::size_t>(n), bytes);
    return static_cast<std::size_t>(n);
}

void Consumer::seek(const std::vector<PartitionOffset>& positions) {
    auto* l = rd_kafka_topic_partition_list_new(static_cast<int>(positions.size()));
    for (const auto& p : positions) rd_kafka_topic_partition_list_add(l, p.tp.topic.c_str(), p.tp.partition)->offset = p.offset;
    rd_kafka_error_t* err = rd_kafka_seek_partitions(client_->get(), l, client_->timeout_ms());
    rd_kafka_topic_partition_list_destroy(l);
    if (err) {
        std::string msg = rd_kafka_error_string(err);
        rd_kafka_error_destroy(err);
        throw remote_error("cannot seek: " + msg);
    }
}

void Consumer::commit(const std::map<TopicPartition, std::int64_t>& next_offsets) {
    if (next_offsets.empty()) return;
    auto* l = rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size()));
    for (const auto& [tp, off] : next_offsets) rd_kafka_topic_partition_list_add(l, tp.topic.c_str(), tp.partition)->offset = off;
    // A synchronous rd_kafka_commit waits without bound while no coordinator answers;
    // commit through a private queue instead and wait at most the timeout.
    rd_kafka_queue_t* q = rd_kafka_queue_new(client_->get());
    rd_kafka_resp_err_t err = rd_kafka_commit_queue(client_->get(), l, q, nullptr, nullptr);
    rd_kafka_topic_partition_list_destroy(l);
    if (!err) {
        rd_kafka_event_t* ev = rd_kafka_queue_poll(q, client_->timeout_ms());
        if (!ev) err = RD_KAFKA_RESP_ERR__TIMED_OUT;
        else {
            err = rd_kafka_event_error(ev);
            if (!err)
                if (const rd_kafka_topic_partition_list_t* parts = rd_kafka_event_topic_partition_list(ev))
                    for (int i = 0; i < parts->cnt && !err; ++i) err = parts->elems[i].err;
            rd_kafka_event_destroy(ev);
        }
    }
    rd_kafka_queue_destroy(q);
    if (err) client_->fail(err, "commit offsets");
}

void Consumer::close() {
    if (closed_) return;
    closed_ = true;
    if (waker_) waker_->stop();
    if (queue_) {
        rd_kafka_queue_destroy(queue_);
        queue_ = nullptr;
    }
    if (!grouped_) {
        // rd_kafka_consumer_close would wait for every fetch in flight to come back (up to
        // fetch.wait.max.ms at the end of a partition) before the handle goes.
        client_->skip_consumer_close();
        return;
    }
    rd_kafka_resp_err_t err = rd_kafka_consumer_close(client_->get());
    if (err) log::warn(std::string("closing the consumer: ") + rd_kafka_err2str(err));
}

}  // namespace meshctl::kafka
