// Instruction counts per frame on the ingest's data path, for callgrind (bench/ingest_profile.sh):
// `ingest_profile PHASE N [DETECTIONS]` runs PHASE N times on the sample frame (or on a frame of
// DETECTIONS detections without ADS-B), where PHASE is one of
//   parse      Parser::Parse
//   encode     AppendFrameEvent of a parsed frame
//   pipeline   framer + parser + registry + encoder + hub publish to one drained subscriber
// Each phase is its own function (Run*), so callgrind's --toggle-collect counts it alone.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ingest_pipeline.hpp"
#include "radarhub/hub/hub.hpp"
#include "radarhub/protocol/line_framer.hpp"
#include "radarhub/protocol/parser.hpp"
#include "radarhub/protocol/wire.hpp"
#include "radarhub/registry/node_registry.hpp"
#include "sample_frames.hpp"

namespace radarhub::bench {
namespace {

std::string kLine = SampleFrame("radar-0001", 1768932172478);

std::string FrameOf(int detections) {
  std::string delay, doppler, snr;
  for (int i = 0; i < detections; ++i) {
    const char* comma = i != 0 ? "," : "";
    // Each piece appended alone: GCC 12 -O3 warns falsely on `const char* + string` (-Wrestrict).
    delay.append(comma).append(std::to_string(10 + i % 1700)).append(".");
    delay.append(std::to_string(100 + i % 900));
    doppler.append(comma).append(i % 2 ? "-" : "").append(std::to_string(i % 300)).append(".25");
    snr.append(comma).append(std::to_string(8 + i % 20)).append(".").append(std::to_string(i % 10));
  }
  return R"({"node_id":"radar-0001","timestamp":1768932172478,"delay":[)" + delay +
         R"(],"doppler":[)" + doppler + R"(],"snr":[)" + snr + "]}";
}

__attribute__((noinline)) void RunParse(protocol::Parser& parser, std::vector<char>& buffer,
                                        int n) {
  for (int i = 0; i < n; ++i) {
    std::memcpy(buffer.data(), kLine.data(), kLine.size());
    protocol::Message m;
    if (parser.Parse(buffer.data(), kLine.size(), m) != protocol::Reject::kNone) std::abort();
  }
}

__attribute__((noinline)) void RunEncode(const protocol::Message& m, std::string& out, int n) {
  for (int i = 0; i < n; ++i) {
    out.clear();
    protocol::AppendFrameEvent(m, static_cast<uint64_t>(i) + 1, 7, {1, 2}, out);
  }
}

__attribute__((noinline)) void RunPipeline(IngestPipeline& sink, std::vector<char>& bytes,
                                           size_t size, int reads) {
  protocol::LineFramer framer(1 << 20);
  std::vector<hub::Delivery> drained;
  for (int r = 0; r < reads; ++r) {
    // The read buffer is parsed in place: hand the framer a fresh copy of the same lines.
    std::vector<char> chunk(bytes.begin(), bytes.begin() + static_cast<long>(size));
    chunk.resize(size + protocol::kLinePadding);
    framer.Consume(chunk.data(), size, sink);
    for (auto& q : sink.queues) {
      drained.clear();
      q->Pop(drained, 1 << 20);
    }
  }
}

}  // namespace
}  // namespace radarhub::bench

int main(int argc, char** argv) {
  using namespace radarhub;
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: ingest_profile parse|encode|pipeline N [DETECTIONS]\n");
    return 2;
  }
  if (argc == 4) bench::kLine = bench::FrameOf(std::atoi(argv[3]));
  const std::string phase = argv[1];
  const int n = std::atoi(argv[2]);
  protocol::Parser parser;
  std::vector<char> buffer(bench::kLine.size() + protocol::kLinePadding);
  if (phase == "parse") {
    bench::RunParse(parser, buffer, n);
  } else if (phase == "encode") {
    std::memcpy(buffer.data(), bench::kLine.data(), bench::kLine.size());
    protocol::Message m;
    parser.Parse(buffer.data(), bench::kLine.size(), m);
    std::string out;
    bench::RunEncode(m, out, n);
  } else if (phase == "pipeline") {
    // 100 lines per read, each with its own timestamp (the registry refuses duplicates).
    bench::IngestPipeline sink(1, 1 << 20);
    std::string lines;
    long long ts = 1768932172478;
    std::vector<char> bytes;
    const int reads = n / 100;
    for (int r = 0; r < reads; ++r) {
      lines.clear();
      for (int i = 0; i < 100; ++i) lines += bench::SampleFrame("radar-0001", ts++) + "\n";
      bytes.assign(lines.begin(), lines.end());
      bench::RunPipeline(sink, bytes, lines.size(), 1);
    }
    if (sink.rejected != 0 || sink.frames != static_cast<uint64_t>(reads) * 100) {
      std::fprintf(stderr, "pipeline: %llu frames accepted, %llu rejected\n",
                   static_cast<unsigned long long>(sink.frames),
                   static_cast<unsigned long long>(sink.rejected));
      return 1;
    }
  } else {
    std::fprintf(stderr, "unknown phase %s\n", phase.c_str());
    return 2;
  }
  return 0;
}
