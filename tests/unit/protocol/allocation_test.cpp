// The hot path's allocation budget: parsing and encoding a frame allocate nothing per detection,
// and nothing at all once the parser and the output buffer are warm. Its own binary, because it
// replaces the global operator new to count.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "radarhub/protocol/parser.hpp"
#include "radarhub/protocol/wire.hpp"

namespace {
std::atomic<uint64_t> g_allocations{0};
}

// Every form a library may call, so that none is left to a sanitizer's own allocator and freed by
// ours.
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new(size_t size) {
  if (void* p = operator new(size, std::nothrow)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  return operator new(size, std::nothrow);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace radarhub::protocol {
namespace {

std::string FrameWith(int detections, long long timestamp) {
  std::string d, adsb;
  for (int i = 0; i < detections; ++i) {
    d += i ? "," : "";  // appended alone: GCC 12 -O3 warns falsely on `"," + string` (-Wrestrict)
    d += std::to_string(i) + ".25";
    adsb += i ? ",null" : R"({"hex":"abc","alt":1000})";
  }
  return R"({"node_id":"radar1","token":"t","timestamp":)" + std::to_string(timestamp) +
         R"(,"delay":[)" + d + R"(],"doppler":[)" + d + R"(],"snr":[)" + d + R"(],"adsb":[)" +
         adsb + "]}" + std::string(kLinePadding, '\n');
}

// Allocations made by parsing and encoding `frames` lines of `detections` each.
uint64_t AllocationsFor(Parser& parser, std::string& out, int detections, int frames) {
  std::vector<std::string> lines;
  for (int i = 0; i < frames; ++i) lines.push_back(FrameWith(detections, 1000 + i));
  const uint64_t before = g_allocations.load();
  for (auto& line : lines) {
    Message m;
    EXPECT_EQ(parser.Parse(line.data(), line.size() - kLinePadding, m), Reject::kNone);
    out.clear();
    AppendFrameEvent(m, 1, 2, {3, 4}, out);
  }
  return g_allocations.load() - before;
}

TEST(AllocationTest, WarmParserAndEncoderAllocateNothingPerFrameOrDetection) {
  Parser parser;
  std::string out;
  AllocationsFor(parser, out, 300, 3);  // warm: vectors and buffers reach their size once
  EXPECT_EQ(AllocationsFor(parser, out, 10, 1000), 0u);
  EXPECT_EQ(AllocationsFor(parser, out, 300, 100), 0u);
}

// Past the parser's 64 KiB pool a frame costs pool chunks, one per 64 KiB of document: bounded
// per frame by its size, never one per detection.
TEST(AllocationTest, HugeFramesCostPoolChunksNotPerDetectionAllocations) {
  Parser parser(ParseLimits{.max_detections = 100000});
  std::string out;
  AllocationsFor(parser, out, 5000, 2);
  const uint64_t per_frame = AllocationsFor(parser, out, 5000, 10) / 10;
  EXPECT_LE(per_frame, 16u) << "5000 detections";
}

}  // namespace
}  // namespace radarhub::protocol
