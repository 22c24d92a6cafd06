#include "radarhub/tracking/tracker.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <numeric>
#include <unordered_map>

#include "radarhub/tracking/assignment.hpp"
#include "radarhub/tracking/imm_filter.hpp"

namespace radarhub::tracking {

namespace {

constexpr double kSpeedOfLight = 299792458.0;
constexpr double kLog2Pi = 1.8378770664093453;
// Bistatic range is never negative; a node's calibration may put a return slightly below zero.
constexpr double kMaxNegativeDelayKm = 10;

double NormalCdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// The aircraft a track carries, and the one it may switch to.
struct AdsbLabel {
  std::string hex;
  std::string pending_hex;
  uint32_t pending_hex_hits = 0;
};

struct Track {
  uint64_t id = 0;
  ImmFilter filter;
  int64_t started_ms = 0, updated_ms = 0;
  double score = 0, peak_score = 0;
  // Null until a detection with an ADS-B hex reaches the track: most tracks are clutter and never
  // carry one.
  std::unique_ptr<AdsbLabel> label;
  uint32_t hits = 0, misses = 0, length = 0;
  uint32_t detection = 0;  // when associated: this frame's detection, in Impl::detections_
  TrackStatus status = TrackStatus::kTentative;
  bool ever_confirmed = false;
  bool associated = false;
};

// A node in clutter holds dozens of tracks, mostly tentative: the tracker's memory per node
// follows this size (bench/tracker_10k.sh).
static_assert(sizeof(Track) <= 200, "a track's size is a memory budget");

const std::string& HexOf(const Track& t) {
  static const std::string kNone;
  return t.label != nullptr ? t.label->hex : kNone;
}

// A track's prediction for the frame being processed: the predicted measurement and its
// covariance (combined, and per motion model with the model's weight), and the detection
// probability. Only alive during Process, so it lives in per-thread scratch rather than in the
// track: a node in clutter holds dozens of tracks, and a tracker follows thousands of nodes.
struct Prediction {
  MotionFilter::MeasurementCovariance predicted_cov = MotionFilter::MeasurementCovariance::Zero();
  Eigen::Vector2d predicted = Eigen::Vector2d::Zero();
  std::array<MotionFilter::MeasurementCovariance, ImmFilter::kModels> model_cov{};
  std::array<Eigen::Vector2d, ImmFilter::kModels> model_predicted{};
  std::array<double, ImmFilter::kModels> model_weight{};
  size_t models = 1;
  double gate_delay_var = 0;  // the widest model's delay variance (candidate search)
  double pd = 0;
};

// A usable detection of this frame, with its measurement noise.
struct Measured {
  size_t index = 0;  // into the frame
  Eigen::Vector2d z;
  MotionFilter::MeasurementCovariance noise;
  bool taken = false;    // associated with a track this frame
  bool in_gate = false;  // inside the gate of a confirmed or coasting track
};

// What Process works in, alive only during it: per worker thread rather than per tracker, since a
// tracker follows thousands of nodes (one MultiTargetTracker each) on a few threads.
struct FrameScratch {
  // One per track of tracks_ as it was when the frame was predicted, in the same order (tracks
  // that start in this frame come after and have none).
  std::vector<Prediction> predictions;
  std::vector<Measured> measured;  // sorted by delay
  AssignmentSolver solver;
  std::vector<size_t> rows, cols, parent;
  std::vector<double> gain;
  std::vector<int> row_to_col;
};

FrameScratch& ThreadScratch() {
  thread_local FrameScratch scratch;
  return scratch;
}

}  // namespace

class MultiTargetTracker::Impl {
 public:
  explicit Impl(TrackerSettings settings)
      : s_(settings),
        hz_per_km_s_(-1000.0 / (kSpeedOfLight / settings.transmitter_hz)),
        filter_config_{
            .hz_per_km_s = hz_per_km_s_,
            .quiet = {settings.jerk_hz_s2 / std::abs(hz_per_km_s_), settings.quiet_mean_s},
            .manoeuvre = {settings.manoeuvre_jerk_hz_s2 / std::abs(hz_per_km_s_),
                          settings.manoeuvre_mean_s}},
        clutter_per_frame_(settings.initial_clutter_per_frame),
        pd_(settings.pd) {}

