#include "tracker_metrics.hpp"

#include <google/protobuf/util/time_util.h>

namespace radarhub::tracker {

using metrics::AddCounter;
using metrics::AddGauge;
using metrics::Family;
using prometheus::MetricFamily;
using prometheus::MetricType;

void TrackerMetrics::FrameDequeued(const v1::DetectionFrame& frame) {
  const auto received_at = std::chrono::system_clock::time_point(std::chrono::nanoseconds(
      google::protobuf::util::TimeUtil::TimestampToNanoseconds(frame.received_at())));
  frame_latency_.Observe(std::chrono::system_clock::now() - received_at);
}

std::vector<MetricFamily> TrackerMetrics::Collect() const {
  std::vector<MetricFamily> out;
  auto healthy =
      Family("radarhub_tracker_node_healthy",
             "1 while the node's ingest stream is live and the node connected.", MetricType::Gauge);
  auto frames = Family("radarhub_tracker_frames_total",
                       "Frames per node: received into its queue, dropped (oldest, queue full), "
                       "deduplicated, or missed (gaps announced by ingest).",
                       MetricType::Counter);
  auto depth = Family("radarhub_tracker_queue_depth", "Frames waiting in the node's queue.",
                      MetricType::Gauge);
  auto tracks =
      Family("radarhub_tracker_tracks",
             "Live tracks per node and status, after the node's last frame.", MetricType::Gauge);
  size_t tracked = 0;
  if (table_ != nullptr) {
    for (const auto& node : table_->All()) {
      ++tracked;
      const std::string& id = node->id();
      const auto c = node->receiver().counters();
      AddGauge(healthy, node->receiver().Healthy() ? 1 : 0, {{"node_id", id}});
      AddCounter(frames, static_cast<double>(c.received),
                 {{"node_id", id}, {"result", "received"}});
      AddCounter(frames, static_cast<double>(c.dropped), {{"node_id", id}, {"result", "dropped"}});
      AddCounter(frames, static_cast<double>(c.deduplicated),
                 {{"node_id", id}, {"result", "deduplicated"}});
      AddCounter(frames, static_cast<double>(c.missed), {{"node_id", id}, {"result", "missed"}});
      AddGauge(depth, static_cast<double>(node->receiver().queue_depth()), {{"node_id", id}});
      const TrackCounts counts = node->track_counts();
      AddGauge(tracks, counts.confirmed, {{"node_id", id}, {"status", "confirmed"}});
      AddGauge(tracks, counts.coasting, {{"node_id", id}, {"status", "coasting"}});
      AddGauge(tracks, counts.tentative, {{"node_id", id}, {"status", "tentative"}});
    }
  }
  out.push_back(std::move(healthy));
  out.push_back(std::move(frames));
  out.push_back(std::move(depth));
  out.push_back(std::move(tracks));

  auto nodes = Family("radarhub_tracker_nodes", "Nodes this tracker follows.", MetricType::Gauge);
  AddGauge(nodes, static_cast<double>(tracked));
  out.push_back(std::move(nodes));
  auto refused =
      Family("radarhub_tracker_nodes_refused_total",
             "Nodes seen but not tracked because --max-nodes was reached.", MetricType::Counter);
  AddCounter(refused, table_ != nullptr ? static_cast<double>(table_->refused()) : 0);
  out.push_back(std::move(refused));
  auto reconnects =
      Family("radarhub_tracker_stream_reconnects_total",
             "Subscribe streams to an ingest opened again after ending.", MetricType::Counter);
  AddCounter(reconnects, static_cast<double>(reconnects_.load(std::memory_order_relaxed)));
  out.push_back(std::move(reconnects));
  auto processed =
      Family("radarhub_tracker_frames_processed_total",
             "Frames taken from the queues by the processing loops.", MetricType::Counter);
  AddCounter(processed, static_cast<double>(frames_processed()));
  out.push_back(std::move(processed));
  auto latency = Family("radarhub_tracker_frame_latency_seconds",
                        "From ingest's received_at to the frame leaving the node's queue.",
                        MetricType::Histogram);
  frame_latency_.AddTo(latency);
  out.push_back(std::move(latency));
  return out;
}

}  // namespace radarhub::tracker
