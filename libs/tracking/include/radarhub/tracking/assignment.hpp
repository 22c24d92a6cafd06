#pragma once

#include <cstddef>
#include <vector>

namespace radarhub::tracking {

// Costs at or above this are forbidden pairs (outside the gate).
inline constexpr double kForbidden = 1e12;

// Minimum-cost assignment of every row to a distinct column (rows <= cols), cost row-major
// rows x cols. Returns the total cost; row_to_col[r] is the column of row r. Hungarian method
// with potentials (Kuhn-Munkres as in Jonker-Volgenant's shortest augmenting paths): O(rows^2 *
// cols). Reuses its buffers across calls. Not thread-safe.
class AssignmentSolver final {
 public:
  double Solve(const std::vector<double>& cost, size_t rows, size_t cols,
               std::vector<int>& row_to_col);

 private:
  std::vector<double> u_, v_, min_to_;
  std::vector<int> col_row_, way_;
  std::vector<char> used_;
};

// Global nearest neighbour where a row may also stay unassigned: gain[r * cols + c] is what
// pairing row r (a track) with column c (a detection) is worth; pairs of gain <= 0 are never
// taken (outside the gate, or worse than a miss). Chooses the pairs of maximal total gain, each
// row and column at most once; row_to_col[r] = -1 when row r stays unassigned. Returns the total.
double AssignMaxGain(AssignmentSolver& solver, const std::vector<double>& gain, size_t rows,
                     size_t cols, std::vector<int>& row_to_col);

}  // namespace radarhub::tracking
