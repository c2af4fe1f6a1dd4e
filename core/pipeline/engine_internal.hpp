// The run loop's state, shared by engine.cpp (consuming, flushing, committing) and
// engine_window.cpp (the windowed stream-stream join: both streams merged by timestamp).
// Not part of the pipeline's public interface.
#pragma once

#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/kafka/consumer.hpp"
#include "core/pipeline/batch_worker.hpp"
#include "core/pipeline/engine.hpp"
#include "core/pipeline/explain.hpp"
#include "core/pipeline/table.hpp"
#include "core/pipeline/table_feed.hpp"
#include "core/pipeline/window.hpp"

#include <deque>
#include <exception>
#include <limits>
#include <set>

namespace meshctl::pipeline::detail {

using Clock = std::chrono::steady_clock;

/// One consumed partition.
struct Part {
    std::int64_t next = 0;       // next offset to process
    std::int64_t committed = 0;  // last committed next-offset
    std::int64_t reported = -1;  // processed position last committed as metadata (windowed joins)
    std::int64_t stop = std::numeric_limits<std::int64_t>::max();
};

/// Records of one partition fetched but not yet processed (windowed pipelines only: they
/// are processed in timestamp order across partitions and both streams).
struct Queue {
    std::deque<rd_kafka_message_t*> messages;
    bool eof = false;  // the partition's end was reached after the last queued record
};

/// Index of the stream in Engine::topics_: the pipeline's stream, and a windowed join's second one.
enum StreamIndex : int { primary = 0, joined = 1 };

/// One pipeline run.
class Engine {
public:
    Engine(const PipelineSpec& spec, const RunOptions& opts, const sinks::SinkContext& ctx, std::ostream& out);
    ~Engine();

    RunStats run();

private:
    void prepare_positions();
    void finish_table_loads();  // waits for the whole-table loads; rethrows their error
    void on_assigned(const std::vector<kafka::TopicPartition>& tps);
    void on_revoked(const std::vector<kafka::TopicPartition>& tps);
    void handle(rd_kafka_message_t* m);
    bool process_batch(rd_kafka_message_t* const* batch, std::size_t n);  // true: the worker destroys the messages
    std::size_t share_with_worker(rd_kafka_message_t* const* batch, std::size_t n);
    void take(rd_kafka_message_t* m, const BatchOutcome& o);
    bool flush_and_commit(std::chrono::milliseconds per_sink);
    void sink_failed(const Error& e);
    void commit();
    void dead_letter(const expr::Event& ev, const std::string& reason);  // table records, sink rejects
    void write_dead(const expr::Event& ev, const std::string& reason);   // already counted by the processor
    void snapshot(bool final);
    bool caught_up();
    bool others_caught_up();
    void skip_deleted();
    void note_deleted(int stream, std::int32_t partition, std::int64_t from, std::int64_t low);
    int stream_of(const rd_kafka_message_t* m) const;
    std::int64_t commit_position(int stream, std::int32_t partition, const Part& p) const;

    // Windowed joins (engine_window.cpp).
    void enqueue(rd_kafka_message_t* m);
    void drain();
    void handle_windowed(int stream, rd_kafka_message_t* m);
    void emit_joined(const HeldEvent& left, const HeldEvent* right);
    void drop_queues(int stream, const std::vector<std::int32_t>& partitions);
    void drop_all_queues();

    const PipelineSpec& spec_;
    const RunOptions& opts_;
    const sinks::SinkContext& ctx_;
    Processor proc_;
    TableStore store_;
    std::vector<std::unique_ptr<TableFeed>> feeds_;
    std::vector<TablePlan> table_plans_;
    std::vector<std::unique_ptr<sinks::Sink>> sinks_;
    std::unique_ptr<sinks::Sink> dead_;
    std::unique_ptr<kafka::Consumer> consumer_;
    int streams_ = 1;                                      // 2 with a windowed join
    std::string topics_[2];
    std::string names_[2];                                 // source names, for stats
    std::map<std::int32_t, std::int64_t> from_[2], stop_[2];  // resolved positions per partition
    std::map<std::int32_t, std::int64_t> low_[2];             // log start offsets at the start of the run
    std::set<std::int32_t> from_used_[2];                  // --from applies once per partition per run
    std::map<std::int32_t, Part> parts_[2];                // assigned partitions
    std::vector<std::int32_t> pending_tables_;             // assigned partitions whose table rows must load first
    bool assigned_once_ = false;
    bool abandoned_ = false;                               // destroyed without run() returning
    std::uint64_t since_flush_ = 0, read_[2] = {0, 0}, dead_logged_ = 0, extra_dead_ = 0;
    Clock::time_point last_flush_ = Clock::now(), started_ = Clock::now(), last_stats_ = Clock::now(),
                      last_progress_{}, last_rate_ = Clock::now();
    std::uint64_t rate_in_ = 0, rate_out_ = 0;
    std::optional<Clock::time_point> failing_since_;
    std::chrono::milliseconds backoff_{500};
    std::vector<expr::Header> headers_;
    bool headers_wanted_ = true;  // some expression reads `headers`
    bool look_ahead_ = false;     // the first step is a join: evaluate keys ahead (Processor::look_ahead)
    std::vector<expr::Header> ahead_headers_;
    std::unique_ptr<BatchWorker> worker_;  // the second half of large batches (plain pipelines, two or more CPUs)
    bool worker_busy_ = false;
    bool use_worker_ = false;
    std::vector<BatchOutcome> outcomes_;
    // The worker's share of a large batch, in thousandths, moved after every batch toward
    // the split where both threads finish together.
    static constexpr std::size_t kMinShare = 100, kMaxShare = 900, kShareStep = 10;
    std::size_t worker_share_ = 500;
    std::vector<BatchWorker::Position> positions_;  // share_with_worker(): the partitions at the batch's start
    void look_ahead(const rd_kafka_message_t* m, bool row);
    schema::Decoder decoder_;
    /// Replaces a Confluent-framed value by its JSON; false (after dead-lettering it) when
    /// it does not decode.
    bool decode_framed(expr::Event& ev);
    RunStats stats_;
    std::unique_ptr<kafka::Admin> admin_;                  // reads the group's commits for partitions held by others
    Clock::time_point last_group_check_{}, last_deleted_check_{};
    bool waiting_logged_ = false;

    std::unique_ptr<WindowJoin> window_;
    std::map<std::int32_t, Queue> queues_[2];
    std::size_t queued_ = 0;
    std::optional<Clock::time_point> blocked_since_;

    // Last: destroyed (joined) first, before the feeds, store and processor its load uses.
    std::exception_ptr load_error_;
    std::unique_ptr<util::JobThread> loader_;  // loads whole tables while the consumer starts
};

}  // namespace meshctl::pipeline::detail
