// Keeps one table source current from its topic: bootstraps partitions from the beginning
// up to the end offsets seen when asked, then applies updates as they arrive.
#pragma once

#include "core/kafka/consumer.hpp"
#include "core/pipeline/processor.hpp"
#include "core/pipeline/spec.hpp"
#include "core/pipeline/table.hpp"

#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace meshctl::pipeline {

/// Receives table records that cannot be stored (undecodable value, no key).
using DeadLetterFn = std::function<void(const expr::Event& event, const std::string& reason)>;

/// The reader of one table topic.
class TableFeed {
public:
    /// `index` is the table's number in the processor; nothing is read until load().
    TableFeed(const kafka::ClientSettings& settings, const SourceSpec& source, std::size_t index, Processor& processor,
              TableStore& store, DeadLetterFn dead_letter);
    /// Reads `partitions` from the beginning up to their current end offsets (the others
    /// followed so far keep being followed). Throws interrupted on a signal.
    void load(const std::vector<std::int32_t>& partitions);
    /// Stops following `partitions` and forgets their rows.
    void drop(const std::vector<std::int32_t>& partitions);
    /// Applies the updates that have arrived, without waiting.
    void poll();
    /// Records read so far.
    std::uint64_t read() const { return read_; }
    /// The partitions followed.
    std::vector<std::int32_t> partitions() const;

private:
    void apply(rd_kafka_message_t* m);
    void assign();
    const SourceSpec& source_;
    std::size_t index_;
    Processor& processor_;
    TableStore& store_;
    DeadLetterFn dead_letter_;
    kafka::ClientSettings settings_;
    std::unique_ptr<kafka::Consumer> consumer_;
    std::map<std::int32_t, std::int64_t> next_;  // followed partition -> next offset (or RD_KAFKA_OFFSET_BEGINNING)
    std::map<std::int32_t, std::int64_t> eof_;   // partitions whose end-of-partition event arrived, at that offset
    std::string key_, stored_;
    std::uint64_t read_ = 0;
};

}  // namespace meshctl::pipeline
