// Callbacks that several observers join and leave independently (as OpenTitan's simulation-control extensions
// do), so no observer can silently replace another's: replay's per-cycle recorder and the campaign's PPU
// observation both watch the same run.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace flipsim {

template <typename... Args>
class HookList {
 public:
  using Hook = std::function<void(Args...)>;

  /// Keeps one hook in its list; leaving scope (or reset()) takes it out. Move-only.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept { *this = std::move(other); }
    Subscription& operator=(Subscription&& other) noexcept {
      if (this != &other) {
        reset();
        list_ = std::exchange(other.list_, nullptr);
        id_ = other.id_;
      }
      return *this;
    }
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription() { reset(); }
    void reset() {
      if (list_) std::exchange(list_, nullptr)->remove(id_);
    }
    bool active() const { return list_ != nullptr; }

   private:
    friend class HookList;
    Subscription(HookList* list, uint64_t id) : list_(list), id_(id) {}
    HookList* list_ = nullptr;
    uint64_t id_ = 0;
  };

  /// `on_change` runs whenever a hook joins or leaves (the monitor wakes its cycle process with it).
  explicit HookList(std::function<void()> on_change = {}) : on_change_(std::move(on_change)) {}
  HookList(const HookList&) = delete;
  HookList& operator=(const HookList&) = delete;

  [[nodiscard]] Subscription add(Hook hook) {
    entries_.push_back(Entry{next_id_, std::move(hook)});
    if (on_change_) on_change_();
    return Subscription(this, next_id_++);
  }
  bool empty() const {
    for (const Entry& e : entries_)
      if (e.hook) return false;
    return true;
  }

  /// Calls every hook in the order they joined. A hook that joins during a call runs from the next call; one
  /// that leaves during a call is not called again.
  void operator()(Args... args) {
    ++calling_;
    const size_t n = entries_.size();
    for (size_t i = 0; i < n; ++i)
      if (entries_[i].hook) entries_[i].hook(args...);
    if (--calling_ == 0) compact();
  }

 private:
  struct Entry {
    uint64_t id;
    Hook hook;
  };
  void remove(uint64_t id) {
    for (Entry& e : entries_)
      if (e.id == id) e.hook = nullptr;
    if (calling_ == 0) compact();
    if (on_change_) on_change_();
  }
  void compact() {
    std::vector<Entry> kept;
    for (Entry& e : entries_)
      if (e.hook) kept.push_back(std::move(e));
    entries_ = std::move(kept);
  }

  std::vector<Entry> entries_;
  uint64_t next_id_ = 0;
  int calling_ = 0;
  std::function<void()> on_change_;
};

}  // namespace flipsim
