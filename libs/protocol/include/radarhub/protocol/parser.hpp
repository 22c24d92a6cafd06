#pragma once

#include <rapidjson/document.h>
#include <rapidjson/reader.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "radarhub/protocol/reject.hpp"

namespace radarhub::protocol {

struct ParseLimits {
  size_t max_detections = 10000;
  // JSON nesting deeper than this is refused while parsing (stack safety on hostile input).
  int max_depth = 32;
  // Encoded size above which a heartbeat's advertisement is not kept.
  size_t max_advertisement_bytes = 16 * 1024;
};

// Bytes after a line that Parse may touch: the reference path (RapidJSON, in place) overwrites
// line[size] with NUL and may read a truncated UTF-8 sequence up to 3 bytes past it.
inline constexpr size_t kLinePadding = 4;

enum class MessageType : uint8_t { kFrame, kHeartbeat, kUnknown };

// One detection's entry of a frame's "adsb" array.
struct AdsbEntry {
  bool is_object = false;    // false: null
  std::string_view hex;      // the object's first "hex" member, when that is a string
  std::string_view encoded;  // the object as a serialized google.protobuf.Struct
};

// Chunks beyond the parser's own pool buffer come from operator new like every other allocation
// on the data path, so allocation budgets can be checked in one place (tests/unit/protocol).
class ChunkAllocator {
 public:
  static const bool kNeedFree = true;
  void* Malloc(size_t size) { return size != 0 ? ::operator new(size) : nullptr; }
  void* Realloc(void* old, size_t old_size, size_t new_size);
  static void Free(void* p) { ::operator delete(p); }
};

using JsonAllocator = rapidjson::MemoryPoolAllocator<ChunkAllocator>;
using JsonValue = rapidjson::GenericValue<rapidjson::UTF8<>, JsonAllocator>;

// One parsed line. Views point into the parsed line or the parser; they stay valid until the
// parser's next Parse call.
struct Message {
  MessageType type = MessageType::kFrame;
  bool has_node_id = false;  // node_id present and a string (possibly an invalid one)
  std::string_view node_id;
  bool has_token = false;
  std::string_view token;
  std::string_view type_name;  // the "type" field as sent, empty when absent
  int64_t timestamp_ms = 0;
  // Detections: delay[i], doppler[i], snr[i] and adsb[i] (adsb is null when the frame has none).
  size_t count = 0;
  const double* delay = nullptr;
  const double* doppler = nullptr;
  const double* snr = nullptr;
  const AdsbEntry* adsb = nullptr;
  // Heartbeats: serialized google.protobuf.Struct of the fields other than node_id, token, type.
  std::string_view advertisement;
  bool advertisement_too_large = false;
};

// Turns one line of the node protocol into a Message or a rejection reason, enforcing every rule
// of protocol.md. No heap allocation per detection, and none per frame once warm. Not thread-safe:
// use one per thread or per connection.
//
// Two paths. A frame as nodes send it (printable ASCII strings without escapes, numbers of up to
// 32 characters, up to kFramePathMaxBytes) is read by the frame path: one pass that checks the
// grammar and every rule while writing numbers straight into the frame, no document built; it
// accepts the line only if every rule holds. Everything else (any rejection, heartbeats, escapes,
// non-ASCII, outlandish numbers, big lines) goes to the reference path: RapidJSON in place into a
// pooled DOM, which decides the precise rejection reason. Both give the same result on every line
// the frame path accepts (tests/fuzz/line_fuzz.cpp checks it).
class Parser final {
 public:
  enum class Path : uint8_t { kFrame, kReference };
  enum class Paths : uint8_t { kBoth, kReferenceOnly };  // kReferenceOnly: differential tests

  explicit Parser(ParseLimits limits = {}, Paths paths = Paths::kBoth);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // line[0, size) is parsed in place and modified; line[size, size + kLinePadding) must be
  // writable (the framer guarantees it). On kNone `out`
  // holds the message. On rejection `out.has_node_id`/`out.node_id` still tell which node the line
  // claimed to come from when that could be read.
  Reject Parse(char* line, size_t size, Message& out);

  const ParseLimits& limits() const { return limits_; }
  // Which path decided the last line.
  Path last_path() const { return last_path_; }

  // Longest line the frame path takes: its record of an "adsb" array grows with the line.
  static constexpr size_t kFramePathMaxBytes = 64 * 1024;

 private:
  // The parse stack lives in the same pool as the values: RapidJSON frees its stack after every
  // parse, which with the default allocator would be a malloc/free pair per line.
  using Document = rapidjson::GenericDocument<rapidjson::UTF8<>, JsonAllocator, JsonAllocator>;

  struct FramePath;  // frame_path.hpp
  // The frame path (frame_path.cpp): true with `out` filled, or false to leave the line to the
  // reference path, whatever the reason.
  bool ScanFrame(char* line, size_t size, Message& out);
  Reject ParseJson(char* line, size_t size);
  Reject ReadFrame(const JsonValue& root, Message& out);
  Reject ReadHeartbeat(const JsonValue& root, Message& out);
  Reject ReadDetectionArray(const JsonValue& array, std::vector<double>& into);

  ParseLimits limits_;
  std::unique_ptr<char[]> pool_buffer_;
  JsonAllocator allocator_;
  Document document_;
  rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>> reader_;  // keeps its stack warm
  std::unique_ptr<FramePath> frame_path_;  // null with Paths::kReferenceOnly
  Path last_path_ = Path::kReference;
  std::vector<double> delay_, doppler_, snr_;
  std::vector<AdsbEntry> adsb_;
  std::string adsb_encoded_;  // every ADS-B object of the frame, back to back
  std::string advertisement_;
};

}  // namespace radarhub::protocol
