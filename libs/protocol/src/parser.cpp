#include "radarhub/protocol/parser.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "frame_path.hpp"
#include "json_number.hpp"
#include "protobuf_writer.hpp"
#include "radarhub/protocol/node_id.hpp"
#include "radarhub/protocol/wire.hpp"

namespace radarhub::protocol {
namespace {

// In place, strict UTF-8. NaN/Infinity literals are accepted by the tokenizer only so that they
// can be refused with the precise reason (non_finite) rather than as invalid JSON. Numbers come
// through as text and are converted as the frame path converts them (json_number.hpp: correctly
// rounded): RapidJSON 1.1's own full-precision path has undefined behaviour on underflowing input
// such as 3e-325.
constexpr unsigned kParseFlags =
    rapidjson::kParseInsituFlag | rapidjson::kParseValidateEncodingFlag |
    rapidjson::kParseNanAndInfFlag | rapidjson::kParseNumbersAsStringsFlag;

bool IsAscii(const char* p, size_t size) {
  uint64_t high = 0;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, sizeof word);
    high |= word;
  }
  for (; i < size; ++i) high |= static_cast<unsigned char>(p[i]);
  return (high & 0x8080808080808080ull) == 0;
}

constexpr size_t kPoolBytes = 64 * 1024;

// Forwards SAX events to the document but stops the parse past max_depth, which also bounds the
// recursion of the reader and of everything that later walks the document.
template <typename Handler>
struct DepthLimiter {
  Handler& inner;
  int max_depth;
  int depth = 0;
  bool too_deep = false;

  bool Null() { return inner.Null(); }
  bool Bool(bool b) { return inner.Bool(b); }
  bool Int(int i) { return inner.Int(i); }
  bool Uint(unsigned i) { return inner.Uint(i); }
  bool Int64(int64_t i) { return inner.Int64(i); }
  bool Uint64(uint64_t i) { return inner.Uint64(i); }
  bool Double(double d) { return inner.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool /*copy*/) {
    const json::Number number = json::ConvertNumber(s, n);
    switch (number.kind) {
      case json::NumberKind::kInt64:
        return inner.Int64(number.i);
      case json::NumberKind::kUint64:
        return inner.Uint64(number.u);
      case json::NumberKind::kDouble:
        break;
    }
    return inner.Double(number.d);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return inner.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return inner.Key(s, n, copy); }
  bool StartObject() { return Enter() && inner.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    --depth;
    return inner.EndObject(n);
  }
  bool StartArray() { return Enter() && inner.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    --depth;
    return inner.EndArray(n);
  }

  bool Enter() {
    if (++depth <= max_depth) return true;
    too_deep = true;
    return false;
  }
};

bool AllFinite(const JsonValue& v) {
  if (v.IsDouble()) return std::isfinite(v.GetDouble());
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      if (!AllFinite(m.value)) return false;
    }
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) {
      if (!AllFinite(e)) return false;
    }
  }
  return true;
}

std::string_view View(const JsonValue& v) { return {v.GetString(), v.GetStringLength()}; }

}  // namespace

void* ChunkAllocator::Realloc(void* old, size_t old_size, size_t new_size) {
  if (new_size == 0) {
    Free(old);
    return nullptr;
  }
  void* fresh = Malloc(new_size);
  if (old != nullptr) {
    std::memcpy(fresh, old, std::min(old_size, new_size));
    Free(old);
  }
  return fresh;
}

Parser::Parser(ParseLimits limits, Paths paths)
    : limits_(limits),
      pool_buffer_(new char[kPoolBytes]),
      allocator_(pool_buffer_.get(), kPoolBytes),
      document_(&allocator_, 1024, &allocator_),
      frame_path_(paths == Paths::kBoth ? std::make_unique<FramePath>() : nullptr) {}

Parser::~Parser() = default;

Reject Parser::ParseJson(char* line, size_t size) {
  const bool ascii = IsAscii(line, size);
  document_.SetNull();  // drop references into the pool before recycling it
  allocator_.Clear();
  line[size] = '\0';
  rapidjson::GenericInsituStringStream<rapidjson::UTF8<>> stream(line);
  bool too_deep = false;
  rapidjson::ParseResult result;
  // UTF-8 validation only ever fails on bytes above 0x7F; a line without any (nearly every line)
  // is parsed without it.
  auto generate = [&](Document& handler) {
    DepthLimiter<Document> limiter{handler, limits_.max_depth};
    result =
        ascii ? reader_.Parse<kParseFlags & ~rapidjson::kParseValidateEncodingFlag>(stream, limiter)
              : reader_.Parse<kParseFlags>(stream, limiter);
    too_deep = limiter.too_deep;
    return !result.IsError();
  };
  document_.Populate(generate);
  if (result.IsError()) {
    if (!too_deep && result.Code() == rapidjson::kParseErrorNumberTooBig) return Reject::kNonFinite;
    return Reject::kInvalidJson;
  }
  // An embedded NUL ends the reader's input early; the line must have been read to its end.
  if (stream.Tell() != size) return Reject::kInvalidJson;
  return Reject::kNone;
}

