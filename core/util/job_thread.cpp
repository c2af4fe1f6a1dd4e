#include "core/util/job_thread.hpp"

#include <sched.h>

namespace meshctl::util {

JobThread::JobThread() : thread_([this] { loop(); }) {}

JobThread::~JobThread() {
    {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return !busy_; });
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void JobThread::start(std::function<void()> job) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        job_ = std::move(job);
        busy_ = true;
    }
    cv_.notify_all();  // after unlocking: the woken thread does not block on the mutex at once
}

void JobThread::wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !busy_; });
}

void JobThread::loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
        cv_.wait(lock, [this] { return busy_ || stopping_; });
        if (stopping_) return;
        auto job = std::move(job_);
        lock.unlock();
        job();
        lock.lock();
        busy_ = false;
        lock.unlock();
        cv_.notify_all();
        lock.lock();
    }
}

bool second_core_available() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return false;
    return CPU_COUNT(&set) >= 2;
}

}  // namespace meshctl::util
