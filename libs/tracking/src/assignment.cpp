#include "radarhub/tracking/assignment.hpp"

#include <limits>

namespace radarhub::tracking {

// Shortest augmenting paths with row and column potentials, one row added at a time (the
// classic O(n^2 m) formulation); 1-based internally with column 0 as the virtual start.
double AssignmentSolver::Solve(const std::vector<double>& cost, size_t rows, size_t cols,
                               std::vector<int>& row_to_col) {
  const double kInf = std::numeric_limits<double>::infinity();
  u_.assign(rows + 1, 0);
  v_.assign(cols + 1, 0);
  col_row_.assign(cols + 1, 0);
  way_.assign(cols + 1, 0);
  for (size_t i = 1; i <= rows; ++i) {
    col_row_[0] = static_cast<int>(i);
    size_t j0 = 0;
    min_to_.assign(cols + 1, kInf);
    used_.assign(cols + 1, 0);
    do {
      used_[j0] = 1;
      const size_t i0 = static_cast<size_t>(col_row_[j0]);
      double delta = kInf;
      size_t j1 = 0;
      const double* row = &cost[(i0 - 1) * cols];
      for (size_t j = 1; j <= cols; ++j) {
        if (used_[j]) continue;
        const double reduced = row[j - 1] - u_[i0] - v_[j];
        if (reduced < min_to_[j]) {
          min_to_[j] = reduced;
          way_[j] = static_cast<int>(j0);
        }
        if (min_to_[j] < delta) {
          delta = min_to_[j];
          j1 = j;
        }
      }
      for (size_t j = 0; j <= cols; ++j) {
        if (used_[j]) {
          u_[static_cast<size_t>(col_row_[j])] += delta;
          v_[j] -= delta;
        } else {
          min_to_[j] -= delta;
        }
      }
      j0 = j1;
    } while (col_row_[j0] != 0);
    do {
      const size_t j1 = static_cast<size_t>(way_[j0]);
      col_row_[j0] = col_row_[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  row_to_col.assign(rows, -1);
  double total = 0;
  for (size_t j = 1; j <= cols; ++j) {
    if (col_row_[j] != 0) {
      const size_t r = static_cast<size_t>(col_row_[j]) - 1;
      row_to_col[r] = static_cast<int>(j) - 1;
      total += cost[r * cols + (j - 1)];
    }
  }
  return total;
}

// Each row gets a private "unassigned" column of cost 0, so leaving a track without a detection
// competes fairly with every pairing; pairs of negative gain are never worth taking.
double AssignMaxGain(AssignmentSolver& solver, const std::vector<double>& gain, size_t rows,
                     size_t cols, std::vector<int>& row_to_col) {
  const size_t wide = cols + rows;
  std::vector<double> cost(rows * wide, kForbidden);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) {
      const double g = gain[r * cols + c];
      if (g > 0) cost[r * wide + c] = -g;
    }
    cost[r * wide + cols + r] = 0;
  }
  solver.Solve(cost, rows, wide, row_to_col);
  double total = 0;
  for (size_t r = 0; r < rows; ++r) {
    if (row_to_col[r] >= static_cast<int>(cols)) {
      row_to_col[r] = -1;
    } else if (row_to_col[r] >= 0) {
      total += gain[r * cols + static_cast<size_t>(row_to_col[r])];
    }
  }
  return total;
}

}  // namespace radarhub::tracking
