// A number type over MPFR for the accuracy tool: the references in src/kernels/ are templates
// over their number type, and with this one they run at kBits bits, far beyond the rounding
// errors of their formulas (x * x in exp(-x^2), x / sqrt(2) in erfc, 1 + e in sigmoid).
#pragma once

#include <mpfr.h>

#include <utility>

namespace actfn::mp {

inline constexpr mpfr_prec_t kBits = 192;

class Mp {
 public:
  Mp() { mpfr_init2(v_, kBits); mpfr_set_zero(v_, 1); }
  Mp(long double x) { mpfr_init2(v_, kBits); mpfr_set_ld(v_, x, MPFR_RNDN); }  // NOLINT
  Mp(const Mp& o) { mpfr_init2(v_, kBits); mpfr_set(v_, o.v_, MPFR_RNDN); }
  Mp(Mp&& o) noexcept { mpfr_init2(v_, kBits); mpfr_swap(v_, o.v_); }
  Mp& operator=(const Mp& o) { mpfr_set(v_, o.v_, MPFR_RNDN); return *this; }
  Mp& operator=(Mp&& o) noexcept { mpfr_swap(v_, o.v_); return *this; }
  ~Mp() { mpfr_clear(v_); }

  mpfr_ptr get() { return v_; }
  mpfr_srcptr get() const { return v_; }
  long double ld() const { return mpfr_get_ld(v_, MPFR_RNDN); }

  friend Mp operator+(const Mp& a, const Mp& b) { return op2(mpfr_add, a, b); }
  friend Mp operator-(const Mp& a, const Mp& b) { return op2(mpfr_sub, a, b); }
  friend Mp operator*(const Mp& a, const Mp& b) { return op2(mpfr_mul, a, b); }
  friend Mp operator/(const Mp& a, const Mp& b) { return op2(mpfr_div, a, b); }
  friend Mp operator-(const Mp& a) { return op1(mpfr_neg, a); }
  Mp& operator+=(const Mp& b) { mpfr_add(v_, v_, b.v_, MPFR_RNDN); return *this; }
  friend bool operator<(const Mp& a, const Mp& b) { return mpfr_less_p(a.v_, b.v_); }
  friend bool operator>(const Mp& a, const Mp& b) { return mpfr_greater_p(a.v_, b.v_); }
  friend bool operator<=(const Mp& a, const Mp& b) { return mpfr_lessequal_p(a.v_, b.v_); }
  friend bool operator>=(const Mp& a, const Mp& b) { return mpfr_greaterequal_p(a.v_, b.v_); }
  friend bool operator==(const Mp& a, const Mp& b) { return mpfr_equal_p(a.v_, b.v_); }

  friend Mp exp(const Mp& a) { return op1(mpfr_exp, a); }
  friend Mp expm1(const Mp& a) { return op1(mpfr_expm1, a); }
  friend Mp log(const Mp& a) { return op1(mpfr_log, a); }
  friend Mp log1p(const Mp& a) { return op1(mpfr_log1p, a); }
  friend Mp tanh(const Mp& a) { return op1(mpfr_tanh, a); }
  friend Mp sin(const Mp& a) { return op1(mpfr_sin, a); }
  friend Mp cos(const Mp& a) { return op1(mpfr_cos, a); }
  friend Mp sinh(const Mp& a) { return op1(mpfr_sinh, a); }
  friend Mp cosh(const Mp& a) { return op1(mpfr_cosh, a); }
  friend Mp sqrt(const Mp& a) { return op1(mpfr_sqrt, a); }
  friend Mp erfc(const Mp& a) { return op1(mpfr_erfc, a); }
  friend Mp fabs(const Mp& a) { return op1(mpfr_abs, a); }
  friend Mp copysign(const Mp& a, const Mp& b) {
    Mp r;
    mpfr_copysign(r.v_, a.v_, b.v_, MPFR_RNDN);
    return r;
  }
  friend bool isnan(const Mp& a) { return mpfr_nan_p(a.v_); }
  friend bool isinf(const Mp& a) { return mpfr_inf_p(a.v_); }

 private:
  template <class F>
  static Mp op1(F f, const Mp& a) {
    Mp r;
    f(r.v_, a.v_, MPFR_RNDN);
    return r;
  }
  template <class F>
  static Mp op2(F f, const Mp& a, const Mp& b) {
    Mp r;
    f(r.v_, a.v_, b.v_, MPFR_RNDN);
    return r;
  }
  mpfr_t v_;
};

}  // namespace actfn::mp
