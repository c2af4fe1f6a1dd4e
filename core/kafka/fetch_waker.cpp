#include "core/kafka/fetch_waker.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <set>

namespace meshctl::kafka {

bool DrainDetector::observe(std::size_t length, std::uint64_t received) {
    if (received - received_at_wake_ >= high_) armed_ = true;
    if (length >= high_) {
        armed_ = true;
        return false;
    }
    if (!armed_) return false;
    armed_ = false;
    received_at_wake_ = received;
    return true;
}

std::size_t drain_threshold(std::size_t queued_min_messages, std::size_t queued_max_kbytes, double mean_record_bytes) {
    std::size_t limit = queued_min_messages;
    if (mean_record_bytes > 0) {
        double by_bytes = static_cast<double>(queued_max_kbytes) * 1024.0 / mean_record_bytes;
        if (by_bytes < static_cast<double>(limit)) limit = static_cast<std::size_t>(by_bytes);
    }
    return std::max<std::size_t>(limit / 2, 1);
}

namespace {
std::size_t conf_number(rd_kafka_t* rk, const char* name, std::size_t fallback) {
    char buf[64];
    std::size_t size = sizeof buf;
    if (rd_kafka_conf_get(rd_kafka_conf(rk), name, buf, &size) != RD_KAFKA_CONF_OK) return fallback;
    char* end = nullptr;
    unsigned long long v = std::strtoull(buf, &end, 10);
    return end != buf ? static_cast<std::size_t>(v) : fallback;
}
}  // namespace

FetchWaker::FetchWaker(rd_kafka_t* rk) : rk_(rk) {
    queued_min_messages_ = conf_number(rk, "queued.min.messages", queued_min_messages_);
    queued_max_kbytes_ = conf_number(rk, "queued.max.messages.kbytes", queued_max_kbytes_);
    thread_ = std::thread([this] { run(); });
}

FetchWaker::~FetchWaker() { stop(); }

void FetchWaker::stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void FetchWaker::run() {
    rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk_);
    if (!queue) return;
    DrainDetector detector(drain_threshold(queued_min_messages_, queued_max_kbytes_, 0));
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(5), [this] { return stopping_; })) {
        lock.unlock();
        std::uint64_t n = records_.load(std::memory_order_relaxed);
        if (n > 0) {
            double mean = static_cast<double>(bytes_.load(std::memory_order_relaxed)) / static_cast<double>(n);
            detector.set_high(drain_threshold(queued_min_messages_, queued_max_kbytes_, mean));
        }
        if (detector.observe(rd_kafka_queue_length(queue), n)) wake();
        lock.lock();
    }
    lock.unlock();
    rd_kafka_queue_destroy(queue);
}

// Finds one assigned partition per leader broker, again only when the assignment changed.
void FetchWaker::refresh_targets() {
    rd_kafka_topic_partition_list_t* parts = nullptr;
    if (rd_kafka_assignment(rk_, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || !parts) return;
    std::vector<std::string> assignment;
    for (int i = 0; i < parts->cnt; ++i)
        assignment.push_back(std::string(parts->elems[i].topic) + '\0' + std::to_string(parts->elems[i].partition));
    rd_kafka_topic_partition_list_destroy(parts);
    std::sort(assignment.begin(), assignment.end());
    if (assignment == assignment_ && !targets_.empty()) return;
    const rd_kafka_metadata_t* md = nullptr;
    // Topics this client already knows of: the assigned ones.
    if (rd_kafka_metadata(rk_, 0, nullptr, &md, 2000) != RD_KAFKA_RESP_ERR_NO_ERROR || !md) return;
    std::set<std::string> wanted(assignment.begin(), assignment.end());
    std::map<std::int32_t, Target> by_leader;
    for (int t = 0; t < md->topic_cnt; ++t)
        for (int p = 0; p < md->topics[t].partition_cnt; ++p) {
            const auto& part = md->topics[t].partitions[p];
            std::string id = std::string(md->topics[t].topic) + '\0' + std::to_string(part.id);
            if (part.leader >= 0 && wanted.count(id)) by_leader.emplace(part.leader, Target{md->topics[t].topic, part.id});
        }
    rd_kafka_metadata_destroy(md);
    targets_.clear();
    for (auto& [leader, target] : by_leader) targets_.push_back(std::move(target));
    assignment_ = std::move(assignment);
}

void FetchWaker::wake() {
    refresh_targets();
    for (const auto& t : targets_) {
        std::int64_t low = 0, high = 0;
        // The answer does not matter: the request itself wakes the leader's broker thread.
        rd_kafka_query_watermark_offsets(rk_, t.topic.c_str(), t.partition, &low, &high, 1000);
    }
    wakeups_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace meshctl::kafka
