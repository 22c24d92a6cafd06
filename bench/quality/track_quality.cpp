#include "track_quality.hpp"

#include <cmath>
#include <cstdio>

#include "radarhub/tracking/assignment.hpp"

namespace radarhub::bench {

namespace {

// Another aircraft is within half the cut-off: closer than the noise can separate.
bool Ambiguous(const std::vector<simulation::TruthPoint>& truth, const simulation::TruthPoint& a) {
  for (const auto& b : truth) {
    if (&b == &a) continue;
    const double dd = a.delay_km - b.delay_km;
    const double df = (a.doppler_hz - b.doppler_hz) / QualityMeter::kDopplerScale;
    if (dd * dd + df * df < 0.25 * QualityMeter::kCutoff * QualityMeter::kCutoff) return true;
  }
  return false;
}

}  // namespace

void QualityMeter::Add(const std::vector<simulation::TruthPoint>& truth,
                       const std::vector<tracking::TrackState>& all_tracks) {
  std::vector<const tracking::TrackState*> tracks;
  for (const auto& t : all_tracks) {
    if (t.status == tracking::TrackStatus::kConfirmed ||
        t.status == tracking::TrackStatus::kCoasting) {
      tracks.push_back(&t);
    }
  }
  ++frames_;
  truth_frames_ += truth.size();
  for (const auto& a : truth) aircraft_.insert(a.aircraft);
  for (const auto* t : tracks) ++lives_[t->track_id].published;
  const size_t m = truth.size(), n = tracks.size();
  if (m == 0 && n == 0) return;
  const double c2 = kCutoff * kCutoff;
  if (m == 0 || n == 0) {
    ospa_sum_ += kCutoff;
    return;
  }
  // Rows are the smaller set.
  const bool truth_rows = m <= n;
  const size_t rows = truth_rows ? m : n, cols = truth_rows ? n : m;
  std::vector<double> cost(rows * cols);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) {
      const auto& a = truth[truth_rows ? r : c];
      const auto* t = tracks[truth_rows ? c : r];
      const double dd = a.delay_km - t->delay_km;
      const double df = (a.doppler_hz - t->doppler_hz) / kDopplerScale;
      cost[r * cols + c] = std::min(dd * dd + df * df, c2);
    }
  }
  tracking::AssignmentSolver solver;
  std::vector<int> row_to_col;
  const double total = solver.Solve(cost, rows, cols, row_to_col);
  ospa_sum_ +=
      std::sqrt((total + c2 * static_cast<double>(cols - rows)) / static_cast<double>(cols));

  for (size_t r = 0; r < rows; ++r) {
    const size_t c = static_cast<size_t>(row_to_col[r]);
    if (cost[r * cols + c] >= c2) continue;
    const auto& a = truth[truth_rows ? r : c];
    const auto* t = tracks[truth_rows ? c : r];
    ++covered_;
    ++lives_[t->track_id].paired;
    Pairing& p = pairing_[a.aircraft];
    if (p.last != 0 && p.last != t->track_id) ++raw_switches_;
    p.last = t->track_id;
    if (Ambiguous(truth, a)) continue;  // judged once the aircraft can be told apart again
    if (t->track_id == p.held) {
      p.candidate = 0;
      continue;
    }
    if (t->track_id != p.candidate) {
      p.candidate = t->track_id;
      p.run = 0;
    }
    if (++p.run < kPersistFrames) continue;
    if (p.held != 0) {
      ++switches_;
      if (verbose) {
        std::printf("  switch frame %llu %s (%.2f km, %.1f Hz, %.2f Hz/s): track %llu -> %llu\n",
                    static_cast<unsigned long long>(frames_), a.aircraft.c_str(), a.delay_km,
                    a.doppler_hz, a.doppler_rate_hz_s, static_cast<unsigned long long>(p.held),
                    static_cast<unsigned long long>(t->track_id));
      }
    }
    p.held = t->track_id;
    p.candidate = 0;
  }
}

QualityMeter::Report QualityMeter::Finish() const {
  Report r;
  r.frames = frames_;
  r.ospa = frames_ == 0 ? 0 : ospa_sum_ / static_cast<double>(frames_);
  r.coverage =
      truth_frames_ == 0 ? 1 : static_cast<double>(covered_) / static_cast<double>(truth_frames_);
  r.aircraft = aircraft_.size();
  r.id_switches = switches_;
  r.raw_switches = raw_switches_;
  r.confirmed_tracks = lives_.size();
  for (const auto& [id, life] : lives_) {
    if (2 * life.paired < life.published) ++r.false_tracks;
  }
  return r;
}

}  // namespace radarhub::bench
