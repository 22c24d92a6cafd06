#pragma once

// Protobuf wire format, written by hand so a frame goes from parsed JSON to bytes in one pass.
// Sizes are computed first so every length prefix is exact and the output is reserved once.
// Private to the protocol library: the frame encoder (wire.cpp) and the parser, which encodes a
// detection's ADS-B object while the JSON it came from is still alive.

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "radarhub/protocol/parser.hpp"

namespace radarhub::protocol::pb {

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
    Raw(s);
  }
  void Raw(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  char* position() const { return p_; }

 private:
  char* p_;
};

enum class JsonKind { kNull, kFalse, kTrue, kNumber, kString, kObject, kArray };

inline bool IsIdentityKey(std::string_view key) {
  return key == "node_id" || key == "token" || key == "type";
}

// google.protobuf.Struct / Value / ListValue from a JSON value of any library. `Access` says how to
// read one:
//   using Value;  static JsonKind Kind(const Value&);  static double Number(const Value&);
//   static std::string_view String(const Value&);
//   static void ForEachMember(const Value&, F f);  // f(std::string_view key, const Value& value)
//   static void ForEachElement(const Value&, F f); // f(const Value& element)
// Numbers must be finite (the parser checks). Recursion depth is bounded by the parser's limit.
template <typename Access>
class StructEncoder {
 public:
  using Value = typename Access::Value;

  static size_t StructBodySize(const Value& object, bool skip_identity) {
    size_t n = 0;
    Access::ForEachMember(object, [&](std::string_view key, const Value& value) {
      if (!skip_identity || !IsIdentityKey(key)) n += LenFieldSize(1, EntryBodySize(key, value));
    });
    return n;
  }

  static void WriteStructBody(Writer& w, const Value& object, bool skip_identity) {
    Access::ForEachMember(object, [&](std::string_view key, const Value& value) {
      if (skip_identity && IsIdentityKey(key)) return;
      w.Header(1, EntryBodySize(key, value));
      w.Bytes(1, key);
      w.Header(2, ValueBodySize(value));
      WriteValueBody(w, value);
    });
  }

  static void AppendStruct(const Value& object, std::string& out, bool skip_identity) {
    const size_t start = out.size();
    out.resize(start + StructBodySize(object, skip_identity));
    Writer w(out.data() + start);
    WriteStructBody(w, object, skip_identity);
  }

 private:
  static size_t EntryBodySize(std::string_view key, const Value& value) {
    return LenFieldSize(1, key.size()) + LenFieldSize(2, ValueBodySize(value));
  }

  static size_t ListBodySize(const Value& array) {
    size_t n = 0;
    Access::ForEachElement(array, [&](const Value& e) { n += LenFieldSize(1, ValueBodySize(e)); });
    return n;
  }

  static size_t ValueBodySize(const Value& v) {
    switch (Access::Kind(v)) {
      case JsonKind::kNull:
        return VarintFieldSize(1, 0);
      case JsonKind::kFalse:
      case JsonKind::kTrue:
        return VarintFieldSize(4, 1);
      case JsonKind::kNumber:
        return TagSize(2) + 8;
      case JsonKind::kString:
        return LenFieldSize(3, Access::String(v).size());
      case JsonKind::kObject:
        return LenFieldSize(5, StructBodySize(v, false));
      case JsonKind::kArray:
        return LenFieldSize(6, ListBodySize(v));
    }
    return 0;
  }

  static void WriteValueBody(Writer& w, const Value& v) {
    switch (Access::Kind(v)) {
      case JsonKind::kNull:
        w.VarintField(1, 0);
        break;
      case JsonKind::kFalse:
        w.VarintField(4, 0);
        break;
      case JsonKind::kTrue:
        w.VarintField(4, 1);
        break;
      case JsonKind::kNumber:
        w.Double(2, Access::Number(v));
        break;
      case JsonKind::kString:
        w.Bytes(3, Access::String(v));
        break;
      case JsonKind::kObject:
        w.Header(5, StructBodySize(v, false));
        WriteStructBody(w, v, false);
        break;
      case JsonKind::kArray:
        w.Header(6, ListBodySize(v));
        Access::ForEachElement(v, [&](const Value& e) {
          w.Header(1, ValueBodySize(e));
          WriteValueBody(w, e);
        });
        break;
    }
  }
};

// Fills `entries` from a checked "adsb" array (every element null or an object of finite numbers),
// each object encoded as a google.protobuf.Struct into `encoded`. The same code for both paths, so
// that they cannot differ here.
template <typename Access>
const AdsbEntry* EncodeAdsb(const typename Access::Value& array, std::vector<AdsbEntry>& entries,
                            std::string& encoded) {
  using Value = typename Access::Value;
  using Encoder = StructEncoder<Access>;
  entries.clear();
  size_t total = 0;
  Access::ForEachElement(array, [&](const Value& e) {
    AdsbEntry& entry = entries.emplace_back();
    entry.is_object = Access::Kind(e) == JsonKind::kObject;
    if (entry.is_object) total += Encoder::StructBodySize(e, false);
  });
  encoded.resize(total);  // once, so the views below stay valid
  Writer w(encoded.data());
  size_t i = 0;
  Access::ForEachElement(array, [&](const Value& e) {
    AdsbEntry& entry = entries[i++];
    if (!entry.is_object) return;
    char* const start = w.position();
    Encoder::WriteStructBody(w, e, false);
    entry.encoded = {start, static_cast<size_t>(w.position() - start)};
    bool first = true;
    Access::ForEachMember(e, [&](std::string_view key, const Value& value) {
      if (!first || key != "hex") return;
      first = false;
      if (Access::Kind(value) == JsonKind::kString) entry.hex = Access::String(value);
    });
  });
  return entries.data();
}

// The reference path's DOM, for StructEncoder.
struct RapidJsonAccess {
  using Value = JsonValue;
  static JsonKind Kind(const Value& v) {
    switch (v.GetType()) {
      case rapidjson::kNullType:
        return JsonKind::kNull;
      case rapidjson::kFalseType:
        return JsonKind::kFalse;
      case rapidjson::kTrueType:
        return JsonKind::kTrue;
      case rapidjson::kNumberType:
        return JsonKind::kNumber;
      case rapidjson::kStringType:
        return JsonKind::kString;
      case rapidjson::kObjectType:
        return JsonKind::kObject;
      case rapidjson::kArrayType:
        break;
    }
    return JsonKind::kArray;
  }
  static double Number(const Value& v) { return v.GetDouble(); }
  static std::string_view String(const Value& v) { return {v.GetString(), v.GetStringLength()}; }
  template <typename F>
  static void ForEachMember(const Value& object, F f) {
    for (const auto& m : object.GetObject()) f(String(m.name), m.value);
  }
  template <typename F>
  static void ForEachElement(const Value& array, F f) {
    for (const auto& e : array.GetArray()) f(e);
  }
};

}  // namespace radarhub::protocol::pb
