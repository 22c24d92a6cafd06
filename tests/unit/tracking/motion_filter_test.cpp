#include "radarhub/tracking/motion_filter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace radarhub::tracking {
namespace {

constexpr double kHzPerKmS = -1000.0 / 2.99792458;  // 100 MHz

MotionFilter::MeasurementCovariance Noise(double delay_sd, double doppler_sd) {
  MotionFilter::MeasurementCovariance r = MotionFilter::MeasurementCovariance::Zero();
  r(0, 0) = delay_sd * delay_sd;
  r(1, 1) = doppler_sd * doppler_sd;
  return r;
}

TEST(MotionFilterTest, StartTakesRangeAndRangeRateFromOneDetection) {
  MotionFilter f(kHzPerKmS, 0.002);
  f.Start({50.0, -100.0}, Noise(0.4, 1.0), 0.01);
  EXPECT_DOUBLE_EQ(f.state()(0), 50.0);
  // -100 Hz at a 3 m wavelength: the range grows at 0.3 km/s.
  EXPECT_NEAR(f.state()(1), 0.29979, 1e-5);
  EXPECT_DOUBLE_EQ(f.Predicted()(1), -100.0);
  EXPECT_NEAR(std::sqrt(f.PredictedCovariance()(1, 1)), 1.0, 1e-12);
}

TEST(MotionFilterTest, PredictionMovesTheRangeByItsOwnDoppler) {
  MotionFilter f(kHzPerKmS, 0.002);
  f.Start({50.0, -100.0}, Noise(0.4, 1.0), 0.01);
  f.Predict(10.0);
  EXPECT_NEAR(f.Predicted()(0), 50.0 + 10 * 0.29979, 1e-4);
  EXPECT_NEAR(f.Predicted()(1), -100.0, 1e-9);
  EXPECT_GT(f.covariance()(0, 0), 0.16);  // uncertainty grows with time
}

// A target with constant range acceleration, measured with the reference noise: the filter's
// errors settle well below the measurement noise and within its own claimed uncertainty.
TEST(MotionFilterTest, ConvergesOnAnAcceleratingTargetWithinItsCovariance) {
  MotionFilter f(kHzPerKmS, 0.0005);  // a quiet target: little jerk
  std::mt19937_64 rng(3);
  std::normal_distribution<double> n01(0, 1);
  const double r0 = 80, v0 = -0.2, a = 0.01;  // km, km/s, km/s^2 (10 m/s^2)
  double sum_sq_delay = 0, sum_sq_doppler = 0, nees = 0;
  int counted = 0;
  for (int k = 0; k < 120; ++k) {
    const double t = k;
    const double r = r0 + v0 * t + 0.5 * a * t * t, v = v0 + a * t;
    const MotionFilter::Measurement z{r + 0.4 * n01(rng), kHzPerKmS * v + 1.0 * n01(rng)};
    if (k == 0) {
      f.Start(z, Noise(0.4, 1.0), 0.015);
    } else {
      f.Predict(1.0);
      f.Update(z, Noise(0.4, 1.0));
    }
    if (k >= 20) {
      const Eigen::Vector3d err = f.state() - Eigen::Vector3d(r, v, a);
      sum_sq_delay += err(0) * err(0);
      sum_sq_doppler += std::pow(kHzPerKmS * err(1), 2);
      nees += err.dot(f.covariance().inverse() * err);
      ++counted;
    }
  }
  EXPECT_LT(std::sqrt(sum_sq_delay / counted), 0.25);
  EXPECT_LT(std::sqrt(sum_sq_doppler / counted), 0.8);
  EXPECT_LT(nees / counted, 3 * 2.0);  // 3 dof: consistent within a factor of two
}

}  // namespace
}  // namespace radarhub::tracking
