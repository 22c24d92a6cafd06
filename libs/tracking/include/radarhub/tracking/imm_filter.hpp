#pragma once

#include <array>

#include "radarhub/tracking/motion_filter.hpp"

namespace radarhub::tracking {

// Interacting multiple models (Blom & Bar-Shalom) over two MotionFilters: an aircraft flies
// straight most of the time (little jerk: smooth tracks that keep crossing targets apart) and
// sometimes turns or changes speed (much jerk: the track follows instead of losing it). Each
// frame mixes the models by how likely a switch is over dt, and re-weights them by how well each
// predicted the detection. Same interface as MotionFilter; the combined estimate is the
// probability-weighted moment match.
class ImmFilter final {
 public:
  struct Model {
    double jerk_km_s3;
    double mean_stay_s;  // expected time in this model before switching to the other
  };
  ImmFilter(double hz_per_km_s, Model quiet, Model manoeuvre);

  // Starts with the quiet model alone (a tentative track: most are clutter, and the quiet model's
  // tight gates are what rejects them); Expand adds the manoeuvre model once it is confirmed.
  void Start(const MotionFilter::Measurement& z, const MotionFilter::MeasurementCovariance& noise,
             double accel_sd_km_s2);
  void Expand();
  size_t models() const { return single_ ? 1 : kModels; }
  void Predict(double dt_s);
  MotionFilter::Measurement Predicted() const { return {x_(0), k_ * x_(1)}; }
  MotionFilter::MeasurementCovariance PredictedCovariance() const;
  void Update(const MotionFilter::Measurement& z, const MotionFilter::MeasurementCovariance& noise);
  void UpdateDoppler(double z, double variance);

  // Each model's own prediction, and how likely it is now: a detection is weighed against the
  // mixture, not against one Gaussian that matches its moments (which would gate out the first
  // frame of a manoeuvre that only the manoeuvre model expects).
  static constexpr size_t kModels = 2;  // model(j) for j < models()
  const MotionFilter& model(size_t j) const { return filters_[j]; }
  double weight(size_t j) const { return single_ ? (j == 0 ? 1.0 : 0.0) : mu_[j]; }

  const MotionFilter::State& state() const { return x_; }
  const MotionFilter::Covariance& covariance() const { return p_; }

 private:
  void Combine();

  double k_;
  bool single_ = true;
  std::array<Model, 2> models_;
  std::array<MotionFilter, 2> filters_;
  std::array<double, 2> mu_{0.8, 0.2};
  MotionFilter::State x_ = MotionFilter::State::Zero();
  MotionFilter::Covariance p_ = MotionFilter::Covariance::Identity();
};

}  // namespace radarhub::tracking
