// The Highway dispatch unit of the 16-bit conversions the fast tier computes through
// (src/call.cc): float16 and bfloat16 to float32 (exact) and back, rounded to nearest even
// once, NaN kept (quiet), overflow to inf, subnormals kept. Highway 1.0.3's own DemoteTo
// truncates where the CPU has no conversion instruction (bfloat16 everywhere, float16 without
// F16C), so the roundings here are integer and float arithmetic of their own, the same bits on
// every target; float16 on AVX2 and AVX-512 uses F16C's instructions, which round the same. Found through detail::convert_kernels() (src/dispatch.h).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "dispatch.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "units/convert.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// out[i] = f(in[i]) for n values, any n: whole vectors of ds (the input's lanes), then the tail
// through zero-padded buffers; f maps a vector of ds to a vector of dd with as many lanes.
template <class DS, class DD, class F>
HWY_INLINE void Convert(DS ds, DD dd, const hn::TFromD<DS>* in, hn::TFromD<DD>* out,
                        std::size_t n, F f) {
  const std::size_t N = hn::Lanes(ds);
  std::size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(f(hn::LoadU(ds, in + i)), dd, out + i);
  if (i < n) {
    HWY_ALIGN hn::TFromD<DS> a[hn::MaxLanes(DS())] = {};
    HWY_ALIGN hn::TFromD<DD> b[hn::MaxLanes(DD())];
    std::copy(in + i, in + n, a);
    hn::Store(f(hn::Load(ds, a)), dd, b);
    std::copy(b, b + (n - i), out + i);
  }
}

using DF = hn::ScalableTag<float>;
using DU = hn::RebindToUnsigned<DF>;
using DI = hn::RebindToSigned<DF>;
using D16 = hn::Rebind<std::uint16_t, DF>;
using DH = hn::Rebind<hwy::float16_t, DF>;

// float32 bits u of magnitude (sign cleared) to float16 bits, rounded to nearest even: the
// normal range by adding the rounding bias to the bits, the subnormal range by a float
// addition that rounds at the right place (denorm_magic), NaN to a quiet NaN, beyond the
// largest float16 to inf.
template <class DU, class VU = hn::Vec<DU>>
HWY_INLINE VU HalfBits(DU du, VU u) {
  const hn::Rebind<float, DU> df;
  const VU f32_inf = hn::Set(du, 255u << 23);
  const VU magic = hn::Set(du, ((127u - 15) + (23 - 10) + 1) << 23);
  // Comparisons in signed lanes: u < 2^31 (sign cleared).
  const hn::RebindToSigned<DU> di;
  const auto big = hn::RebindMask(du, hn::Gt(hn::BitCast(di, u), hn::Set(di, ((127 + 16) << 23) - 1)));
  const VU special = hn::IfThenElse(hn::RebindMask(du, hn::Gt(hn::BitCast(di, u), hn::BitCast(di, f32_inf))),
                                    hn::Set(du, 0x7e00), hn::Set(du, 0x7c00));
  const auto small = hn::RebindMask(du, hn::Lt(hn::BitCast(di, u), hn::Set(di, 113 << 23)));
  const VU sub = hn::Sub(hn::BitCast(du, hn::Add(hn::BitCast(df, u), hn::BitCast(df, magic))), magic);
  const VU odd = hn::And(hn::ShiftRight<13>(u), hn::Set(du, 1));
  const VU norm = hn::ShiftRight<13>(hn::Add(hn::Add(u, hn::Set(du, 0xc8000fffu)), odd));
  return hn::IfThenElse(big, special, hn::IfThenElse(small, sub, norm));
}

void F32ToF16(const float* in, std::uint16_t* out, std::size_t n) {
  Convert(DF(), D16(), in, out, n, [](hn::Vec<DF> v) {
#if HWY_TARGET <= HWY_AVX2  // F16C: vcvtps2ph rounds to nearest even, NaN and inf kept
    return hn::BitCast(D16(), hn::DemoteTo(DH(), v));
#else
    const DU du;
    const auto bits = hn::BitCast(du, v);
    const auto sign = hn::And(bits, hn::Set(du, 0x80000000u));
    const auto h = hn::Or(HalfBits(du, hn::Xor(bits, sign)), hn::ShiftRight<16>(sign));
    return hn::DemoteTo(D16(), hn::BitCast(DI(), h));  // h < 2^16: no saturation
#endif
  });
}

// float16 bits to float32, exactly: the exponent rebiased in the bits, infinities and NaN
// moved to the top exponent, subnormals normalized by a float subtraction (Highway's own
// PromoteTo turns inf into 65536 where the CPU has no F16C).
void F16ToF32(const std::uint16_t* in, float* out, std::size_t n) {
  Convert(D16(), DF(), in, out, n, [](hn::Vec<D16> v16) {
#if HWY_TARGET <= HWY_AVX2  // F16C: vcvtph2ps, exact for every value
    return hn::PromoteTo(DF(), hn::BitCast(DH(), v16));
#else
    const DU du;
    const DI di;
    const auto h = hn::PromoteTo(du, v16);
    auto o = hn::ShiftLeft<13>(hn::And(h, hn::Set(du, 0x7fff)));
    const auto shifted_exp = hn::Set(du, 0x7c00u << 13);
    const auto exp = hn::And(o, shifted_exp);
    o = hn::Add(o, hn::Set(du, (127u - 15) << 23));
    const auto special = hn::RebindMask(du, hn::Eq(hn::BitCast(di, exp), hn::BitCast(di, shifted_exp)));
    const auto tiny = hn::RebindMask(du, hn::Eq(hn::BitCast(di, exp), hn::Zero(di)));
    o = hn::IfThenElse(special, hn::Add(o, hn::Set(du, (128u - 16) << 23)), o);
    const auto renorm = hn::BitCast(du, hn::Sub(hn::BitCast(DF(), hn::Add(o, hn::Set(du, 1u << 23))),
                                                hn::BitCast(DF(), hn::Set(du, 113u << 23))));
    o = hn::IfThenElse(tiny, renorm, o);
    return hn::BitCast(DF(), hn::Or(o, hn::ShiftLeft<16>(hn::And(h, hn::Set(du, 0x8000)))));
#endif
  });
}

