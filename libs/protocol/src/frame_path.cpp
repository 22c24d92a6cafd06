// The frame path: one pass over a line as nodes send it, checking the JSON grammar and every rule
// of protocol.md while writing numbers straight into the frame (no document is built). It takes
// only lines it can decide alone and that the reference path accepts, with the same result;
// anything else (escapes, non-ASCII, numbers at the edges of the grammar, any rejection) it
// declines, and the reference path decides (parser.cpp; tests/support/parser_agreement.hpp and
// tests/fuzz/line_fuzz.cpp hold the two to the same result on every line).

#include <array>

#include "frame_path.hpp"
#include "json_number.hpp"
#include "radarhub/protocol/node_id.hpp"

namespace radarhub::protocol {
namespace {

// The reference tokenizer refuses some finite numbers as too big (308 integer digits; an exponent
// near 308): the frame path takes no number longer than this or with an exponent of 100 or more,
// and so never meets one. Nodes write a detection's number in a dozen characters.
constexpr ptrdiff_t kMaxNumberBytes = 32;
constexpr int kMaxExponent = 99;

// Printable ASCII but the two bytes that end or escape a string: what a string may hold here.
constexpr auto kPlainStringByte = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[static_cast<size_t>(c)] = c != '"' && c != '\\';
  return plain;
}();

// Reads a line that ends in a NUL sentinel at `end`: no byte before it is compared against the
// end, since the sentinel stops every token (a NUL is not whitespace, not part of a number or a
// literal, and not allowed in a string). A NUL inside the line stops them the same way.
class Scanner {
 public:
  Scanner(const char* begin, const char* end, int max_depth)
      : p_(begin), end_(end), max_depth_(max_depth) {}

  // True and past `c` when the next token is `c`.
  bool Consume(char c) {
    SkipSpace();
    if (*p_ != c) return false;
    ++p_;
    return true;
  }
  char Peek() {
    SkipSpace();
    return *p_;
  }
  bool AtEnd() {
    SkipSpace();
    return p_ == end_;
  }

  // A string of printable ASCII without escapes; the rest is the reference path's.
  bool String(std::string_view& out) {
    if (!Consume('"')) return false;
    const char* const begin = p_;
    while (kPlainStringByte[static_cast<unsigned char>(*p_)]) ++p_;
    if (*p_ != '"') return false;
    out = {begin, static_cast<size_t>(p_++ - begin)};
    return true;
  }

  bool Number(json::Number& out) {
    SkipSpace();
    const char* const end = json::ScanNumber<true>(p_, end_, out);
    if (end == nullptr || end - p_ > kMaxNumberBytes || out.exponent > kMaxExponent ||
        out.exponent < -kMaxExponent) {
      return false;
    }
    p_ = end;
    return true;
  }

  // "[number, ...]" into `into` (cleared first), at most `max` of them.
  bool NumberArray(std::vector<double>& into, size_t max) {
    into.clear();
    if (max_depth_ < 2 || !Consume('[')) return false;
    if (Consume(']')) return true;
    do {
      json::Number n;
      if (into.size() == max || !Number(n)) return false;
      into.push_back(n.AsDouble());
    } while (Consume(','));
    return Consume(']');
  }

  // Any JSON value nested at `depth` (the root object is 1), checked; recorded in `tape` if given.
  bool Value(int depth, Tape* tape) {
    switch (Peek()) {
      case '"': {
        std::string_view s;
        if (!String(s)) return false;
        if (tape != nullptr) tape->Push({pb::JsonKind::kString, 1, 0, s});
        return true;
      }
      case '{':
        return Container(depth, true, tape);
      case '[':
        return Container(depth, false, tape);
      case 't':
        return Literal("true", pb::JsonKind::kTrue, tape);
      case 'f':
        return Literal("false", pb::JsonKind::kFalse, tape);
      case 'n':
        return Literal("null", pb::JsonKind::kNull, tape);
      default: {
        json::Number n;
        if (!Number(n)) return false;
        if (tape != nullptr) tape->Push({pb::JsonKind::kNumber, 1, n.AsDouble(), {}});
        return true;
      }
    }
  }

