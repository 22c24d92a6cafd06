#pragma once

#include <array>
#include <memory>

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
  // What all the filters of one tracker share; it must outlive them.
  struct Config {
    double hz_per_km_s;
    Model quiet;
    Model manoeuvre;
  };
  explicit ImmFilter(const Config& config);

  // Starts with the quiet model alone (a tentative track: most are clutter, and the quiet model's
  // tight gates are what rejects them); Expand adds the manoeuvre model once it is confirmed.
  void Start(const MotionFilter::Measurement& z, const MotionFilter::MeasurementCovariance& noise,
             double accel_sd_km_s2);
  void Expand();
  size_t models() const { return mixture_ == nullptr ? 1 : kModels; }
  void Predict(double dt_s);
  MotionFilter::Measurement Predicted() const {
    return {state()(0), config_->hz_per_km_s * state()(1)};
  }
  MotionFilter::MeasurementCovariance PredictedCovariance() const;
  void Update(const MotionFilter::Measurement& z, const MotionFilter::MeasurementCovariance& noise);
  void UpdateDoppler(double z, double variance);

  // Each model's own prediction, and how likely it is now: a detection is weighed against the
  // mixture, not against one Gaussian that matches its moments (which would gate out the first
  // frame of a manoeuvre that only the manoeuvre model expects).
  static constexpr size_t kModels = 2;  // model(j) for j < models()
  const MotionFilter& model(size_t j) const { return j == 0 ? quiet_ : mixture_->manoeuvre; }
  double weight(size_t j) const {
    return mixture_ == nullptr ? (j == 0 ? 1.0 : 0.0) : mixture_->mu[j];
  }

  const MotionFilter::State& state() const {
    return mixture_ == nullptr ? quiet_.state() : mixture_->x;
  }
  const MotionFilter::Covariance& covariance() const {
    return mixture_ == nullptr ? quiet_.covariance() : mixture_->p;
  }

 private:
  // The manoeuvre model and the combined estimate, from Expand on. Most tracks are tentative
  // clutter that never needs them, and a tracker holds dozens per node for thousands of nodes:
  // a quiet-only filter is 128 bytes instead of 384.
  struct Mixture {
    MotionFilter manoeuvre;
    std::array<double, 2> mu{0.8, 0.2};
    MotionFilter::State x = MotionFilter::State::Zero();
    MotionFilter::Covariance p = MotionFilter::Covariance::Identity();
  };
  MotionFilter& filter(size_t j) { return j == 0 ? quiet_ : mixture_->manoeuvre; }
  const Model& model_params(size_t j) const { return j == 0 ? config_->quiet : config_->manoeuvre; }
  void Combine();

  const Config* config_;
  MotionFilter quiet_;
  std::unique_ptr<Mixture> mixture_;  // null while the quiet model is alone
};

}  // namespace radarhub::tracking
