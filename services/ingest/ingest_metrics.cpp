#include "ingest_metrics.hpp"

#include <prometheus/metric_family.h>

#include "radarhub/hub/hub.hpp"
#include "radarhub/registry/node_registry.hpp"

namespace radarhub::ingest {

std::string_view CloseReasonName(CloseReason reason) {
  switch (reason) {
    case CloseReason::kAuth:
      return "auth";
    case CloseReason::kBadHello:
      return "bad_hello";
    case CloseReason::kAuthTimeout:
      return "auth_timeout";
    case CloseReason::kNodeMismatch:
      return "node_mismatch";
    case CloseReason::kSuperseded:
      return "superseded";
    case CloseReason::kIdle:
      return "idle";
    case CloseReason::kLimit:
      return "limit";
    case CloseReason::kPeerClosed:
      return "peer_closed";
    case CloseReason::kError:
      return "error";
    case CloseReason::kShutdown:
      return "shutdown";
    case CloseReason::kAdmin:
      return "admin";
    case CloseReason::kAuthThrottled:
      return "auth_throttled";
    case CloseReason::kCount:
      break;
  }
  return "unknown";
}

std::string_view ExtraRejectName(ExtraReject reason) {
  return reason == ExtraReject::kLineTooLong ? "line_too_long" : "unknown_type";
}

using metrics::AddCounter;
using metrics::AddGauge;
using metrics::Family;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::vector<MetricFamily> IngestMetrics::Collect() const {
  std::vector<MetricFamily> out;

  auto connections =
      Family("radarhub_ingest_connections", "Open node connections.", MetricType::Gauge);
  AddGauge(connections, static_cast<double>(connections_.load()));
  out.push_back(std::move(connections));

  auto closed = Family("radarhub_ingest_connections_closed_total",
                       "Node connections closed, by reason.", MetricType::Counter);
  for (size_t i = 0; i < closed_.size(); ++i) {
    AddCounter(closed, static_cast<double>(closed_[i].load()),
               {{"reason", std::string(CloseReasonName(static_cast<CloseReason>(i)))}});
  }
  out.push_back(std::move(closed));

  auto rejected = Family("radarhub_ingest_frames_rejected_total",
                         "Lines dropped after the hello, by reason.", MetricType::Counter);
  for (size_t i = 1; i < rejected_.size(); ++i) {
    AddCounter(rejected, static_cast<double>(rejected_[i].load()),
               {{"reason", std::string(protocol::RejectName(static_cast<protocol::Reject>(i)))}});
  }
  for (size_t i = 0; i < extra_rejected_.size(); ++i) {
    AddCounter(rejected, static_cast<double>(extra_rejected_[i].load()),
               {{"reason", std::string(ExtraRejectName(static_cast<ExtraReject>(i)))}});
  }
  out.push_back(std::move(rejected));

  auto frames =
      Family("radarhub_ingest_frames_total", "Frames per node, by result.", MetricType::Counter);
  // Out-of-order frames are accepted (counted in frames_total as such too), so they are not a
  // `result` of frames_total: its results sum to the frames read.
  auto out_of_order = Family("radarhub_ingest_frames_out_of_order_total",
                             "Frames accepted although older than the node's last one (its clock "
                             "stepped back).",
                             MetricType::Counter);
  auto bytes = Family("radarhub_ingest_bytes_received_total", "Bytes received per node.",
                      MetricType::Counter);
  auto connected =
      Family("radarhub_ingest_node_connected", "1 while the node is connected.", MetricType::Gauge);
  size_t nodes_connected = 0;
  for (const registry::NodePtr& node : registry_.All()) {
    const auto c = registry_.Counters(*node);
    const bool up = registry_.Connected(*node);
    nodes_connected += up ? 1 : 0;
    const std::string& id = node->id();
    AddCounter(frames, static_cast<double>(c.frames_accepted),
               {{"node_id", id}, {"result", "accepted"}});
    AddCounter(frames, static_cast<double>(c.frames_rejected),
               {{"node_id", id}, {"result", "rejected"}});
    AddCounter(frames, static_cast<double>(c.frames_deduplicated),
               {{"node_id", id}, {"result", "deduplicated"}});
    AddCounter(out_of_order, static_cast<double>(c.frames_out_of_order), {{"node_id", id}});
    AddCounter(bytes, static_cast<double>(c.bytes_received), {{"node_id", id}});
    AddGauge(connected, up ? 1 : 0, {{"node_id", id}});
  }
  out.push_back(std::move(frames));
  out.push_back(std::move(out_of_order));
  out.push_back(std::move(bytes));
  out.push_back(std::move(connected));

  auto nodes =
      Family("radarhub_ingest_nodes_connected", "Nodes with a live connection.", MetricType::Gauge);
  AddGauge(nodes, static_cast<double>(nodes_connected));
  out.push_back(std::move(nodes));

  auto known = Family("radarhub_ingest_nodes",
                      "Nodes registered (bounded by --max-nodes; --forget-after forgets them).",
                      MetricType::Gauge);
  AddGauge(known, static_cast<double>(registry_.size()));
  out.push_back(std::move(known));
  auto forgotten = Family("radarhub_ingest_nodes_forgotten_total",
                          "Nodes forgotten: disconnected for --forget-after, or by an operator.",
                          MetricType::Counter);
  AddCounter(forgotten, static_cast<double>(forgotten_.load(std::memory_order_relaxed)));
  out.push_back(std::move(forgotten));

  auto subscribers =
      Family("radarhub_ingest_subscribers", "Open Subscribe streams.", MetricType::Gauge);
  AddGauge(subscribers, static_cast<double>(subscribers_.load(std::memory_order_relaxed)));
  out.push_back(std::move(subscribers));

  auto partial = Family("radarhub_ingest_partial_line_bytes",
                        "Bytes of unfinished lines held for all connections (bounded by "
                        "--line-memory).",
                        MetricType::Gauge);
  AddGauge(partial, static_cast<double>(partial_line_bytes()));
  out.push_back(std::move(partial));

  auto replay = Family("radarhub_ingest_replay_bytes",
                       "Bytes of frames the replay rings hold (bounded by --replay-memory).",
                       MetricType::Gauge);
  AddGauge(replay, static_cast<double>(hub_.replay_bytes()));
  out.push_back(std::move(replay));

  auto queued = Family("radarhub_ingest_subscriber_queued_events",
                       "Events waiting in Subscribe streams' queues (bounded by "
                       "--subscriber-queue per stream).",
                       MetricType::Gauge);
  AddGauge(queued, queued_events_ ? static_cast<double>(queued_events_()) : 0.0);
  out.push_back(std::move(queued));

  auto dropped = Family("radarhub_ingest_subscriber_frames_dropped_total",
                        "Frames dropped from slow subscribers' queues.", MetricType::Counter);
  AddCounter(dropped, static_cast<double>(hub_.subscriber_frames_dropped()));
  out.push_back(std::move(dropped));

  auto latency =
      Family("radarhub_ingest_publish_latency_seconds",
             "From reading a frame's line to handing it to subscribers.", MetricType::Histogram);
  publish_latency_.AddTo(latency);
  out.push_back(std::move(latency));
  return out;
}

}  // namespace radarhub::ingest
