#include "status_view.hpp"

#include <grpcpp/create_channel.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include "http_get.hpp"
#include "radarhub/common/host_port.hpp"
#include "radarhub/v1/radarhub.grpc.pb.h"
#include "stop_signals.hpp"

namespace radarhub::tools {
namespace {

std::string Label(const std::string& labels, const std::string& name) {
  const auto at = labels.find(name + "=\"");
  if (at == std::string::npos) return "";
  const auto start = at + name.size() + 2;
  return labels.substr(start, labels.find('"', start) - start);
}

// One refresh: the ingest's rows and, when a tracker is given, its view of every node.
struct Snapshot {
  bool ingest_reachable = false;
  std::map<std::string, NodeRow> rows;
  std::string tracker_error;  // empty: answered (or not asked)
  std::map<std::string, v1::NodeHealth> health;
};

class StatusView {
 public:
  StatusView(const StatusSettings& settings, std::string host, uint16_t port)
      : settings_(settings), host_(std::move(host)), port_(port) {}

  bool Open(std::string& error) {
    if (settings_.tracker.target.empty()) return true;
    grpc::ClientContext probe;  // reads the token file once now, so a bad one is a usage error
    if (!Authorize(settings_.tracker, probe, error)) return false;
    const auto channel = OpenChannel(settings_.tracker, error);
    if (!channel) return false;
    tracker_ = v1::Tracker::NewStub(channel);
    return true;
  }

  Snapshot Take() const {
    Snapshot s;
    const auto page = HttpGet(host_, port_, "/metrics", std::chrono::seconds(2));
    s.ingest_reachable = page.has_value();
    if (page) s.rows = ParseIngestMetrics(*page);
    if (!tracker_) return s;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    std::string error;
    if (!Authorize(settings_.tracker, context, error)) {
      s.tracker_error = error;
      return s;
    }
    v1::TrackerListNodesResponse response;
    const grpc::Status status = tracker_->ListNodes(&context, {}, &response);
    if (!status.ok()) {
      s.tracker_error =
          std::string(StatusCodeName(status.error_code())) + ": " + status.error_message();
      return s;
    }
    for (const auto& n : response.nodes()) s.health[n.node_id()] = n;
    return s;
  }

  bool Print(const Snapshot& now, const Snapshot* before) const {
    if (settings_.json) {
      PrintJson(now, before);
    } else {
      PrintTable(now, before);
    }
    std::fflush(stdout);
    return now.ingest_reachable && now.tracker_error.empty();
  }

 private:
  struct Rates {
    double frames_per_second = 0, kilobytes_per_second = 0;  // 0 at the first refresh
  };
  Rates RatesOf(const std::string& node, const NodeRow& row, const Snapshot* before) const {
    if (before == nullptr) return {};
    const auto p = before->rows.find(node);
    if (p == before->rows.end()) return {};
    const double secs = std::chrono::duration<double>(settings_.interval).count();
    return {(row.accepted - p->second.accepted) / secs, (row.bytes - p->second.bytes) / secs / 1e3};
  }

