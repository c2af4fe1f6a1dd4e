#include "core/catalog/store.hpp"

#include "core/catalog/live.hpp"
#include "core/catalog/loader.hpp"
#include "core/error.hpp"
#include "core/kafka/consumer.hpp"
#include "core/kafka/producer.hpp"
#include "core/output/table.hpp"
#include "core/util/log.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"

#include <set>

namespace meshctl::catalog {

const CatalogEntry* CatalogSnapshot::find(const std::string& name) const {
    auto it = entries.find(name);
    return it == entries.end() ? nullptr : &it->second;
}

const CatalogEntry* CatalogSnapshot::find_by_topic(const std::string& t) const {
    for (const auto& [name, e] : entries)
        if (e.descriptor.topic == t) return &e;
    return nullptr;
}

namespace {

std::string where_label(const kafka::ClientSettings& s) {
    return s.context_name.empty() ? s.bootstrap : "context \"" + s.context_name + "\"";
}

}  // namespace

CatalogSnapshot read_catalog(kafka::Admin& admin, const kafka::ClusterMetadata& metadata, const std::string& topic) {
    CatalogSnapshot snap;
    snap.topic = topic;
    const kafka::TopicInfo* info = metadata.find(topic);
    if (!info || !info->error.empty() || info->partitions.empty()) {
        log::debug("catalog topic \"" + topic + "\" does not exist; the catalog is empty");
        return snap;
    }
    snap.topic_exists = true;
    std::vector<kafka::TopicPartition> tps;
    for (const auto& p : info->partitions) tps.push_back({topic, p.id});
    auto marks = admin.watermarks(tps);

    std::vector<kafka::PartitionOffset> assignment;
    std::map<std::int32_t, std::int64_t> last_offset;
    for (const auto& [tp, m] : marks) {
        if (m.high <= m.low) continue;
        assignment.push_back({tp, m.low});
        last_offset[tp.partition] = m.high - 1;
    }
    if (assignment.empty()) return snap;

    const auto& settings = admin.client().settings();
    kafka::Consumer consumer(settings, std::nullopt, {{"enable.partition.eof", "true"}, {"fetch.wait.max.ms", "20"}});
    consumer.assign(assignment);
    std::set<std::int32_t> done;
    auto deadline = std::chrono::steady_clock::now() + settings.timeout;
    while (done.size() < assignment.size()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0)
            throw remote_error("cannot read the catalog topic \"" + topic + "\" in " + where_label(settings) + ": " +
                                   std::to_string(assignment.size() - done.size()) + " partitions did not reach their end within " +
                                   util::format_duration(settings.timeout),
                               "check that the partition leaders are available; raise --timeout for slow links");
        auto msg = consumer.poll(static_cast<int>(std::min<long long>(left, 200)));
        if (!msg) continue;
        if (msg->is_partition_eof()) {
            done.insert(msg->partition());
            continue;
        }
        if (msg->is_error()) {
            log::debug("reading the catalog: " + msg->error_text());
            continue;
        }
        std::int32_t part = msg->partition();
        std::int64_t off = msg->offset();
        if (off >= last_offset[part]) done.insert(part);
        std::string at = "catalog record " + topic + "[" + std::to_string(part) + "]@" + std::to_string(off);
        auto key = msg->key();
        if (!key || key->empty()) {
            log::warn("skipping " + at + ": it has no key (product name)");
            ++snap.skipped;
            continue;
        }
        std::string name(*key);
        auto value = msg->value();
        if (!value) {
            snap.entries.erase(name);  // tombstone: the product was retired
            continue;
        }
        try {
            CatalogRecord rec = decode_record(*value);
            if (rec.descriptor.name != name)
                throw std::invalid_argument("its key \"" + name + "\" differs from the descriptor's name \"" + rec.descriptor.name + "\"");
            snap.entries[name] = CatalogEntry{std::move(rec.descriptor), rec.published_ms, part, off};
        } catch (const std::exception& e) {
            log::warn("skipping " + at + ": " + e.what());
            ++snap.skipped;
        }
    }
    return snap;
}

nlohmann::json PublishResult::to_json() const {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& d : published) names.push_back(d.name);
    return {{"topic", topic}, {"created_topic", created_topic}, {"published", names}};
}

void PublishResult::to_text(std::ostream& out, const output::TextStyle&) const {
    for (const auto& d : published) out << "published \"" << d.name << "\" (topic " << d.topic << ") to " << topic << "\n";
}