Reject Parser::Parse(char* line, size_t size, Message& out) {
  out = Message{};
  if (frame_path_ != nullptr && size <= kFramePathMaxBytes && ScanFrame(line, size, out)) {
    last_path_ = Path::kFrame;
    return Reject::kNone;
  }
  last_path_ = Path::kReference;
  out = Message{};
  if (const Reject r = ParseJson(line, size); r != Reject::kNone) return r;
  const JsonValue& root = document_;
  if (!root.IsObject()) return Reject::kNotObject;

  const JsonValue* node_id = nullptr;
  const JsonValue* token = nullptr;
  const JsonValue* type = nullptr;
  for (const auto& m : root.GetObject()) {
    const std::string_view key = View(m.name);
    if (key == "node_id")
      node_id = &m.value;
    else if (key == "token")
      token = &m.value;
    else if (key == "type")
      type = &m.value;
  }
  if (node_id == nullptr) return Reject::kMissingField;
  if (!node_id->IsString()) return Reject::kWrongType;
  out.has_node_id = true;
  out.node_id = View(*node_id);
  if (!IsValidNodeId(out.node_id)) return Reject::kWrongType;
  if (token != nullptr) {
    if (!token->IsString()) return Reject::kWrongType;
    out.has_token = true;
    out.token = View(*token);
  }
  if (type != nullptr) {
    if (!type->IsString()) return Reject::kWrongType;
    out.type_name = View(*type);
    if (out.type_name == "heartbeat") return ReadHeartbeat(root, out);
    if (out.type_name != "detection") {
      out.type = MessageType::kUnknown;
      return Reject::kNone;
    }
  }
  return ReadFrame(root, out);
}

Reject Parser::ReadDetectionArray(const JsonValue& array, std::vector<double>& into) {
  into.resize(array.Size());
  size_t i = 0;
  for (const auto& e : array.GetArray()) {
    if (!e.IsNumber()) return Reject::kWrongType;
    const double d = e.GetDouble();
    if (!std::isfinite(d)) return Reject::kNonFinite;
    into[i++] = d;
  }
  return Reject::kNone;
}

Reject Parser::ReadFrame(const JsonValue& root, Message& out) {
  out.type = MessageType::kFrame;
  const JsonValue* timestamp = nullptr;
  const JsonValue* arrays[3] = {nullptr, nullptr, nullptr};
  const JsonValue* adsb = nullptr;
  for (const auto& m : root.GetObject()) {
    const std::string_view key = View(m.name);
    if (key == "timestamp")
      timestamp = &m.value;
    else if (key == "delay")
      arrays[0] = &m.value;
    else if (key == "doppler")
      arrays[1] = &m.value;
    else if (key == "snr")
      arrays[2] = &m.value;
    else if (key == "adsb")
      adsb = &m.value;
  }

  if (timestamp == nullptr) return Reject::kMissingField;
  if (timestamp->IsInt64()) {
    out.timestamp_ms = timestamp->GetInt64();
    if (out.timestamp_ms <= 0 || out.timestamp_ms >= kMaxTimestampMs) return Reject::kBadTimestamp;
  } else if (timestamp->IsUint64()) {
    return Reject::kBadTimestamp;
  } else if (timestamp->IsDouble() && !std::isfinite(timestamp->GetDouble())) {
    return Reject::kNonFinite;
  } else {
    return Reject::kWrongType;
  }

  const int present = (arrays[0] != nullptr) + (arrays[1] != nullptr) + (arrays[2] != nullptr);
  if (present != 0 && present != 3) return Reject::kMissingField;
  if (present == 3) {
    for (const JsonValue* a : arrays) {
      if (!a->IsArray()) return Reject::kWrongType;
      if (a->Size() > limits_.max_detections) return Reject::kTooManyDetections;
    }
    if (arrays[0]->Size() != arrays[1]->Size() || arrays[0]->Size() != arrays[2]->Size()) {
      return Reject::kLengthMismatch;
    }
    std::vector<double>* into[3] = {&delay_, &doppler_, &snr_};
    for (int i = 0; i < 3; ++i) {
      if (const Reject r = ReadDetectionArray(*arrays[i], *into[i]); r != Reject::kNone) return r;
    }
    out.count = arrays[0]->Size();
  }
  out.delay = delay_.data();
  out.doppler = doppler_.data();
  out.snr = snr_.data();

  if (adsb != nullptr && !adsb->IsNull()) {
    if (!adsb->IsArray()) return Reject::kWrongType;
    if (adsb->Size() != out.count) return Reject::kLengthMismatch;
    for (const auto& e : adsb->GetArray()) {
      if (!e.IsNull() && !e.IsObject()) return Reject::kWrongType;
    }
    for (const auto& e : adsb->GetArray()) {
      if (!AllFinite(e)) return Reject::kNonFinite;
    }
    out.adsb = pb::EncodeAdsb<pb::RapidJsonAccess>(*adsb, adsb_, adsb_encoded_);
  }
  return Reject::kNone;
}

Reject Parser::ReadHeartbeat(const JsonValue& root, Message& out) {
  out.type = MessageType::kHeartbeat;
  if (!AllFinite(root)) return Reject::kNonFinite;
  advertisement_.clear();
  AppendStruct(root, advertisement_, /*skip_identity=*/true);
  if (advertisement_.size() > limits_.max_advertisement_bytes) {
    out.advertisement_too_large = true;
    advertisement_.clear();
  }
  out.advertisement = advertisement_;
  return Reject::kNone;
}

}  // namespace radarhub::protocol