  void PrintTable(const Snapshot& s, const Snapshot* before) const {
    if (tty_) std::printf("\x1b[H\x1b[2J");
    if (!s.ingest_reachable) {
      std::printf("ingest metrics at %s:%u unreachable\n", host_.c_str(), port_);
      return;
    }
    if (!s.tracker_error.empty()) {
      std::printf("tracker %s: %s\n", settings_.tracker.target.c_str(), s.tracker_error.c_str());
    }
    std::printf("%-24s %-9s %12s %10s %9s %9s %10s", "node", "state", "accepted", "frames/s",
                "rejected", "dedup", "kB/s");
    if (tracker_) std::printf("  %-20s %8s %8s %7s", "tracker health", "queue", "missed", "tracks");
    std::printf("\n");
    for (const auto& [node, row] : s.rows) {
      const Rates rates = RatesOf(node, row, before);
      std::printf("%-24s %-9s %12.0f %10.1f %9.0f %9.0f %10.1f", node.c_str(),
                  row.connected ? "connected" : "down", row.accepted, rates.frames_per_second,
                  row.rejected, row.deduplicated, rates.kilobytes_per_second);
      if (tracker_) {
        const auto h = s.health.find(node);
        if (!s.tracker_error.empty()) {
          std::printf("  %-20s", "tracker error");  // the line above the table says which
        } else if (h == s.health.end()) {
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
  }

  void PrintJson(const Snapshot& s, const Snapshot* before) const {
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    w.StartObject();
    w.Key("ingest_metrics");
    w.String(common::HostPort{host_, port_}.ToString().c_str());
    w.Key("ingest_reachable");
    w.Bool(s.ingest_reachable);
    if (tracker_) {
      w.Key("tracker");
      w.String(settings_.tracker.target.c_str());
      w.Key("tracker_error");
      s.tracker_error.empty() ? w.Null() : w.String(s.tracker_error.c_str());
    }
    w.Key("nodes");
    w.StartArray();
    for (const auto& [node, row] : s.rows) {
      const Rates rates = RatesOf(node, row, before);
      w.StartObject();
      w.Key("node_id");
      w.String(node.c_str());
      w.Key("connected");
      w.Bool(row.connected);
      w.Key("frames_accepted");
      w.Uint64(static_cast<uint64_t>(row.accepted));
      w.Key("frames_per_second");
      w.Double(rates.frames_per_second);
      w.Key("frames_rejected");
      w.Uint64(static_cast<uint64_t>(row.rejected));
      w.Key("frames_deduplicated");
      w.Uint64(static_cast<uint64_t>(row.deduplicated));
      w.Key("kilobytes_per_second");
      w.Double(rates.kilobytes_per_second);
      if (tracker_) {
        w.Key("tracker");
        const auto h = s.health.find(node);
        if (h == s.health.end()) {
          w.Null();  // tracker unreachable (tracker_error says why) or node not tracked
        } else {
          w.StartObject();
          w.Key("healthy");
          w.Bool(h->second.healthy());
          w.Key("reason");
          w.String(h->second.reason().c_str());
          w.Key("queue_depth");
          w.Uint64(h->second.queue_depth());
          w.Key("frames_missed");
          w.Uint64(h->second.frames_missed());
          w.Key("tracks");
          w.Uint(h->second.tracks_confirmed() + h->second.tracks_coasting());
          w.EndObject();
        }
      }
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    std::printf("%s\n", out.GetString());
  }

  const StatusSettings& settings_;
  const std::string host_;
  const uint16_t port_;
  const bool tty_ = isatty(STDOUT_FILENO) != 0;
  std::unique_ptr<v1::Tracker::Stub> tracker_;
};

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

int RunStatusView(const StatusSettings& settings, StopSignals& stop) {
  const auto metrics = common::ParseHostPort(settings.metrics);
  if (!metrics || metrics->port == 0) {
    std::cerr << "radarhub status: invalid --metrics '" << settings.metrics
              << "': expected HOST:PORT\n";
    return 2;
  }
  StatusView view(settings, metrics->host, metrics->port);
  std::string error;
  if (!view.Open(error)) {
    std::cerr << "radarhub status: " << error << "\n";
    return 2;
  }
  std::optional<Snapshot> previous;
  bool reached = false;
  for (int i = 0; settings.iterations <= 0 || i < settings.iterations; ++i) {
    Snapshot now = view.Take();
    if (stop.stopped()) return 0;
    reached = view.Print(now, previous ? &*previous : nullptr);
    if (now.ingest_reachable) previous = std::move(now);
    const bool last = settings.iterations > 0 && i + 1 >= settings.iterations;
    if (!last && stop.WaitFor(settings.interval)) return 0;
  }
  return reached ? 0 : 1;
}

}  // namespace radarhub::tools
