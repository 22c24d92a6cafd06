// End-to-end latency from a node's write() to a gRPC subscriber's receipt, and the frames/s one
// subscriber receives. One process plays N nodes over real TCP (paced, staggered) and one
// subscriber to every node over real gRPC, so both ends read the same steady clock. With
// --via-tracker the subscriber is the tracker itself (in-process, the same TrackerApp as
// radarhub-tracker: one Subscribe stream per node) and latency ends when a node's processing loop
// dequeues the frame.
//
//   subscribe_latency_bench --node-port P --grpc-port G --nodes 1000 --rate 10 --seconds 30
//   subscribe_latency_bench --node-port P --grpc-port G --nodes 1000 --rate 10 --via-tracker
//   subscribe_latency_bench --grpc-port G --nodes 0 --seconds 10   (subscriber only: frames/s)
#include <arpa/inet.h>
#include <grpcpp/create_channel.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "radarhub/v1/radarhub.grpc.pb.h"
#include "tracker_app.hpp"

namespace {

using Clock = std::chrono::steady_clock;

int64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

int ConnectTcp(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n <= 0) {
      std::perror("write");
      std::exit(1);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

std::string NodeId(int i) {
  char id[32];
  std::snprintf(id, sizeof id, "lat-%05d", i);
  return id;
}

double Percentile(std::vector<int64_t>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]) / 1000.0;  // µs
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"node write -> gRPC subscriber latency"};
  uint16_t node_port = 0, grpc_port = 0;
  int nodes = 1000, detections = 10;
  double rate = 10, seconds = 30, warmup = 2;
  std::string token = "bench";
  bool via_tracker = false;
  int generator_cpu = -1;
  app.add_option("--generator-cpu", generator_cpu,
                 "run the simulated nodes on this core, the rest where the process was placed");
  app.add_flag("--via-tracker", via_tracker, "measure to the tracker's dequeue, not a subscriber");
  app.add_option("--node-port", node_port);
  app.add_option("--grpc-port", grpc_port)->required();
  app.add_option("--nodes", nodes, "simulated nodes (0: subscribe only, count frames/s)");
  app.add_option("--rate", rate, "frames per second per node");
  app.add_option("--seconds", seconds, "measured time");
  app.add_option("--warmup", warmup, "seconds sent before measuring");
  app.add_option("--detections", detections);
  app.add_option("--token", token);
  CLI11_PARSE(app, argc, argv);

  const auto total_seconds = warmup + seconds;
  const int64_t frames_per_node = static_cast<int64_t>(rate * total_seconds);
  // sent_ns[node][sequence - 1]: when the node's frame with that sequence was written.
  std::vector<std::vector<std::atomic<int64_t>>> sent_ns(static_cast<size_t>(nodes));
  for (auto& v : sent_ns)
    v = std::vector<std::atomic<int64_t>>(static_cast<size_t>(frames_per_node));

  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port),
                                     grpc::InsecureChannelCredentials());
  auto stub = radarhub::v1::Ingest::NewStub(channel);
  grpc::ClientContext context;
  radarhub::v1::SubscribeRequest request;
  request.set_frames(!via_tracker);  // the tracker's own streams carry the frames then
  auto reader = stub->Subscribe(&context, request);

  // Also, from the frame's received_at (ingest's wall clock when it read the line): the part of
  // the latency spent before ingest read the line, and the part after.
  std::vector<std::vector<std::atomic<int64_t>>> sent_wall_ns(static_cast<size_t>(nodes));
  for (auto& v : sent_wall_ns) {
    v = std::vector<std::atomic<int64_t>>(static_cast<size_t>(frames_per_node));
  }
  std::vector<int64_t> latencies, to_ingest, from_ingest;
  latencies.reserve(static_cast<size_t>(std::max<int64_t>(nodes, 1) * frames_per_node));
  to_ingest.reserve(latencies.capacity());
  from_ingest.reserve(latencies.capacity());
  std::atomic<int64_t> measure_from{INT64_MAX}, measure_to{INT64_MAX};
  std::atomic<uint64_t> frames_in_window{0}, gaps{0}, responses{0};
  std::atomic<bool> done{false};
  std::mutex record_mu;  // the tracker's per-node loops record concurrently
  auto record = [&](const radarhub::v1::DetectionFrame& frame, int64_t now, int64_t wall_now) {
    if (now >= measure_from.load(std::memory_order_relaxed) &&
        now < measure_to.load(std::memory_order_relaxed)) {
      frames_in_window.fetch_add(1, std::memory_order_relaxed);
    }
    if (nodes == 0) return;
    const int node = std::atoi(frame.node_id().c_str() + 4);
    const uint64_t seq = frame.sequence();
    if (node < 0 || node >= nodes || seq == 0 || seq > static_cast<uint64_t>(frames_per_node)) {
      return;
    }
    const int64_t at = sent_ns[static_cast<size_t>(node)][seq - 1].load();
    if (at >= measure_from.load(std::memory_order_relaxed)) {
      const auto& r = frame.received_at();
      const int64_t read_wall = r.seconds() * 1000000000 + r.nanos();
      std::lock_guard lock(record_mu);
      latencies.push_back(now - at);
      to_ingest.push_back(read_wall - sent_wall_ns[static_cast<size_t>(node)][seq - 1].load());
      from_ingest.push_back(wall_now - read_wall);
    }
  };
  std::thread receiver([&] {
    radarhub::v1::SubscribeResponse response;
    while (reader->Read(&response)) {
      const int64_t now = NowNs();
      const int64_t wall_now = WallNs();
      responses.fetch_add(1, std::memory_order_relaxed);
      for (const auto& e : response.events()) {
        if (e.has_dropped()) gaps.fetch_add(1);
        if (e.has_frame()) record(e.frame(), now, wall_now);
      }
    }
    done = true;
  });

  // The tracker's stage: each node's processing loop records the frame it just dequeued.
  class RecordingStage final : public radarhub::tracker::FrameStage {
   public:
    explicit RecordingStage(decltype(record)& r) : record_(r) {}
    void Process(radarhub::v1::DetectionFrame& frame) override {
      record_(frame, NowNs(), WallNs());
    }

   private:
    decltype(record)& record_;
  };
  std::unique_ptr<radarhub::tracker::TrackerApp> tracker;
  if (via_tracker) {
    radarhub::common::Logger::Configure(radarhub::common::LogLevel::kWarn,
                                        radarhub::common::LogFormat::kText);
    radarhub::tracker::TrackerConfig config;
    config.ingest = {{{"127.0.0.1", grpc_port}, false}};
    config.grpc_listen = {"127.0.0.1", 0};
    config.metrics_listen.reset();
    config.max_nodes = static_cast<size_t>(std::max(nodes, 1));
    tracker = std::make_unique<radarhub::tracker::TrackerApp>(
        config, [&](const std::string&) { return std::make_unique<RecordingStage>(record); });
    std::string error;
    if (!tracker->Start(error)) {
      std::fprintf(stderr, "tracker: %s\n", error.c_str());
      return 1;
    }
  }

  if (nodes == 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(warmup));
    const int64_t from = NowNs();
    measure_from = from;
    measure_to = from + static_cast<int64_t>(seconds * 1e9);
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    context.TryCancel();
    receiver.join();
    std::printf(
        "{\"mode\":\"subscriber_only\",\"seconds\":%.1f,\"frames\":%llu,"
        "\"frames_per_second\":%.0f,\"responses\":%llu,\"gaps\":%llu}\n",
        seconds, static_cast<unsigned long long>(frames_in_window.load()),
        static_cast<double>(frames_in_window.load()) / seconds,
        static_cast<unsigned long long>(responses.load()),
        static_cast<unsigned long long>(gaps.load()));
    return 0;
  }

  if (generator_cpu >= 0) {  // after the tracker's threads exist: they keep the process placement
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(generator_cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  }
  std::vector<int> fds;
  for (int i = 0; i < nodes; ++i) {
    fds.push_back(ConnectTcp(node_port));
    const std::string hello = R"({"node_id":")" + NodeId(i) + R"(","token":")" + token +
                              R"(","type":"heartbeat"})"
                              "\n";
    WriteAll(fds.back(), hello.data(), hello.size());
  }
  // Hellos settle (and the tracker opens its per-node streams) before pacing.
  std::this_thread::sleep_for(std::chrono::milliseconds(via_tracker ? 3000 : 500));

  // Node i sends its k-th frame at start + (k + i / nodes) / rate: evenly staggered.
  std::string detections_json;
  {
    std::string d, dop, snr;
    for (int j = 0; j < detections; ++j) {
      const std::string sep = j ? "," : "";
      d += sep + std::to_string(10.5 + j * 3.25);
      dop += sep + std::to_string(-40.0 + j * 7.5);
      snr += sep + std::to_string(8 + j % 5);
    }
    detections_json =
        R"(,"delay":[)" + d + R"(],"doppler":[)" + dop + R"(],"snr":[)" + snr + "]}\n";
  }
  const int64_t start = NowNs();
  const double period_ns = 1e9 / rate;
  measure_from = start + static_cast<int64_t>(warmup * 1e9);
  measure_to = start + static_cast<int64_t>(total_seconds * 1e9);
  char line[256];
  int64_t late_sends = 0;
  for (int64_t k = 0; k < frames_per_node; ++k) {
    for (int i = 0; i < nodes; ++i) {
      const int64_t due =
          start + static_cast<int64_t>((static_cast<double>(k) + static_cast<double>(i) / nodes) *
                                       period_ns);
      int64_t now = NowNs();
      if (due > now) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
      } else if (now - due > 1000000) {
        ++late_sends;
      }
      const int n = std::snprintf(line, sizeof line, R"({"node_id":"%s","timestamp":%lld)",
                                  NodeId(i).c_str(), static_cast<long long>(1768932172000 + k));
      std::string frame(line, static_cast<size_t>(n));
      frame += detections_json;
      sent_wall_ns[static_cast<size_t>(i)][static_cast<size_t>(k)].store(WallNs());
      sent_ns[static_cast<size_t>(i)][static_cast<size_t>(k)].store(NowNs());
      WriteAll(fds[static_cast<size_t>(i)], frame.data(), frame.size());
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the last frames arrive
  context.TryCancel();
  receiver.join();
  uint64_t tracker_missed = 0, tracker_dropped = 0;
  if (tracker) {
    for (const auto& node : tracker->table().All()) {
      tracker_missed += node->receiver().counters().missed;
      tracker_dropped += node->receiver().counters().dropped;
    }
    tracker->Stop();
  }
  for (int fd : fds) ::close(fd);

  const size_t n = latencies.size();
  const double p50 = Percentile(latencies, 0.50), p99 = Percentile(latencies, 0.99),
               p999 = Percentile(latencies, 0.999), max = Percentile(latencies, 1.0);
  std::printf(
      "{\"to\":\"%s\",\"nodes\":%d,\"rate_hz\":%.0f,\"detections\":%d,\"seconds\":%.0f,\"frames_"
      "measured\":%zu,"
      "\"expected\":%.0f,\"latency_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p99.9\":%.1f,\"max\":%.1f},"
      "\"write_to_ingest_read_us\":{\"p50\":%.1f,\"p99\":%.1f},"
      "\"ingest_read_to_receive_us\":{\"p50\":%.1f,\"p99\":%.1f},"
      "\"gaps\":%llu,\"responses\":%llu,\"sends_late_over_1ms\":%lld,"
      "\"tracker_missed\":%llu,\"tracker_dropped\":%llu}\n",
      via_tracker ? "tracker_dequeue" : "subscriber", nodes, rate, detections, seconds, n,
      nodes * rate * seconds, p50, p99, p999, max, Percentile(to_ingest, 0.5),
      Percentile(to_ingest, 0.99), Percentile(from_ingest, 0.5), Percentile(from_ingest, 0.99),
      static_cast<unsigned long long>(gaps.load()),
      static_cast<unsigned long long>(responses.load()), static_cast<long long>(late_sends),
      static_cast<unsigned long long>(tracker_missed),
      static_cast<unsigned long long>(tracker_dropped));
  return 0;
}
