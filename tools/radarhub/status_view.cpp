#include "status_view.hpp"

#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <thread>

#include "http_get.hpp"

namespace radarhub::tools {
namespace {

std::string Label(const std::string& labels, const std::string& name) {
  const auto at = labels.find(name + "=\"");
  if (at == std::string::npos) return "";
  const auto start = at + name.size() + 2;
  return labels.substr(start, labels.find('"', start) - start);
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

int RunStatusView(const std::string& host, uint16_t port, std::chrono::milliseconds interval,
                  int iterations) {
  const bool tty = isatty(STDOUT_FILENO) != 0;
  std::map<std::string, NodeRow> previous;
  for (int i = 0; iterations <= 0 || i < iterations; ++i) {
    const auto page = HttpGet(host, port, "/metrics", std::chrono::seconds(2));
    if (tty) std::printf("\x1b[H\x1b[2J");
    if (!page) {
      std::printf("ingest metrics at %s:%u unreachable\n", host.c_str(), port);
    } else {
      const auto rows = ParseIngestMetrics(*page);
      const double secs = std::chrono::duration<double>(interval).count();
      std::printf("%-24s %-9s %12s %10s %9s %9s %10s\n", "node", "state", "accepted", "frames/s",
                  "rejected", "dedup", "kB/s");
      for (const auto& [node, row] : rows) {
        const auto p = previous.find(node);
        const double fps = p == previous.end() ? 0 : (row.accepted - p->second.accepted) / secs;
        const double kbps = p == previous.end() ? 0 : (row.bytes - p->second.bytes) / secs / 1e3;
        std::printf("%-24s %-9s %12.0f %10.1f %9.0f %9.0f %10.1f\n", node.c_str(),
                    row.connected ? "connected" : "down", row.accepted, fps, row.rejected,
                    row.deduplicated, kbps);
      }
      previous = rows;
    }
    std::fflush(stdout);
    if (iterations <= 0 || i + 1 < iterations) std::this_thread::sleep_for(interval);
  }
  return 0;
}

}  // namespace radarhub::tools
