// A Kafka topic as a sink: the record's key and value are written as they came, with
// origin headers, through an idempotent producer; flush() waits for delivery.
#include "core/error.hpp"
#include "core/kafka/producer.hpp"
#include "core/sinks/sink.hpp"

namespace meshctl::sinks {

namespace {

class KafkaSink : public Sink {
public:
    KafkaSink(std::string topic, const kafka::ClientSettings& settings)
        : topic_(std::move(topic)), producer_(settings, {{"linger.ms", "20"}, {"compression.type", "lz4"}}) {}
    std::string describe() const override { return "kafka:" + topic_; }
    void write(const Record& r) override {
        std::vector<kafka::OutHeader> headers = {
            {"meshctl.origin", r.topic + "/" + std::to_string(r.partition) + "/" + std::to_string(r.offset)},
            {"meshctl.id", r.id}};
        producer_.produce(topic_, r.key ? std::optional<std::string_view>(*r.key) : std::nullopt,
                          r.value ? std::optional<std::string_view>(*r.value) : std::nullopt, -1, headers, r.timestamp_ms);
        ++pending_;
        producer_.poll();
    }
    FlushResult flush(std::chrono::milliseconds deadline) override {
        producer_.flush(static_cast<int>(deadline.count()));
        FlushResult r;
        r.written = pending_;
        pending_ = 0;
        return r;
    }

private:
    std::string topic_;
    kafka::Producer producer_;
    std::uint64_t pending_ = 0;
};

}  // namespace

std::unique_ptr<Sink> make_kafka_sink(const std::string& topic, const kafka::ClientSettings& settings) {
    if (topic.empty()) throw usage_error("kafka sink needs a topic: kafka:TOPIC");
    return std::make_unique<KafkaSink>(topic, settings);
}

}  // namespace meshctl::sinks
