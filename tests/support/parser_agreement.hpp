#pragma once

// The protocol parser's two paths must agree: on every line the frame path accepts, the
// reference path (RapidJSON) must accept it too and give the same message, byte for byte once
// encoded. Used by the parser's unit tests and by the line fuzzer.

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "radarhub/protocol/parser.hpp"
#include "radarhub/protocol/wire.hpp"

namespace radarhub::protocol::testing {

class ParserAgreement {
 public:
  explicit ParserAgreement(ParseLimits limits = {})
      : both_(limits), reference_(limits, Parser::Paths::kReferenceOnly) {}

  // Parses `line` with both parsers and describes the first difference; empty when they agree.
  std::string Compare(std::string_view line) {
    Message a, b;
    const Reject ra = Run(both_, line, a_line_, a);
    const Reject rb = Run(reference_, line, b_line_, b);
    if (ra != rb)
      return "reason " + std::string(RejectName(ra)) + " vs " + std::string(RejectName(rb));
    if (a.has_node_id != b.has_node_id || a.node_id != b.node_id) return "node_id";
    if (ra != Reject::kNone) return {};
    if (a.type != b.type || a.type_name != b.type_name) return "type";
    if (a.has_token != b.has_token || a.token != b.token) return "token";
    if (a.timestamp_ms != b.timestamp_ms) return "timestamp";
    if (a.advertisement != b.advertisement ||
        a.advertisement_too_large != b.advertisement_too_large) {
      return "advertisement";
    }
    if (a.count != b.count) return "count";
    for (size_t i = 0; i < a.count; ++i) {
      if (!SameBits(a.delay[i], b.delay[i]) || !SameBits(a.doppler[i], b.doppler[i]) ||
          !SameBits(a.snr[i], b.snr[i])) {
        return "detection " + std::to_string(i);
      }
      if ((a.adsb == nullptr) != (b.adsb == nullptr)) return "adsb presence";
      if (a.adsb != nullptr &&
          (a.adsb[i].is_object != b.adsb[i].is_object || a.adsb[i].hex != b.adsb[i].hex ||
           a.adsb[i].encoded != b.adsb[i].encoded)) {
        return "adsb " + std::to_string(i);
      }
    }
    if (a.type == MessageType::kFrame) {
      std::string ea, eb;
      AppendFrameEvent(a, 1, 2, {3, 4}, ea);
      AppendFrameEvent(b, 1, 2, {3, 4}, eb);
      if (ea != eb) return "encoded event";
    }
    return {};
  }

  // Which path decided the last line Compare gave the two-path parser.
  Parser::Path last_path() const { return both_.last_path(); }

 private:
  // Each parser gets its own padded copy: the reference path parses in place.
  static Reject Run(Parser& parser, std::string_view line, std::vector<char>& copy, Message& out) {
    copy.assign(line.begin(), line.end());
    copy.resize(line.size() + kLinePadding, '\0');
    return parser.Parse(copy.data(), line.size(), out);
  }
  static bool SameBits(double x, double y) {
    return std::bit_cast<uint64_t>(x) == std::bit_cast<uint64_t>(y);
  }

  Parser both_;
  Parser reference_;
  std::vector<char> a_line_, b_line_;
};

}  // namespace radarhub::protocol::testing
