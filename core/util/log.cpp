#include "core/util/log.hpp"

#include "core/util/redact.hpp"

#include <atomic>
#include <mutex>

namespace meshctl::log {

namespace {
std::mutex sink_mutex;
Sink& sink() {
    static Sink s;
    return s;
}
std::atomic<int> threshold{static_cast<int>(Level::warn)};
}  // namespace

void set_sink(Sink s) {
    std::lock_guard lock(sink_mutex);
    sink() = std::move(s);
}

void set_level(Level level) { threshold = static_cast<int>(level); }

bool enabled(Level level) { return static_cast<int>(level) <= threshold.load(std::memory_order_relaxed); }

void write(Level level, std::string_view message) {
    if (!enabled(level)) return;
    std::string clean = util::redact(message);
    std::lock_guard lock(sink_mutex);
    if (sink()) sink()(level, clean);
}

}  // namespace meshctl::log
