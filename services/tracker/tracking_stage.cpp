#include "tracking_stage.hpp"

#include "track_board.hpp"
#include "track_convert.hpp"
#include "tracker_metrics.hpp"

namespace radarhub::tracker {

tracking::TrackerSettings TrackingSettings::ForNode(const std::string& node_id) const {
  tracking::TrackerSettings s = tracker;
  if (const auto it = transmitter_hz.find(node_id); it != transmitter_hz.end()) {
    s.transmitter_hz = it->second;
  }
  return s;
}

NodeTracking::NodeTracking(std::string node_id, const TrackingSettings& settings, TrackBoard* board)
    : node_id_(std::move(node_id)), tracker_(settings.ForNode(node_id_)), board_(board) {
  if (settings.tracks_dir) files_.emplace(*settings.tracks_dir, node_id_);
  if (board_ != nullptr) board_->Provisioned(node_id_);
}

const tracking::FrameResult& NodeTracking::Process(const tracking::Frame& frame,
                                                   std::chrono::steady_clock::time_point now) {
  tracking::FrameResult& result = tracker_.Process(frame);
  if (result.processed) Publish(result);
  if (files_) files_->Flush(now);
  return result;
}

void NodeTracking::Tick(int64_t node_now_ms, std::chrono::steady_clock::time_point now) {
  tracking::FrameResult& result = tracker_.Tick(node_now_ms);
  if (result.processed) Publish(result);
  if (files_) files_->Flush(now);
}

void NodeTracking::Flush() {
  if (files_) files_->Flush(std::chrono::steady_clock::now(), /*force=*/true);
}

void NodeTracking::Publish(tracking::FrameResult& result) {
  uint32_t confirmed = 0, coasting = 0, tentative = 0;
  for (const auto& t : result.tracks) {
    confirmed += t.status == tracking::TrackStatus::kConfirmed ? 1 : 0;
    coasting += t.status == tracking::TrackStatus::kCoasting ? 1 : 0;
    tentative += t.status == tracking::TrackStatus::kTentative ? 1 : 0;
  }
  confirmed_.store(confirmed, std::memory_order_relaxed);
  coasting_.store(coasting, std::memory_order_relaxed);
  tentative_.store(tentative, std::memory_order_relaxed);
  if (files_) files_->Add(result);
  if (board_ != nullptr) board_->Publish(node_id_, std::move(result));
}

TrackCounts NodeTracking::counts() const {
  return {confirmed_.load(std::memory_order_relaxed), coasting_.load(std::memory_order_relaxed),
          tentative_.load(std::memory_order_relaxed)};
}

TrackingStage::TrackingStage(std::string node_id, const TrackingSettings& settings,
                             TrackBoard* board, TrackerMetrics& metrics)
    : tracking_(std::move(node_id), settings, board), metrics_(metrics) {}

void TrackingStage::Process(v1::DetectionFrame& frame) {
  tracking_.Process(ToTrackingFrame(frame), std::chrono::steady_clock::now());
  has_frame_ = true;
  last_frame_ms_ = frame.timestamp_ms();
  last_frame_wall_ = std::chrono::system_clock::now();
  metrics_.FrameProcessed();
  UpdateTickDue();
}

// A tick left out is one that would have returned at once: its node clock (the last frame's
// timestamp plus the wall time since it came, in whole ms) is not yet TickQuietMs past the last
// frame the tracker processed.
void TrackingStage::UpdateTickDue() {
  const bool files_pending = tracking_.files() != nullptr && tracking_.files()->pending();
  const auto due = last_frame_wall_ + std::chrono::milliseconds(tracking_.TickQuietMs());
  tick_due_ns_.store(files_pending ? 0 : std::chrono::nanoseconds(due.time_since_epoch()).count(),
                     std::memory_order_relaxed);
}

bool TrackingStage::TickDue(std::chrono::system_clock::time_point now) const {
  return std::chrono::nanoseconds(now.time_since_epoch()).count() >=
         tick_due_ns_.load(std::memory_order_relaxed);
}

void TrackingStage::Tick(std::chrono::system_clock::time_point now) {
  if (!has_frame_) return;
  const auto silent =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - last_frame_wall_).count();
  tracking_.Tick(last_frame_ms_ + std::max<int64_t>(silent, 0), std::chrono::steady_clock::now());
  UpdateTickDue();
}

}  // namespace radarhub::tracker
