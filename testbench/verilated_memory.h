// Verilator's save/restore streams, in memory instead of a file: a checkpoint is taken and compared thousands of
// times per campaign, so it must not touch the disk.
#pragma once

#include <verilated_save.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace flipsim {

class MemorySerialize final : public VerilatedSerialize {
 public:
  explicit MemorySerialize(std::string* out) : out_(out) { out_->clear(); }
  ~MemorySerialize() override { flush(); }
  void flush() override {
    out_->append(reinterpret_cast<const char*>(m_bufp), size_t(m_cp - m_bufp));
    m_cp = m_bufp;
  }
  void close() override { flush(); }

 private:
  std::string* out_;
};

class MemoryDeserialize final : public VerilatedDeserialize {
 public:
  explicit MemoryDeserialize(const std::string& in) : in_(in) { m_endp = m_cp; }

 private:
  void fill() override {
    // Keep what is not consumed yet at the front, then top the buffer up from the string.
    const size_t left = size_t(m_endp - m_cp);
    std::memmove(m_bufp, m_cp, left);
    m_cp = m_bufp;
    m_endp = m_bufp + left;
    const size_t n = std::min(bufferSize() - left - 1, in_.size() - pos_);
    std::memcpy(m_endp, in_.data() + pos_, n);
    pos_ += n;
    m_endp += n;
  }

  const std::string& in_;
  size_t pos_ = 0;
};

}  // namespace flipsim
