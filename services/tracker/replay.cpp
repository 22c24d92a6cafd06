#include "replay.hpp"

#include <chrono>
#include <istream>
#include <memory>
#include <set>
#include <sstream>
#include <vector>

#include "radarhub/protocol/parser.hpp"
#include "track_convert.hpp"
#include "tracking_stage.hpp"

namespace radarhub::tracker {

ReplayReport Replay(std::istream& in, const TrackerConfig& config) {
  ReplayReport report;
  const auto start = std::chrono::steady_clock::now();
  protocol::Parser parser;
  std::map<std::string, std::unique_ptr<NodeTracking>, std::less<>> nodes;
  std::map<std::string, std::set<uint64_t>, std::less<>> confirmed;
  std::string line;
  std::vector<char> buffer;
  while (std::getline(in, line)) {
    ++report.lines;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    buffer.assign(line.begin(), line.end());
    buffer.resize(line.size() + protocol::kLinePadding, '\0');
    protocol::Message message;
    const protocol::Reject reject = parser.Parse(buffer.data(), line.size(), message);
    if (reject != protocol::Reject::kNone) {
      ++report.rejected[std::string(protocol::RejectName(reject))];
      continue;
    }
    if (message.type == protocol::MessageType::kHeartbeat) {
      ++report.heartbeats;
      continue;
    }
    if (message.type != protocol::MessageType::kFrame || !message.has_node_id) {
      ++report.rejected[message.has_node_id ? "unknown_type" : "missing_field"];
      continue;
    }
    auto it = nodes.find(message.node_id);
    if (it == nodes.end()) {
      const std::string id(message.node_id);
      it = nodes.emplace(id, std::make_unique<NodeTracking>(id, config.tracking, nullptr)).first;
    }
    const tracking::FrameResult& result =
        it->second->Process(ToTrackingFrame(message), std::chrono::steady_clock::now());
    if (!result.processed) {
      ++report.out_of_order;
      continue;
    }
    ++report.frames;
    for (const auto& t : result.tracks) {
      if (t.ever_confirmed) confirmed[it->first].insert(t.track_id);
    }
  }
  for (auto& [id, node] : nodes) {
    node->Flush();
    if (const TrackFileWriter* files = node->files()) {
      report.track_lines += files->lines_written();
      report.track_lines_lost += files->lines_lost();
    }
  }
  for (const auto& [id, ids] : confirmed) report.tracks_confirmed += ids.size();
  report.nodes = nodes.size();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

std::string Summary(const ReplayReport& r, const TrackerConfig& config) {
  uint64_t rejected = 0;
  std::ostringstream reasons;
  for (const auto& [reason, count] : r.rejected) {
    rejected += count;
    reasons << (reasons.tellp() > 0 ? "," : "") << reason << "=" << count;
  }
  std::ostringstream out;
  out << "replay: " << r.frames << " frames of " << r.nodes << " node" << (r.nodes == 1 ? "" : "s")
      << " from " << r.lines << " lines (" << r.heartbeats << " heartbeats, " << r.out_of_order
      << " out of order, " << rejected << " rejected" << (rejected != 0 ? " " + reasons.str() : "")
      << "); " << r.tracks_confirmed << " tracks confirmed; ";
  if (config.tracking.tracks_dir) {
    out << r.track_lines << " track lines in " << config.tracking.tracks_dir->string();
    if (r.track_lines_lost != 0) out << " (" << r.track_lines_lost << " LOST: see the log)";
  } else {
    out << "no --tracks-dir";
  }
  const double rate = r.seconds > 0 ? static_cast<double>(r.frames) / r.seconds : 0;
  out << "; " << static_cast<int64_t>(r.seconds * 1000) << " ms, " << static_cast<int64_t>(rate)
      << " frames/s";
  return out.str();
}

}  // namespace radarhub::tracker
