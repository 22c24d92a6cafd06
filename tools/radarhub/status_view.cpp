#include "status_view.hpp"

#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <thread>

#include <grpcpp/create_channel.h>

#include "http_get.hpp"
#include "radarhub/v1/radarhub.grpc.pb.h"

namespace radarhub::tools {
namespace {

std::string Label(const std::string& labels, const std::string& name) {
  const auto at = labels.find(name + "=\"");
  if (at == std::string::npos) return "";
  const auto start = at + name.size() + 2;
  return labels.substr(start, labels.find('"', start) - start);
}

// Node id -> health, or nullopt when the tracker cannot be asked.
std::optional<std::map<std::string, v1::NodeHealth>> TrackerHealth(v1::Tracker::Stub& stub) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  v1::TrackerListNodesResponse response;
  if (!stub.ListNodes(&context, {}, &response).ok()) return std::nullopt;
  std::map<std::string, v1::NodeHealth> out;
  for (const auto& n : response.nodes()) out[n.node_id()] = n;
  return out;
}

}  // namespace

std::map<std::string, NodeRow> ParseIngestMetrics(const std::string& page) {
  std::map<std::string, NodeRow> rows;
  std::istringstream in(page);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto brace = line.find('{');
    const auto close = line.find('}');
    if (brace == std::string::npos || close == std::string::npos) continue;
    const std::string name = line.substr(0, brace);
    const std::string labels = line.substr(brace, close - brace);
    const double value = std::strtod(line.c_str() + close + 1, nullptr);
    const std::string node = Label(labels, "node_id");
    if (node.empty()) continue;
    NodeRow& row = rows[node];
    if (name == "radarhub_ingest_node_connected") {
      row.connected = value != 0;
    } else if (name == "radarhub_ingest_bytes_received_total") {
      row.bytes = value;
    } else if (name == "radarhub_ingest_frames_total") {
      const std::string result = Label(labels, "result");
      if (result == "accepted") row.accepted = value;
      if (result == "rejected") row.rejected = value;
      if (result == "deduplicated") row.deduplicated = value;
    }
  }
  return rows;
}

int RunStatusView(const std::string& host, uint16_t port, const std::string& tracker,
                  std::chrono::milliseconds interval, int iterations) {
  const bool tty = isatty(STDOUT_FILENO) != 0;
  std::unique_ptr<v1::Tracker::Stub> tracker_stub;
  if (!tracker.empty()) {
    tracker_stub =
        v1::Tracker::NewStub(grpc::CreateChannel(tracker, grpc::InsecureChannelCredentials()));
  }
  std::map<std::string, NodeRow> previous;
  for (int i = 0; iterations <= 0 || i < iterations; ++i) {
    const auto page = HttpGet(host, port, "/metrics", std::chrono::seconds(2));
    if (tty) std::printf("\x1b[H\x1b[2J");
    if (!page) {
      std::printf("ingest metrics at %s:%u unreachable\n", host.c_str(), port);
    } else {
      const auto rows = ParseIngestMetrics(*page);
      const auto health = tracker_stub ? TrackerHealth(*tracker_stub) : std::nullopt;
      const double secs = std::chrono::duration<double>(interval).count();
      std::printf("%-24s %-9s %12s %10s %9s %9s %10s", "node", "state", "accepted", "frames/s",
                  "rejected", "dedup", "kB/s");
      if (tracker_stub) {
        std::printf("  %-20s %8s %8s %7s", "tracker health", "queue", "missed", "tracks");
      }
      std::printf("\n");
      for (const auto& [node, row] : rows) {
        const auto p = previous.find(node);
        const double fps = p == previous.end() ? 0 : (row.accepted - p->second.accepted) / secs;
        const double kbps = p == previous.end() ? 0 : (row.bytes - p->second.bytes) / secs / 1e3;
        std::printf("%-24s %-9s %12.0f %10.1f %9.0f %9.0f %10.1f", node.c_str(),
                    row.connected ? "connected" : "down", row.accepted, fps, row.rejected,
                    row.deduplicated, kbps);
        if (tracker_stub) {
          const auto h = health ? health->find(node) : decltype(health->find(node)){};
          if (!health) {
            std::printf("  %-20s", "tracker unreachable");
          } else if (h == health->end()) {
            std::printf("  %-20s", "not tracked");
          } else {
            std::printf("  %-20s %8llu %8llu %7u", h->second.reason().c_str(),
                        static_cast<unsigned long long>(h->second.queue_depth()),
                        static_cast<unsigned long long>(h->second.frames_missed()),
                        h->second.tracks_confirmed() + h->second.tracks_coasting());
          }
        }
        std::printf("\n");
      }
      previous = rows;
    }
    std::fflush(stdout);
    if (iterations <= 0 || i + 1 < iterations) std::this_thread::sleep_for(interval);
  }
  return 0;
}

}  // namespace radarhub::tools
