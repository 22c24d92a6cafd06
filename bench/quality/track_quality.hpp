#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "radarhub/simulation/scenario.hpp"
#include "radarhub/tracking/types.hpp"

namespace radarhub::bench {

// Tracking quality against ground truth (issue 11), frame by frame:
// - OSPA, order p = 2, cut-off c = 2, over states (delay km, Doppler Hz / 5) of the in-view
//   aircraft and the confirmed and coasting tracks; the frame's value averaged over frames;
// - coverage: the fraction of in-view aircraft-frames that OSPA's optimal assignment pairs with
//   a track closer than c;
// - id switches: per aircraft, changes of the track it is paired with that last at least
//   kPersistFrames paired frames, judged only while no other aircraft is within half the
//   cut-off. Two aircraft closer than that are within the noise of each other (the crossing
//   pairs spend tens of seconds so), and the optimal pairing may flip between their tracks from
//   frame to frame; what counts is whether each track still follows its aircraft once they part.
//   Every change of pairing, flips included, is counted apart as raw switches;
// - false confirmed tracks: confirmed/coasting tracks paired with no aircraft in most of the
//   frames they were published (duplicates included: assignment is one-to-one).
class QualityMeter final {
 public:
  static constexpr double kCutoff = 2.0;
  static constexpr double kDopplerScale = 5.0;
  static constexpr uint64_t kPersistFrames = 5;

  void Add(const std::vector<simulation::TruthPoint>& truth,
           const std::vector<tracking::TrackState>& tracks);
  // Each id switch as it happens ("t=.. ac07: track 12 -> 40"), for tuning.
  bool verbose = false;

  struct Report {
    uint64_t frames = 0;
    double ospa = 0;
    double coverage = 0;
    uint64_t aircraft = 0;
    uint64_t id_switches = 0;
    uint64_t raw_switches = 0;  // every change of the paired track, flips included
    uint64_t confirmed_tracks = 0;
    uint64_t false_tracks = 0;
  };
  Report Finish() const;

 private:
  struct TrackLife {
    uint64_t published = 0, paired = 0;
  };
  int64_t now_ms_ = 0;
  uint64_t frames_ = 0, truth_frames_ = 0, covered_ = 0, switches_ = 0, raw_switches_ = 0;
  double ospa_sum_ = 0;
  std::set<std::string> aircraft_;
  struct Pairing {
    uint64_t held = 0;       // the track paired for kPersistFrames frames or more (0: none yet)
    uint64_t candidate = 0;  // another track paired lately, and for how many frames
    uint64_t run = 0;
    uint64_t last = 0;  // the track paired last
  };
  std::map<std::string, Pairing> pairing_;  // by aircraft
  std::map<uint64_t, TrackLife> lives_;
};

}  // namespace radarhub::bench
