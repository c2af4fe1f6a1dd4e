#include "core/kafka/client.hpp"

#include "core/error.hpp"
#include "core/util/log.hpp"
#include "core/util/redact.hpp"
#include "core/util/time.hpp"

#include <algorithm>
#include <future>
#include <iterator>
#include <string_view>
#include <memory>
#include <thread>

namespace meshctl::kafka {

ClientSettings ClientSettings::from(const config::Settings& s) {
    ClientSettings c;
    c.bootstrap = s.bootstrap.value;
    c.bootstrap_source = s.bootstrap.source;
    c.context_name = s.context_name;
    c.properties = s.kafka_properties;
    c.timeout = s.timeout;
    c.tls_insecure = s.tls_insecure;
    return c;
}

void set_property(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
    char err[512];
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        std::string shown = util::is_secret_name(key) ? std::string(util::redacted) : value;
        throw config_error("Kafka property " + key + "=" + shown + " is not valid: " + util::redact(err),
                           "see the librdkafka CONFIGURATION.md for valid properties and values");
    }
}

namespace {

// How long a client shutdown may take before it is abandoned (see ~Client).
constexpr std::chrono::milliseconds kDestroyBudget{5000};

void log_cb(const rd_kafka_t*, int level, const char* fac, const char* buf) {
    // syslog levels: 0-3 errors, 4 warning, 5-6 info, 7 debug.
    // librdkafka retries by itself and meshctl reports the final failure clearly, so its
    // own complaints are shown only with -v.
    log::Level l = level <= 4 ? log::Level::info : log::Level::debug;
    if (!log::enabled(l)) return;
    log::write(l, std::string("librdkafka ") + fac + ": " + buf);
}

void error_cb(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* state = static_cast<ErrorState*>(opaque);
    std::lock_guard lock(state->mutex);
    state->last_error = static_cast<rd_kafka_resp_err_t>(err);
    state->last_reason = reason ? reason : "";
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED)
        state->authentication_failed = true;
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) state->all_brokers_down = true;
    log::debug(std::string("kafka: ") + rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)) + ": " + state->last_reason);
}

// The properties meshctl sets for speed or latency only: a value the user gives (-X or the
// context) wins over meshctl's. Every other property meshctl sets (auto commit off, the
// group, the assignment strategy, partition EOF events, idempotence) is what its offsets,
// delivery and progress rely on, and overrides the user's, with a warning.
bool yields_to_user(std::string_view key) {
    static constexpr std::string_view tuning[] = {
        "fetch.wait.max.ms",   "fetch.min.bytes",      "fetch.max.bytes",        "max.partition.fetch.bytes",
        "queued.min.messages", "queued.max.messages.kbytes", "session.timeout.ms", "heartbeat.interval.ms",
        "linger.ms",           "queue.buffering.max.ms",     "batch.num.messages", "batch.size",
        "message.timeout.ms",
    };
    return std::find(std::begin(tuning), std::end(tuning), key) != std::end(tuning);
}

// The value the user gave `key` last, if any.
const std::string* user_value(const std::vector<std::pair<std::string, std::string>>& properties, std::string_view key) {
    const std::string* found = nullptr;
    for (const auto& [k, v] : properties)
        if (k == key) found = &v;
    return found;
}

}  // namespace

Client::Client(const ClientSettings& settings, rd_kafka_type_t type,
               const std::vector<std::pair<std::string, std::string>>& extra, const ConfHook& hook)
    : settings_(settings), state_(std::make_unique<ErrorState>()) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    try {
        set_property(conf, "bootstrap.servers", settings.bootstrap);
        set_property(conf, "client.id", "meshctl");
        // Keep librdkafka from dumping its configuration (secrets included) in debug logs.
        set_property(conf, "log.connection.close", "false");
        for (const auto& [k, v] : settings.properties) set_property(conf, k, v);
        for (const auto& [k, v] : extra) {
            const std::string* own = user_value(settings.properties, k);
            if (own && yields_to_user(k)) continue;  // tuning: the user's choice stands
            if (own && *own != v)
                log::warn("librdkafka property " + k + "=" + (util::is_secret_name(k) ? "***" : *own) + " is not used: meshctl " +
                          "needs " + k + "=" + v + " for this command");
            set_property(conf, k, v);
        }
        if (settings.tls_insecure) {
            set_property(conf, "enable.ssl.certificate.verification", "false");
            set_property(conf, "ssl.endpoint.identification.algorithm", "none");
            log::warn("TLS certificate verification is OFF for context \"" + settings.context_name +
                      "\" (tls-insecure: true); anyone on the path can read and alter traffic");
        }
        for (const auto& [k, v] : settings.properties)
            if (k == "enable.ssl.certificate.verification" && (v == "false" || v == "0"))
                log::warn("TLS certificate verification is turned off by enable.ssl.certificate.verification=false");
    } catch (...) {
        rd_kafka_conf_destroy(conf);
        throw;
    }
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    rd_kafka_conf_set_opaque(conf, state_.get());
    if (hook) hook(conf);
    char err[512];
    rk_ = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk_) {
        rd_kafka_conf_destroy(conf);
        throw config_error(std::string("cannot create Kafka client: ") + util::redact(err));
    }
}

