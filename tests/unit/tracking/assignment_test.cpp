#include "radarhub/tracking/assignment.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <random>

namespace radarhub::tracking {
namespace {

// Every partial one-to-one assignment, for the small cases the solver is checked against.
double BruteForceMaxGain(const std::vector<double>& gain, size_t rows, size_t cols) {
  double best = 0;
  std::vector<char> used(cols, 0);
  std::function<void(size_t, double)> go = [&](size_t r, double total) {
    if (r == rows) {
      best = std::max(best, total);
      return;
    }
    go(r + 1, total);  // row r unassigned
    for (size_t c = 0; c < cols; ++c) {
      const double g = gain[r * cols + c];
      if (used[c] || g <= 0) continue;
      used[c] = 1;
      go(r + 1, total + g);
      used[c] = 0;
    }
  };
  go(0, 0);
  return best;
}

TEST(AssignmentTest, SquareMinimumCostMatchesKnownOptimum) {
  // Greedy takes (0,0) = 1 and then pays 9 twice; the optimum crosses over.
  const std::vector<double> cost = {1, 2,  9,  //
                                    2, 10, 9,  //
                                    9, 9,  1};
  AssignmentSolver solver;
  std::vector<int> row_to_col;
  EXPECT_DOUBLE_EQ(solver.Solve(cost, 3, 3, row_to_col), 2 + 2 + 1);
  EXPECT_EQ(row_to_col, (std::vector<int>{1, 0, 2}));
}

TEST(AssignmentTest, RectangularLeavesTheWorstColumnsOut) {
  const std::vector<double> cost = {5, 1, 9, 9,  //
                                    1, 5, 9, 0.5};
  AssignmentSolver solver;
  std::vector<int> row_to_col;
  EXPECT_DOUBLE_EQ(solver.Solve(cost, 2, 4, row_to_col), 1.5);
  EXPECT_EQ(row_to_col, (std::vector<int>{1, 3}));
}

TEST(AssignmentTest, MaxGainNeverTakesNonPositivePairs) {
  const std::vector<double> gain = {-1, 0,  //
                                    0, 3};
  AssignmentSolver solver;
  std::vector<int> row_to_col;
  EXPECT_DOUBLE_EQ(AssignMaxGain(solver, gain, 2, 2, row_to_col), 3);
  EXPECT_EQ(row_to_col, (std::vector<int>{-1, 1}));
}

TEST(AssignmentTest, MaxGainEqualsBruteForceOnRandomSmallCases) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> size(1, 6);
  std::uniform_real_distribution<double> value(-3, 10);
  std::bernoulli_distribution gated(0.6);
  AssignmentSolver solver;
  for (int round = 0; round < 2000; ++round) {
    const size_t rows = static_cast<size_t>(size(rng)), cols = static_cast<size_t>(size(rng));
    std::vector<double> gain(rows * cols);
    for (double& g : gain) g = gated(rng) ? value(rng) : 0;
    std::vector<int> row_to_col;
    const double total = AssignMaxGain(solver, gain, rows, cols, row_to_col);
    ASSERT_NEAR(total, BruteForceMaxGain(gain, rows, cols), 1e-9) << "round " << round;
    std::vector<char> used(cols, 0);
    double check = 0;
    for (size_t r = 0; r < rows; ++r) {
      if (row_to_col[r] < 0) continue;
      const size_t c = static_cast<size_t>(row_to_col[r]);
      ASSERT_FALSE(used[c]) << "column used twice";
      used[c] = 1;
      ASSERT_GT(gain[r * cols + c], 0);
      check += gain[r * cols + c];
    }
    ASSERT_NEAR(check, total, 1e-9);
  }
}

}  // namespace
}  // namespace radarhub::tracking