// bfloat16: the top half of a float32; rounding adds 0x7fff plus the lowest kept bit.
void F32ToBF16(const float* in, std::uint16_t* out, std::size_t n) {
  Convert(DF(), D16(), in, out, n, [](hn::Vec<DF> v) {
    const DU du;
    const auto u = hn::BitCast(du, v);
    const auto lsb = hn::And(hn::ShiftRight<16>(u), hn::Set(du, 1));
    auto h = hn::ShiftRight<16>(hn::Add(u, hn::Add(hn::Set(du, 0x7fff), lsb)));
    h = hn::IfThenElse(hn::RebindMask(du, hn::IsNaN(v)),
                       hn::Or(hn::ShiftRight<16>(u), hn::Set(du, 0x40)), h);
    return hn::DemoteTo(D16(), hn::BitCast(DI(), h));
  });
}

void BF16ToF32(const std::uint16_t* in, float* out, std::size_t n) {
  Convert(D16(), DF(), in, out, n, [](hn::Vec<D16> v16) {
    return hn::BitCast(DF(), hn::ShiftLeft<16>(hn::PromoteTo(DU(), v16)));
  });
}

// float64 to float32 rounded to odd: truncated toward zero and the last bit set where the
// conversion is inexact, so that rounding the float32 once more to a 16-bit type (two and
// more bits fewer) is the float64's correct rounding. The conversion's own rounding to
// nearest is undone where it went away from zero; whether it did, and whether it was
// inexact, are float64 comparisons carried to the float32 lanes as -1, 1 or 0.
void F64ToF32Odd(const double* in, float* out, std::size_t n) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  Convert(dd, df, in, out, n, [&](hn::Vec<decltype(dd)> v) {
    auto r = hn::DemoteTo(df, v);
#if HWY_TARGET == HWY_SCALAR  // its DemoteTo saturates infinities to the largest float
    if (std::isinf(hn::GetLane(v))) r = hn::Set(df, static_cast<float>(hn::GetLane(v)));
#endif
    const auto back = hn::PromoteTo(dd, r);
    const auto inexact = hn::AndNot(hn::IsNaN(v), hn::Ne(back, v));
    const auto code = hn::IfThenElseZero(
        inexact, hn::IfThenElse(hn::Gt(hn::Abs(back), hn::Abs(v)), hn::Set(dd, -1.0), hn::Set(dd, 1.0)));
    const auto c = hn::DemoteTo(df, code);
    auto b = hn::BitCast(du, r);
    b = hn::Add(b, hn::BitCast(du, hn::VecFromMask(df, hn::Lt(c, hn::Zero(df)))));  // -1: truncate
    b = hn::Or(b, hn::And(hn::BitCast(du, hn::VecFromMask(df, hn::Ne(c, hn::Zero(df)))), hn::Set(du, 1u)));
    return hn::BitCast(df, b);
  });
}

// Whether any of n float64 results may lie near a midpoint of a 16-bit type of kMant
// explicit mantissa bits and least normal 2^kEmin (src/settle.cc's filter, maybe_near, on
// whole vectors): the result's float32 rounding, moved up by 2^kEmin below it, has a
// midpoint's low bits. Out of float32's range the demotion gives inf (never a midpoint).
template <int kMant, int kEmin>
bool AnyMaybeNear(const double* in, std::size_t n) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const std::size_t N = hn::Lanes(dd);
  const auto min = hn::Set(df, static_cast<float>(std::ldexp(1.0, kEmin)));
  const auto low = hn::Set(du, (1u << (23 - kMant)) - 1), half = hn::Set(du, 1u << (22 - kMant));
  auto any = hn::Zero(du);
  const auto test = [&](hn::Vec<decltype(dd)> v) {
    auto r = hn::Abs(hn::DemoteTo(df, v));
    r = hn::IfThenElse(hn::Lt(r, min), hn::Add(r, min), r);
    any = hn::Or(any, hn::VecFromMask(du, hn::Eq(hn::And(hn::BitCast(du, r), low), half)));
  };
  std::size_t i = 0;
  for (; i + N <= n; i += N) test(hn::LoadU(dd, in + i));
  if (i < n) {
    HWY_ALIGN double a[hn::MaxLanes(decltype(dd)())] = {};
    std::copy(in + i, in + n, a);
    test(hn::Load(dd, a));
  }
  return !hn::AllFalse(du, hn::MaskFromVec(any));
}

const detail::ConvertKernels& convert_entry() {
  static constexpr detail::ConvertKernels kEntry = {&F16ToF32, &F32ToF16, &BF16ToF32, &F32ToBF16, &F64ToF32Odd,
                                                    &AnyMaybeNear<10, -14>, &AnyMaybeNear<7, -126>};
  return kEntry;
}

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace actfn {
HWY_EXPORT(convert_entry);
const detail::ConvertKernels& detail::convert_kernels() {
  return HWY_DYNAMIC_DISPATCH(convert_entry)();
}
}  // namespace actfn
#endif
