// The Elasticsearch / OpenSearch sink: records become bulk-API items.
//
// Design (see also man/meshctl-sinks.7.scd):
// - No background thread. The sink drives the HTTP transport (a curl multi handle) from
//   write() and flush(): write() appends to the current batch's NDJSON body, collects
//   finished requests without waiting, and sends the batch when it is full or has lingered;
//   it blocks only when `max_in_flight` requests are already out (backpressure). flush()
//   sends the rest and waits. The consumer loop that calls write() is the only caller, so
//   there are no locks, and while the loop is busy reading the next records the kernel and
//   the server are busy with the requests in flight.
// - Bodies are built from the record's own bytes: Record::value is JSON text and is appended
//   as it is (raw newlines, which can only be whitespace in JSON, become spaces so the
//   NDJSON framing holds). Bulk responses are read with simdjson On-Demand; when the
//   response says `"errors":false` the items are not even walked.
// - Per-item outcomes: 2xx acknowledged; 409 on create acknowledged (already written); 404
//   on delete acknowledged (already gone); 429, 5xx and update conflicts retried on their
//   own with exponential backoff and jitter; other 4xx rejected with the server's reason
//   (FlushResult::rejected) or fatal with on_error: fail. Whole requests that fail
//   (refused, timeout, 429, 5xx) are retried, to the next address, until flush's deadline.
#pragma once

#include "core/config/settings.hpp"
#include "core/expr/expr.hpp"
#include "core/http/client.hpp"
#include "core/sinks/sink.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::sinks::es {

/// The bulk action written per record.
enum class Action { index, create, update, delete_ };
/// What a tombstone (null value) becomes.
enum class Tombstones { skip, delete_, reject };
/// What a refused item does to the run.
enum class OnError { dead_letter, fail };

/// Exponential backoff with jitter: attempt n waits a random time in [b/2, b] where
/// b = min(max, initial * 2^n).
struct RetryPolicy {
    std::chrono::milliseconds initial{100};
    std::chrono::milliseconds max{10'000};
    /// The wait before retry number `attempt` (0-based), given a random number.
    std::chrono::milliseconds delay(int attempt, std::uint64_t random) const;
};

/// Settings of one sink, from pipeline YAML or from the URL form.
struct Options {
    std::vector<std::string> addresses;  // base URLs (`http://h:9200`), used round-robin
    std::string index;                   // template: `orders`, `orders-{yyyy.MM.dd}`, `o-{value.region}`
    std::optional<std::string> id;       // id expression; nullopt = Record::id (topic-partition-offset)
    Action action = Action::index;
    Tombstones tombstones = Tombstones::skip;
    OnError on_error = OnError::dead_letter;
    http::ClientOptions http;            // auth, TLS, timeouts
    bool gzip = false;
    std::size_t batch_docs = 2000;
    std::size_t batch_bytes = 5u << 20;
    std::size_t max_in_flight = 2;
    std::chrono::milliseconds linger{100};
    std::chrono::milliseconds retry_timeout{300'000};  // how long write() waits for room before failing
    std::optional<nlohmann::json> mapping;         // `mappings` body for a fixed index, PUT when missing
    std::optional<nlohmann::json> index_template;  // composable index template, PUT when missing
    std::string template_name;                     // default: meshctl-<index prefix>
    RetryPolicy retry;
};

/// Reads pipeline YAML options (as JSON). Secrets (`password`, `api_key`, `token`) may be
/// `${env:NAME}` / `${file:/path}` references and are registered for redaction. Throws
/// usage_error naming the option and the accepted ones.
Options parse_options(const nlohmann::json& options, const config::Getenv& env);

/// Reads the URL form `elasticsearch+http[s]://host:9200[,host2:9200]/INDEX[?option=value&...]`;
/// query options are those of parse_options; secrets there must be references (argv is
/// visible to other users). Throws usage_error.
Options parse_url(std::string_view url, const config::Getenv& env);

/// An index name template: literal text with `{date pattern}` (yyyy, yy, MM, dd, HH, mm, ss
/// over the event time, UTC) and `{expression}` placeholders.
class IndexTemplate {
public:
    /// Parses `text`; throws usage_error on unbalanced braces or bad expressions.
    static IndexTemplate compile(std::string_view text);
    /// True when there are no placeholders.
    bool fixed() const { return parts_.size() <= 1 && (parts_.empty() || parts_[0].kind == Part::literal); }
    /// The literal text before the first placeholder.
    std::string prefix() const;
    /// Appends the index for `event` to `out`; false (and `error` set) when an expression fails.
    bool render(const expr::Event& event, expr::Evaluator& evaluator, std::string& out, std::string& error) const;

private:
    struct Part {
        enum Kind { literal, date, expression } kind = literal;
        std::string text;
        std::optional<expr::Program> program;
    };
    std::vector<Part> parts_;
};

/// Appends `s` as a JSON string (quotes included).
void append_json_string(std::string_view s, std::string& out);

/// Appends one bulk item (action line, and source line unless deleting) to `out`. Returns
/// the offset of the value's first byte in `out` (npos when there is no source line).
std::size_t append_bulk_item(Action action, std::string_view index, std::string_view id,
                             std::optional<std::string_view> value, std::string& out);

/// How one bulk item ended.
enum class Verdict { ack, retry, reject };

/// The verdict for an item status under `action` (200 -> ack, 409 on create -> ack, 429 -> retry...).
Verdict classify(Action action, long status);

/// One item of a bulk response that did not succeed outright.
struct ItemError {
    std::size_t index = 0;  // position in the request
    long status = 0;
    std::string reason;     // `type: reason` from the server
};

/// A parsed bulk response: `errors` and, when it is true, every item whose status is not 2xx.
struct BulkResponse {
    bool errors = false;
    std::size_t items = 0;  // items seen (only counted when errors is true)
    std::vector<ItemError> failed;
};

/// Parses a bulk response body with simdjson On-Demand (may grow `body`'s capacity for
/// simdjson's padding); false when it is not a bulk response.
bool parse_bulk_response(std::string& body, BulkResponse& out);

/// Opens the sink over `transport` (tests pass a fake; nullptr = a libcurl client).
std::unique_ptr<Sink> make_sink(Options options, std::unique_ptr<http::Transport> transport = nullptr);

}  // namespace meshctl::sinks::es
