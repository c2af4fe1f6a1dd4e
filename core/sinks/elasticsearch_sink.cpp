// The Elasticsearch / OpenSearch sink. The design is explained in elasticsearch_sink.hpp:
// batches are NDJSON bodies built from the records' own bytes, sent through a curl multi
// handle driven from write() and flush(), with per-item verdicts from the bulk response.
#include "core/sinks/elasticsearch_sink.hpp"

#include "core/error.hpp"
#include "core/util/log.hpp"

#include <deque>
#include <map>
#include <random>
#include <thread>

namespace meshctl::sinks::es {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// One record inside a batch body: its origin (for dead-lettering) and where its bytes are.
struct Item {
    std::string id;
    std::string topic;
    std::optional<std::string> key;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::int64_t timestamp_ms = 0;
    Action action = Action::index;
    std::size_t begin = 0, end = 0;                          // the item's lines in the body
    std::size_t value_at = std::string::npos, value_len = 0;  // the payload inside them
};

struct Batch {
    std::shared_ptr<std::string> body;
    std::vector<Item> items;
    int attempt = 0;
    Clock::time_point not_before{};
    std::size_t address = 0;  // where the last attempt went, for messages
};

class ElasticsearchSink : public Sink {
public:
    ElasticsearchSink(Options options, std::unique_ptr<http::Transport> transport)
        : o_(std::move(options)), transport_(std::move(transport)), index_(IndexTemplate::compile(o_.index)),
          rng_(std::random_device{}()) {
        if (o_.id) id_program_ = expr::Program::compile(*o_.id);
        if (!transport_) transport_ = std::make_unique<http::Client>(o_.http);
        new_body();
    }

    std::string describe() const override { return "elasticsearch+" + o_.addresses.front() + "/" + o_.index; }

    void write(const Record& r) override {
        ensure_started();
        pump(milliseconds(0));
        Action action = o_.action;
        if (!r.value) {
            if (o_.tombstones == Tombstones::skip) {
                ++acked_;  // nothing to do for it; its offset may advance
                return;
            }
            if (o_.tombstones == Tombstones::reject) return reject_local(r, "tombstone (null value); set tombstones: delete or skip");
            action = Action::delete_;
        }
        std::string_view value = r.value ? std::string_view(*r.value) : std::string_view();
        if (action != Action::delete_ && value.find_first_not_of(" \t\r\n") == std::string_view::npos)
            return reject_local(r, "empty payload: nothing to index");

        expr::Event ev{r.value ? std::optional<std::string_view>(value) : std::nullopt,
                       r.key ? std::optional<std::string_view>(*r.key) : std::nullopt,
                       {}, r.topic, r.partition, r.offset, r.timestamp_ms};
        index_name_.clear();
        std::string error;
        if (!index_.render(ev, evaluator_, index_name_, error)) return reject_local(r, error);
        std::string id;
        if (id_program_) {
            if (!eval_id(ev, id, error)) return reject_local(r, error);
        } else {
            id = r.id.empty() ? default_record_id(r.topic, r.partition, r.offset) : r.id;
        }

        Item item{std::move(id), r.topic, r.key, r.partition, r.offset, r.timestamp_ms, action};
        item.begin = body_->size();
        item.value_at = append_bulk_item(action, index_name_, item.id,
                                         action == Action::delete_ ? std::nullopt : std::optional<std::string_view>(value), *body_);
        item.end = body_->size();
        item.value_len = item.value_at == std::string::npos ? 0 : value.size();
        if (items_.empty()) batch_started_ = Clock::now();
        items_.push_back(std::move(item));

        if (items_.size() >= o_.batch_docs || body_->size() >= o_.batch_bytes) {
            seal();
            wait_for_room();
        } else if (Clock::now() - batch_started_ >= o_.linger && transport_->in_flight() < o_.max_in_flight) {
            seal();
        }
        launch_due();
    }

