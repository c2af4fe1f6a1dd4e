// The shared part of every librdkafka handle: configuration from settings, logging
// through redaction, and error text that names the broker and says what to try.
#pragma once

#include "core/config/settings.hpp"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace meshctl::kafka {

/// What a client needs to connect; built from config::Settings or by tests directly.
struct ClientSettings {
    std::string bootstrap;
    std::string bootstrap_source = "flag";  // where the address came from, for hints
    std::string context_name;
    std::vector<std::pair<std::string, std::string>> properties;  // librdkafka, resolved
    std::chrono::milliseconds timeout{30'000};
    bool tls_insecure = false;

    /// Builds client settings from the resolved invocation settings.
    static ClientSettings from(const config::Settings& s);
};

/// A topic and partition.
struct TopicPartition {
    std::string topic;
    std::int32_t partition = 0;
    auto operator<=>(const TopicPartition&) const = default;
};

/// The last connection-level error librdkafka reported, kept to explain failures.
struct ErrorState {
    std::mutex mutex;
    rd_kafka_resp_err_t last_error = RD_KAFKA_RESP_ERR_NO_ERROR;
    std::string last_reason;
    bool authentication_failed = false;
    bool all_brokers_down = false;
    void* owner = nullptr;  // the wrapper object, for callbacks that need it (rebalance)
};

/// Adjusts a conf before the handle is created (callbacks that must be set up front).
using ConfHook = std::function<void(rd_kafka_conf_t*)>;

/// Owns an rd_kafka_t (producer or consumer role) and its error state.
class Client {
public:
    /// Creates the handle; `extra` properties are applied after the settings' own.
    /// Throws config_error for an unknown or invalid property (secret values never shown).
    Client(const ClientSettings& settings, rd_kafka_type_t type,
           const std::vector<std::pair<std::string, std::string>>& extra = {}, const ConfHook& hook = {});
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// The raw handle, for the wrappers in this folder.
    rd_kafka_t* get() const { return rk_; }
    /// The settings it was made from.
    const ClientSettings& settings() const { return settings_; }
    /// Timeout for one network wait, in milliseconds.
    int timeout_ms() const { return static_cast<int>(settings_.timeout.count()); }

    /// Throws the right meshctl::Error for a failed call: unreachable cluster, failed
    /// authentication, unknown topic, or a broker error, with `action` ("list topics")
    /// and `subject` ("topic \"orders\"") in the text.
    [[noreturn]] void fail(rd_kafka_resp_err_t err, const std::string& action, const std::string& subject = {}) const;

    /// Sets the object that callbacks receive through ErrorState::owner.
    void set_owner(void* owner) { state_->owner = owner; }

    /// Throws when librdkafka has reported an authentication failure or a fatal error.
    void check_fatal() const;

    /// A consumer handle is destroyed without rd_kafka_consumer_close (for consumers with
    /// no group, which have nothing to leave or commit).
    void skip_consumer_close() { destroy_flags_ = RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE; }

private:
    ClientSettings settings_;
    std::unique_ptr<ErrorState> state_;
    rd_kafka_t* rk_ = nullptr;
    int destroy_flags_ = 0;
};

/// Sets one property on a conf object; throws config_error naming the key on failure.
void set_property(rd_kafka_conf_t* conf, const std::string& key, const std::string& value);

/// The version of librdkafka linked in, e.g. "2.0.2".
std::string librdkafka_version();

}  // namespace meshctl::kafka
