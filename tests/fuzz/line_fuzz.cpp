// Fuzzes the node protocol's pure path: bytes in arbitrary chunks through the framer, every line
// through the parser, every accepted frame through the encoder, whose output must be a valid
// NodeEvent with the same detections. Hostile input may be rejected, never crash or corrupt. Every
// line is also parsed by each of the parser's two paths alone, which must agree.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "../support/parser_agreement.hpp"
#include "radarhub/protocol/line_framer.hpp"
#include "radarhub/protocol/parser.hpp"
#include "radarhub/protocol/wire.hpp"
#include "radarhub/v1/radarhub.pb.h"

namespace {

struct Sink {
  radarhub::protocol::Parser parser{radarhub::protocol::ParseLimits{.max_detections = 256}};
  radarhub::protocol::testing::ParserAgreement agreement{
      radarhub::protocol::ParseLimits{.max_detections = 256}};
  std::string out;

  bool OnLine(char* line, size_t length) {
    if (!agreement.Compare({line, length}).empty()) std::abort();
    radarhub::protocol::Message m;
    if (parser.Parse(line, length, m) != radarhub::protocol::Reject::kNone) return true;
    if (m.type != radarhub::protocol::MessageType::kFrame) return true;
    out.clear();
    radarhub::protocol::AppendFrameEvent(m, 7, 9, {1, 2}, out);
    radarhub::v1::NodeEvent event;
    if (!event.ParseFromString(out) ||
        event.frame().detections_size() != static_cast<int>(m.count) ||
        event.frame().timestamp_ms() != m.timestamp_ms) {
      std::abort();
    }
    return true;
  }
  bool OnOverlong() { return true; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the chunk size, so splits across reads are explored too.
  const size_t chunk = 1 + data[0] % 64;
  // Exactly the padding the framer's contract asks for: ASan catches any read beyond it by either
  // of the parser's paths.
  const size_t n = size - 1;
  char* bytes = new char[n + radarhub::protocol::kLinePadding];
  std::copy(data + 1, data + size, bytes);
  radarhub::protocol::LineFramer framer(512);
  static Sink sink;  // its parsers are reused across inputs, as the ingest reuses them across lines
  for (size_t at = 0; at < n; at += chunk)
    framer.Consume(bytes + at, std::min(chunk, n - at), sink);
  delete[] bytes;
  return 0;
}
