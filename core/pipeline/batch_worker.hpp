// A second processing thread for the plain (not windowed) pipeline: while the consuming
// thread runs the first 40% of a large batch, a BatchWorker runs the steps on the rest
// with its own Processor (evaluators and parsers are per thread) and keeps each
// event's verdict and sink records. The consuming thread then takes the outcomes in batch
// order and does the bookkeeping (offsets, sink writes, dead letters) itself, so output,
// offsets and counts are those of one thread. Tables are only read during a batch: their
// feeds apply updates between batches, on the consuming thread.
#pragma once

#include "core/expr/kafka_event.hpp"
#include "core/pipeline/processor.hpp"
#include "core/util/job_thread.hpp"

#include <librdkafka/rdkafka.h>

namespace meshctl::pipeline {

/// What the worker made of one event of its share.
struct BatchOutcome {
    enum State : signed char { skip, done, consumer };  // not for processing; processed; the consuming thread must process it
    State state = skip;
    Verdict verdict = Verdict::filtered;
    std::vector<sinks::Record> records;  // after `written`, one per sink (strings reused between batches)
    std::string reason;                  // after `dead_letter`
};

class BatchWorker {
public:
    BatchWorker(const PipelineSpec& spec, const TableView& tables, std::string topic, bool headers_wanted);

    /// Starts processing messages [begin, end) whose `state` was set to `done` beforehand
    /// (eligible: in an assigned partition, within its offsets, not framed); returns at once.
    /// The worker writes only out[begin, end).
    void start(rd_kafka_message_t* const* messages, std::size_t begin, std::size_t end, std::vector<BatchOutcome>& out);
    /// Waits for the job started last.
    void wait() { thread_.wait(); }
    /// The worker's running totals (read only between jobs).
    const ProcessCounts& counts() const { return proc_.counts(); }

private:
    void run(rd_kafka_message_t* const* messages, std::size_t begin, std::size_t end, std::vector<BatchOutcome>& out);

    Processor proc_;
    const TableView& tables_;
    std::string topic_;
    bool headers_wanted_;
    bool look_ahead_;
    std::vector<expr::Header> headers_, ahead_headers_;
    util::JobThread thread_;  // last: destroyed (joined) first
};

}  // namespace meshctl::pipeline