Client::~Client() {
    if (!rk_) return;
    // librdkafka 2.0.x can hang for ever in rd_kafka_destroy, joining a broker thread that
    // holds a leaked partition reference (seen about once in ten short consumer lives).
    // Destroy on a thread of its own and give up waiting after a bound: the handle is then
    // left behind, which costs a little memory but never the caller's exit.
    state_->owner = nullptr;  // callbacks during destroy must not reach a half-destroyed owner
    auto finished = std::make_shared<std::promise<void>>();
    auto done = finished->get_future();
    std::thread([rk = rk_, flags = destroy_flags_, state = std::move(state_), finished] {
        rd_kafka_destroy_flags(rk, flags);
        finished->set_value();
    }).detach();
    if (done.wait_for(kDestroyBudget) != std::future_status::ready)
        log::debug("the Kafka client did not shut down within " + util::format_duration(kDestroyBudget) + "; leaving it behind");
}

void Client::check_fatal() const {
    // librdkafka hands errors to error_cb only while someone polls the main queue; admin and
    // producer handles are not polled while a request waits, so an authentication failure
    // would otherwise surface as a timeout. (A consumer's main queue is forwarded to its
    // consumer queue, which its poll serves.)
    if (rd_kafka_type(rk_) == RD_KAFKA_PRODUCER) rd_kafka_poll(rk_, 0);
    std::lock_guard lock(state_->mutex);
    if (state_->authentication_failed)
        throw remote_error("authentication failed at " + settings_.bootstrap + ": " + util::redact(state_->last_reason),
                           "check the SASL mechanism, user name and password of context \"" + settings_.context_name + "\"");
    char reason[512];
    rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk_, reason, sizeof reason);
    if (fatal) throw remote_error(std::string("fatal Kafka client error: ") + util::redact(reason));
}

void Client::fail(rd_kafka_resp_err_t err, const std::string& action, const std::string& subject) const {
    check_fatal();
    std::string on = subject.empty() ? "" : " " + subject;
    std::string reason;
    {
        std::lock_guard lock(state_->mutex);
        reason = state_->last_reason;
    }
    switch (err) {
        case RD_KAFKA_RESP_ERR__TRANSPORT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT:
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        case RD_KAFKA_RESP_ERR__RESOLVE:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT: {
            if (reason.find("certificate verify failed") != std::string::npos)
                throw remote_error("cannot " + action + on + ": the TLS certificate of Kafka at " + settings_.bootstrap +
                                       " could not be verified (" + util::redact(reason) + ")",
                                   "set ssl.ca.location in context \"" + settings_.context_name +
                                       "\" to the CA that signed the broker's certificate");
            std::string msg = "cannot " + action + on + ": Kafka at " + settings_.bootstrap + " did not answer within " +
                              util::format_duration(settings_.timeout);
            if (!reason.empty()) msg += " (" + util::redact(reason) + ")";
            throw remote_error(msg, "check the address (from " + settings_.bootstrap_source +
                                        ") and that the broker is running; raise --timeout for slow links");
        }
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
        case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
            throw not_found_error("cannot " + action + on + ": " + rd_kafka_err2str(err) + " in " + settings_.bootstrap);
        case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
            throw not_found_error("cannot " + action + on + ": the group does not exist");
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
            throw remote_error("cannot " + action + on + ": not authorized (" + rd_kafka_err2str(err) + ")",
                               "ask the cluster's operators for the ACLs this needs");
        case RD_KAFKA_RESP_ERR__AUTHENTICATION:
        case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
            throw remote_error("authentication failed at " + settings_.bootstrap,
                               "check the credentials of context \"" + settings_.context_name + "\"");
        case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
            throw remote_error("cannot " + action + on + ": the broker at " + settings_.bootstrap +
                               " does not support this request (" + rd_kafka_err2str(err) + ")");
        default:
            throw remote_error("cannot " + action + on + ": " + rd_kafka_err2str(err) +
                               (reason.empty() ? "" : " (" + util::redact(reason) + ")"));
    }
}

std::string librdkafka_version() { return rd_kafka_version_str(); }

}  // namespace meshctl::kafka
