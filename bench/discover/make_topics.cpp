// Creates many topics in one CreateTopics request (the bench needs 2,000 of them; one
// kafka-topics JVM per topic would take longer than the measurement). A measuring tool,
// not part of the product. Usage: make_topics BOOTSTRAP PREFIX COUNT PARTITIONS
#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: make_topics BOOTSTRAP PREFIX COUNT PARTITIONS\n");
        return 2;
    }
    int count = std::atoi(argv[3]), partitions = std::atoi(argv[4]);
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        std::fprintf(stderr, "%s\n", err);
        return 1;
    }
    std::vector<rd_kafka_NewTopic_t*> topics;
    for (int i = 0; i < count; ++i) {
        std::string name = std::string(argv[2]) + std::to_string(i);
        topics.push_back(rd_kafka_NewTopic_new(name.c_str(), partitions, 1, err, sizeof err));
    }
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(opts, 120000, err, sizeof err);
    rd_kafka_AdminOptions_set_request_timeout(opts, 180000, err, sizeof err);
    rd_kafka_CreateTopics(rk, topics.data(), topics.size(), opts, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 200000);
    int failed = 0;
    if (!ev || rd_kafka_event_error(ev)) {
        std::fprintf(stderr, "CreateTopics failed: %s\n", ev ? rd_kafka_event_error_string(ev) : "timeout");
        failed = count;
    } else {
        size_t n = 0;
        const rd_kafka_topic_result_t** res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        for (size_t i = 0; i < n; ++i) {
            auto e = rd_kafka_topic_result_error(res[i]);
            if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                if (failed++ < 5) std::fprintf(stderr, "%s: %s\n", rd_kafka_topic_result_name(res[i]), rd_kafka_err2str(e));
            }
        }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_NewTopic_destroy_array(topics.data(), topics.size());
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    std::printf("created %d topics (%d failed)\n", count - failed, failed);
    return failed ? 1 : 0;
}
