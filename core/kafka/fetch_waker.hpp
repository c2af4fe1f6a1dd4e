// Keeps librdkafka's fetcher going while the application reads slower than it fetches.
//
// librdkafka releases without fetch.queue.backoff.ms (Debian 12 ships 2.0.2) stop fetching a
// partition once the consumer queue holds queued.min.messages or queued.max.messages.kbytes,
// and look again only when the broker thread next wakes up: on a request or response for
// that broker, or after a second (librdkafka issue #2879). A reader
// that drains a full queue in 0.3 s therefore idles 0.7 s of every second. The waker watches
// the queue from its own thread and, when a full queue has drained, sends one cheap request
// (ListOffsets through rd_kafka_query_watermark_offsets) to each broker that leads an
// assigned partition, which makes that broker thread fetch again at once.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace meshctl::kafka {

/// Decides, from the consumer queue's length sampled at a fixed interval, when to wake the
/// fetcher: once the queue, having reached `high` (half of librdkafka's threshold, so the
/// fetcher may have stopped), falls below it again. A fill and drain quicker than the
/// sampling goes unseen in the lengths, so the detector also arms once the application has
/// received `high` records since the last wake-up: the queue cannot have gone from full to
/// below `high` without that. Fires once per fill; a wake-up when the fetcher had not
/// stopped costs one request and nothing else.
class DrainDetector {
public:
    explicit DrainDetector(std::size_t high) : high_(high) {}
    /// Records one sample: the queue's length and the records received so far in all; true
    /// when the fetcher should be woken now.
    bool observe(std::size_t length, std::uint64_t received = 0);
    /// Changes the fill level that arms the detector (e.g. as the mean record size is learnt).
    void set_high(std::size_t high) { high_ = high; }
    std::size_t high() const { return high_; }

private:
    std::size_t high_;
    bool armed_ = false;
    std::uint64_t received_at_wake_ = 0;
};

/// The length at which the detector arms: half of the smaller of librdkafka's two queue
/// thresholds, the byte one turned into records with the mean record size seen so far.
std::size_t drain_threshold(std::size_t queued_min_messages, std::size_t queued_max_kbytes, double mean_record_bytes);

/// Runs the watch on its own thread from construction until stop() or destruction.
class FetchWaker {
public:
    explicit FetchWaker(rd_kafka_t* rk);
    ~FetchWaker();
    FetchWaker(const FetchWaker&) = delete;
    FetchWaker& operator=(const FetchWaker&) = delete;
    /// Stops and joins the thread; safe to call twice. Must run before the client is destroyed.
    void stop();
    /// Tells the waker about records the application received (for the mean record size).
    void received(std::size_t records, std::size_t bytes) {
        records_.fetch_add(records, std::memory_order_relaxed);
        bytes_.fetch_add(bytes, std::memory_order_relaxed);
    }
    /// How many times the fetcher was woken.
    std::uint64_t wakeups() const { return wakeups_.load(std::memory_order_relaxed); }

private:
    struct Target {
        std::string topic;
        std::int32_t partition;
    };
    void run();
    void wake();
    void refresh_targets();

    rd_kafka_t* rk_;
    std::size_t queued_min_messages_ = 100000;
    std::size_t queued_max_kbytes_ = 65536;
    std::atomic<std::uint64_t> records_{0}, bytes_{0}, wakeups_{0};
    std::vector<Target> targets_;          // one assigned partition per leader broker
    std::vector<std::string> assignment_;  // what targets_ was computed from
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace meshctl::kafka
