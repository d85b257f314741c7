#include "sim/campaign/mpi_session.h"

// The C API only: Open MPI's mpi.h would otherwise declare its removed C++ bindings, which need another library.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>

namespace flipsim {

namespace {

/// Set by Open MPI's mpirun, and by PMIx / PMI launchers (srun); absent in a plain run.
bool launched_by_mpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK") || std::getenv("PMI_RANK");
}

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

}  // namespace

struct MpiSession::Comm {
  MPI_Comm comm = MPI_COMM_NULL;
};

MpiSession::MpiSession() {
  if (!launched_by_mpi()) return;
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) check(MPI_Init(nullptr, nullptr), "MPI_Init");
  comm_ = std::make_unique<Comm>();
  // A communicator of our own: nothing else in the process can match our messages.
  check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_->comm), "MPI_Comm_dup");
  MPI_Comm_rank(comm_->comm, &rank_);
  MPI_Comm_size(comm_->comm, &size_);
}

MpiSession::~MpiSession() {
  if (!comm_) return;
  MPI_Comm_free(&comm_->comm);
  MPI_Finalize();
}

void MpiSession::send(int dest, int tag, const std::string& payload) const {
  check(MPI_Send(payload.data(), int(payload.size()), MPI_CHAR, dest, tag, comm_->comm), "MPI_Send");
}

std::optional<MpiSession::Message> MpiSession::poll() const {
  int ready = 0;
  MPI_Status status;
  check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_->comm, &ready, &status), "MPI_Iprobe");
  if (!ready) return std::nullopt;
  int count = 0;
  MPI_Get_count(&status, MPI_CHAR, &count);
  Message m{status.MPI_SOURCE, status.MPI_TAG, std::string(size_t(count), '\0')};
  check(MPI_Recv(m.payload.data(), count, MPI_CHAR, m.source, m.tag, comm_->comm, MPI_STATUS_IGNORE), "MPI_Recv");
  return m;
}

std::string MpiSession::broadcast(const std::string& payload) const {
  if (size_ == 1) return payload;
  uint64_t size = payload.size();
  check(MPI_Bcast(&size, 1, MPI_UINT64_T, 0, comm_->comm), "MPI_Bcast");
  std::string out = rank_ == 0 ? payload : std::string(size, '\0');
  check(MPI_Bcast(out.data(), int(size), MPI_CHAR, 0, comm_->comm), "MPI_Bcast");
  return out;
}

void MpiSession::abort(int code) const {
  if (comm_) MPI_Abort(comm_->comm, code);
  std::_Exit(code);
}

}  // namespace flipsim
