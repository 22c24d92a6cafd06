#include "json_number.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace radarhub::protocol::json {
namespace {

// The power of ten of a non-zero number's first significant digit (1.5e3: 3, 0.002: -3), the
// exponent saturating: tells an underflow from an overflow ("0.<400 zeros>1" has no "e-").
int DecimalExponent(const char* p, const char* end) {
  p += *p == '-';
  const char* const integer = p;
  while (p != end && IsDigit(*p)) ++p;
  int power = 0;
  const char* first = std::find_if(integer, p, [](char c) { return c != '0'; });
  if (first != p) {
    power = static_cast<int>(p - first) - 1;
  } else if (p != end && *p == '.') {
    const char* const fraction = ++p;
    while (p != end && IsDigit(*p)) ++p;
    first = std::find_if(fraction, p, [](char c) { return c != '0'; });
    power = -static_cast<int>(first - fraction) - 1;
  }
  while (p != end && *p != 'e' && *p != 'E') ++p;
  int exponent = 0;
  if (p != end) {
    ++p;
    const bool negative = *p == '-';
    p += *p == '-' || *p == '+';
    for (; p != end; ++p) exponent = std::min(exponent * 10 + (*p - '0'), 100000);
    if (negative) exponent = -exponent;
  }
  return power + exponent;
}

}  // namespace

void ConvertSlow(const char* text, const char* end, Number& out) {
  bool integral = true;
  for (const char* p = text; p != end; ++p) {
    if (*p != '-' && !IsDigit(*p)) integral = false;
  }
  if (integral) {
    if (std::from_chars(text, end, out.i).ec == std::errc()) {
      out.kind = NumberKind::kInt64;
      return;
    }
    if (text[0] != '-' && std::from_chars(text, end, out.u).ec == std::errc()) {
      out.kind = NumberKind::kUint64;
      return;
    }
  }
  out.kind = NumberKind::kDouble;
  const auto [ptr, ec] = std::from_chars(text, end, out.d);
  if (ec == std::errc::result_out_of_range) {
    const double magnitude =
        DecimalExponent(text, end) < 0 ? 0.0 : std::numeric_limits<double>::infinity();
    out.d = text[0] == '-' ? -magnitude : magnitude;
  } else if (ec != std::errc() || ptr != end) {
    out.d = std::numeric_limits<double>::quiet_NaN();  // not a number: refused as non-finite
  }
}

Number ConvertNumber(const char* text, size_t length) {
  Number n;
  const char* const end = text + length;
  if (ScanNumber(text, end, n) != end) ConvertSlow(text, end, n);  // NaN, Infinity
  return n;
}

}  // namespace radarhub::protocol::json
