#include "json_number.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace radarhub::protocol::json {
namespace {

bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

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

// The general conversion, for what the fast path in ScanNumber does not take.
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

constexpr double kExactPowersOf10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

}  // namespace

// Numbers as nodes write them (at most 15 digits, an exponent within +-22 once the decimal point is
// counted) take Clinger's fast path: the digits as an exact integer times or divided by an exact
// power of ten, one correctly rounded operation. Everything else goes the general way.
const char* ScanNumber(const char* p, const char* const end, Number& out) {
  const char* const text = p;
  const bool negative = p != end && *p == '-';
  p += negative;
  const char* const first_digit = p;
  if (p == end || !IsDigit(*p)) return nullptr;
  uint64_t digits = 0;  // wraps past 19 digits, but is only used up to 15
  if (*p == '0') {
    ++p;
  } else {
    while (p != end && IsDigit(*p)) digits = digits * 10 + static_cast<uint64_t>(*p++ - '0');
  }
  int fraction = 0;
  if (p != end && *p == '.') {
    const char* const fraction_start = ++p;
    while (p != end && IsDigit(*p)) digits = digits * 10 + static_cast<uint64_t>(*p++ - '0');
    fraction = static_cast<int>(p - fraction_start);
    if (fraction == 0) return nullptr;
  }
  const auto significant = (p - first_digit) - (fraction != 0);  // leading zeros included
  bool has_exponent = false;
  out.exponent = 0;
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    const bool exponent_negative = p != end && *p == '-';
    p += p != end && (*p == '-' || *p == '+');
    if (p == end || !IsDigit(*p)) return nullptr;
    // Saturating: "1e-99999999999" is valid JSON (zero).
    for (; p != end && IsDigit(*p); ++p) out.exponent = std::min(out.exponent * 10 + (*p - '0'), 1000);
    if (exponent_negative) out.exponent = -out.exponent;
    has_exponent = true;
  }
  if (significant > 15) {
    ConvertSlow(text, p, out);
    return p;
  }
  if (!has_exponent && fraction == 0) {
    out.kind = NumberKind::kInt64;
    out.i = negative ? -static_cast<int64_t>(digits) : static_cast<int64_t>(digits);
    return p;
  }
  const int power = out.exponent - fraction;
  if (power < -22 || power > 22) {
    ConvertSlow(text, p, out);
    return p;
  }
  out.kind = NumberKind::kDouble;
  const double value = power >= 0 ? static_cast<double>(digits) * kExactPowersOf10[power]
                                  : static_cast<double>(digits) / kExactPowersOf10[-power];
  out.d = negative ? -value : value;
  return p;
}

Number ConvertNumber(const char* text, size_t length) {
  Number n;
  const char* const end = text + length;
  if (ScanNumber(text, end, n) != end) ConvertSlow(text, end, n);  // NaN, Infinity
  return n;
}

}  // namespace radarhub::protocol::json
