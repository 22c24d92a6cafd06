#pragma once

#include <cstddef>
#include <cstring>
#include <string>

#include "radarhub/protocol/parser.hpp"

namespace radarhub::protocol {

// Splits a byte stream into newline-terminated lines, independent of how the bytes were chunked.
// Lines that lie whole inside a chunk are handed out in place (no copy); only a partial line at
// the end of a chunk is carried over. "\r\n" is accepted, empty lines are skipped, and a line over
// the limit is reported once and skipped to the next newline without being buffered, so the
// memory held is bounded by the limit whatever the peer sends. Not thread-safe.
class LineFramer final {
 public:
  explicit LineFramer(size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  // Consumes [data, data + size); [data + size, data + size + kLinePadding) must be writable too
  // (read buffers carry that padding). Calls sink.OnLine(char* line, size_t length) for each
  // complete line (without "\r\n"; line[length, length + kLinePadding) is writable, so the callee
  // may parse it in place) and sink.OnOverlong() once per line over the limit. Both return false
  // to stop; Consume then returns false and the rest of the chunk is not looked at.
  template <typename Sink>
  bool Consume(char* data, size_t size, Sink& sink);

  // Bytes of a partial line held between chunks.
  size_t buffered() const { return carry_.size(); }
  bool discarding() const { return discarding_; }
  // Drops the partial line held and what follows of it up to its newline (a memory budget ran
  // out: the caller counts it as an over-long line).
  void DiscardPartial() {
    ReleaseCarry();
    discarding_ = true;
  }

 private:
  // A partial line above this capacity is freed once it completes: idle connections stay small.
  static constexpr size_t kRetainedCapacity = 16 * 1024;

  template <typename Sink>
  bool Emit(char* line, size_t length, Sink& sink);
  void ReleaseCarry();

  const size_t max_line_bytes_;
  std::string carry_;
  bool discarding_ = false;
};

template <typename Sink>
bool LineFramer::Emit(char* line, size_t length, Sink& sink) {
  if (length > 0 && line[length - 1] == '\r') --length;
  if (length > max_line_bytes_) return sink.OnOverlong();
  if (length == 0) return true;
  return sink.OnLine(line, length);
}

template <typename Sink>
bool LineFramer::Consume(char* data, size_t size, Sink& sink) {
  char* p = data;
  char* const end = data + size;
  // One byte of slack so that a line ending in "\r" may still be exactly max_line_bytes long.
  const size_t max_raw = max_line_bytes_ + 1;
  while (p < end) {
    auto* newline = static_cast<char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (discarding_) {
      if (newline == nullptr) return true;
      discarding_ = false;
      p = newline + 1;
      continue;
    }
    const size_t take = static_cast<size_t>((newline != nullptr ? newline : end) - p);
    if (!carry_.empty()) {
      if (carry_.size() + take > max_raw) {
        ReleaseCarry();
        discarding_ = newline == nullptr;
        p = newline != nullptr ? newline + 1 : end;
        if (!sink.OnOverlong()) return false;
        continue;
      }
      carry_.append(p, take);
      if (newline == nullptr) return true;
      p = newline + 1;
      const size_t length = carry_.size();
      carry_.append(kLinePadding, '\0');  // the padding an in-place parse may touch
      const bool go_on = Emit(carry_.data(), length, sink);
      ReleaseCarry();
      if (!go_on) return false;
      continue;
    }
    if (newline == nullptr) {
      if (take > max_raw) {
        discarding_ = true;
        return sink.OnOverlong();
      }
      carry_.assign(p, take);
      return true;
    }
    char* line = p;
    p = newline + 1;
    if (!Emit(line, take, sink)) return false;
  }
  return true;
}

}  // namespace radarhub::protocol
