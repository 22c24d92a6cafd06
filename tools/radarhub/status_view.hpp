#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace radarhub::tools {

struct NodeRow {
  bool connected = false;
  double accepted = 0, rejected = 0, deduplicated = 0, bytes = 0;
};

// Per-node rows read from an ingest's Prometheus page.
std::map<std::string, NodeRow> ParseIngestMetrics(const std::string& page);

// Prints a live per-node table from the ingest's /metrics every `interval` until stopped; with a
// tracker address, each node's health as that tracker sees it (Tracker/ListNodes) too.
int RunStatusView(const std::string& host, uint16_t port, const std::string& tracker,
                  std::chrono::milliseconds interval, int iterations);

}  // namespace radarhub::tools
