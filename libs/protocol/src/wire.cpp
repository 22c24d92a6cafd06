#include "radarhub/protocol/wire.hpp"

#include <bit>
#include <cstring>
#include <vector>

namespace radarhub::protocol {
namespace {

// Protobuf wire format, written by hand so a frame goes from parsed JSON to bytes in one pass.
// Sizes are computed first so every length prefix is exact and the output is reserved once.
enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2 };

constexpr size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
constexpr size_t TagSize(uint32_t field) { return VarintSize(field << 3); }
constexpr size_t LenFieldSize(uint32_t field, size_t len) {
  return TagSize(field) + VarintSize(len) + len;
}
constexpr size_t VarintFieldSize(uint32_t field, uint64_t v) {
  return TagSize(field) + VarintSize(v);
}

class Writer {
 public:
  explicit Writer(char* p) : p_(p) {}
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      *p_++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p_++ = static_cast<char>(v);
  }
  void Tag(uint32_t field, WireType type) { Varint((field << 3) | type); }
  void Double(uint32_t field, double d) {
    Tag(field, kFixed64);
    // fixed64 is little-endian on the wire, as in memory here: one 8-byte store.
    static_assert(std::endian::native == std::endian::little);
    std::memcpy(p_, &d, sizeof d);
    p_ += sizeof d;
  }
  void VarintField(uint32_t field, uint64_t v) {
    Tag(field, kVarint);
    Varint(v);
  }
  void Header(uint32_t field, size_t len) {
    Tag(field, kLen);
    Varint(len);
  }
  void Bytes(uint32_t field, std::string_view s) {
    Header(field, s.size());
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  char* position() const { return p_; }

 private:
  char* p_;
};

std::string_view View(const JsonValue& v) { return {v.GetString(), v.GetStringLength()}; }

bool IsIdentityKey(std::string_view key) {
  return key == "node_id" || key == "token" || key == "type";
}

// google.protobuf.Value / Struct / ListValue. Recursion depth is bounded by the parser's limit.
size_t StructBodySize(const JsonValue& object, bool skip_identity);
size_t ListBodySize(const JsonValue& array);

size_t ValueBodySize(const JsonValue& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      return VarintFieldSize(1, 0);
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return VarintFieldSize(4, 1);
    case rapidjson::kNumberType:
      return TagSize(2) + 8;
    case rapidjson::kStringType:
      return LenFieldSize(3, v.GetStringLength());
    case rapidjson::kObjectType:
      return LenFieldSize(5, StructBodySize(v, false));
    case rapidjson::kArrayType:
      return LenFieldSize(6, ListBodySize(v));
  }
  return 0;
}

size_t EntryBodySize(const JsonValue& key, const JsonValue& value) {
  return LenFieldSize(1, key.GetStringLength()) + LenFieldSize(2, ValueBodySize(value));
}

size_t StructBodySize(const JsonValue& object, bool skip_identity) {
  size_t n = 0;
  for (const auto& m : object.GetObject()) {
    if (skip_identity && IsIdentityKey(View(m.name))) continue;
    n += LenFieldSize(1, EntryBodySize(m.name, m.value));
  }
  return n;
}

size_t ListBodySize(const JsonValue& array) {
  size_t n = 0;
  for (const auto& e : array.GetArray()) n += LenFieldSize(1, ValueBodySize(e));
  return n;
}

void WriteStructBody(Writer& w, const JsonValue& object, bool skip_identity);
void WriteListBody(Writer& w, const JsonValue& array);

void WriteValueBody(Writer& w, const JsonValue& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      w.VarintField(1, 0);
      break;
    case rapidjson::kFalseType:
      w.VarintField(4, 0);
      break;
    case rapidjson::kTrueType:
      w.VarintField(4, 1);
      break;
    case rapidjson::kNumberType:
      w.Double(2, v.GetDouble());
      break;
    case rapidjson::kStringType:
      w.Bytes(3, View(v));
      break;
    case rapidjson::kObjectType:
      w.Header(5, StructBodySize(v, false));
      WriteStructBody(w, v, false);
      break;
    case rapidjson::kArrayType:
      w.Header(6, ListBodySize(v));
      WriteListBody(w, v);
      break;
  }
}

void WriteStructBody(Writer& w, const JsonValue& object, bool skip_identity) {
  for (const auto& m : object.GetObject()) {
    if (skip_identity && IsIdentityKey(View(m.name))) continue;
    w.Header(1, EntryBodySize(m.name, m.value));
    w.Bytes(1, View(m.name));
    w.Header(2, ValueBodySize(m.value));
    WriteValueBody(w, m.value);
  }
}

