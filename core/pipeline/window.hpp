// The state of a windowed stream-stream join, free of Kafka: records of both streams held
// by join key while their window is open, matched as they arrive.
//
// Semantics (as in Kafka Streams and ksqlDB):
// - stream time is the largest timestamp seen on either side;
// - a record at t is "open" while t + window + grace >= stream time; a record that arrives
//   already closed is late: dropped and counted;
// - an arriving record joins every open record of the other side with the same key and
//   |t_left - t_right| <= window, in arrival order;
// - when a left record closes without having matched, a left join emits it once with no
//   partner (an inner join counts it as unmatched); then it is forgotten.
// Memory holds only open records (timestamps within window + grace of stream time).
//
// Restarting from committed offsets rebuilds the state by re-reading, so the offsets to
// commit are given by resume_offset(): the oldest left record still held, and on the right
// the oldest record a held left record may already have been joined with (timestamps
// within 2 x window + grace of stream time; only their offsets are kept once closed).
// Re-reading that far gives the held left records back their matches, so a left join
// does not emit a spurious "no partner" record after a restart.
#pragma once

#include "core/expr/expr.hpp"
#include "core/pipeline/spec.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace meshctl::pipeline {

/// An owned copy of a consumed record (the window keeps records after the consumer's
/// buffers are gone).
struct HeldEvent {
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::int64_t timestamp_ms = 0;
    std::optional<std::string> key, value;
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;

    /// Copies `event`.
    static HeldEvent from(const expr::Event& event);
    /// Views of this record as an Event; `headers` receives the header views and must
    /// outlive the result, as must this record.
    expr::Event view(std::vector<expr::Header>& headers) const;
    /// Bytes held (for memory figures).
    std::size_t bytes() const;
};

/// Which stream a record came from.
enum class Side { left, right };

/// Counters of the window.
struct WindowCounts {
    std::uint64_t pairs = 0;           // joined pairs emitted
    std::uint64_t left_unmatched = 0;  // left records emitted without a partner (left join)
    std::uint64_t unmatched = 0;       // left records that closed without a partner (inner join)
    std::uint64_t late = 0;            // records of either side dropped because their window had closed
};

/// The join buffer of both sides.
class WindowJoin {
public:
    /// Called for each result: a pair, or (left join) a left record with `right` null.
    using Emit = std::function<void(const HeldEvent& left, const HeldEvent* right)>;

    WindowJoin(std::int64_t window_ms, std::int64_t grace_ms, JoinType type);

    /// Takes one record with its join key (nullopt: a null key, which never matches; a
    /// left join emits such a left record at once). Advances stream time, closes what
    /// falls out of the window (emitting left-join records), then matches and holds the
    /// record. Returns false when the record was late and dropped.
    bool add(Side side, const std::optional<std::string>& key, HeldEvent event, const Emit& emit);
    /// The offset from which `partition` of `side` must be re-read to rebuild this state,
    /// or nullopt when nothing of it is needed (commit up to what was processed).
    std::optional<std::int64_t> resume_offset(Side side, std::int32_t partition) const;
    /// Forgets the records of partitions given away in a rebalance (their next owner
    /// rebuilds them from the committed offsets).
    void drop_partitions(Side side, const std::vector<std::int32_t>& partitions);
    /// Forgets everything, stream time included (before re-reading from committed offsets).
    void clear();
    /// Largest timestamp seen (min() before any record).
    std::int64_t stream_time() const { return stream_time_; }
    /// Records held, and their bytes.
    std::size_t size() const { return entries_.size(); }
    std::size_t bytes() const { return bytes_; }
    const WindowCounts& counts() const { return counts_; }
    std::int64_t window_ms() const { return window_ms_; }
    std::int64_t grace_ms() const { return grace_ms_; }

private:
    struct Entry {
        Side side = Side::left;
        std::string key;
        HeldEvent event;
        bool matched = false;
    };
    using Id = std::uint64_t;
    void close_until(const Emit& emit);
    void forget(Id id);
    void note_offset(Side side, std::int32_t partition, std::int64_t offset, std::int64_t timestamp_ms);

    std::int64_t window_ms_, grace_ms_;
    JoinType type_;
    std::int64_t stream_time_ = std::numeric_limits<std::int64_t>::min();
    Id next_id_ = 0;
    std::unordered_map<Id, Entry> entries_;
    std::unordered_map<std::string, std::vector<Id>> by_key_[2];
    std::multimap<std::int64_t, Id> by_time_;  // open records by timestamp, for closing them
    // Offsets that bound the commit position, per side and partition, and when they expire.
    std::map<std::pair<int, std::int32_t>, std::set<std::int64_t>> offsets_;
    std::multimap<std::int64_t, std::pair<std::pair<int, std::int32_t>, std::int64_t>> offset_expiry_;
    std::size_t bytes_ = 0;
    WindowCounts counts_;
};

}  // namespace meshctl::pipeline
