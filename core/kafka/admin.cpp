#include "core/kafka/admin.hpp"

#include "core/error.hpp"
#include "core/util/log.hpp"
#include "core/util/text.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <future>
#include <memory>
#include <thread>

namespace meshctl::kafka {

const TopicInfo* ClusterMetadata::find(const std::string& name) const {
    for (const auto& t : topics)
        if (t.name == name) return &t;
    return nullptr;
}

std::vector<std::string> ClusterMetadata::topic_names() const {
    std::vector<std::string> out;
    for (const auto& t : topics) out.push_back(t.name);
    return out;
}

namespace {

struct QueueDeleter {
    void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
    void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct OptionsDeleter {
    void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
struct ListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using Queue = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using Event = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using Options = std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter>;
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

Options make_options(Client& c, rd_kafka_admin_op_t op) {
    Options o(rd_kafka_AdminOptions_new(c.get(), op));
    char err[256];
    rd_kafka_AdminOptions_set_request_timeout(o.get(), c.timeout_ms(), err, sizeof err);
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
        op == RD_KAFKA_ADMIN_OP_DELETERECORDS)
        rd_kafka_AdminOptions_set_operation_timeout(o.get(), c.timeout_ms(), err, sizeof err);
    return o;
}

// Errors a partition or group reports while leadership or a coordinator moves (a broker
// restarting): worth asking again until the timeout, as Kafka's own admin client does.
bool transient(rd_kafka_resp_err_t err) {
    switch (err) {
        case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
        case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
        case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
        case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
        case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
        case RD_KAFKA_RESP_ERR__TRANSPORT:
            return true;
        default:
            return false;
    }
}

// Sleeps before attempt `attempt` (100 ms doubling to 1 s); false once `deadline` would pass.
bool back_off(int attempt, std::chrono::steady_clock::time_point deadline) {
    auto pause = std::chrono::milliseconds(std::min(1000, 100 << std::min(attempt, 4)));
    if (std::chrono::steady_clock::now() + pause >= deadline) return false;
    std::this_thread::sleep_for(pause);
    return true;
}

// Waits for the admin result; a little longer than the request timeout so the
// request's own timeout (with its better error) fires first.
Event wait_result(Client& c, rd_kafka_queue_t* q, const std::string& action, const std::string& subject) {
    Event ev(rd_kafka_queue_poll(q, c.timeout_ms() + 2000));
    if (!ev) c.fail(RD_KAFKA_RESP_ERR__TIMED_OUT, action, subject);
    if (rd_kafka_event_error(ev.get())) c.fail(rd_kafka_event_error(ev.get()), action, subject);
    return ev;
}

// One AlterConsumerGroupOffsets request; sets *transient_failure when asking again may succeed.
std::map<TopicPartition, std::string> alter_offsets_once(Client& client, const std::string& group_id,
                                                         const std::map<TopicPartition, std::int64_t>& offsets,
                                                         bool* transient_failure) {
    std::map<TopicPartition, std::string> failures;
    PartitionList l(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
    for (const auto& [tp, off] : offsets) rd_kafka_topic_partition_list_add(l.get(), tp.topic.c_str(), tp.partition)->offset = off;
    Queue q(rd_kafka_queue_new(client.get()));
    auto opts = make_options(client, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS);
    rd_kafka_AlterConsumerGroupOffsets_t* req = rd_kafka_AlterConsumerGroupOffsets_new(group_id.c_str(), l.get());
    rd_kafka_AlterConsumerGroupOffsets(client.get(), &req, 1, opts.get(), q.get());
    rd_kafka_AlterConsumerGroupOffsets_destroy(req);
    Event ev(rd_kafka_queue_poll(q.get(), client.timeout_ms() + 2000));
    auto fail_all = [&](const std::string& why) {
        for (const auto& [tp, off] : offsets) failures[tp] = why;
        return failures;
    };
    if (!ev) return fail_all("timed out waiting for the broker");
    if (auto e = rd_kafka_event_error(ev.get())) {
        *transient_failure = transient(e);
        return fail_all(rd_kafka_err2str(e));
    }
    const auto* result = rd_kafka_event_AlterConsumerGroupOffsets_result(ev.get());
    size_t cnt = 0;
    const rd_kafka_group_result_t** groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(result, &cnt);
    for (size_t i = 0; i < cnt; ++i) {
        if (const rd_kafka_error_t* e = rd_kafka_group_result_error(groups[i])) {
            *transient_failure = transient(rd_kafka_error_code(e));
            return fail_all(rd_kafka_error_string(e));
        }
        const auto* parts = rd_kafka_group_result_partitions(groups[i]);
        for (int k = 0; parts && k < parts->cnt; ++k)
            if (parts->elems[k].err) {
                *transient_failure = *transient_failure || transient(parts->elems[k].err);
                failures[{parts->elems[k].topic, parts->elems[k].partition}] = rd_kafka_err2str(parts->elems[k].err);
            }
    }
    return failures;
}

}  // namespace

Admin::Admin(const ClientSettings& settings) : client_(settings, RD_KAFKA_PRODUCER) {}

ClusterMetadata Admin::metadata(const std::optional<std::string>& topic) {
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_topic_t* rkt = nullptr;
    if (topic) rkt = rd_kafka_topic_new(client_.get(), topic->c_str(), nullptr);
    rd_kafka_resp_err_t err = rd_kafka_metadata(client_.get(), topic ? 0 : 1, rkt, &md, client_.timeout_ms());
    if (rkt) rd_kafka_topic_destroy(rkt);
    if (err) client_.fail(err, topic ? "read metadata of" : "list topics", topic ? "topic \"" + *topic + "\"" : "");
    std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> guard(md, rd_kafka_metadata_destroy);

    ClusterMetadata out;
    for (int i = 0; i < md->broker_cnt; ++i)
        out.brokers.push_back({md->brokers[i].id, md->brokers[i].host, md->brokers[i].port});
    for (int i = 0; i < md->topic_cnt; ++i) {
        const auto& t = md->topics[i];
        TopicInfo ti{.name = t.topic};
        if (t.err) ti.error = rd_kafka_err2str(t.err);
        for (int p = 0; p < t.partition_cnt; ++p) {
            const auto& pm = t.partitions[p];
            PartitionInfo pi{.id = pm.id, .leader = pm.leader};
            pi.replicas.assign(pm.replicas, pm.replicas + pm.replica_cnt);
            pi.isrs.assign(pm.isrs, pm.isrs + pm.isr_cnt);
            if (pm.err) pi.error = rd_kafka_err2str(pm.err);
            ti.partitions.push_back(std::move(pi));
        }
        std::sort(ti.partitions.begin(), ti.partitions.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
        out.topics.push_back(std::move(ti));
    }
    std::sort(out.topics.begin(), out.topics.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    if (char* id = rd_kafka_clusterid(client_.get(), 0)) {
        out.cluster_id = id;
        rd_kafka_mem_free(client_.get(), id);
    }
    out.controller_id = rd_kafka_controllerid(client_.get(), 0);
    return out;
}

TopicInfo Admin::topic(const std::string& name) {
    // Ask for every topic rather than this one: a request naming a missing topic makes
    // brokers with auto.create.topics.enable (and the embedded broker) create it, and a
    // typo must never create a topic.
    auto md = metadata();
    const TopicInfo* t = md.find(name);
    if (!t || !t->error.empty() || t->partitions.empty()) {
        std::string ctx = client_.settings().context_name.empty() ? client_.settings().bootstrap
                                                                   : "context \"" + client_.settings().context_name + "\"";
        throw not_found_error("topic \"" + name + "\" not found in " + ctx + util::did_you_mean(name, md.topic_names()),
                              "list topics with: meshctl discover");
    }
    return *t;
}

std::map<std::string, ConfigEntry> Admin::topic_config(const std::string& topic) {
    Queue q(rd_kafka_queue_new(client_.get()));
    rd_kafka_ConfigResource_t* res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
    auto opts = make_options(client_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_DescribeConfigs(client_.get(), &res, 1, opts.get(), q.get());
    rd_kafka_ConfigResource_destroy(res);
    Event ev = wait_result(client_, q.get(), "describe configs of", "topic \"" + topic + "\"");
    const auto* result = rd_kafka_event_DescribeConfigs_result(ev.get());
    size_t cnt = 0;
    const rd_kafka_ConfigResource_t** rs = rd_kafka_DescribeConfigs_result_resources(result, &cnt);
    std::map<std::string, ConfigEntry> out;
    for (size_t i = 0; i < cnt; ++i) {
        if (auto e = rd_kafka_ConfigResource_error(rs[i])) client_.fail(e, "describe configs of", "topic \"" + topic + "\"");
        size_t n = 0;
        const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(rs[i], &n);
        for (size_t k = 0; k < n; ++k) {
            const char* v = rd_kafka_ConfigEntry_value(entries[k]);
            ConfigEntry ce{.value = v ? v : "",
                           .is_default = rd_kafka_ConfigEntry_is_default(entries[k]) != 0,
                           .is_sensitive = rd_kafka_ConfigEntry_is_sensitive(entries[k]) != 0,
                           .source = rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(entries[k]))};
            out.emplace(rd_kafka_ConfigEntry_name(entries[k]), std::move(ce));
        }
    }
    return out;
}

std::map<std::string, std::map<std::string, ConfigEntry>> Admin::topic_configs(const std::vector<std::string>& topics) {
    std::map<std::string, std::map<std::string, ConfigEntry>> out;
    if (topics.empty()) return out;
    Queue q(rd_kafka_queue_new(client_.get()));
    std::vector<rd_kafka_ConfigResource_t*> resources;
    for (const auto& t : topics) resources.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.c_str()));
    auto opts = make_options(client_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_DescribeConfigs(client_.get(), resources.data(), resources.size(), opts.get(), q.get());
    rd_kafka_ConfigResource_destroy_array(resources.data(), resources.size());
    Event ev = wait_result(client_, q.get(), "describe configs of", std::to_string(topics.size()) + " topics");
    const auto* result = rd_kafka_event_DescribeConfigs_result(ev.get());
    size_t cnt = 0;
    const rd_kafka_ConfigResource_t** rs = rd_kafka_DescribeConfigs_result_resources(result, &cnt);
    for (size_t i = 0; i < cnt; ++i) {
        if (rd_kafka_ConfigResource_error(rs[i])) continue;
        auto& entries_out = out[rd_kafka_ConfigResource_name(rs[i])];
        size_t n = 0;
        const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(rs[i], &n);
        for (size_t k = 0; k < n; ++k) {
            const char* v = rd_kafka_ConfigEntry_value(entries[k]);
            ConfigEntry ce{.value = v ? v : "",
                           .is_default = rd_kafka_ConfigEntry_is_default(entries[k]) != 0,
                           .is_sensitive = rd_kafka_ConfigEntry_is_sensitive(entries[k]) != 0,
                           .source = rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(entries[k]))};
            entries_out.emplace(rd_kafka_ConfigEntry_name(entries[k]), std::move(ce));
        }
    }
    return out;
}

std::map<std::string, std::map<TopicPartition, std::int64_t>> Admin::group_offsets(const std::vector<std::string>& group_ids) {
    std::map<std::string, std::map<TopicPartition, std::int64_t>> out;
    if (group_ids.empty()) return out;
    // librdkafka takes one group per ListConsumerGroupOffsets call; issue them all on one
    // queue and collect the answers, so N groups cost one round trip, not N.
    Queue q(rd_kafka_queue_new(client_.get()));
    auto opts = make_options(client_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
    for (const auto& g : group_ids) {
        rd_kafka_ListConsumerGroupOffsets_t* req = rd_kafka_ListConsumerGroupOffsets_new(g.c_str(), nullptr);
        rd_kafka_ListConsumerGroupOffsets(client_.get(), &req, 1, opts.get(), q.get());
        rd_kafka_ListConsumerGroupOffsets_destroy(req);
    }
    for (size_t answered = 0; answered < group_ids.size(); ++answered) {
        Event ev(rd_kafka_queue_poll(q.get(), client_.timeout_ms() + 2000));
        if (!ev) break;
        if (rd_kafka_event_error(ev.get())) continue;
        const auto* result = rd_kafka_event_ListConsumerGroupOffsets_result(ev.get());
        size_t cnt = 0;
        const rd_kafka_group_result_t** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &cnt);
        for (size_t i = 0; i < cnt; ++i) {
            if (rd_kafka_group_result_error(groups[i])) continue;
            auto& offsets = out[rd_kafka_group_result_name(groups[i])];
            const auto* parts = rd_kafka_group_result_partitions(groups[i]);
            for (int k = 0; parts && k < parts->cnt; ++k)
                offsets[{parts->elems[k].topic, parts->elems[k].partition}] = parts->elems[k].offset;
        }
    }
    return out;
}

namespace {

// librdkafka matches each answered partition to the request with a linear search
// (rd_kafka_topic_partition_list_find), so one lookup of n partitions costs n^2 string
// compares: 6,000 partitions took most of a second of CPU. Chunks of this size keep that
// small; they are sent concurrently so the latency stays about one round trip.
constexpr std::size_t kLookupChunk = 1024;
constexpr std::size_t kLookupsInFlight = 8;

}  // namespace

std::map<TopicPartition, std::int64_t> Admin::offsets_for_times(
    const std::vector<std::pair<TopicPartition, std::int64_t>>& query) {
    std::map<TopicPartition, std::int64_t> out;
    if (query.empty()) return out;
    auto lookup = [this](const std::pair<TopicPartition, std::int64_t>* first, std::size_t n) {
        PartitionList l;
        auto deadline = std::chrono::steady_clock::now() + client_.settings().timeout;
        for (int attempt = 0;; ++attempt) {
            l.reset(rd_kafka_topic_partition_list_new(static_cast<int>(n)));
            for (std::size_t i = 0; i < n; ++i)
                rd_kafka_topic_partition_list_add(l.get(), first[i].first.topic.c_str(), first[i].first.partition)->offset = first[i].second;
            rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(client_.get(), l.get(), client_.timeout_ms());
            // librdkafka does not retry a partition whose leader just moved; ask again.
            bool again = transient(err);
            for (int i = 0; i < l->cnt && !err; ++i) again = again || transient(l->elems[i].err);
            if (!again || !back_off(attempt, deadline)) {
                if (err) client_.fail(err, "look up offsets", "of topic \"" + first->first.topic + "\"");
                break;
            }
        }
        std::vector<std::pair<TopicPartition, std::int64_t>> got;
        got.reserve(n);
        for (int i = 0; i < l->cnt; ++i) {
            const auto& e = l->elems[i];
            if (e.err) client_.fail(e.err, "look up offsets", "of " + std::string(e.topic) + "[" + std::to_string(e.partition) + "]");
            got.push_back({{e.topic, e.partition}, e.offset});
        }
        return got;
    };
    if (query.size() <= kLookupChunk) {
        for (auto& [tp, off] : lookup(query.data(), query.size())) out[std::move(tp)] = off;
        return out;
    }
    // Waves of concurrent chunks; every future is drained before an error is rethrown.
    for (std::size_t wave = 0; wave < query.size(); wave += kLookupChunk * kLookupsInFlight) {
        std::vector<std::future<std::vector<std::pair<TopicPartition, std::int64_t>>>> inflight;
        for (std::size_t at = wave; at < query.size() && at < wave + kLookupChunk * kLookupsInFlight; at += kLookupChunk)
            inflight.push_back(std::async(std::launch::async, lookup, query.data() + at, std::min(kLookupChunk, query.size() - at)));
        std::exception_ptr failure;
        for (auto& f : inflight) {
            try {
                for (auto& [tp, off] : f.get()) out[std::move(tp)] = off;
            } catch (...) {
                if (!failure) failure = std::current_exception();
            }
        }
        if (failure) std::rethrow_exception(failure);
    }
    return out;
}

std::map<TopicPartition, Watermarks> Admin::watermarks(const std::vector<TopicPartition>& partitions) {
    std::vector<std::pair<TopicPartition, std::int64_t>> lo, hi;
    for (const auto& p : partitions) {
        lo.emplace_back(p, RD_KAFKA_OFFSET_BEGINNING);
        hi.emplace_back(p, RD_KAFKA_OFFSET_END);
    }
    auto low = std::async(std::launch::async, [&] { return offsets_for_times(lo); });
    auto high = offsets_for_times(hi);
    auto lows = low.get();
    std::map<TopicPartition, Watermarks> out;
    for (const auto& p : partitions) out[p] = {lows[p], high[p]};
    return out;
}

std::vector<GroupListing> Admin::list_groups() {
    Queue q(rd_kafka_queue_new(client_.get()));
    auto opts = make_options(client_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
    rd_kafka_ListConsumerGroups(client_.get(), opts.get(), q.get());
    Event ev = wait_result(client_, q.get(), "list consumer groups", "");
    const auto* result = rd_kafka_event_ListConsumerGroups_result(ev.get());
    size_t cnt = 0;
    const rd_kafka_ConsumerGroupListing_t** groups = rd_kafka_ListConsumerGroups_result_valid(result, &cnt);
    std::vector<GroupListing> out;
    for (size_t i = 0; i < cnt; ++i)
        out.push_back({rd_kafka_ConsumerGroupListing_group_id(groups[i]),
                       rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(groups[i])),
                       rd_kafka_ConsumerGroupListing_is_simple_consumer_group(groups[i]) != 0});
    size_t ecnt = 0;
    const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(result, &ecnt);
    if (cnt == 0 && ecnt > 0) client_.fail(rd_kafka_error_code(errors[0]), "list consumer groups");
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.group_id < b.group_id; });
    return out;
}

std::vector<GroupDescription> Admin::describe_groups(const std::vector<std::string>& group_ids) {
    std::vector<GroupDescription> out;
    if (group_ids.empty()) return out;
    Queue q(rd_kafka_queue_new(client_.get()));
    auto opts = make_options(client_, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
    std::vector<const char*> ids;
    for (const auto& g : group_ids) ids.push_back(g.c_str());
    rd_kafka_DescribeConsumerGroups(client_.get(), ids.data(), ids.size(), opts.get(), q.get());
    Event ev = wait_result(client_, q.get(), "describe consumer group", "\"" + group_ids.front() + "\"");
    const auto* result = rd_kafka_event_DescribeConsumerGroups_result(ev.get());
    size_t cnt = 0;
    const rd_kafka_ConsumerGroupDescription_t** groups = rd_kafka_DescribeConsumerGroups_result_groups(result, &cnt);
    for (size_t i = 0; i < cnt; ++i) {
        const auto* g = groups[i];
        GroupDescription d;
        d.group_id = rd_kafka_ConsumerGroupDescription_group_id(g);
        d.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(g));
        if (const char* a = rd_kafka_ConsumerGroupDescription_partition_assignor(g)) d.partition_assignor = a;
        if (const rd_kafka_error_t* e = rd_kafka_ConsumerGroupDescription_error(g)) d.error = rd_kafka_error_string(e);
        size_t mcnt = rd_kafka_ConsumerGroupDescription_member_count(g);
        for (size_t m = 0; m < mcnt; ++m) {
            const auto* md = rd_kafka_ConsumerGroupDescription_member(g, m);
            GroupMember gm{rd_kafka_MemberDescription_consumer_id(md), rd_kafka_MemberDescription_client_id(md),
                           rd_kafka_MemberDescription_host(md), {}};
            if (const auto* ma = rd_kafka_MemberDescription_assignment(md)) {
                const auto* parts = rd_kafka_MemberAssignment_partitions(ma);
                for (int k = 0; parts && k < parts->cnt; ++k)
                    gm.assignment.push_back({parts->elems[k].topic, parts->elems[k].partition});
            }
            d.members.push_back(std::move(gm));
        }
        out.push_back(std::move(d));
    }
    return out;
}

namespace {
// One ListConsumerGroupOffsets request; a group-level error is returned in *group_error
// (offsets empty) rather than thrown, so the caller can decide to ask again.
std::map<TopicPartition, std::int64_t> committed_offsets_once(Client& client, const std::string& group_id,
                                                              rd_kafka_resp_err_t* group_error) {
    Queue q(rd_kafka_queue_new(client.get()));
    auto opts = make_options(client, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
    rd_kafka_ListConsumerGroupOffsets_t* req = rd_kafka_ListConsumerGroupOffsets_new(group_id.c_str(), nullptr);
    rd_kafka_ListConsumerGroupOffsets(client.get(), &req, 1, opts.get(), q.get());
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    Event ev(rd_kafka_queue_poll(q.get(), client.timeout_ms() + 2000));
    if (!ev) client.fail(RD_KAFKA_RESP_ERR__TIMED_OUT, "read committed offsets of group", "\"" + group_id + "\"");
    if ((*group_error = rd_kafka_event_error(ev.get()))) return {};
    const auto* result = rd_kafka_event_ListConsumerGroupOffsets_result(ev.get());
    size_t cnt = 0;
    const rd_kafka_group_result_t** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &cnt);
    std::map<TopicPartition, std::int64_t> out;
    for (size_t i = 0; i < cnt; ++i) {
        if (const rd_kafka_error_t* e = rd_kafka_group_result_error(groups[i])) {
            *group_error = rd_kafka_error_code(e);
            return {};
        }
        const auto* parts = rd_kafka_group_result_partitions(groups[i]);
        for (int k = 0; parts && k < parts->cnt; ++k)
            out[{parts->elems[k].topic, parts->elems[k].partition}] = parts->elems[k].offset;
    }
    return out;
}
}  // namespace

std::map<TopicPartition, std::int64_t> Admin::committed_offsets(const std::string& group_id) {
    // A coordinator that is still loading (right after a broker restart) answers with an
    // error librdkafka 2.0 does not retry; ask again until the timeout.
    auto deadline = std::chrono::steady_clock::now() + client_.settings().timeout;
    for (int attempt = 0;; ++attempt) {
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        auto out = committed_offsets_once(client_, group_id, &err);
        if (!err) return out;
        if (!transient(err) || !back_off(attempt, deadline))
            client_.fail(err, "read committed offsets of group", "\"" + group_id + "\"");
    }
}

std::map<TopicPartition, std::string> Admin::alter_offsets(const std::string& group_id,
                                                           const std::map<TopicPartition, std::int64_t>& offsets) {
    std::map<TopicPartition, std::string> failures;
    if (offsets.empty()) return failures;
    // A coordinator that is loading or moving (a broker restarting) answers with an error
    // librdkafka 2.0 does not retry; ask again until the timeout.
    auto deadline = std::chrono::steady_clock::now() + client_.settings().timeout;
    for (int attempt = 0;; ++attempt) {
        bool again = false;
        failures = alter_offsets_once(client_, group_id, offsets, &again);
        if (!again || !back_off(attempt, deadline)) return failures;
    }
}

std::map<TopicPartition, std::string> Admin::delete_offsets(const std::string& group_id,
                                                            const std::vector<TopicPartition>& partitions) {
    std::map<TopicPartition, std::string> failures;
    if (partitions.empty()) return failures;
    PartitionList l(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (const auto& tp : partitions) rd_kafka_topic_partition_list_add(l.get(), tp.topic.c_str(), tp.partition);
    Queue q(rd_kafka_queue_new(client_.get()));
    auto opts = make_options(client_, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS);
    rd_kafka_DeleteConsumerGroupOffsets_t* req = rd_kafka_DeleteConsumerGroupOffsets_new(group_id.c_str(), l.get());
    rd_kafka_DeleteConsumerGroupOffsets(client_.get(), &req, 1, opts.get(), q.get());
    rd_kafka_DeleteConsumerGroupOffsets_destroy(req);
    Event ev(rd_kafka_queue_poll(q.get(), client_.timeout_ms() + 2000));
    auto fail_all = [&](const std::string& why) {
        for (const auto& tp : partitions) failures[tp] = why;
        return failures;
    };
    if (!ev) return fail_all("timed out waiting for the broker");
    if (auto e = rd_kafka_event_error(ev.get())) return fail_all(rd_kafka_err2str(e));
    const auto* result = rd_kafka_event_DeleteConsumerGroupOffsets_result(ev.get());
    size_t cnt = 0;
    const rd_kafka_group_result_t** groups = rd_kafka_DeleteConsumerGroupOffsets_result_groups(result, &cnt);
    for (size_t i = 0; i < cnt; ++i) {
        if (const rd_kafka_error_t* e = rd_kafka_group_result_error(groups[i])) return fail_all(rd_kafka_error_string(e));
        const auto* parts = rd_kafka_group_result_partitions(groups[i]);
        for (int k = 0; parts && k < parts->cnt; ++k)
            if (parts->elems[k].err)
                failures[{parts->elems[k].topic, parts->elems[k].partition}] = rd_kafka_err2str(parts->elems[k].err);
    }
    return failures;
}

void Admin::create_topic(const std::string& name, int partitions, int replication_factor,
                         const std::vector<std::pair<std::string, std::string>>& configs, bool if_missing) {
    char err[512];
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(name.c_str(), partitions, replication_factor, err, sizeof err);
    if (!nt) throw usage_error("cannot create topic \"" + name + "\": " + err);
    for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
    Queue q(rd_kafka_queue_new(client_.get()));
    auto opts = make_options(client_, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_CreateTopics(client_.get(), &nt, 1, opts.get(), q.get());
    rd_kafka_NewTopic_destroy(nt);
    Event ev = wait_result(client_, q.get(), "create", "topic \"" + name + "\"");
    size_t cnt = 0;
    const rd_kafka_topic_result_t** res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &cnt);
    for (size_t i = 0; i < cnt; ++i) {
        auto e = rd_kafka_topic_result_error(res[i]);
        if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS && if_missing) continue;
        if (e) {
            const char* msg = rd_kafka_topic_result_error_string(res[i]);
            throw remote_error("cannot create topic \"" + name + "\": " + (msg ? msg : rd_kafka_err2str(e)));
        }
    }
    wait_until_visible(name);
}

void Admin::wait_until_visible(const std::string& name) {
    // CreateTopics answers once the controller has the topic; brokers learn of it a moment
    // later, and until then metadata, DescribeConfigs and produce requests call it unknown.
    // (Asking for this one topic is safe here: it exists, so nothing gets auto-created.)
    auto deadline = std::chrono::steady_clock::now() + client_.settings().timeout;
    for (int delay_ms = 10;; delay_ms = std::min(delay_ms * 2, 200)) {
        try {
            auto md = metadata(name);
            const TopicInfo* t = md.find(name);
            bool ready = t && t->error.empty() && !t->partitions.empty();
            for (const auto& p : ready ? t->partitions : std::vector<PartitionInfo>{}) ready = ready && p.leader >= 0;
            if (ready) return;
        } catch (const Error&) {
            // not visible yet; retried below
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            log::debug("topic \"" + name + "\" was created but brokers did not list it in time");
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    }
}

void Admin::delete_topics(const std::vector<std::string>& names) {
    if (names.empty()) return;
    std::vector<rd_kafka_DeleteTopic_t*> dts;
    for (const auto& n : names) dts.push_back(rd_kafka_DeleteTopic_new(n.c_str()));
    Queue q(rd_kafka_queue_new(client_.get()));
    auto opts = make_options(client_, RD_KAFKA_ADMIN_OP_DELETETOPICS);
    rd_kafka_DeleteTopics(client_.get(), dts.data(), dts.size(), opts.get(), q.get());
    rd_kafka_DeleteTopic_destroy_array(dts.data(), dts.size());
    Event ev = wait_result(client_, q.get(), "delete", "topic \"" + names.front() + "\"");
    size_t cnt = 0;
    const rd_kafka_topic_result_t** res = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev.get()), &cnt);
    for (size_t i = 0; i < cnt; ++i) {
        auto e = rd_kafka_topic_result_error(res[i]);
        if (e && e != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
            throw remote_error("cannot delete topic \"" + std::string(rd_kafka_topic_result_name(res[i])) + "\": " + rd_kafka_err2str(e));
    }
}

void Admin::delete_records(const std::map<TopicPartition, std::int64_t>& offsets) {
    PartitionList l(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
    for (const auto& [tp, off] : offsets) rd_kafka_topic_partition_list_add(l.get(), tp.topic.c_str(), tp.partition)->offset = off;
    rd_kafka_DeleteRecords_t* dr = rd_kafka_DeleteRecords_new(l.get());
    Queue q(rd_kafka_queue_new(client_.get()));
    auto opts = make_options(client_, RD_KAFKA_ADMIN_OP_DELETERECORDS);
    rd_kafka_DeleteRecords(client_.get(), &dr, 1, opts.get(), q.get());
    rd_kafka_DeleteRecords_destroy(dr);
    Event ev = wait_result(client_, q.get(), "delete records", "");
    const auto* parts = rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev.get()));
    for (int k = 0; parts && k < parts->cnt; ++k)
        if (parts->elems[k].err) client_.fail(parts->elems[k].err, "delete records of", "topic \"" + std::string(parts->elems[k].topic) + "\"");
}

}  // namespace meshctl::kafka
