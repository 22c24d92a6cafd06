#include "radarhub/tracking/motion_filter.hpp"

namespace radarhub::tracking {

MotionFilter::MotionFilter(double hz_per_km_s, double jerk_km_s3)
    : k_(hz_per_km_s), q_(jerk_km_s3 * jerk_km_s3) {}

void MotionFilter::Start(const Measurement& z, const MeasurementCovariance& noise,
                         double accel_sd_km_s2) {
  x_ << z(0), z(1) / k_, 0;
  p_.setZero();
  p_(0, 0) = noise(0, 0);
  p_(1, 1) = noise(1, 1) / (k_ * k_);
  p_(2, 2) = accel_sd_km_s2 * accel_sd_km_s2;
}

void MotionFilter::Predict(double dt) {
  if (dt <= 0) return;
  Eigen::Matrix3d f;
  f << 1, dt, 0.5 * dt * dt, 0, 1, dt, 0, 0, 1;
  const double dt2 = dt * dt, dt3 = dt2 * dt;
  Eigen::Matrix3d q;
  q << dt2 * dt3 / 20, dt2 * dt2 / 8, dt3 / 6,  //
      dt2 * dt2 / 8, dt3 / 3, dt2 / 2,          //
      dt3 / 6, dt2 / 2, dt;
  x_ = f * x_;
  p_ = f * p_ * f.transpose() + q_ * q;
}

MotionFilter::MeasurementCovariance MotionFilter::PredictedCovariance() const {
  MeasurementCovariance s;
  s(0, 0) = p_(0, 0);
  s(0, 1) = s(1, 0) = k_ * p_(0, 1);
  s(1, 1) = k_ * k_ * p_(1, 1);
  return s;
}

void MotionFilter::Update(const Measurement& z, const MeasurementCovariance& noise) {
  Eigen::Matrix<double, 2, 3> h;
  h << 1, 0, 0, 0, k_, 0;
  const MeasurementCovariance s = PredictedCovariance() + noise;
  const Eigen::Matrix<double, 3, 2> gain = p_ * h.transpose() * s.inverse();
  x_ += gain * Innovation(z);
  // Joseph form: stays symmetric and positive however the gains round.
  const Eigen::Matrix3d i_kh = Eigen::Matrix3d::Identity() - gain * h;
  p_ = i_kh * p_ * i_kh.transpose() + gain * noise * gain.transpose();
}

void MotionFilter::UpdateDoppler(double z, double variance) {
  const Eigen::RowVector3d h(0, k_, 0);
  const double s = k_ * k_ * p_(1, 1) + variance;
  const Eigen::Vector3d gain = p_ * h.transpose() / s;
  x_ += gain * (z - k_ * x_(1));
  const Eigen::Matrix3d i_kh = Eigen::Matrix3d::Identity() - gain * h;
  p_ = i_kh * p_ * i_kh.transpose() + variance * gain * gain.transpose();
}

}  // namespace radarhub::tracking