  bool Literal(std::string_view word, pb::JsonKind kind, Tape* tape) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word)
      return false;
    p_ += word.size();
    if (tape != nullptr) tape->Push({kind, 1, 0, {}});
    return true;
  }

 private:
  void SkipSpace() {
    // Nodes rarely put whitespace between tokens: one comparison when there is none.
    while (static_cast<unsigned char>(*p_) <= ' ' &&
           (*p_ == ' ' || *p_ == '\t' || *p_ == '\r' || *p_ == '\n')) {
      ++p_;
    }
  }

  bool Container(int depth, bool object, Tape* tape) {
    if (depth > max_depth_) return false;
    ++p_;
    const size_t at = tape != nullptr ? tape->size() : 0;
    if (tape != nullptr) tape->Push({object ? pb::JsonKind::kObject : pb::JsonKind::kArray});
    const char close = object ? '}' : ']';
    if (!Consume(close)) {
      do {
        if (object) {
          std::string_view key;
          if (!String(key) || !Consume(':')) return false;
          if (tape != nullptr) tape->Push({pb::JsonKind::kString, 1, 0, key});
        }
        if (!Value(depth + 1, tape)) return false;
      } while (Consume(','));
      if (!Consume(close)) return false;
    }
    if (tape != nullptr) (*tape)[at].size = static_cast<uint32_t>(tape->size() - at);
    return true;
  }

  const char* p_;
  const char* const end_;
  const int max_depth_;
};

enum Field { kNodeId, kToken, kType, kTimestamp, kDelay, kDoppler, kSnr, kAdsb, kOther };

Field FieldOf(std::string_view key) {
  switch (key.size()) {
    case 3:
      return key == "snr" ? kSnr : kOther;
    case 4:
      return key == "type" ? kType : key == "adsb" ? kAdsb : kOther;
    case 5:
      return key == "token" ? kToken : key == "delay" ? kDelay : kOther;
    case 7:
      return key == "node_id" ? kNodeId : key == "doppler" ? kDoppler : kOther;
    case 9:
      return key == "timestamp" ? kTimestamp : kOther;
    default:
      return kOther;
  }
}

}  // namespace

bool Parser::ScanFrame(char* line, size_t size, Message& out) {
  line[size] = '\0';  // the scanner's sentinel, in the padding
  Scanner s(line, line + size, limits_.max_depth);
  if (limits_.max_depth < 1 || !s.Consume('{')) return false;
  // A repeated key counts last, as in the reference path: each occurrence is checked as it comes
  // (one the reference path would ignore but that fails here only costs the detour), and the
  // checks that relate fields wait for the end.
  bool present[kOther] = {};
  bool adsb_null = false;
  std::vector<double>* const arrays[3] = {&delay_, &doppler_, &snr_};
  Tape& adsb = frame_path_->adsb;
  if (!s.Consume('}')) {
    do {
      std::string_view key;
      if (!s.String(key) || !s.Consume(':')) return false;
      const Field field = FieldOf(key);
      switch (field) {
        case kNodeId:
          if (!s.String(out.node_id)) return false;
          break;
        case kToken:
          if (!s.String(out.token)) return false;
          break;
        case kType:
          if (!s.String(out.type_name) || out.type_name != "detection") return false;
          break;
        case kTimestamp: {
          json::Number n;
          if (!s.Number(n) || n.kind != json::NumberKind::kInt64 || n.i <= 0 ||
              n.i >= kMaxTimestampMs) {
            return false;
          }
          out.timestamp_ms = n.i;
          break;
        }
        case kDelay:
        case kDoppler:
        case kSnr:
          if (!s.NumberArray(*arrays[field - kDelay], limits_.max_detections)) return false;
          break;
        case kAdsb:
          adsb.Clear();
          adsb_null = s.Peek() == 'n';
          if (adsb_null ? !s.Literal("null", pb::JsonKind::kNull, nullptr)
                        : s.Peek() != '[' || !s.Value(2, &adsb)) {
            return false;
          }
          break;
        case kOther:
          if (!s.Value(2, nullptr)) return false;
          break;
      }
      if (field != kOther) present[field] = true;
    } while (s.Consume(','));
    if (!s.Consume('}')) return false;
  }
  if (!s.AtEnd()) return false;

  if (!present[kNodeId] || !IsValidNodeId(out.node_id) || !present[kTimestamp]) return false;
  out.has_node_id = true;
  out.has_token = present[kToken];
  out.type = MessageType::kFrame;
  const int arrays_present = present[kDelay] + present[kDoppler] + present[kSnr];
  if (arrays_present == 3) {
    if (delay_.size() != doppler_.size() || delay_.size() != snr_.size()) return false;
    out.count = delay_.size();
  } else if (arrays_present != 0) {
    return false;
  }
  out.delay = delay_.data();
  out.doppler = doppler_.data();
  out.snr = snr_.data();

  if (present[kAdsb] && !adsb_null) {
    const TapeEntry& array = adsb.front();
    size_t elements = 0;
    bool all_null_or_object = true;
    TapeAccess::ForEachElement(array, [&](const TapeEntry& e) {
      ++elements;
      all_null_or_object &= e.kind == pb::JsonKind::kNull || e.kind == pb::JsonKind::kObject;
    });
    if (elements != out.count || !all_null_or_object) return false;
    out.adsb = pb::EncodeAdsb<TapeAccess>(array, adsb_, adsb_encoded_);
  }
  return true;
}

}  // namespace radarhub::protocol
