#include "core/error.hpp"
#include "core/sinks/sink.hpp"

namespace meshctl::sinks {

std::unique_ptr<Sink> make_file_sink(const std::string& path);
std::unique_ptr<Sink> make_stream_sink(std::ostream& out);
std::unique_ptr<Sink> make_kafka_sink(const std::string& topic, const kafka::ClientSettings& settings);

std::unique_ptr<Sink> open_sink(std::string_view url, const SinkContext& context, std::ostream& stdout_stream) {
    std::string u(url);
    if (u == "-") return make_stream_sink(stdout_stream);
    if (u.rfind("file:", 0) == 0) return make_file_sink(u.substr(5));
    if (u.rfind("kafka:", 0) == 0) return make_kafka_sink(u.substr(6), context.kafka);
    throw usage_error("unknown sink \"" + u + "\"", "use - (stdout), file:PATH.jsonl or kafka:TOPIC");
}

}  // namespace meshctl::sinks
