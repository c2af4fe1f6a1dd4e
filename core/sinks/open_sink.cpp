#include "core/error.hpp"
#include "core/sinks/sink.hpp"
#include "core/sinks/elasticsearch_sink.hpp"

namespace meshctl::sinks {

std::unique_ptr<Sink> make_file_sink(const std::string& path);
std::unique_ptr<Sink> make_stream_sink(std::ostream& out);
std::unique_ptr<Sink> make_kafka_sink(const std::string& topic, const kafka::ClientSettings& settings);
std::unique_ptr<Sink> make_sqlite_sink(const std::string& path, const std::string& table);

std::unique_ptr<Sink> open_sink(std::string_view url, const SinkContext& context, std::ostream& stdout_stream) {
    std::string u(url);
    if (u == "-") return make_stream_sink(stdout_stream);
    if (u.rfind("file:", 0) == 0) return make_file_sink(u.substr(5));
    if (u.rfind("kafka:", 0) == 0) return make_kafka_sink(u.substr(6), context.kafka);
    if (u.rfind("sqlite:", 0) == 0) {  // sqlite:PATH.db?table=NAME (table defaults to the file's stem)
        std::string rest = u.substr(7), table;
        if (auto q = rest.find("?table="); q != std::string::npos) {
            table = rest.substr(q + 7);
            rest.resize(q);
        } else if (rest.find('?') != std::string::npos) {
            throw usage_error("sqlite sink \"" + u + "\": the only option is ?table=NAME");
        } else {
            auto slash = rest.find_last_of('/');
            table = rest.substr(slash == std::string::npos ? 0 : slash + 1);
            table = table.substr(0, table.find('.'));
        }
        return make_sqlite_sink(rest, table);
    }
    if (u.rfind("elasticsearch+", 0) == 0) return es::make_sink(es::parse_url(u, config::process_env()));
    throw usage_error("unknown sink \"" + u + "\"", "use - (stdout), file:PATH.jsonl or kafka:TOPIC");
}

namespace {

std::string option_string(const nlohmann::json& options, const std::string& type, const char* key, bool required) {
    auto it = options.find(key);
    if (it == options.end()) {
        if (required) throw usage_error(type + " sink needs \"" + key + "\"");
        return {};
    }
    if (!it->is_string()) throw usage_error(type + " sink: \"" + std::string(key) + "\" must be a string");
    return it->get<std::string>();
}

void only_keys(const nlohmann::json& options, const std::string& type, std::initializer_list<const char*> keys) {
    for (auto it = options.begin(); it != options.end(); ++it) {
        bool known = false;
        std::string names;
        for (const char* k : keys) {
            known |= it.key() == k;
            names += (names.empty() ? "" : ", ") + std::string(k);
        }
        if (!known) throw usage_error(type + " sink: unknown option \"" + it.key() + "\"", "accepted: " + names);
    }
}

}  // namespace

std::unique_ptr<Sink> open_sink_spec(const std::string& type, const nlohmann::json& options, const SinkContext& context,
                                     std::ostream& stdout_stream) {
    if (!options.is_object()) throw usage_error(type + " sink: its settings must be a mapping");
    if (type == "stdout") {
        only_keys(options, type, {});
        return make_stream_sink(stdout_stream);
    }
    if (type == "file") {
        only_keys(options, type, {"path"});
        return make_file_sink(option_string(options, type, "path", true));
    }
    if (type == "kafka") {
        only_keys(options, type, {"topic", "context"});
        std::string ctx = option_string(options, type, "context", false);
        if (!ctx.empty() && !context.other_context) throw usage_error("kafka sink: contexts are not available here");
        return make_kafka_sink(option_string(options, type, "topic", true), ctx.empty() ? context.kafka : context.other_context(ctx));
    }
    if (type == "sqlite") {
        only_keys(options, type, {"path", "table"});
        return make_sqlite_sink(option_string(options, type, "path", true), option_string(options, type, "table", true));
    }
    if (type == "elasticsearch") return es::make_sink(es::parse_options(options, config::process_env()));
    throw usage_error("unknown sink type \"" + type + "\"", "use stdout, file, kafka, sqlite or elasticsearch");
}

}  // namespace meshctl::sinks