  FrameResult& Process(const Frame& frame);
  FrameResult& Tick(int64_t now_ms);
  // Confirmed tracks coast once frames are half an interval late.
  double TickQuietMs() const {
    return 1.5 * 1000.0 * (frame_interval_s_ > 0 ? frame_interval_s_ : 1.0);
  }
  std::vector<TrackState> Tracks() const;
  double ClutterDensity() const {
    return std::max(clutter_per_frame_, 0.5) / (s_.area_delay_km * s_.area_doppler_hz);
  }
  const TrackerSettings& settings() const { return s_; }

 private:
  void Measure(const Frame& frame);
  void PredictAll(double dt);
  // Gain of pairing a track with a detection (log-likelihood ratio against "the track missed and
  // the detection is clutter"); <= 0 when outside the gate.
  double PairGain(const Prediction& p, const Measured& m, double log_clutter) const;
  void Associate(bool confirmed_stage, double log_clutter);
  void Hit(Track& track, const Prediction& p, const Measured& m, double log_clutter);
  void Miss(Track& track, const Prediction& p);
  void LearnPd();
  void NotchUpdate(Track& track, const Prediction& p);
  void StartTracks();
  void Label(Track& track, const std::string& hex);
  uint32_t Remember(const Detection& d) {
    detections_.push_back(d);
    return static_cast<uint32_t>(detections_.size() - 1);
  }
  void Prune(int64_t now_ms);
  void Publish(int64_t timestamp_ms);
  TrackState StateOf(const Track& track, int64_t timestamp_ms) const;
  MotionFilter::MeasurementCovariance NoiseFor(double snr_db) const;