    FlushResult flush(milliseconds deadline) override {
        ensure_started();
        auto until = Clock::now() + deadline;
        seal();
        while (!queue_.empty() || !inflight_.empty()) {
            auto now = Clock::now();
            if (now >= until) {
                std::size_t pending = 0;
                for (const auto& b : queue_) pending += b.items.size();
                for (const auto& [t, b] : inflight_) pending += b.items.size();
                throw remote_error("elasticsearch sink " + describe() + ": " + std::to_string(pending) +
                                       " documents not acknowledged within " + std::to_string(deadline.count() / 1000) +
                                       "s; last failure: " + (last_error_.empty() ? "none (still waiting)" : last_error_),
                                   "check the server; offsets were not committed past what was acknowledged, so a rerun "
                                   "resumes there (raise --timeout to wait longer)");
            }
            pump(std::min(std::chrono::duration_cast<milliseconds>(until - now), milliseconds(1000)));
        }
        FlushResult out;
        out.written = acked_;
        out.rejected = std::move(rejected_);
        acked_ = 0;
        rejected_.clear();
        return out;
    }

private:
    bool eval_id(const expr::Event& ev, std::string& id, std::string& error) {
        auto v = evaluator_.eval(*id_program_, ev);
        switch (v.kind()) {
            case expr::Kind::string: id = v.as_string(); break;
            case expr::Kind::int64: id = std::to_string(v.as_int()); break;
            case expr::Kind::uint64: id = std::to_string(v.as_uint()); break;
            case expr::Kind::double_:
                if (v.as_double() == static_cast<double>(static_cast<std::int64_t>(v.as_double()))) {
                    id = std::to_string(static_cast<std::int64_t>(v.as_double()));
                    break;
                }
                [[fallthrough]];
            default:
                error = "id expression \"" + *o_.id + "\": " +
                        (v.is_error() ? std::string(v.as_string()) : "gives a " + std::string(expr::kind_name(v.kind())) + ", not a string or integer");
                return false;
        }
        if (id.empty()) {
            error = "id expression \"" + *o_.id + "\" gives an empty id";
            return false;
        }
        return true;
    }

    void new_body() {
        body_ = std::make_shared<std::string>();
        body_->reserve(std::min<std::size_t>(o_.batch_bytes + (64u << 10), 64u << 20));
    }

    /// Closes the current batch and queues it for sending.
    void seal() {
        if (items_.empty()) return;
        queue_.push_back({std::move(body_), std::move(items_), 0, {}});
        items_.clear();
        new_body();
    }

    /// Backpressure: at most max_in_flight batches out and one more waiting.
    void wait_for_room() {
        auto until = Clock::now() + o_.retry_timeout;
        while (queue_.size() + inflight_.size() > o_.max_in_flight) {
            if (Clock::now() >= until)
                throw remote_error("elasticsearch sink " + describe() + ": no batch was acknowledged for " +
                                       std::to_string(o_.retry_timeout.count() / 1000) + "s; last failure: " + last_error_,
                                   "check the server (or raise the sink's retry_timeout option); offsets were not "
                                   "committed past what was acknowledged, so a rerun resumes there");
            pump(milliseconds(200));
        }
    }

    void launch_due() {
        auto now = Clock::now();
        for (auto it = queue_.begin(); it != queue_.end() && transport_->in_flight() < o_.max_in_flight;) {
            if (it->not_before > now) {
                ++it;
                continue;
            }
            http::Request req;
            req.method = "POST";
            it->address = next_address_++ % o_.addresses.size();
            req.url = o_.addresses[it->address] + "/_bulk";
            req.content_type = "application/x-ndjson";
            req.shared_body = it->body;
            req.gzip = o_.gzip;
            auto ticket = transport_->submit(std::move(req));
            inflight_.emplace(ticket, std::move(*it));
            it = queue_.erase(it);
        }
    }

    /// Collects finished requests (waiting at most `wait`) and starts what is due.
    void pump(milliseconds wait) {
        launch_due();
        if (transport_->in_flight() == 0) {
            if (wait.count() > 0 && !queue_.empty()) {
                auto next = queue_.front().not_before;
                for (const auto& b : queue_) next = std::min(next, b.not_before);
                auto sleep = std::min(std::chrono::duration_cast<milliseconds>(next - Clock::now()), wait);
                if (sleep.count() > 0) std::this_thread::sleep_for(sleep);
            }
        } else {
            for (auto& c : transport_->poll(wait)) handle(c);
        }
        launch_due();
    }

