#include "sim/campaign/worker_pool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <new>
#include <stdexcept>

namespace flipsim {

namespace {
constexpr size_t kBatchBytes = 32 * 1024;
constexpr std::chrono::milliseconds kBatchAge{50};
}  // namespace

SharedCounter::SharedCounter() {
  void* at = mmap(nullptr, sizeof(std::atomic<uint64_t>), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (at == MAP_FAILED) throw std::runtime_error("cannot map memory shared with the workers");
  static_assert(std::atomic<uint64_t>::is_always_lock_free, "a lock-free atomic works across processes");
  next_ = new (at) std::atomic<uint64_t>(0);
}

SharedCounter::~SharedCounter() { munmap(next_, sizeof(std::atomic<uint64_t>)); }

WorkerPool::~WorkerPool() {
  for (Worker& w : workers_) {
    if (w.open) close(w.fd);
    if (w.reaped) continue;
    kill(w.pid, SIGKILL);
    waitpid(w.pid, nullptr, 0);
  }
}

void WorkerPool::spawn(const std::function<void(const WriteLine&)>& body) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  // Room for a few thousand lines, so that a worker does not wait while the parent stores a batch (the default
  // 64 KiB holds about 150); where the system refuses, the default serves, only slower.
  fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
  std::fflush(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(3);
    // Lines go out in batches: a write per line cost the worker a system call and woke the parent for each,
    // which on two cores took as long as storing the row. A batch leaves when it is large, or when the last
    // one left long enough ago that the progress line and the database keep up.
    std::string pending;
    auto last_write = std::chrono::steady_clock::now();
    const auto write_pending = [&, fd = fds[1]] {
      size_t done = 0;
      while (done < pending.size()) {
        const ssize_t n = write(fd, pending.data() + done, pending.size() - done);
        if (n <= 0) _exit(4);
        done += size_t(n);
      }
      pending.clear();
      last_write = std::chrono::steady_clock::now();
    };
    const auto write_line = [&](const std::string& line) {
      pending += line;
      pending += '\n';
      if (pending.size() >= kBatchBytes || std::chrono::steady_clock::now() - last_write >= kBatchAge) write_pending();
    };
    int status = 0;
    try {
      body(write_line);
    } catch (const std::exception& e) {
      write_line(nlohmann::json{{"error", e.what()}}.dump());
      status = 1;
    }
    write_pending();
    close(fds[1]);
    // _exit: the child must not run the parent's destructors (its SQLite connection, buffered streams).
    _exit(status);
  }
  close(fds[1]);
  workers_.push_back(Worker{pid, fds[0], "", true, false});
}

bool WorkerPool::pump(int timeout_ms, const std::function<void(std::string_view)>& on_line) {
  std::vector<pollfd> fds;
  std::vector<size_t> which;
  for (size_t i = 0; i < workers_.size(); ++i)
    if (workers_[i].open) {
      fds.push_back(pollfd{workers_[i].fd, POLLIN, 0});
      which.push_back(i);
    }
  if (fds.empty()) return false;
  if (poll(fds.data(), fds.size(), timeout_ms) < 0) return true;
  for (size_t k = 0; k < fds.size(); ++k) {
    if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    Worker& w = workers_[which[k]];
    char buf[65536];
    const ssize_t n = read(w.fd, buf, sizeof(buf));
    if (n <= 0) {
      close(w.fd);
      w.open = false;
      continue;
    }
    w.buffer.append(buf, size_t(n));
    // The consumed lines leave the buffer at once: erasing each from the front moved the rest every time. Each is
    // handed on in place, not copied out (the parent reads tens of thousands a second beside two busy workers).
    const std::string_view buffer = w.buffer;
    size_t begin = 0, nl;
    while ((nl = buffer.find('\n', begin)) != std::string_view::npos) {
      on_line(buffer.substr(begin, nl - begin));
      begin = nl + 1;
    }
    w.buffer.erase(0, begin);
  }
  return true;
}

std::vector<std::string> WorkerPool::reap() {
  std::vector<std::string> errors;
  for (Worker& w : workers_) {
    if (w.reaped) continue;
    int status = 0;
    waitpid(w.pid, &status, 0);
    w.reaped = true;
    if (WIFSIGNALED(status))
      errors.push_back("worker " + std::to_string(w.pid) + " killed by signal " + std::to_string(WTERMSIG(status)));
  }
  return errors;
}

}  // namespace flipsim
