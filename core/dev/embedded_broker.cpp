#include "core/dev/embedded_broker.hpp"

#include "core/error.hpp"
#include "core/kafka/producer.hpp"
#include "core/util/log.hpp"

#include <librdkafka/rdkafka_mock.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

namespace meshctl::dev {

// The mock brokers listen on random ports; a user who asks for a fixed port gets a
// small TCP forwarder there. Metadata still advertises the mock ports, so only the
// bootstrap connection goes through it.
struct EmbeddedBroker::Forwarder {
    int listen_fd = -1;
    int target_port = 0;
    std::atomic<bool> stop{false};
    std::thread acceptor;
    std::mutex mutex;
    std::vector<std::thread> pipes;

    Forwarder(int port, int target) : target_port(target) {
        listen_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd, 64) != 0) {
            int e = errno;
            ::close(listen_fd);
            throw io_error("cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(e),
                           "choose another --port or leave it out to use a random one");
        }
        acceptor = std::thread([this] { accept_loop(); });
    }

    ~Forwarder() {
        stop = true;
        ::shutdown(listen_fd, SHUT_RDWR);
        ::close(listen_fd);
        if (acceptor.joinable()) acceptor.join();
        std::lock_guard lock(mutex);
        for (auto& t : pipes)
            if (t.joinable()) t.join();
    }

    void accept_loop() {
        while (!stop) {
            pollfd p{listen_fd, POLLIN, 0};
            if (::poll(&p, 1, 200) <= 0) continue;
            int client = ::accept(listen_fd, nullptr, nullptr);
            if (client < 0) continue;
            int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(static_cast<uint16_t>(target_port));
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
                ::close(client);
                ::close(upstream);
                continue;
            }
            std::lock_guard lock(mutex);
            pipes.emplace_back([this, client, upstream] { pump(client, upstream); });
        }
    }

    void pump(int a, int b) {
        char buf[65536];
        pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
        while (!stop) {
            if (::poll(fds, 2, 200) <= 0) continue;
            bool done = false;
            for (int i = 0; i < 2 && !done; ++i) {
                if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
                if (n <= 0) {
                    done = true;
                    break;
                }
                int out = i == 0 ? b : a;
                for (ssize_t off = 0; off < n;) {
                    ssize_t w = ::write(out, buf + off, static_cast<size_t>(n - off));
                    if (w <= 0) {
                        done = true;
                        break;
                    }
                    off += w;
                }
            }
            if (done) break;
        }
        ::close(a);
        ::close(b);
    }
};

EmbeddedBroker::EmbeddedBroker(const DevOptions& options) : options_(options) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "client.id", "meshctl-dev", err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk_) throw remote_error(std::string("cannot start the embedded broker: ") + err);
    mcluster_ = rd_kafka_mock_cluster_new(rk_, options.brokers);
    if (!mcluster_) {
        rd_kafka_destroy(rk_);
        throw remote_error("cannot start the embedded broker (librdkafka mock cluster)");
    }
    if (options.port > 0) {
        std::string first = rd_kafka_mock_cluster_bootstraps(mcluster_);
        first = first.substr(0, first.find(','));
        int target = std::atoi(first.substr(first.rfind(':') + 1).c_str());
        forwarder_ = std::make_unique<Forwarder>(options.port, target);
    }
}

EmbeddedBroker::~EmbeddedBroker() {
    forwarder_.reset();
    if (mcluster_) rd_kafka_mock_cluster_destroy(mcluster_);
    if (rk_) rd_kafka_destroy(rk_);
}

std::string EmbeddedBroker::bootstrap() const {
    if (options_.port > 0) return "127.0.0.1:" + std::to_string(options_.port);
    return rd_kafka_mock_cluster_bootstraps(mcluster_);
}

kafka::ClientSettings EmbeddedBroker::client_settings() const {
    kafka::ClientSettings s;
    s.bootstrap = rd_kafka_mock_cluster_bootstraps(mcluster_);
    s.bootstrap_source = "embedded broker";
    s.context_name = "dev";
    s.timeout = std::chrono::seconds(10);
    return s;
}

SeedSummary EmbeddedBroker::seed(std::int64_t now_ms) {
    SeedSummary summary;
    shape_.now_ms = now_ms;
    for (const char* t : {customers_topic, orders_topic})
        if (rd_kafka_mock_topic_create(mcluster_, t, options_.partitions, 1))
            throw remote_error(std::string("cannot create demo topic ") + t);
    if (!options_.seed) return summary;
    // The same partitioner as Java clients, so the two demo topics are co-partitioned by key.
    kafka::Producer producer(client_settings(), {{"partitioner", "murmur2_random"}, {"linger.ms", "20"}});
    for (const auto& r : demo_customers(shape_)) {
        producer.produce(r.topic, r.key, r.value ? std::optional<std::string_view>(*r.value) : std::nullopt, -1, {},
                         r.timestamp_ms);
        ++summary.customers;
    }
    for (const auto& r : demo_orders(shape_)) {
        producer.produce(r.topic, r.key, *r.value, -1, {{"source", std::string("meshctl-dev")}}, r.timestamp_ms);
        ++summary.orders;
    }
    producer.flush(30'000);
    return summary;
}

void EmbeddedBroker::trickle(std::int64_t now_ms) {
    static thread_local std::unique_ptr<kafka::Producer> producer;
    if (!producer) producer = std::make_unique<kafka::Producer>(client_settings(), std::vector<std::pair<std::string, std::string>>{{"partitioner", "murmur2_random"}});
    auto r = demo_live_order(shape_, live_seq_++, now_ms);
    producer->produce(r.topic, r.key, *r.value, -1, {{"source", std::string("meshctl-dev")}}, r.timestamp_ms);
    producer->poll();
}

std::filesystem::path dev_state_path() {
    namespace fs = std::filesystem;
    if (const char* d = std::getenv("MESHCTL_STATE_DIR"); d && *d) return fs::path(d) / "dev.json";
    if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) return fs::path(x) / "meshctl" / "dev.json";
    if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".local" / "state" / "meshctl" / "dev.json";
    return fs::temp_directory_path() / "meshctl-dev.json";
}

std::optional<DevState> read_dev_state() {
    std::ifstream in(dev_state_path());
    if (!in) return std::nullopt;
    try {
        auto j = nlohmann::json::parse(in);
        return DevState{j.at("pid").get<int>(), j.at("bootstrap").get<std::string>(), j.value("started_ms", std::int64_t{0}),
                        j.value("log", std::string())};
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

void write_dev_state(const DevState& s) {
    auto path = dev_state_path();
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::trunc);
    out << nlohmann::json{{"pid", s.pid}, {"bootstrap", s.bootstrap}, {"started_ms", s.started_ms}, {"log", s.log_path}}.dump() << "\n";
    if (!out) throw io_error("cannot write " + path.string());
}

void remove_dev_state() {
    std::error_code ec;
    std::filesystem::remove(dev_state_path(), ec);
}

bool process_alive(int pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

}  // namespace meshctl::dev
