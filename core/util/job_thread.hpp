// One thread that runs one job at a time for its owner: start() hands a job over and returns,
// wait() blocks until it is done. Used to process the later part of a batch on a second core
// while the owner processes the first (sample --where, pipeline batches).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace meshctl::util {

class JobThread {
public:
    JobThread();
    ~JobThread();  // waits for a running job, then stops the thread
    JobThread(const JobThread&) = delete;
    JobThread& operator=(const JobThread&) = delete;

    /// Runs `job` on the thread; returns at once. The job must not throw.
    void start(std::function<void()> job);
    /// Waits for the job started last (returns at once when there is none).
    void wait();

private:
    void loop();
    std::mutex mu_;
    std::condition_variable cv_;
    std::function<void()> job_;
    bool busy_ = false, stopping_ = false;
    std::thread thread_;  // last: starts after the members it uses
};

/// True when this process may run on two or more CPUs (its affinity mask), so that a
/// JobThread has a core of its own.
bool second_core_available();

}  // namespace meshctl::util