    void retry_later(Batch b, const std::string& cause) {
        last_error_ = cause;
        auto d = o_.retry.delay(b.attempt, rng_());
        (b.attempt == 0 ? log::warn : log::debug)("elasticsearch sink: " + cause + "; retrying " + std::to_string(b.items.size()) +
                                                   " documents in " + std::to_string(d.count()) + "ms");
        ++b.attempt;
        b.not_before = Clock::now() + d;
        queue_.push_back(std::move(b));
    }

    void handle(http::Completion& c) {
        auto node = inflight_.extract(c.ticket);
        if (node.empty()) return;
        Batch b = std::move(node.mapped());
        http::Response& r = c.response;
        std::string where = "bulk request to " + o_.addresses[b.address];
        if (!r.error.empty()) return retry_later(std::move(b), where + " failed: " + r.error);
        if (r.status == 429 || r.status >= 500)
            return retry_later(std::move(b), where + " answered HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200));
        if (r.status == 413 && b.items.size() > 1) return split(std::move(b));
        if (r.status < 200 || r.status >= 300) {
            if (r.status == 413) return reject(b, b.items[0], "document too large for the server (HTTP 413)");
            http::Request req;
            req.method = "POST";
            req.url = o_.addresses[b.address] + "/_bulk";
            throw http::request_error("elasticsearch sink: bulk request", req, r);
        }
        BulkResponse br;
        if (!parse_bulk_response(r.body, br) || (br.errors && br.items != b.items.size()))
            return retry_later(std::move(b), where + " gave an unreadable bulk response: " + r.body.substr(0, 200));
        if (!br.errors) {
            acked_ += b.items.size();
            return;
        }
        Batch again;
        again.body = std::make_shared<std::string>();
        again.attempt = b.attempt;
        std::size_t settled = b.items.size();
        std::string cause;
        for (const auto& f : br.failed) {
            Item& item = b.items[f.index];
            Verdict v = classify(item.action, f.status);
            if (v == Verdict::ack) continue;
            --settled;
            std::string reason = f.reason + " (HTTP " + std::to_string(f.status) + ")";
            if (v == Verdict::reject) {
                reject(b, item, reason);
                continue;
            }
            cause = reason;
            std::size_t at = again.body->size();
            again.body->append(*b.body, item.begin, item.end - item.begin);
            if (item.value_at != std::string::npos) item.value_at = item.value_at - item.begin + at;
            item.end = at + (item.end - item.begin);
            item.begin = at;
            again.items.push_back(std::move(item));
        }
        acked_ += settled;
        if (!again.items.empty())
            retry_later(std::move(again), std::to_string(again.items.size()) + " of " + std::to_string(b.items.size()) +
                                              " bulk items must be retried: " + cause);
    }

    void split(Batch b) {
        std::size_t half = b.items.size() / 2;
        for (int part = 0; part < 2; ++part) {
            Batch nb;
            nb.body = std::make_shared<std::string>();
            std::size_t from = part == 0 ? 0 : half, to = part == 0 ? half : b.items.size();
            for (std::size_t i = from; i < to; ++i) {
                Item item = std::move(b.items[i]);
                std::size_t at = nb.body->size();
                nb.body->append(*b.body, item.begin, item.end - item.begin);
                if (item.value_at != std::string::npos) item.value_at = item.value_at - item.begin + at;
                item.end = at + (item.end - item.begin);
                item.begin = at;
                nb.items.push_back(std::move(item));
            }
            queue_.push_front(std::move(nb));
        }
        log::warn("elasticsearch sink: the server refused a bulk request as too large (HTTP 413); sending it in halves "
                  "(lower batch_bytes to avoid this)");
    }

    void reject(const Batch& b, const Item& item, const std::string& reason) {
        Record rec;
        rec.id = item.id;
        rec.key = item.key;
        rec.topic = item.topic;
        rec.partition = item.partition;
        rec.offset = item.offset;
        rec.timestamp_ms = item.timestamp_ms;
        if (item.value_at != std::string::npos) {
            rec.value = b.body->substr(item.value_at, item.value_len);
        }
        reject_record(std::move(rec), reason);
    }

    void reject_local(const Record& r, const std::string& reason) {
        Record rec = r;
        if (rec.id.empty()) rec.id = default_record_id(r.topic, r.partition, r.offset);
        reject_record(std::move(rec), reason);
    }

    void reject_record(Record rec, const std::string& reason) {
        if (o_.on_error == OnError::fail)
            throw remote_error("elasticsearch sink " + describe() + " refused document " + rec.id + " (" + rec.topic + "[" +
                                   std::to_string(rec.partition) + "] offset " + std::to_string(rec.offset) + "): " + reason,
                               "fix the data or the mapping, or set on_error: dead_letter to route such records aside");
        rejected_.push_back({std::move(rec), reason});
    }

    /// Creates the index (with `mapping`) or the index template when missing; once, lazily,
    /// so that opening a sink (e.g. to validate a pipeline) touches no network.
    void ensure_started() {
        if (started_) return;
        started_ = true;
        if (o_.mapping) {
            std::string url = o_.addresses.front() + "/" + o_.index;
            nlohmann::json body = {{"mappings", *o_.mapping}};
            put_if_missing(url, body.dump(), "creating index " + o_.index);
        }
        if (o_.index_template) {
            nlohmann::json body = *o_.index_template;
            std::string prefix = index_.prefix();
            if (!body.contains("index_patterns")) body["index_patterns"] = {prefix + "*"};
            std::string name = o_.template_name;
            if (name.empty()) {
                name = "meshctl-";
                for (char c : prefix)
                    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') name += c;
                if (name.back() == '-') name.pop_back();
            }
            put_if_missing(o_.addresses.front() + "/_index_template/" + name, body.dump(), "creating index template " + name);
        }
    }

    void put_if_missing(const std::string& url, const std::string& body, const std::string& what) {
        http::Request head;
        head.method = "HEAD";
        head.url = url;
        auto r = call(head);
        if (r.ok()) return;
        if (!r.error.empty() || r.status != 404) throw http::request_error("elasticsearch sink: " + what, head, r);
        http::Request put;
        put.method = "PUT";
        put.url = url;
        put.content_type = "application/json";
        put.body = body;
        r = call(put);
        // Another writer may have created it between HEAD and PUT.
        if (!r.ok() && r.body.find("resource_already_exists_exception") == std::string::npos)
            throw http::request_error("elasticsearch sink: " + what, put, r);
        log::info("elasticsearch sink: " + what + " (it did not exist)");
    }

    http::Response call(http::Request req) {
        auto ticket = transport_->submit(std::move(req));
        for (;;)
            for (auto& c : transport_->poll(milliseconds(1000))) {
                if (c.ticket == ticket) return std::move(c.response);
                handle(c);
            }
    }

    Options o_;
    std::unique_ptr<http::Transport> transport_;
    IndexTemplate index_;
    std::optional<expr::Program> id_program_;
    expr::Evaluator evaluator_;
    std::mt19937_64 rng_;
    std::string index_name_;

    std::shared_ptr<std::string> body_;  // the batch being filled
    std::vector<Item> items_;
    Clock::time_point batch_started_{};
    std::deque<Batch> queue_;              // sealed, waiting to be sent or retried
    std::map<std::uint64_t, Batch> inflight_;
    std::size_t next_address_ = 0;

    std::uint64_t acked_ = 0;
    std::vector<Rejected> rejected_;
    std::string last_error_;
    bool started_ = false;
};

}  // namespace

std::unique_ptr<Sink> make_sink(Options options, std::unique_ptr<http::Transport> transport) {
    return std::make_unique<ElasticsearchSink>(std::move(options), std::move(transport));
}

}  // namespace meshctl::sinks::es
