#pragma once

// The parser's frame path (frame_path.cpp): a single-pass scanner for frames as nodes send them.
// Private to the protocol library.

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "protobuf_writer.hpp"
#include "radarhub/protocol/parser.hpp"

namespace radarhub::protocol {

// A timestamp must be a positive integer below 2^53 (exact as a double; protocol.md).
inline constexpr int64_t kMaxTimestampMs = int64_t{1} << 53;

// One JSON value of a frame's "adsb" array, as the frame path records it for StructEncoder: a
// container is followed by its children (an object's as key, value, key, value, ...), so a value
// and its subtree are `size` consecutive entries.
struct TapeEntry {
  pb::JsonKind kind = pb::JsonKind::kNull;
  uint32_t size = 1;
  double number = 0;
  std::string_view text;  // a string's characters, or a member's key
};

struct TapeAccess {
  using Value = TapeEntry;
  static pb::JsonKind Kind(const Value& v) { return v.kind; }
  static double Number(const Value& v) { return v.number; }
  static std::string_view String(const Value& v) { return v.text; }
  template <typename F>
  static void ForEachMember(const Value& object, F f) {
    for (const Value *p = &object + 1, *end = &object + object.size; p != end; p += 1 + p[1].size)
      f(p->text, p[1]);
  }
  template <typename F>
  static void ForEachElement(const Value& array, F f) {
    for (const Value *p = &array + 1, *end = &array + array.size; p != end; p += p->size) f(*p);
  }
};

// Entries appended without a capacity check on the common path: std::vector's push_back is not
// inlined into the recursive scanner, and costs more than the scan of the value it records.
class Tape {
 public:
  void Clear() { size_ = 0; }
  void Push(const TapeEntry& entry) {
    if (size_ == entries_.size()) Grow();
    entries_[size_++] = entry;
  }
  size_t size() const { return size_; }
  TapeEntry& operator[](size_t i) { return entries_[i]; }
  const TapeEntry& front() const { return entries_.front(); }

 private:
  [[gnu::noinline]] void Grow() { entries_.resize(std::max<size_t>(64, 2 * entries_.size())); }

  std::vector<TapeEntry> entries_;
  size_t size_ = 0;
};

struct Parser::FramePath {
  Tape adsb;  // the last "adsb" array, when it is one
};

}  // namespace radarhub::protocol
