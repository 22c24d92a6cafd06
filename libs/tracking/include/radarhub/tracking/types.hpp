#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace radarhub::tracking {

// One detection as a node reports it (protocol.md): bistatic range in km, Doppler in Hz, SNR in
// dB, and the ADS-B aircraft the node matched it to ("hex"; empty when none).
struct Detection {
  double delay_km = 0;
  double doppler_hz = 0;
  double snr_db = 0;
  std::string adsb_hex;
};

// One frame of one node: every detection of one coherent processing interval.
struct Frame {
  int64_t timestamp_ms = 0;
  std::vector<Detection> detections;
};

// tentative -> confirmed <-> coasting -> deleted; a tentative track can also be deleted.
enum class TrackStatus : uint8_t { kTentative, kConfirmed, kCoasting, kDeleted };
std::string_view ToString(TrackStatus status);

// A track as published: the filter's state in the units of the node protocol. Fields are ordered
// so that no padding is wasted: a tracker keeps one per live track of every node.
struct TrackState {
  uint64_t track_id = 0;     // per node, from 1, never reused while the tracker runs
  int64_t timestamp_ms = 0;  // the frame (or tick) this state is for
  int64_t started_ms = 0;    // the frame that started the track
  int64_t updated_ms = 0;    // the last frame with an associated detection
  double delay_km = 0, delay_rate_km_s = 0;
  double doppler_hz = 0, doppler_rate_hz_s = 0;
  double delay_sd_km = 0, delay_rate_sd_km_s = 0;
  double doppler_sd_hz = 0, doppler_rate_sd_hz_s = 0;
  double score = 0;     // log-likelihood ratio of "target" over "clutter", as accumulated
  uint32_t hits = 0;    // frames with an associated detection, the first included
  uint32_t misses = 0;  // consecutive frames without one, up to now
  uint32_t length = 0;  // frames since the track started, the first included
  TrackStatus status = TrackStatus::kTentative;
  bool ever_confirmed = false;  // confirmed at some point (a deleted track that was a target)
  bool associated = false;      // this frame's detection, when `associated`
  std::string adsb_hex;         // the aircraft whose ADS-B-matched detections this track carries
  Detection detection;
};

}  // namespace radarhub::tracking
