// A second processing thread for the plain (not windowed) pipeline: while the consuming
// thread runs the first part of a large batch, a BatchWorker runs the steps on the rest
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

#include <atomic>
#include <chrono>

namespace meshctl::pipeline {

/// What the worker made of one event of its share.
struct BatchOutcome {
    enum State : signed char { skip, done, consumer };  // not for processing; processed; the consuming thread must process it
    State state = skip;
    Verdict verdict = Verdict::filtered;
    std::vector<sinks::Record> records;  // after `written`, one per sink (strings reused between batches)
    std::string reason;                  // after `dead_letter`
};

/// The offset test of a partition's records: processed when at or after `next` (older
/// ones are stale, from before a seek) and before `stop` (--until).
inline bool to_process(std::int64_t offset, std::int64_t next, std::int64_t stop) { return offset >= next && offset < stop; }

class BatchWorker {
public:
    BatchWorker(const PipelineSpec& spec, const TableView& tables, std::string topic, bool headers_wanted);
    ~BatchWorker() { release(); }
    BatchWorker(const BatchWorker&) = delete;
    BatchWorker& operator=(const BatchWorker&) = delete;

    /// An assigned partition at the start of a batch: the next offset to process, and the
    /// offset to stop before.
    struct Position {
        std::int32_t partition;
        std::int64_t next, stop;
    };
    /// Starts on messages [begin, n) of a batch of n; returns at once. It sets each one's
    /// `state` as handle() would treat it: `skip` outside the assigned partitions or their
    /// offsets (moving `next` through the whole batch as handle() does), `consumer` for
    /// errors and framed payloads (schema registry), else `done` with the outcome. It reads
    /// `positions` and writes only out[begin, n) until wait() returns. It takes its messages
    /// from the front of the range, a few at a time, so that help() can take the rest.
    void start(rd_kafka_message_t* const* messages, std::size_t n, std::size_t begin, const std::vector<Position>& positions,
               std::vector<BatchOutcome>& out);
    /// Called by the consuming thread once its own part is done: runs the steps with `proc`
    /// on what the worker has not taken yet, from the back of the range, into the same
    /// outcomes, once the worker has marked the batch. Returns how many messages it
    /// processed (0 when the worker had taken all of them). wait() must still follow.
    std::size_t help(Processor& proc, std::vector<expr::Header>& headers, std::vector<expr::Header>& ahead_headers);
    /// Waits for the job started last.
    void wait() { thread_.wait(); }
    /// Hands over a processed batch's messages (between jobs): the next job destroys them
    /// first, or release() does.
    void retire(rd_kafka_message_t* const* messages, std::size_t n);
    /// Waits, then destroys the messages retired and not yet destroyed.
    void release();
    /// When the job started last ended (read after wait()).
    std::chrono::steady_clock::time_point finished() const { return finished_; }
    /// The worker's running totals (read only between jobs).
    const ProcessCounts& counts() const { return proc_.counts(); }

private:
    void mark(rd_kafka_message_t* const* messages, std::size_t n, std::size_t begin, const std::vector<Position>& positions,
              std::vector<BatchOutcome>& out);
    void run(std::size_t begin, std::size_t end);
    /// Runs the steps on message i into out[i], with `proc` (the worker's, or the helper's).
    void process_one(Processor& proc, std::vector<expr::Header>& headers, std::size_t i);
    /// The look-ahead of message j (Processor::look_ahead), with `proc`.
    void ahead_one(Processor& proc, std::vector<expr::Header>& headers, std::size_t j, bool row);
    /// Claims up to k messages at the front (the worker) or the back (help()) of what is left;
    /// returns the claimed [first, last), empty when nothing is left.
    std::pair<std::size_t, std::size_t> claim_front(std::size_t k);
    std::pair<std::size_t, std::size_t> claim_back(std::size_t k);

    Processor proc_;
    const TableView& tables_;
    std::string topic_;
    bool headers_wanted_;
    bool look_ahead_;
    std::vector<expr::Header> headers_, ahead_headers_;
    std::chrono::steady_clock::time_point finished_{};
    std::vector<Position> next_;  // mark(): the positions as handle() moves them
    // The job's messages, outcomes and range, for help(). `left_` holds what neither thread
    // has claimed yet: the front index in its high 32 bits, the end in its low 32 bits.
    rd_kafka_message_t* const* messages_ = nullptr;
    std::vector<BatchOutcome>* out_ = nullptr;
    std::atomic<std::uint64_t> left_{0};
    std::atomic<bool> marked_{false};
    static constexpr std::size_t kClaim = 64, kHelpClaim = 128;  // messages claimed at a time
    std::vector<rd_kafka_message_t*> retired_;
    void destroy_retired();
    util::JobThread thread_;  // last: destroyed (joined) first
};

}  // namespace meshctl::pipeline
