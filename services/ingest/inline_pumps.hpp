#pragma once

#include <memory>
#include <vector>

namespace radarhub::ingest {

// A stream that drains its queue when pumped (SubscribeReactor).
class Pumpable {
 public:
  virtual void Pump() = 0;

 protected:
  ~Pumpable() = default;
};

// While an InlinePumps scope is open on a thread, the streams that thread's publishing makes ready
// are pumped by that same thread when the outermost scope closes, instead of being posted to the
// pump thread: a frame goes from its node's read to its gRPC writes with no thread switch, and a
// read that carried many frames pumps each stream once. A node's read handler opens the scope, so
// it closes outside every hub and registry lock. Without a scope, streams are posted as before.
class InlinePumps {
 public:
  InlinePumps() { ++depth_; }
  ~InlinePumps() {
    if (--depth_ != 0 || ready_.empty()) return;
    // Pumping may make streams ready again (a write completing inline): they are posted then.
    std::vector<std::shared_ptr<Pumpable>> ready;
    ready.swap(ready_);
    for (const auto& stream : ready) stream->Pump();
    ready.clear();
    if (ready_.empty()) ready_.swap(ready);  // keep the capacity for the next read
  }
  InlinePumps(const InlinePumps&) = delete;
  InlinePumps& operator=(const InlinePumps&) = delete;

  // True if a scope is open on this thread and will pump `stream` when it closes.
  static bool Defer(std::shared_ptr<Pumpable> stream) {
    if (depth_ == 0) return false;
    ready_.push_back(std::move(stream));
    return true;
  }

 private:
  static inline thread_local int depth_ = 0;
  static inline thread_local std::vector<std::shared_ptr<Pumpable>> ready_;
};

}  // namespace radarhub::ingest