PublishResult publish(kafka::Admin& admin, const std::string& topic, const std::vector<Descriptor>& descriptors) {
    PublishResult result;
    result.topic = topic;
    const auto& settings = admin.client().settings();
    auto md = admin.metadata();
    CatalogSnapshot existing;
    if (md.find(topic)) {
        existing = read_catalog(admin, md, topic);
    } else if (is_dev_broker(md)) {
        log::info("catalog topic \"" + topic + "\" does not exist yet; the embedded broker creates it on first write");
    } else {
        log::warn("catalog topic \"" + topic + "\" does not exist in " + where_label(settings) +
                  "; creating it with cleanup.policy=compact");
        try {
            admin.create_topic(topic, 1, -1, {{"cleanup.policy", "compact"}}, true);
            result.created_topic = true;
        } catch (const Error& e) {
            // The dev broker cannot create topics by request; it creates them on first write.
            log::warn(std::string("could not create it (") + e.what() + "); writing anyway, the broker may create it on first write");
        }
    }
    kafka::Producer producer(settings, {{"linger.ms", "5"}});
    std::int64_t now = util::now_ms();
    for (const auto& d : descriptors) {
        // An update must land where the previous value lives, or compaction keeps both.
        const CatalogEntry* prev = existing.find(d.name);
        std::string value = encode_record(d, now);
        producer.produce(topic, d.name, value, prev ? prev->partition : -1);
    }
    producer.flush(static_cast<int>(settings.timeout.count()));
    result.published = descriptors;
    return result;
}

PublishResult publish_files(const kafka::ClientSettings& settings, const std::string& topic,
                            const std::vector<std::filesystem::path>& files) {
    auto descriptors = load_descriptor_files(files);  // throws before anything is written
    kafka::Admin admin(settings);
    return publish(admin, topic, descriptors);
}

nlohmann::json RetireResult::to_json() const { return {{"topic", topic}, {"retired", name}}; }

void RetireResult::to_text(std::ostream& out, const output::TextStyle&) const {
    out << "retired \"" << name << "\" (tombstone written to " << topic << ")\n";
}

RetireResult retire(const kafka::ClientSettings& settings, const std::string& topic, const std::string& name) {
    kafka::Admin admin(settings);
    auto md = admin.metadata();
    auto snap = read_catalog(admin, md, topic);
    const CatalogEntry* entry = snap.find(name);
    if (!entry) {
        std::vector<std::string> names;
        for (const auto& [n, e] : snap.entries) names.push_back(n);
        throw not_found_error("product \"" + name + "\" is not in the catalog (topic \"" + topic + "\" in " +
                                  where_label(settings) + ")" + util::did_you_mean(name, names),
                              "list products with: meshctl product list");
    }
    kafka::Producer producer(settings);
    producer.produce(topic, name, std::nullopt, entry->partition);
    producer.flush(static_cast<int>(settings.timeout.count()));
    RetireResult r;
    r.topic = topic;
    r.name = name;
    return r;
}

nlohmann::json ProductList::to_json() const {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& [name, e] : snapshot.entries) {
        nlohmann::ordered_json j = catalog::to_json(e.descriptor);
        j["published_at"] = e.published_ms ? util::format_iso8601_ms(e.published_ms) : "";
        arr.push_back(nlohmann::json(j));
    }
    return arr;
}

void ProductList::to_text(std::ostream& out, const output::TextStyle& style) const {
    if (snapshot.entries.empty()) {
        out << "no data products in the catalog (topic " << snapshot.topic << ")\n";
        return;
    }
    output::Table t({"name", "domain", "owner", "kind", "topic", "history", "published"});
    for (const auto& [name, e] : snapshot.entries) {
        const auto& d = e.descriptor;
        std::string history = d.history == HistoryMode::window ? "window " + d.history_window : to_string(d.history);
        t.add_row({name, d.domain, d.owner.team, to_string(d.kind), d.topic, history.empty() ? "-" : history,
                   e.published_ms ? util::format_iso8601_ms(e.published_ms).substr(0, 16) + "Z" : "-"});
    }
    t.render(out, style);
}

ProductList list_products(const kafka::ClientSettings& settings, const std::string& topic) {
    kafka::Admin admin(settings);
    auto md = admin.metadata();
    ProductList list;
    list.snapshot = read_catalog(admin, md, topic);
    return list;
}

}  // namespace meshctl::catalog
