// Where a frame's CPU time goes on one core: RapidJSON alone, our validating parser, parse +
// protobuf encoding, and the whole ingest data path minus sockets (framer, parser, registry,
// encoder, hub fan-out). Run: build/bench/ingest_pipeline_bench
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>

#include <cstring>
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

const std::string kLine = SampleFrame("radar-0001", 1768932172478);

// The reference: RapidJSON's default DOM parse, as most code would use it.
void BM_RapidJsonDefaultDom(benchmark::State& state) {
  for (auto _ : state) {
    rapidjson::Document d;
    d.Parse(kLine.c_str(), kLine.size());
    benchmark::DoNotOptimize(d.IsObject());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kLine.size()));
}
BENCHMARK(BM_RapidJsonDefaultDom);

// RapidJSON at its fastest: in situ into a reused pool, no validation.
void BM_RapidJsonInsituPooled(benchmark::State& state) {
  std::vector<char> buffer(kLine.size() + 1);
  std::vector<char> pool(64 * 1024);
  rapidjson::MemoryPoolAllocator<> allocator(pool.data(), pool.size());
  for (auto _ : state) {
    std::memcpy(buffer.data(), kLine.c_str(), kLine.size() + 1);
    rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>> d(&allocator);
    d.ParseInsitu(buffer.data());
    benchmark::DoNotOptimize(d.IsObject());
    allocator.Clear();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RapidJsonInsituPooled);

void BM_ParserParse(benchmark::State& state) {
  protocol::Parser parser;
  protocol::Message m;
  std::vector<char> buffer(kLine.size() + protocol::kLinePadding);
  for (auto _ : state) {
    std::memcpy(buffer.data(), kLine.data(), kLine.size());
    benchmark::DoNotOptimize(parser.Parse(buffer.data(), kLine.size(), m));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParserParse);

// The same over 4,096 frames whose numbers differ, as a node's do: a single line repeated lets the
// branch predictor learn every number's length, which no ingest sees.
void BM_ParserParseVaried(benchmark::State& state) {
  const std::vector<std::string> lines = VariedFrames("radar-0001", 4096);
  protocol::Parser parser;
  protocol::Message m;
  std::vector<char> buffer(64 * 1024);
  size_t i = 0;
  for (auto _ : state) {
    const std::string& line = lines[i++ % lines.size()];
    std::memcpy(buffer.data(), line.data(), line.size());
    benchmark::DoNotOptimize(parser.Parse(buffer.data(), line.size(), m));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParserParseVaried);

void BM_ParseAndEncode(benchmark::State& state) {
  protocol::Parser parser;
  protocol::Message m;
  std::vector<char> buffer(kLine.size() + protocol::kLinePadding);
  std::string out;
  for (auto _ : state) {
    std::memcpy(buffer.data(), kLine.data(), kLine.size());
    parser.Parse(buffer.data(), kLine.size(), m);
    out.clear();
    protocol::AppendFrameEvent(m, 1, 2, {3, 4}, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseAndEncode);

// The ingest data path for a 64 KiB read of back-to-back lines, with N subscribers listening.
void BM_IngestPipeline(benchmark::State& state) {
  IngestPipeline p(static_cast<int>(state.range(0)));
  protocol::LineFramer framer(1 << 20);
  long long ts = 1;
  std::string chunk;
  std::vector<char> buffer;
  std::vector<hub::Delivery> drained;
  for (auto _ : state) {
    state.PauseTiming();
    chunk.clear();
    while (chunk.size() < 64 * 1024) chunk += SampleFrame("radar-0001", ts++) + "\n";
    buffer.assign(chunk.begin(), chunk.end());
    buffer.resize(chunk.size() + protocol::kLinePadding);
    state.ResumeTiming();
    framer.Consume(buffer.data(), chunk.size(), p);
    for (auto& q : p.queues) {  // subscribers keep up, as gRPC streams would
      drained.clear();
      q->Pop(drained, 1 << 20);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(p.frames));
  state.counters["subscribers"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_IngestPipeline)->Arg(0)->Arg(1)->Arg(4)->UseRealTime();

}  // namespace
}  // namespace radarhub::bench

BENCHMARK_MAIN();
