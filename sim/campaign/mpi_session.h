// MPI for a campaign spread over ranks (`mpirun -np K flipsim campaign ...`): rank 0 owns the database and
// collects every rank's results; the others only run injections. Launched without mpirun, the process is a
// world of one and MPI is never initialised (a singleton MPI_Init would start an orted helper for nothing).
#pragma once

#include <memory>
#include <optional>
#include <string>

namespace flipsim {

class MpiSession {
 public:
  /// One message between ranks: a tag and a string.
  struct Message {
    int source = 0;
    int tag = 0;
    std::string payload;
  };

  /// Initialises MPI when a launcher (mpirun, srun) started this process, on a communicator of its own.
  MpiSession();
  /// Finalises MPI (every rank must get here, or the others wait).
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }

  void send(int dest, int tag, const std::string& payload) const;
  /// A message waiting from any rank, or nothing (does not block).
  std::optional<Message> poll() const;
  /// Rank 0's `payload` on every rank (collective: every rank calls it once per step).
  std::string broadcast(const std::string& payload) const;
  /// Ends every rank of the job with `code`: for errors after the ranks have started working, when waiting for
  /// them to finish would never end.
  [[noreturn]] void abort(int code) const;

 private:
  struct Comm;
  std::unique_ptr<Comm> comm_;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace flipsim
