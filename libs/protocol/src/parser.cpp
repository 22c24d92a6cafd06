#include "radarhub/protocol/parser.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include <simdjson.h>

#include "protobuf_writer.hpp"
#include "radarhub/protocol/node_id.hpp"
#include "radarhub/protocol/wire.hpp"

namespace radarhub::protocol {
namespace {

// In place, strict UTF-8. NaN/Infinity literals are accepted by the tokenizer only so that they
// can be refused with the precise reason (non_finite) rather than as invalid JSON. Numbers come
// through as text and are converted by std::from_chars (correctly rounded, and fast): RapidJSON
// 1.1's own full-precision path has undefined behaviour on underflowing input such as 3e-325.
constexpr unsigned kParseFlags =
    rapidjson::kParseInsituFlag | rapidjson::kParseValidateEncodingFlag |
    rapidjson::kParseNanAndInfFlag | rapidjson::kParseNumbersAsStringsFlag;

enum class NumberKind { kInt64, kUint64, kDouble };

bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// The power of ten of a non-zero number's first significant digit (1.5e3: 3, 0.002: -3), the
// exponent saturating: tells an underflow from an overflow ("0.<400 zeros>1" has no "e-").
int DecimalExponent(const char* p, const char* end) {
  p += *p == '-';
  const char* const integer = p;
  while (p != end && IsDigit(*p)) ++p;
  int power = 0;
  const char* first = std::find_if(integer, p, [](char c) { return c != '0'; });
  if (first != p) {
    power = static_cast<int>(p - first) - 1;
  } else if (p != end && *p == '.') {
    const char* const fraction = ++p;
    while (p != end && IsDigit(*p)) ++p;
    first = std::find_if(fraction, p, [](char c) { return c != '0'; });
    power = -static_cast<int>(first - fraction) - 1;
  }
  while (p != end && *p != 'e' && *p != 'E') ++p;
  int exponent = 0;
  if (p != end) {
    ++p;
    const bool negative = *p == '-';
    p += *p == '-' || *p == '+';
    for (; p != end; ++p) exponent = std::min(exponent * 10 + (*p - '0'), 100000);
    if (negative) exponent = -exponent;
  }
  return power + exponent;
}

// The general conversion: integers stay exact; anything else is the nearest double (from_chars);
// overflow gives infinity (refused later as non_finite), underflow gives zero.
NumberKind ConvertNumberSlow(const char* text, size_t length, int64_t& i, uint64_t& u, double& d) {
  const char* end = text + length;
  bool integral = true;
  for (const char* p = text; p != end; ++p) {
    if (*p != '-' && (*p < '0' || *p > '9')) integral = false;
  }
  if (integral) {
    if (std::from_chars(text, end, i).ec == std::errc()) return NumberKind::kInt64;
    if (text[0] != '-' && std::from_chars(text, end, u).ec == std::errc())
      return NumberKind::kUint64;
  }
  const auto [ptr, ec] = std::from_chars(text, end, d);
  if (ec == std::errc::result_out_of_range) {
    const double magnitude =
        DecimalExponent(text, end) < 0 ? 0.0 : std::numeric_limits<double>::infinity();
    d = text[0] == '-' ? -magnitude : magnitude;
  } else if (ec != std::errc() || ptr != end) {
    d = std::numeric_limits<double>::quiet_NaN();  // cannot happen after the grammar check
  }
  return NumberKind::kDouble;
}

constexpr double kExactPowersOf10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// Converts a JSON number's text (already checked against the grammar, or NaN/Infinity), as
// ConvertNumberSlow does. Numbers as nodes write them (at most 15 digits, an exponent within
// ±22 after the decimal point is counted) take Clinger's fast path: the digits as an exact integer
// times or divided by an exact power of ten, one correctly rounded operation. Everything else goes
// the general way.
NumberKind ConvertNumber(const char* text, size_t length, int64_t& i, uint64_t& u, double& d) {
  const char* p = text;
  const char* const end = text + length;
  const bool negative = *p == '-';
  p += negative;
  const char* const first_digit = p;
  uint64_t digits = 0;
  while (p != end && static_cast<unsigned char>(*p - '0') < 10) digits = digits * 10 + (*p++ - '0');
  int fraction = 0;
  if (p != end && *p == '.') {
    const char* const fraction_start = ++p;
    while (p != end && static_cast<unsigned char>(*p - '0') < 10)
      digits = digits * 10 + (*p++ - '0');
    fraction = static_cast<int>(p - fraction_start);
  }
  // At most 15 digits in all (leading zeros included): the integer is exact and below 2^53.
  if (p - first_digit - (fraction != 0) > 15 || p == first_digit)
    return ConvertNumberSlow(text, length, i, u, d);
  if (p == end && fraction == 0) {
    i = negative ? -static_cast<int64_t>(digits) : static_cast<int64_t>(digits);
    return NumberKind::kInt64;
  }
  int exponent = 0;
  if (p != end) {  // 'e' or 'E': the grammar allows nothing else here
    ++p;
    const bool exponent_negative = *p == '-';
    p += *p == '-' || *p == '+';
    // Saturating: "1e-99999999999" is valid JSON (zero).
    for (; p != end && static_cast<unsigned char>(*p - '0') < 10; ++p)
      exponent = std::min(exponent * 10 + (*p - '0'), 1000);
    if (exponent_negative) exponent = -exponent;
  }
  const int power = exponent - fraction;
  if (power < -22 || power > 22 || p != end) return ConvertNumberSlow(text, length, i, u, d);
  const double value = power >= 0 ? static_cast<double>(digits) * kExactPowersOf10[power]
                                  : static_cast<double>(digits) / kExactPowersOf10[-power];
  d = negative ? -value : value;
  return NumberKind::kDouble;
}

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
constexpr int64_t kMaxTimestamp = int64_t{1} << 53;

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
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;
    switch (ConvertNumber(s, n, i, u, d)) {
      case NumberKind::kInt64:
        return inner.Int64(i);
      case NumberKind::kUint64:
        return inner.Uint64(u);
      case NumberKind::kDouble:
        break;
    }
    return inner.Double(d);
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

static_assert(kLinePadding >= simdjson::SIMDJSON_PADDING, "the frame path reads past the line");

// RapidJSON's tokenizer refuses some finite numbers that simdjson takes: an integer part of 309 or
// more digits ("1<310 zeros>e-50"), or an exponent above 308 on a zero mantissa ("0e309"). The
// reference path reports them as non_finite, so the frame path must leave them to it. True when
// the line may hold one: a run of at least 288 digits, or an exponent of three or more digits.
bool MayHoldNumberRapidJsonRefuses(const char* line, size_t size) {
  // Any run of 288 digits covers one of these samples; a sample inside a number costs a short walk.
  constexpr size_t kStride = 144;
  for (size_t i = kStride; i < size; i += kStride) {
    if (!IsDigit(line[i])) continue;
    size_t begin = i, end = i;
    while (begin > 0 && IsDigit(line[begin - 1])) --begin;
    while (end < size && IsDigit(line[end])) ++end;
    if (end - begin >= 2 * kStride) return true;
  }
  for (const char e : {'e', 'E'}) {
    for (const char* p = line;
         (p = static_cast<const char*>(std::memchr(p, e, size - static_cast<size_t>(p - line)))) !=
         nullptr;
         ++p) {
      if (p == line || !IsDigit(p[-1])) continue;  // a letter of a key or a string
      const char* q = p + 1;
      const char* const end = line + size;
      if (q != end && (*q == '+' || *q == '-')) ++q;
      if (end - q >= 3 && IsDigit(q[0]) && IsDigit(q[1]) && IsDigit(q[2])) return true;
    }
  }
  return false;
}

// The frame path's DOM, for StructEncoder and EncodeAdsb.
struct SimdjsonAccess {
  using Value = simdjson::dom::element;
  static pb::JsonKind Kind(const Value& v) {
    switch (v.type()) {
      case simdjson::dom::element_type::NULL_VALUE:
        return pb::JsonKind::kNull;
      case simdjson::dom::element_type::BOOL:
        return v.get_bool().value_unsafe() ? pb::JsonKind::kTrue : pb::JsonKind::kFalse;
      case simdjson::dom::element_type::INT64:
      case simdjson::dom::element_type::UINT64:
      case simdjson::dom::element_type::DOUBLE:
        return pb::JsonKind::kNumber;
      case simdjson::dom::element_type::STRING:
        return pb::JsonKind::kString;
      case simdjson::dom::element_type::OBJECT:
        return pb::JsonKind::kObject;
      case simdjson::dom::element_type::ARRAY:
        break;
    }
    return pb::JsonKind::kArray;
  }
  // Integers convert as RapidJSON's GetDouble converts them (static_cast).
  static double Number(const Value& v) { return v.get_double().value_unsafe(); }
  static std::string_view String(const Value& v) { return v.get_string().value_unsafe(); }
  template <typename F>
  static void ForEachMember(const Value& v, F f) {
    const simdjson::dom::object object(v);
    for (const auto member : object) f(member.key, member.value);
  }
  template <typename F>
  static void ForEachElement(const Value& v, F f) {
    const simdjson::dom::array array(v);
    for (const Value e : array) f(e);
  }
};

// Fills `entries` from a checked "adsb" array (every element null or an object of finite numbers),
// each object encoded as a google.protobuf.Struct into `encoded`. The same code for both paths, so
// that they cannot differ here.
template <typename Access>
const AdsbEntry* EncodeAdsb(const typename Access::Value& array, std::vector<AdsbEntry>& entries,
                            std::string& encoded) {
  using Value = typename Access::Value;
  using Encoder = pb::StructEncoder<Access>;
  entries.clear();
  size_t total = 0;
  Access::ForEachElement(array, [&](const Value& e) {
    AdsbEntry& entry = entries.emplace_back();
    entry.is_object = Access::Kind(e) == pb::JsonKind::kObject;
    if (entry.is_object) total += Encoder::StructBodySize(e, false);
  });
  encoded.resize(total);  // once, so the views below stay valid
  pb::Writer w(encoded.data());
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
      if (Access::Kind(value) == pb::JsonKind::kString) entry.hex = Access::String(value);
    });
  });
  return entries.data();
}

}  // namespace

