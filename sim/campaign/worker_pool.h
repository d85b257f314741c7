// Worker processes that report over pipes: each forked worker writes newline-separated messages, the parent
// polls them all and hands over complete lines. The pipe plumbing only; what the workers compute and what the
// lines mean is the caller's (campaign_runner.cpp).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace flipsim {

/// A counter the workers a WorkerPool forks after its creation share with each other and the parent: each
/// take() hands out the next number once, whichever process asks.
class SharedCounter {
 public:
  SharedCounter();
  ~SharedCounter();
  SharedCounter(const SharedCounter&) = delete;
  SharedCounter& operator=(const SharedCounter&) = delete;
  uint64_t take() { return next_->fetch_add(1); }

 private:
  std::atomic<uint64_t>* next_;  ///< in a shared anonymous mapping
};

class WorkerPool {
 public:
  /// How a worker sends one message (a line without its newline).
  using WriteLine = std::function<void(const std::string&)>;

  WorkerPool() = default;
  /// Kills and reaps any worker not yet reaped (the caller is unwinding from an error).
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Forks a worker that runs `body(write_line)` and exits; it dies with the parent (SIGKILL included). An
  /// exception escaping `body` is sent as the line {"error": what} and the worker exits with status 1.
  void spawn(const std::function<void(const WriteLine&)>& body);

  /// Waits up to `timeout_ms` for output and calls `on_line` for every complete line. Returns false once every
  /// worker has closed its pipe. A line is valid only during its call.
  bool pump(int timeout_ms, const std::function<void(std::string_view)>& on_line);

  /// Waits for every worker; returns one message for each that was killed by a signal.
  std::vector<std::string> reap();

 private:
  struct Worker {
    pid_t pid = -1;
    int fd = -1;  ///< read end of its pipe
    std::string buffer;
    bool open = true;
    bool reaped = false;
  };
  std::vector<Worker> workers_;
};

}  // namespace flipsim
