// httplib's thread pool with a bound on the connections waiting for a worker. httplib's own
// ThreadPool queues every accepted connection, without limit; this one makes the accepting
// thread wait while `max_waiting` connections already wait, so further connections stay in the
// kernel's listen backlog (and beyond it are refused by the kernel) instead of piling up as open
// sockets in this process. Workers + waiting bound the connections `ose serve` holds.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ose::tools {

class BoundedTaskQueue final : public httplib::TaskQueue {
 public:
  BoundedTaskQueue(size_t workers, size_t max_waiting) : max_waiting_(max_waiting) {
    for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~BoundedTaskQueue() override = default;

  // Called by httplib's accepting thread only.
  void enqueue(std::function<void()> fn) override {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [this] { return jobs_.size() < max_waiting_ || shutdown_; });
    jobs_.push_back(std::move(fn));
    ready_.notify_one();
  }

  // Called once by httplib when its accept loop ends: the queued connections are still served
  // (each closes its socket), then the workers end.
  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      shutdown_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return !jobs_.empty() || shutdown_; });
        if (jobs_.empty()) return;  // shut down, nothing left
        fn = std::move(jobs_.front());
        jobs_.pop_front();
      }
      room_.notify_one();
      fn();
    }
  }

  const size_t max_waiting_;
  std::mutex mutex_;
  std::condition_variable ready_;  // a job arrived (or shutdown)
  std::condition_variable room_;   // a job left the queue (or shutdown)
  std::deque<std::function<void()>> jobs_;
  bool shutdown_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ose::tools