struct Parser::FramePath {
  simdjson::dom::parser parser;
};

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
      frame_path_(paths == Paths::kBoth ? std::make_unique<FramePath>() : nullptr) {
  // simdjson refuses non-empty containers at its max_depth but lets empty ones one level deeper;
  // the reference path accepts max_depth exactly. So the frame path gets one level less: lines
  // nested exactly max_depth deep are left to the reference path, none it refuses get through.
  if (frame_path_ != nullptr &&
      frame_path_->parser.allocate(4096, static_cast<size_t>(limits_.max_depth)) !=
          simdjson::SUCCESS) {
    throw std::bad_alloc();
  }
}

Parser::~Parser() = default;

// Accepts only what the reference path would accept, with the same result; returns false for
// everything else, whatever the reason, and leaves the decision to the reference path.
bool Parser::ParseFrame(const char* line, size_t size, Message& out) {
  using simdjson::SUCCESS;
  using simdjson::dom::element;
  using simdjson::dom::element_type;
  element root;
  if (frame_path_->parser.parse(line, size, /*realloc_if_needed=*/false).get(root) != SUCCESS ||
      root.type() != element_type::OBJECT) {
    return false;
  }
  // The last of repeated keys counts, as in the reference path.
  enum Field { kNodeId, kToken, kType, kTimestamp, kDelay, kDoppler, kSnr, kAdsb, kFields };
  static constexpr std::string_view kNames[kFields] = {"node_id", "token",   "type", "timestamp",
                                                       "delay",   "doppler", "snr",  "adsb"};
  element fields[kFields];
  bool present[kFields] = {};
  const simdjson::dom::object object(root);
  for (const auto member : object) {
    const auto name = std::find(std::begin(kNames), std::end(kNames), member.key);
    if (name == std::end(kNames)) continue;
    const auto f = static_cast<size_t>(name - std::begin(kNames));
    fields[f] = member.value;
    present[f] = true;
  }

  if (!present[kNodeId] || fields[kNodeId].get(out.node_id) != SUCCESS ||
      !IsValidNodeId(out.node_id)) {
    return false;
  }
  out.has_node_id = true;
  if (present[kToken]) {
    if (fields[kToken].get(out.token) != SUCCESS) return false;
    out.has_token = true;
  }
  if (present[kType]) {
    if (fields[kType].get(out.type_name) != SUCCESS || out.type_name != "detection") return false;
  }
  out.type = MessageType::kFrame;
  if (!present[kTimestamp] || fields[kTimestamp].type() != element_type::INT64) return false;
  out.timestamp_ms = fields[kTimestamp].get_int64().value_unsafe();
  if (out.timestamp_ms <= 0 || out.timestamp_ms >= kMaxTimestamp) return false;

  const int arrays = present[kDelay] + present[kDoppler] + present[kSnr];
  if (arrays != 0 && arrays != 3) return false;
  if (arrays == 3) {
    std::vector<double>* into[3] = {&delay_, &doppler_, &snr_};
    for (int i = 0; i < 3; ++i) {
      simdjson::dom::array array;
      if (fields[kDelay + i].get(array) != SUCCESS) return false;
      const size_t n = array.size();
      if (n > limits_.max_detections || (i != 0 && n != out.count)) return false;
      out.count = n;
      into[i]->resize(n);
      double* d = into[i]->data();
      // simdjson refuses numbers out of double's range: every one here is finite.
      for (const element e : array) {
        if (e.get_double().get(*d++) != SUCCESS) return false;
      }
    }
  }
  out.delay = delay_.data();
  out.doppler = doppler_.data();
  out.snr = snr_.data();

  if (present[kAdsb] && !fields[kAdsb].is_null()) {
    simdjson::dom::array array;
    if (fields[kAdsb].get(array) != SUCCESS || array.size() != out.count) return false;
    for (const element e : array) {
      if (!e.is_null() && e.type() != element_type::OBJECT) return false;
    }
    out.adsb = EncodeAdsb<SimdjsonAccess>(fields[kAdsb], adsb_, adsb_encoded_);
  }
  return true;
}

Reject Parser::ParseJson(char* line, size_t size, bool ascii) {
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
  const bool ascii = IsAscii(line, size);
  // Escapes and non-ASCII bytes are where JSON parsers differ at the edges (lone surrogates,
  // invalid UTF-8): the frame path leaves them to the reference path.
  if (frame_path_ != nullptr && ascii && size <= kFramePathMaxBytes &&
      std::memchr(line, '\\', size) == nullptr && !MayHoldNumberRapidJsonRefuses(line, size) &&
      ParseFrame(line, size, out)) {
    last_path_ = Path::kFrame;
    return Reject::kNone;
  }
  last_path_ = Path::kReference;
  out = Message{};
  if (const Reject r = ParseJson(line, size, ascii); r != Reject::kNone) return r;
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
    if (out.timestamp_ms <= 0 || out.timestamp_ms >= kMaxTimestamp) return Reject::kBadTimestamp;
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
    out.adsb = EncodeAdsb<pb::RapidJsonAccess>(*adsb, adsb_, adsb_encoded_);
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
