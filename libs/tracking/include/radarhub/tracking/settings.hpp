#pragma once

#include <cstdint>

namespace radarhub::tracking {

// Every number the tracker uses, with defaults for FM passive radar at ~1 Hz frames. The
// reference tracker's numbers are the defaults where they serve (min SNR, gate, coasting).
struct TrackerSettings {
  double transmitter_hz = 100e6;  // the node's illuminator: wavelength = c / transmitter_hz
  double min_snr_db = 4;          // weaker detections are ignored
  // Measurement noise at snr_ref_db; it grows as 10^((snr_ref - snr) / 20), bounded.
  double snr_ref_db = 12;
  double sigma_delay_km = 0.4;
  double sigma_doppler_hz = 1.0;
  double noise_scale_min = 0.5;  // bounds of that factor: no detection claims to be better than
  double noise_scale_max = 2.0;  // half, or worse than twice, the reference noise
  // Motion: two models mixed (IMM), each a white jerk of the bistatic range expressed as Doppler
  // acceleration (Hz/s^2): straight flight, and turns or speed changes (a 3 deg/s turn at
  // 250 m/s bends the Doppler by up to ~9 Hz/s within a few seconds).
  double jerk_hz_s2 = 0.05;
  double manoeuvre_jerk_hz_s2 = 3.0;
  double quiet_mean_s = 120;     // mean time between manoeuvres
  double manoeuvre_mean_s = 10;  // mean length of one
  // A new track's Doppler rate is unknown within this (Hz/s, one sigma).
  double initial_doppler_rate_sd_hz_s = 4.0;
  double gate = 13.8;  // squared Mahalanobis distance (chi^2, 2 dof, 99.9 %)
  double pd = 0.9;     // detection probability of a target outside the notch, until learnt:
  double pd_smoothing = 0.002;  // exponential average over confirmed tracks' frames
  double pd_min = 0.3, pd_max = 0.98;
  double notch_hz = 1.0;  // |Doppler| below this is never detected: no penalty for missing there
  // Clutter density is learnt from unassociated detections over this area, starting from
  // initial_clutter_per_frame.
  double area_delay_km = 150;
  double area_doppler_hz = 400;
  double initial_clutter_per_frame = 20;
  double clutter_smoothing = 0.05;  // exponential average weight of the newest frame
  // Sequential likelihood-ratio test: confirm at this score, delete a tentative track below
  // delete_tentative, a confirmed one when its score falls this far below its peak.
  double confirm_score = 13.0;
  uint32_t confirm_min_hits = 3;
  uint32_t confirm_window = 8;  // frames a tentative track has to reach confirm_score
  double delete_tentative_score = -4.0;
  double delete_confirmed_drop = 16.0;
  uint32_t max_misses = 10;       // consecutive misses outside the notch before deletion
  double max_coast_s = 20;        // no detection for this long: deleted, notch or not
  double max_delay_sd_km = 3.0;   // a track more uncertain than this is deleted
  double adsb_score_bonus = 4.6;  // an ADS-B-matched detection: ln(100) more evidence
  uint32_t adsb_switch_hits = 2;  // hits with another hex before a label changes
  double max_doppler_hz = 1000;   // detections beyond |Doppler| are not radar returns,
  double max_delay_km = 2000;     // nor beyond |delay|
};

}  // namespace radarhub::tracking
