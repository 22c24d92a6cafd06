#include "radarhub/tracking/imm_filter.hpp"

#include <algorithm>
#include <cmath>

namespace radarhub::tracking {

ImmFilter::ImmFilter(double hz_per_km_s, Model quiet, Model manoeuvre)
    : k_(hz_per_km_s),
      models_{quiet, manoeuvre},
      filters_{MotionFilter(hz_per_km_s, quiet.jerk_km_s3),
               MotionFilter(hz_per_km_s, manoeuvre.jerk_km_s3)} {}

void ImmFilter::Start(const MotionFilter::Measurement& z,
                      const MotionFilter::MeasurementCovariance& noise, double accel_sd_km_s2) {
  filters_[0].Start(z, noise, accel_sd_km_s2);
  single_ = true;
  Combine();
}

void ImmFilter::Expand() {
  if (!single_) return;
  filters_[1].Reset(filters_[0].state(), filters_[0].covariance());
  mu_ = {0.8, 0.2};
  single_ = false;
  Combine();
}

void ImmFilter::Predict(double dt) {
  if (dt <= 0) return;
  if (single_) {
    filters_[0].Predict(dt);
    Combine();
    return;
  }
  // Switch probabilities over dt, from the models' mean stays.
  double p[2][2];
  for (size_t i = 0; i < 2; ++i) {
    const double leave = 1.0 - std::exp(-dt / models_[i].mean_stay_s);
    p[i][i] = 1.0 - leave;
    p[i][1 - i] = leave;
  }
  std::array<double, 2> c{};
  for (size_t j = 0; j < 2; ++j) c[j] = p[0][j] * mu_[0] + p[1][j] * mu_[1];
  // Mixing: each model starts from the blend of both, weighted by where it came from.
  std::array<MotionFilter::State, 2> x0;
  std::array<MotionFilter::Covariance, 2> p0;
  for (size_t j = 0; j < 2; ++j) {
    x0[j].setZero();
    for (size_t i = 0; i < 2; ++i) x0[j] += (p[i][j] * mu_[i] / c[j]) * filters_[i].state();
    p0[j].setZero();
    for (size_t i = 0; i < 2; ++i) {
      const MotionFilter::State d = filters_[i].state() - x0[j];
      p0[j] += (p[i][j] * mu_[i] / c[j]) * (filters_[i].covariance() + d * d.transpose());
    }
  }
  for (size_t j = 0; j < 2; ++j) {
    filters_[j].Reset(x0[j], p0[j]);
    filters_[j].Predict(dt);
  }
  mu_ = c;  // a miss leaves them here; an update re-weights them
  Combine();
}

MotionFilter::MeasurementCovariance ImmFilter::PredictedCovariance() const {
  MotionFilter::MeasurementCovariance s;
  s(0, 0) = p_(0, 0);
  s(0, 1) = s(1, 0) = k_ * p_(0, 1);
  s(1, 1) = k_ * k_ * p_(1, 1);
  return s;
}

void ImmFilter::Update(const MotionFilter::Measurement& z,
                       const MotionFilter::MeasurementCovariance& noise) {
  if (single_) {
    filters_[0].Update(z, noise);
    Combine();
    return;
  }
  std::array<double, 2> likelihood{};
  for (size_t j = 0; j < 2; ++j) {
    const MotionFilter::MeasurementCovariance s = filters_[j].PredictedCovariance() + noise;
    const MotionFilter::Measurement y = filters_[j].Innovation(z);
    const double det = s.determinant();
    likelihood[j] = det > 0 ? std::exp(-0.5 * y.dot(s.inverse() * y)) / std::sqrt(det) : 0;
    filters_[j].Update(z, noise);
  }
  const double total = likelihood[0] * mu_[0] + likelihood[1] * mu_[1];
  if (total > 1e-300) {
    for (size_t j = 0; j < 2; ++j) mu_[j] = likelihood[j] * mu_[j] / total;
  }
  // Neither model may vanish: the next manoeuvre must remain possible.
  mu_[1] = std::clamp(mu_[1], 1e-3, 1.0 - 1e-3);
  mu_[0] = 1.0 - mu_[1];
  Combine();
}

void ImmFilter::UpdateDoppler(double z, double variance) {
  for (size_t j = 0; j < models(); ++j) filters_[j].UpdateDoppler(z, variance);
  Combine();
}

void ImmFilter::Combine() {
  if (single_) {
    x_ = filters_[0].state();
    p_ = filters_[0].covariance();
    return;
  }
  x_ = mu_[0] * filters_[0].state() + mu_[1] * filters_[1].state();
  p_.setZero();
  for (size_t j = 0; j < 2; ++j) {
    const MotionFilter::State d = filters_[j].state() - x_;
    p_ += mu_[j] * (filters_[j].covariance() + d * d.transpose());
  }
}

}  // namespace radarhub::tracking
