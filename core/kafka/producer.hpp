// Writing records: a RAII producer that tracks delivery and flushes on every exit path.
#pragma once

#include "core/kafka/client.hpp"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::kafka {

/// A header to send.
struct OutHeader {
    std::string name;
    std::optional<std::string> value;
};

/// A producer with idempotence on by default.
class Producer {
public:
    /// Creates the producer; `extra` librdkafka properties override defaults.
    Producer(const ClientSettings& settings, const std::vector<std::pair<std::string, std::string>>& extra = {});
    /// Flushes (bounded by the timeout), then destroys.
    ~Producer();
    Producer(const Producer&) = delete;
    Producer& operator=(const Producer&) = delete;

    /// Queues one record; partition -1 lets the partitioner choose by key. Waits for
    /// queue space when the local queue is full. timestamp_ms 0 = now.
    void produce(const std::string& topic, std::optional<std::string_view> key, std::optional<std::string_view> value,
                 std::int32_t partition = -1, const std::vector<OutHeader>& headers = {}, std::int64_t timestamp_ms = 0);
    /// Waits until everything queued is delivered or failed; throws remote_error when
    /// records are still undelivered after `timeout_ms` or any delivery failed since the
    /// previous flush (so a caller that resends after a failure can succeed later).
    void flush(int timeout_ms);
    /// Serves delivery callbacks without blocking.
    void poll() { rd_kafka_poll(client_->get(), 0); }
    /// Records delivered / failed so far.
    std::uint64_t delivered() const { return delivered_; }
    std::uint64_t failed() const { return failed_; }
    /// The underlying client.
    Client& client() { return *client_; }

private:
    static void delivery_cb(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque);
    std::unique_ptr<Client> client_;
    std::atomic<std::uint64_t> delivered_{0};
    std::atomic<std::uint64_t> failed_{0};
    std::atomic<std::uint64_t> failed_since_flush_{0};  // delivery callbacks run inside flush/poll, on this thread
    std::string first_failure_;                         // the first failure since the previous flush
};

}  // namespace meshctl::kafka