  const TrackerSettings s_;
  const double hz_per_km_s_;
  const ImmFilter::Config filter_config_;  // every track's filter points here
  double clutter_per_frame_;
  double pd_;  // learnt from confirmed tracks where the notch does not hide them
  std::vector<Track> tracks_;
  // The detections tracks took in the last frame (Track::detection): as of the last Process, the
  // frame itself may be gone.
  std::vector<Detection> detections_;
  std::unordered_map<std::string, uint64_t> hex_owner_;  // one live track per ADS-B hex
  uint64_t next_id_ = 1;
  bool has_frame_ = false;
  int64_t last_ms_ = 0;
  double frame_interval_s_ = 0;           // smoothed; 0 until two frames were seen
  const Frame* current_frame_ = nullptr;  // during Process
  FrameScratch* scratch_ = nullptr;       // during Process: ThreadScratch()
  FrameResult result_;
};

MotionFilter::MeasurementCovariance MultiTargetTracker::Impl::NoiseFor(double snr_db) const {
  const double scale = std::clamp(std::pow(10.0, (s_.snr_ref_db - snr_db) / 20.0),
                                  s_.noise_scale_min, s_.noise_scale_max);
  MotionFilter::MeasurementCovariance r = MotionFilter::MeasurementCovariance::Zero();
  r(0, 0) = std::pow(scale * s_.sigma_delay_km, 2);
  r(1, 1) = std::pow(scale * s_.sigma_doppler_hz, 2);
  return r;
}

void MultiTargetTracker::Impl::Measure(const Frame& frame) {
  scratch_->measured.clear();
  for (size_t i = 0; i < frame.detections.size(); ++i) {
    const Detection& d = frame.detections[i];
    // Whatever a node sends is finite (the ingest checks), not necessarily a radar return.
    if (!std::isfinite(d.delay_km) || !std::isfinite(d.doppler_hz) || !std::isfinite(d.snr_db) ||
        d.snr_db < s_.min_snr_db || std::abs(d.doppler_hz) > s_.max_doppler_hz ||
        d.delay_km < -kMaxNegativeDelayKm || d.delay_km > s_.max_delay_km) {
      continue;
    }
    scratch_->measured.push_back(
        {.index = i, .z = {d.delay_km, d.doppler_hz}, .noise = NoiseFor(d.snr_db)});
  }
  std::sort(scratch_->measured.begin(), scratch_->measured.end(),
            [](const Measured& a, const Measured& b) { return a.z(0) < b.z(0); });
}

void MultiTargetTracker::Impl::PredictAll(double dt) {
  scratch_->predictions.resize(tracks_.size());
  for (size_t i = 0; i < tracks_.size(); ++i) {
    Track& t = tracks_[i];
    Prediction& p = scratch_->predictions[i];
    t.filter.Predict(dt);
    p.predicted = t.filter.Predicted();
    p.predicted_cov = t.filter.PredictedCovariance();
    p.gate_delay_var = 0;
    p.models = t.filter.models();
    for (size_t j = 0; j < p.models; ++j) {
      p.model_predicted[j] = t.filter.model(j).Predicted();
      p.model_cov[j] = t.filter.model(j).PredictedCovariance();
      p.model_weight[j] = t.filter.weight(j);
      p.gate_delay_var = std::max(p.gate_delay_var, p.model_cov[j](0, 0));
    }
    // The notch hides a target whose true Doppler is near zero: no evidence against it there.
    const double sd = std::max(std::sqrt(p.predicted_cov(1, 1)), 0.1);
    const double f = p.predicted(1);
    // (Far from the notch, as most tracks are, the probability is nil: no erfc needed.)
    const double in_notch =
        std::abs(f) - s_.notch_hz > 8 * sd
            ? 0.0
            : NormalCdf((s_.notch_hz - f) / sd) - NormalCdf((-s_.notch_hz - f) / sd);
    p.pd = pd_ * (1.0 - in_notch);
  }
}

// Inside the gate of any motion model; weighed by the models' mixture likelihood.
double MultiTargetTracker::Impl::PairGain(const Prediction& p, const Measured& m,
                                          double log_clutter) const {
  std::array<double, ImmFilter::kModels> d2{}, det{};
  bool gated = false;
  for (size_t j = 0; j < p.models; ++j) {
    const MotionFilter::MeasurementCovariance s = p.model_cov[j] + m.noise;
    const Eigen::Vector2d y = m.z - p.model_predicted[j];
    // A marginal is a lower bound of the distance: most candidates fail on the Doppler alone.
    if (y(1) * y(1) > s_.gate * s(1, 1) || y(0) * y(0) > s_.gate * s(0, 0)) {
      d2[j] = -1;
      continue;
    }
    det[j] = s(0, 0) * s(1, 1) - s(0, 1) * s(1, 0);
    if (det[j] <= 0) {
      d2[j] = -1;
      continue;
    }
    d2[j] = (s(1, 1) * y(0) * y(0) - 2 * s(0, 1) * y(0) * y(1) + s(0, 0) * y(1) * y(1)) / det[j];
    gated = gated || d2[j] <= s_.gate;
  }
  if (!gated) return 0;
  double likelihood = 0;
  for (size_t j = 0; j < p.models; ++j) {
    if (d2[j] < 0) continue;  // beyond the gate of this model: its share is negligible
    likelihood += p.model_weight[j] * std::exp(-0.5 * d2[j] - kLog2Pi) / std::sqrt(det[j]);
  }
  if (!(likelihood > 0)) return 0;
  const double log_likelihood = std::log(likelihood);
  const double pd = std::max(p.pd, 1e-3);
  // Worth taking over "missed, and that detection is clutter".
  return std::log(pd) + log_likelihood - log_clutter - std::log1p(-std::min(pd, 0.999));
}

// One stage of global nearest neighbour: the tracks of the stage (confirmed and coasting first,
// so a tentative track never steals a known target's detection; then tentative ones) against the
// detections still free. Tracks and detections linked by gates form clusters, each solved
// optimally on its own, so the cost follows the clusters' sizes, not the frame's.
void MultiTargetTracker::Impl::Associate(bool confirmed_stage, double log_clutter) {
  scratch_->rows.clear();
  for (size_t i = 0; i < tracks_.size(); ++i) {
    const bool confirmed = tracks_[i].status != TrackStatus::kTentative;
    if (confirmed == confirmed_stage) scratch_->rows.push_back(i);
  }
  if (scratch_->rows.empty()) return;
  if (scratch_->measured.empty()) {
    for (size_t row : scratch_->rows) Miss(tracks_[row], scratch_->predictions[row]);
    return;
  }
  // Candidate pairs through the delay-sorted detections: only those within the delay window.
  struct Pair {
    size_t row, col;
    double gain;
  };
  std::vector<Pair> pairs;
  for (size_t r = 0; r < scratch_->rows.size(); ++r) {
    const Prediction& p = scratch_->predictions[scratch_->rows[r]];
    const double half = std::sqrt(
        s_.gate * (p.gate_delay_var + std::pow(s_.noise_scale_max * s_.sigma_delay_km, 2)));
    const auto lo = std::lower_bound(scratch_->measured.begin(), scratch_->measured.end(),
                                     p.predicted(0) - half,
                                     [](const Measured& m, double v) { return m.z(0) < v; });
    for (auto it = lo; it != scratch_->measured.end() && it->z(0) <= p.predicted(0) + half; ++it) {
      const double g = PairGain(p, *it, log_clutter);
      if (confirmed_stage && g > 0) it->in_gate = true;
      if (it->taken || g <= 0) continue;
      pairs.push_back({r, static_cast<size_t>(it - scratch_->measured.begin()), g});
    }
  }
  if (pairs.empty()) {
    for (size_t row : scratch_->rows) Miss(tracks_[row], scratch_->predictions[row]);
    return;
  }
  // Union-find over rows (0..R-1) and detections (R..R+D-1).
  const size_t nr = scratch_->rows.size(), nd = scratch_->measured.size();
  scratch_->parent.resize(nr + nd);
  std::iota(scratch_->parent.begin(), scratch_->parent.end(), size_t{0});
  auto find = [this](size_t x) {
    while (scratch_->parent[x] != x)
      x = scratch_->parent[x] = scratch_->parent[scratch_->parent[x]];
    return x;
  };
  for (const Pair& p : pairs) scratch_->parent[find(p.row)] = find(nr + p.col);
  // Group pairs by cluster root.
  std::sort(pairs.begin(), pairs.end(), [&](const Pair& a, const Pair& b) {
    const size_t ra = find(a.row), rb = find(b.row);
    return ra != rb ? ra < rb : (a.row != b.row ? a.row < b.row : a.col < b.col);
  });
  std::vector<char> row_hit(nr, 0);
  std::vector<std::pair<size_t, size_t>> hits;  // (row, detection)
  for (size_t begin = 0; begin < pairs.size();) {
    const size_t root = find(pairs[begin].row);
    size_t end = begin;
    while (end < pairs.size() && find(pairs[end].row) == root) ++end;
    if (end - begin == 1) {
      hits.emplace_back(pairs[begin].row, pairs[begin].col);
    } else {
      std::vector<size_t> cluster_rows, cluster_cols;
      for (size_t k = begin; k < end; ++k) {
        cluster_rows.push_back(pairs[k].row);
        cluster_cols.push_back(pairs[k].col);
      }
      auto unique = [](std::vector<size_t>& v) {
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
      };
      unique(cluster_rows);
      unique(cluster_cols);
      scratch_->gain.assign(cluster_rows.size() * cluster_cols.size(), 0);
      for (size_t k = begin; k < end; ++k) {
        const size_t r = static_cast<size_t>(
            std::lower_bound(cluster_rows.begin(), cluster_rows.end(), pairs[k].row) -
            cluster_rows.begin());
        const size_t c = static_cast<size_t>(
            std::lower_bound(cluster_cols.begin(), cluster_cols.end(), pairs[k].col) -
            cluster_cols.begin());
        scratch_->gain[r * cluster_cols.size() + c] = pairs[k].gain;
      }
      AssignMaxGain(scratch_->solver, scratch_->gain, cluster_rows.size(), cluster_cols.size(),
                    scratch_->row_to_col);
      for (size_t r = 0; r < cluster_rows.size(); ++r) {
        if (scratch_->row_to_col[r] >= 0) {
          hits.emplace_back(cluster_rows[r],
                            cluster_cols[static_cast<size_t>(scratch_->row_to_col[r])]);
        }
      }
    }
    begin = end;
  }
  for (const auto& [row, col] : hits) row_hit[row] = 1;
  for (size_t r = 0; r < nr; ++r) {
    if (!row_hit[r]) Miss(tracks_[scratch_->rows[r]], scratch_->predictions[scratch_->rows[r]]);
  }
  // Hits last: their labels may take a hex from a track of this stage that missed.
  for (const auto& [row, col] : hits) {
    scratch_->measured[col].taken = true;
    Hit(tracks_[scratch_->rows[row]], scratch_->predictions[scratch_->rows[row]],
        scratch_->measured[col], log_clutter);
  }
}

void MultiTargetTracker::Impl::Hit(Track& t, const Prediction& p, const Measured& m,
                                   double log_clutter) {
  const double pd = std::min(std::max(p.pd, 1e-3), 0.999);
  t.score += PairGain(p, m, log_clutter) + std::log1p(-pd);
  t.filter.Update(m.z, m.noise);
  ++t.hits;
  t.misses = 0;
  t.updated_ms = current_frame_->timestamp_ms;
  t.associated = true;
  t.detection = Remember(current_frame_->detections[m.index]);
  if (const std::string& hex = detections_[t.detection].adsb_hex; !hex.empty()) {
    t.score += s_.adsb_score_bonus;
    Label(t, hex);
  }
  t.peak_score = std::max(t.peak_score, t.score);
  if (t.status == TrackStatus::kCoasting ||
      (t.status == TrackStatus::kTentative && t.score >= s_.confirm_score &&
       t.hits >= s_.confirm_min_hits)) {
    t.status = TrackStatus::kConfirmed;
    t.ever_confirmed = true;
    t.filter.Expand();
  }
}

void MultiTargetTracker::Impl::Miss(Track& t, const Prediction& p) {
  t.associated = false;
  t.score += std::log1p(-std::min(p.pd, 0.999));
  NotchUpdate(t, p);
  // Only a miss where the target would surely have been seen counts towards deletion.
  if (p.pd >= 0.8 * pd_) ++t.misses;
  if (t.status == TrackStatus::kConfirmed) t.status = TrackStatus::kCoasting;
}

// Not seeing a target is evidence too: near zero Doppler, it most likely means the target is in
// the notch. The Doppler's distribution given the miss (the prediction times P(miss | f), which
// is 1 inside the notch and 1 - pd outside) is matched in mean and variance by a
// pseudo-measurement, so a track coasting through the notch keeps its Doppler and Doppler rate
// instead of drifting.
void MultiTargetTracker::Impl::NotchUpdate(Track& t, const Prediction& p) {
  if (s_.notch_hz <= 0) return;
  const double mu = p.predicted(1);
  const double var = p.predicted_cov(1, 1);
  const double sd = std::sqrt(var);
  if (sd <= 0) return;
  const double a = (-s_.notch_hz - mu) / sd, b = (s_.notch_hz - mu) / sd;
  if (a > 8 || b < -8) return;  // the notch does not explain this miss
  const double in = NormalCdf(b) - NormalCdf(a);
  if (in < 1e-3) return;  // the notch does not explain this miss
  constexpr double kInvSqrt2Pi = 0.3989422804014327;
  const double pa = kInvSqrt2Pi * std::exp(-0.5 * a * a), pb = kInvSqrt2Pi * std::exp(-0.5 * b * b);
  const double mean_in = mu + sd * (pa - pb) / in;
  const double var_in = var * (1 + (a * pa - b * pb) / in - std::pow((pa - pb) / in, 2));
  const double pd = std::min(pd_, 0.999);
  const double z_norm = (1 - pd) + pd * in;
  const double mean = ((1 - pd) * mu + pd * in * mean_in) / z_norm;
  const double second =
      ((1 - pd) * (var + mu * mu) + pd * in * (var_in + mean_in * mean_in)) / z_norm;
  const double post_var = second - mean * mean;
  if (!(post_var > 0) || post_var >= 0.999 * var) return;
  const double gain = 1 - post_var / var;
  const double r = var * (1 - gain) / gain;
  t.filter.UpdateDoppler(mu + (mean - mu) / gain, r);
}

// The share of expected detections that confirmed tracks got: a node's radar may see its
// targets less often than the default assumes, and then misses must cost less.
void MultiTargetTracker::Impl::LearnPd() {
  // Tracks started in this frame (length 1, after the predicted ones) are skipped.
  for (size_t i = 0; i < scratch_->predictions.size(); ++i) {
    const Track& t = tracks_[i];
    if (t.status == TrackStatus::kTentative || t.length <= 1 ||
        scratch_->predictions[i].pd < 0.8 * pd_) {
      continue;
    }
    pd_ += s_.pd_smoothing * ((t.associated ? 1.0 : 0.0) - pd_);
  }
  pd_ = std::clamp(pd_, s_.pd_min, s_.pd_max);
}

// Every detection that no track took starts a tentative track, unless it lies in the gate of a
// confirmed one: a second return of a known target, or clutter next to it, is not a new target.
void MultiTargetTracker::Impl::StartTracks() {
  const double accel_sd = s_.initial_doppler_rate_sd_hz_s / std::abs(hz_per_km_s_);
  // Grow by a quarter, not by doubling: a node in clutter holds ~20 tentative tracks and ~30 for
  // a moment each frame, and a vector keeps its largest capacity.
  const auto starting =
      static_cast<size_t>(std::count_if(scratch_->measured.begin(), scratch_->measured.end(),
                                        [](const Measured& m) { return !m.taken && !m.in_gate; }));
  if (tracks_.size() + starting > tracks_.capacity()) {
    const size_t needed = tracks_.size() + starting;
    tracks_.reserve(needed + needed / 4 + 4);
  }
  for (const Measured& m : scratch_->measured) {
    if (m.taken || m.in_gate) continue;
    Track t{.id = next_id_++, .filter = ImmFilter(filter_config_)};
    t.filter.Start(m.z, m.noise, accel_sd);
    t.started_ms = t.updated_ms = current_frame_->timestamp_ms;
    t.hits = t.length = 1;
    t.associated = true;
    t.detection = Remember(current_frame_->detections[m.index]);
    if (const std::string& hex = detections_[t.detection].adsb_hex; !hex.empty()) {
      t.score += s_.adsb_score_bonus;
      Label(t, hex);
    }
    t.peak_score = t.score;
    tracks_.push_back(std::move(t));
  }
}

// One live track per ADS-B hex: the track that most recently took a detection carrying it holds
// it. A track that already has a label changes it only after adsb_switch_hits detections of the
// other aircraft, so one mismatched detection does not relabel it.
void MultiTargetTracker::Impl::Label(Track& t, const std::string& hex) {
  // A tentative track (most are clutter) never takes a hex from a confirmed or coasting track.
  if (t.status == TrackStatus::kTentative) {
    if (const auto own = hex_owner_.find(hex); own != hex_owner_.end() && own->second != t.id) {
      for (const Track& other : tracks_) {
        if (other.id == own->second && other.status != TrackStatus::kTentative) return;
      }
    }
  }
  if (t.label == nullptr) t.label = std::make_unique<AdsbLabel>();
  AdsbLabel& label = *t.label;
  if (label.hex == hex) {
    label.pending_hex.clear();
    label.pending_hex_hits = 0;
    hex_owner_[hex] = t.id;
    // Another track may hold it from before (it took it while this one was unlabelled).
  } else {
    if (!label.hex.empty()) {
      if (label.pending_hex == hex) {
        ++label.pending_hex_hits;
      } else {
        label.pending_hex = hex;
        label.pending_hex_hits = 1;
      }
      if (label.pending_hex_hits < s_.adsb_switch_hits) return;
      if (const auto own = hex_owner_.find(label.hex);
          own != hex_owner_.end() && own->second == t.id) {
        hex_owner_.erase(own);
      }
    }
    label.hex = hex;
    label.pending_hex.clear();
    label.pending_hex_hits = 0;
  }
  const auto [it, fresh] = hex_owner_.try_emplace(hex, t.id);
  if (!fresh && it->second != t.id) {
    for (Track& other : tracks_) {
      if (other.id == it->second && HexOf(other) == hex) other.label->hex.clear();
    }
    it->second = t.id;
  }
}

void MultiTargetTracker::Impl::Prune(int64_t now_ms) {
  const double interval_ms = 1000.0 * (frame_interval_s_ > 0 ? frame_interval_s_ : 1.0);
  auto expired = [&](const Track& t) {
    const double quiet_ms = static_cast<double>(now_ms - t.updated_ms);
    const double delay = t.filter.state()(0);
    if (delay < -2 * kMaxNegativeDelayKm || delay > s_.max_delay_km + 10) return true;
    if (std::sqrt(t.filter.covariance()(0, 0)) > s_.max_delay_sd_km) return true;
    if (t.status == TrackStatus::kTentative) {
      return t.score < s_.delete_tentative_score || t.peak_score - t.score > 5.0 ||
             t.length > s_.confirm_window || quiet_ms > 3 * interval_ms;
    }
    return t.peak_score - t.score > s_.delete_confirmed_drop || t.misses >= s_.max_misses ||
           quiet_ms > 1000.0 * s_.max_coast_s;
  };
  size_t kept = 0;
  for (size_t i = 0; i < tracks_.size(); ++i) {
    Track& t = tracks_[i];
    if (expired(t)) {
      if (!HexOf(t).empty()) {
        if (const auto own = hex_owner_.find(HexOf(t));
            own != hex_owner_.end() && own->second == t.id) {
          hex_owner_.erase(own);
        }
      }
      t.status = TrackStatus::kDeleted;
      result_.deleted.push_back(StateOf(t, now_ms));
      continue;
    }
    if (kept != i) tracks_[kept] = std::move(t);
    ++kept;
  }
  tracks_.erase(tracks_.begin() + static_cast<ptrdiff_t>(kept), tracks_.end());
}

TrackState MultiTargetTracker::Impl::StateOf(const Track& t, int64_t timestamp_ms) const {
  const MotionFilter::State& x = t.filter.state();
  const MotionFilter::Covariance& p = t.filter.covariance();
  const double k = std::abs(hz_per_km_s_);
  TrackState out;
  out.track_id = t.id;
  out.status = t.status;
  out.timestamp_ms = timestamp_ms;
  out.started_ms = t.started_ms;
  out.updated_ms = t.updated_ms;
  out.delay_km = x(0);
  out.delay_rate_km_s = x(1);
  out.doppler_hz = hz_per_km_s_ * x(1);
  out.doppler_rate_hz_s = hz_per_km_s_ * x(2);
  out.delay_sd_km = std::sqrt(p(0, 0));
  out.delay_rate_sd_km_s = std::sqrt(p(1, 1));
  out.doppler_sd_hz = k * std::sqrt(p(1, 1));
  out.doppler_rate_sd_hz_s = k * std::sqrt(p(2, 2));
  out.hits = t.hits;
  out.misses = t.misses;
  out.length = t.length;
  out.score = t.score;
  out.adsb_hex = HexOf(t);
  out.ever_confirmed = t.ever_confirmed;
  out.associated = t.associated;
  if (t.associated) out.detection = detections_[t.detection];
  return out;
}

void MultiTargetTracker::Impl::Publish(int64_t timestamp_ms) {
  result_.timestamp_ms = timestamp_ms;
  result_.processed = true;
  result_.tracks.clear();
  result_.tracks.reserve(tracks_.size());
  for (const Track& t : tracks_) result_.tracks.push_back(StateOf(t, timestamp_ms));
}

FrameResult& MultiTargetTracker::Impl::Process(const Frame& frame) {
  result_.tracks.clear();
  result_.deleted.clear();
  result_.timestamp_ms = frame.timestamp_ms;
  result_.processed = false;
  if (has_frame_ && frame.timestamp_ms <= last_ms_) return result_;
  const double dt = has_frame_ ? static_cast<double>(frame.timestamp_ms - last_ms_) / 1000.0 : 0;
  if (has_frame_ && dt < 60) {
    frame_interval_s_ = frame_interval_s_ == 0 ? dt : 0.9 * frame_interval_s_ + 0.1 * dt;
  }
  has_frame_ = true;
  last_ms_ = frame.timestamp_ms;
  current_frame_ = &frame;
  scratch_ = &ThreadScratch();

  Prune(frame.timestamp_ms);  // a gap longer than max_coast ends tracks before they associate
  detections_.clear();        // every track left is hit or missed below
  Measure(frame);
  for (Track& t : tracks_) ++t.length;
  PredictAll(dt);
  const double log_clutter = std::log(ClutterDensity());
  Associate(/*confirmed_stage=*/true, log_clutter);
  Associate(/*confirmed_stage=*/false, log_clutter);
  size_t unassociated = 0;
  for (const Measured& m : scratch_->measured) unassociated += m.taken ? 0 : 1;
  StartTracks();
  clutter_per_frame_ +=
      s_.clutter_smoothing * (static_cast<double>(unassociated) - clutter_per_frame_);
  LearnPd();
  Prune(frame.timestamp_ms);
  Publish(frame.timestamp_ms);
  current_frame_ = nullptr;
  scratch_ = nullptr;
  return result_;
}

FrameResult& MultiTargetTracker::Impl::Tick(int64_t now_ms) {
  result_.tracks.clear();
  result_.deleted.clear();
  result_.timestamp_ms = now_ms;
  result_.processed = false;
  if (!has_frame_ || static_cast<double>(now_ms - last_ms_) < TickQuietMs()) return result_;
  bool changed = false;
  for (Track& t : tracks_) {
    if (t.status == TrackStatus::kConfirmed) {
      t.status = TrackStatus::kCoasting;
      t.associated = false;
      changed = true;
    }
  }
  Prune(now_ms);
  if (changed || !result_.deleted.empty()) Publish(now_ms);
  return result_;
}

std::vector<TrackState> MultiTargetTracker::Impl::Tracks() const {
  std::vector<TrackState> out;
  out.reserve(tracks_.size());
  for (const Track& t : tracks_) out.push_back(StateOf(t, last_ms_));
  return out;
}

MultiTargetTracker::MultiTargetTracker(TrackerSettings settings)
    : impl_(std::make_unique<Impl>(settings)) {}
MultiTargetTracker::~MultiTargetTracker() = default;
MultiTargetTracker::MultiTargetTracker(MultiTargetTracker&&) noexcept = default;
MultiTargetTracker& MultiTargetTracker::operator=(MultiTargetTracker&&) noexcept = default;

FrameResult& MultiTargetTracker::Process(const Frame& frame) { return impl_->Process(frame); }
FrameResult& MultiTargetTracker::Tick(int64_t now_ms) { return impl_->Tick(now_ms); }
int64_t MultiTargetTracker::TickQuietMs() const {
  return static_cast<int64_t>(impl_->TickQuietMs());  // rounded down: never past the first change
}
std::vector<TrackState> MultiTargetTracker::Tracks() const { return impl_->Tracks(); }
const TrackerSettings& MultiTargetTracker::settings() const { return impl_->settings(); }
double MultiTargetTracker::clutter_density() const { return impl_->ClutterDensity(); }

}  // namespace radarhub::tracking
