// Reading records: a RAII consumer that either assigns partitions explicitly (sample,
// replay) or joins a group (pipelines), and closes cleanly on every path.
#pragma once

#include "core/kafka/client.hpp"
#include "core/kafka/fetch_waker.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::kafka {

/// One consumed record; owns librdkafka's message, views stay valid while it lives.
class Message {
public:
    explicit Message(rd_kafka_message_t* m) : m_(m) {}
    /// True when this is an error event rather than a record.
    bool is_error() const { return m_->err != RD_KAFKA_RESP_ERR_NO_ERROR; }
    /// True for the end-of-partition event (needs enable.partition.eof).
    bool is_partition_eof() const { return m_->err == RD_KAFKA_RESP_ERR__PARTITION_EOF; }
    rd_kafka_resp_err_t error() const { return m_->err; }
    std::string error_text() const;
    std::string_view topic() const;
    std::int32_t partition() const { return m_->partition; }
    std::int64_t offset() const { return m_->offset; }
    /// Payload bytes; nullopt for a null value (tombstone).
    std::optional<std::string_view> value() const;
    /// Key bytes; nullopt for a null key.
    std::optional<std::string_view> key() const;
    /// Timestamp in epoch ms and its type (create/log-append/none).
    std::int64_t timestamp(rd_kafka_timestamp_type_t* type = nullptr) const;
    /// Headers as (name, value) pairs; value nullopt for a null header value.
    std::vector<std::pair<std::string_view, std::optional<std::string_view>>> headers() const;
    rd_kafka_message_t* raw() const { return m_.get(); }

private:
    struct Deleter {
        void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
    };
    std::unique_ptr<rd_kafka_message_t, Deleter> m_;
};

/// A partition with a starting offset (an absolute offset or RD_KAFKA_OFFSET_*).
struct PartitionOffset {
    TopicPartition tp;
    std::int64_t offset = RD_KAFKA_OFFSET_BEGINNING;
};

/// Callbacks for group rebalances; `revoked` runs before partitions are taken away so
/// the owner can commit what it has processed.
struct RebalanceHandler {
    std::function<void(const std::vector<TopicPartition>&)> assigned;
    std::function<void(const std::vector<TopicPartition>&)> revoked;
};

/// A consumer. Without a group id it only uses assign(); with one it may subscribe().
class Consumer {
public:
    /// Creates the consumer; `extra` librdkafka properties override defaults.
    Consumer(const ClientSettings& settings, const std::optional<std::string>& group_id,
             const std::vector<std::pair<std::string, std::string>>& extra = {});
    /// Closes (leaving the group cleanly) if close() was not called.
    ~Consumer();
    Consumer(const Consumer&) = delete;
    Consumer& operator=(const Consumer&) = delete;

    /// Reads exactly these partitions from these offsets.
    void assign(const std::vector<PartitionOffset>& partitions);
    /// Joins the group for these topics; requires a group id.
    void subscribe(const std::vector<std::string>& topics, RebalanceHandler handler = {});
    /// Waits up to `timeout_ms` for the next record or event; nullopt when none came.
    std::optional<Message> poll(int timeout_ms);
    /// Fills `out` with up to `max` messages (records or events) waiting at most
    /// `timeout_ms` for the first; returns how many. The caller destroys each message.
    /// For reading at full speed (one queue hop per batch, not per record); the first call
    /// also starts a FetchWaker, so that a reader slower than the fetcher never idles.
    std::size_t poll_batch(int timeout_ms, rd_kafka_message_t** out, std::size_t max);
    /// Moves the read position of assigned partitions (e.g. to jump between samples).
    void seek(const std::vector<PartitionOffset>& positions);
    /// Synchronously commits next-offsets (offset of the next record to read).
    void commit(const std::map<TopicPartition, std::int64_t>& next_offsets);
    /// Leaves the group and closes; safe to call twice. A consumer without a group has no
    /// group to leave and commits nothing: it stops at once, not after its fetches in flight.
    void close();
    /// The underlying client.
    Client& client() { return *client_; }
    /// How often the FetchWaker restarted a stopped fetcher (0 before any poll_batch).
    std::uint64_t fetch_wakeups() const { return waker_ ? waker_->wakeups() : 0; }

private:
    static void rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void* opaque);
    std::unique_ptr<Client> client_;
    RebalanceHandler handler_;
    rd_kafka_queue_t* queue_ = nullptr;  // the consumer queue, fetched on first poll_batch
    std::unique_ptr<FetchWaker> waker_;  // started on first poll_batch, stopped by close()
    bool closed_ = false;
    bool subscribed_ = false;
    bool grouped_ = false;  // made with a group id
};

}  // namespace meshctl::kafka
