#include "radarhub/tracking/imm_filter.hpp"

#include <algorithm>
#include <cmath>

namespace radarhub::tracking {

ImmFilter::ImmFilter(const Config& config)
    : config_(&config), quiet_(config.hz_per_km_s, config.quiet.jerk_km_s3) {}

void ImmFilter::Start(const MotionFilter::Measurement& z,
                      const MotionFilter::MeasurementCovariance& noise, double accel_sd_km_s2) {
  quiet_.Start(z, noise, accel_sd_km_s2);
  mixture_.reset();
}

void ImmFilter::Expand() {
  if (mixture_ != nullptr) return;
  mixture_ = std::make_unique<Mixture>(
      Mixture{.manoeuvre = MotionFilter(config_->hz_per_km_s, config_->manoeuvre.jerk_km_s3)});
  mixture_->manoeuvre.Reset(quiet_.state(), quiet_.covariance());
  Combine();
}

void ImmFilter::Predict(double dt) {
  if (dt <= 0) return;
  if (mixture_ == nullptr) {
    quiet_.Predict(dt);
    return;
  }
  std::array<double, 2>& mu = mixture_->mu;
  // Switch probabilities over dt, from the models' mean stays.
  double p[2][2];
  for (size_t i = 0; i < 2; ++i) {
    const double leave = 1.0 - std::exp(-dt / model_params(i).mean_stay_s);
    p[i][i] = 1.0 - leave;
    p[i][1 - i] = leave;
  }
  std::array<double, 2> c{};
  for (size_t j = 0; j < 2; ++j) c[j] = p[0][j] * mu[0] + p[1][j] * mu[1];
  // Mixing: each model starts from the blend of both, weighted by where it came from.
  std::array<MotionFilter::State, 2> x0;
  std::array<MotionFilter::Covariance, 2> p0;
  for (size_t j = 0; j < 2; ++j) {
    x0[j].setZero();
    for (size_t i = 0; i < 2; ++i) x0[j] += (p[i][j] * mu[i] / c[j]) * filter(i).state();
    p0[j].setZero();
    for (size_t i = 0; i < 2; ++i) {
      const MotionFilter::State d = filter(i).state() - x0[j];
      p0[j] += (p[i][j] * mu[i] / c[j]) * (filter(i).covariance() + d * d.transpose());
    }
  }
  for (size_t j = 0; j < 2; ++j) {
    filter(j).Reset(x0[j], p0[j]);
    filter(j).Predict(dt);
  }
  mu = c;  // a miss leaves them here; an update re-weights them
  Combine();
}

MotionFilter::MeasurementCovariance ImmFilter::PredictedCovariance() const {
  const double k = config_->hz_per_km_s;
  const MotionFilter::Covariance& p = covariance();
  MotionFilter::MeasurementCovariance s;
  s(0, 0) = p(0, 0);
  s(0, 1) = s(1, 0) = k * p(0, 1);
  s(1, 1) = k * k * p(1, 1);
  return s;
}

void ImmFilter::Update(const MotionFilter::Measurement& z,
                       const MotionFilter::MeasurementCovariance& noise) {
  if (mixture_ == nullptr) {
    quiet_.Update(z, noise);
    return;
  }
  std::array<double, 2>& mu = mixture_->mu;
  std::array<double, 2> likelihood{};
  for (size_t j = 0; j < 2; ++j) {
    const MotionFilter::MeasurementCovariance s = filter(j).PredictedCovariance() + noise;
    const MotionFilter::Measurement y = filter(j).Innovation(z);
    const double det = s.determinant();
    likelihood[j] = det > 0 ? std::exp(-0.5 * y.dot(s.inverse() * y)) / std::sqrt(det) : 0;
    filter(j).Update(z, noise);
  }
  const double total = likelihood[0] * mu[0] + likelihood[1] * mu[1];
  if (total > 1e-300) {
    for (size_t j = 0; j < 2; ++j) mu[j] = likelihood[j] * mu[j] / total;
  }
  // Neither model may vanish: the next manoeuvre must remain possible.
  mu[1] = std::clamp(mu[1], 1e-3, 1.0 - 1e-3);
  mu[0] = 1.0 - mu[1];
  Combine();
}

void ImmFilter::UpdateDoppler(double z, double variance) {
  for (size_t j = 0; j < models(); ++j) filter(j).UpdateDoppler(z, variance);
  if (mixture_ != nullptr) Combine();
}

void ImmFilter::Combine() {
  Mixture& m = *mixture_;
  m.x = m.mu[0] * quiet_.state() + m.mu[1] * m.manoeuvre.state();
  m.p.setZero();
  for (size_t j = 0; j < 2; ++j) {
    const MotionFilter::State d = filter(j).state() - m.x;
    m.p += m.mu[j] * (filter(j).covariance() + d * d.transpose());
  }
}

}  // namespace radarhub::tracking