void WriteListBody(Writer& w, const JsonValue& array) {
  for (const auto& e : array.GetArray()) {
    w.Header(1, ValueBodySize(e));
    WriteValueBody(w, e);
  }
}

// proto3 leaves out fields at their default; a double's default is +0.0 exactly (bitwise).
bool IsDefault(double d) { return std::bit_cast<uint64_t>(d) == 0; }
size_t DoubleFieldSize(uint32_t field, double d) { return IsDefault(d) ? 0 : TagSize(field) + 8; }

const JsonValue* AdsbAt(const Message& m, size_t i) {
  if (m.adsb == nullptr) return nullptr;
  const JsonValue& v = (*m.adsb)[static_cast<rapidjson::SizeType>(i)];
  return v.IsObject() ? &v : nullptr;
}

size_t DetectionBodySize(const Message& m, size_t i) {
  size_t n = DoubleFieldSize(1, m.delay[i]) + DoubleFieldSize(2, m.doppler[i]) +
             DoubleFieldSize(3, m.snr[i]);
  if (const JsonValue* adsb = AdsbAt(m, i)) n += LenFieldSize(4, StructBodySize(*adsb, false));
  return n;
}

size_t TimestampBodySize(WallTime t) {
  return (t.seconds != 0 ? VarintFieldSize(1, static_cast<uint64_t>(t.seconds)) : 0) +
         (t.nanos != 0 ? VarintFieldSize(2, static_cast<uint64_t>(t.nanos)) : 0);
}

// Detection sizes from the size pass, reused by the write pass (per thread, capacity kept).
std::vector<uint32_t>& DetectionSizes() {
  thread_local std::vector<uint32_t> sizes;
  return sizes;
}

size_t FrameBodySize(const Message& m, uint64_t sequence, uint64_t epoch, WallTime received_at) {
  size_t n =
      LenFieldSize(1, m.node_id.size()) + VarintFieldSize(2, static_cast<uint64_t>(m.timestamp_ms));
  std::vector<uint32_t>& sizes = DetectionSizes();
  sizes.resize(m.count);
  for (size_t i = 0; i < m.count; ++i) {
    sizes[i] = static_cast<uint32_t>(DetectionBodySize(m, i));
    n += LenFieldSize(3, sizes[i]);
  }
  if (sequence != 0) n += VarintFieldSize(4, sequence);
  if (epoch != 0) n += VarintFieldSize(5, epoch);
  n += LenFieldSize(6, TimestampBodySize(received_at));
  return n;
}

}  // namespace

size_t FrameEventSize(const Message& m, uint64_t sequence, uint64_t epoch, WallTime received_at) {
  return LenFieldSize(1, m.node_id.size()) +
         LenFieldSize(2, FrameBodySize(m, sequence, epoch, received_at));
}

void AppendFrameEvent(const Message& m, uint64_t sequence, uint64_t epoch, WallTime received_at,
                      std::string& out) {
  const size_t frame_size = FrameBodySize(m, sequence, epoch, received_at);
  const size_t total = LenFieldSize(1, m.node_id.size()) + LenFieldSize(2, frame_size);
  const size_t start = out.size();
  out.resize(start + total);
  Writer w(out.data() + start);
  w.Bytes(1, m.node_id);    // NodeEvent.node_id
  w.Header(2, frame_size);  // NodeEvent.frame
  w.Bytes(1, m.node_id);    // DetectionFrame.node_id
  w.VarintField(2, static_cast<uint64_t>(m.timestamp_ms));
  const std::vector<uint32_t>& sizes = DetectionSizes();
  for (size_t i = 0; i < m.count; ++i) {
    w.Header(3, sizes[i]);
    if (!IsDefault(m.delay[i])) w.Double(1, m.delay[i]);
    if (!IsDefault(m.doppler[i])) w.Double(2, m.doppler[i]);
    if (!IsDefault(m.snr[i])) w.Double(3, m.snr[i]);
    if (const JsonValue* adsb = AdsbAt(m, i)) {
      w.Header(4, StructBodySize(*adsb, false));
      WriteStructBody(w, *adsb, false);
    }
  }
  if (sequence != 0) w.VarintField(4, sequence);
  if (epoch != 0) w.VarintField(5, epoch);
  w.Header(6, TimestampBodySize(received_at));
  if (received_at.seconds != 0) w.VarintField(1, static_cast<uint64_t>(received_at.seconds));
  if (received_at.nanos != 0) w.VarintField(2, static_cast<uint64_t>(received_at.nanos));
}

void AppendStruct(const JsonValue& object, std::string& out, bool skip_identity) {
  const size_t start = out.size();
  out.resize(start + StructBodySize(object, skip_identity));
  Writer w(out.data() + start);
  WriteStructBody(w, object, skip_identity);
}

}  // namespace radarhub::protocol
