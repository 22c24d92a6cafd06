#pragma once

#include <Eigen/Core>
#include <Eigen/LU>

namespace radarhub::tracking {

// Kalman filter of one target's bistatic range R (km), range rate (km/s) and range acceleration
// (km/s^2), driven by white jerk. A detection measures R and the Doppler, which *is* the range
// rate seen at the transmitter's wavelength (f = -Rdot / lambda): so delay and Doppler update one
// motion, and a delay that moves against its own Doppler is evidence of clutter, not a target.
class MotionFilter final {
 public:
  using State = Eigen::Vector3d;
  using Covariance = Eigen::Matrix3d;
  using Measurement = Eigen::Vector2d;
  using MeasurementCovariance = Eigen::Matrix2d;

  // hz_per_km_s: Doppler of a unit range rate, -1000 / wavelength[m].
  MotionFilter(double hz_per_km_s, double jerk_km_s3);

  // Starts from one detection: range and range rate measured, acceleration unknown within
  // `accel_sd_km_s2`.
  void Start(const Measurement& z, const MeasurementCovariance& noise, double accel_sd_km_s2);
  void Predict(double dt_s);
  // Replaces the estimate (the IMM's mixing step).
  void Reset(const State& x, const Covariance& p) {
    x_ = x;
    p_ = p;
  }

  // Innovation of `z` against the predicted measurement, and its covariance without measurement
  // noise (add the detection's own noise for S).
  Measurement Innovation(const Measurement& z) const { return z - Predicted(); }
  Measurement Predicted() const { return {x_(0), k_ * x_(1)}; }
  MeasurementCovariance PredictedCovariance() const;
  void Update(const Measurement& z, const MeasurementCovariance& noise);
  // An update of the Doppler alone (Hz, variance Hz^2): what a missed detection says of a target
  // in the zero-Doppler notch.
  void UpdateDoppler(double z, double variance);

  const State& state() const { return x_; }
  const Covariance& covariance() const { return p_; }
  double hz_per_km_s() const { return k_; }

 private:
  double k_;
  double q_;  // jerk spectral density, km^2/s^5
  State x_ = State::Zero();
  Covariance p_ = Covariance::Identity();
};

}  // namespace radarhub::tracking
