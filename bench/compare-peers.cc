// The peers, each as its users would write it (see compare-peers.h). Compiled with
// -O3 -march=native so that the plain loop and Eigen get this CPU's widest vectors.
#include "compare-peers.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#ifdef ACTFN_HAVE_EIGEN
#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>
#endif
#ifdef ACTFN_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif
#ifdef ACTFN_HAVE_XNNPACK
#include <xnnpack.h>
#endif

namespace peers {
namespace {

using Out = std::vector<std::pair<std::string, Impl>>;

std::size_t row_of(const std::string& f) {
  const auto slash = f.find('/');
  return slash == std::string::npos ? 0 : std::stoul(f.substr(slash + 1));
}
std::string base_of(const std::string& f) { return f.substr(0, f.find('/')); }

// ---- the article's plain loop: the textbook formulas with <cmath> ----
Impl naive(const std::string& f) {
  const std::size_t row = row_of(f);
  const std::string b = base_of(f);
  auto each = [](auto g) -> Impl {
    return [g](const float* x, const float*, float* y, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) y[i] = g(x[i]);
    };
  };
  if (b == "relu") return each([](float x) { return x > 0 ? x : 0.0f; });
  if (b == "leaky_relu") return each([](float x) { return x > 0 ? x : 0.01f * x; });
  if (b == "sigmoid") return each([](float x) { return 1 / (1 + std::exp(-x)); });
  if (b == "tanh") return each([](float x) { return std::tanh(x); });
  if (b == "gelu") {
    return each([](float x) { return 0.5f * x * (1 + std::erf(x * 0.70710678f)); });
  }
  if (b == "silu") return each([](float x) { return x / (1 + std::exp(-x)); });
  if (b == "softplus") return each([](float x) { return std::log(1 + std::exp(x)); });
  if (b == "elu") return each([](float x) { return x > 0 ? x : std::exp(x) - 1; });
  if (b == "sigmoid_backward") {
    return [](const float* y, const float* dy, float* dx, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (1 - y[i]);
    };
  }
  if (b == "softmax" || b == "log_softmax") {
    const bool log = b == "log_softmax";
    return [row, log](const float* x, const float*, float* y, std::size_t n) {
      for (std::size_t r = 0; r + row <= n; r += row) {
        const float m = *std::max_element(x + r, x + r + row);
        float sum = 0;
        for (std::size_t i = r; i < r + row; ++i) sum += (y[i] = std::exp(x[i] - m));
        if (log) {
          const float ls = std::log(sum);
          for (std::size_t i = r; i < r + row; ++i) y[i] = x[i] - m - ls;
        } else {
          for (std::size_t i = r; i < r + row; ++i) y[i] /= sum;
        }
      }
    };
  }
  return nullptr;
}

#ifdef ACTFN_HAVE_EIGEN
// ---- Eigen 3.4 array expressions (its vectorized logistic, tanh, erf, exp, log1p) ----
using Map = Eigen::Map<Eigen::ArrayXf>;
using CMap = Eigen::Map<const Eigen::ArrayXf>;
using RowsMap = Eigen::Map<Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
using CRowsMap =
    Eigen::Map<const Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

template <class G>
Impl eigen_each(G g) {
  return [g](const float* x, const float*, float* y, std::size_t n) {
    const auto m = static_cast<Eigen::Index>(n);
    Map(y, m) = g(CMap(x, m));
  };
}

Impl eigen(const std::string& f) {
  const std::size_t row = row_of(f);
  const std::string b = base_of(f);
  if (b == "relu") return eigen_each([](const CMap& x) { return x.max(0.0f); });
  if (b == "leaky_relu") {
    return eigen_each([](const CMap& x) { return (x > 0).select(x, 0.01f * x); });
  }
  if (b == "sigmoid") return eigen_each([](const CMap& x) { return x.logistic(); });
  if (b == "tanh") return eigen_each([](const CMap& x) { return x.tanh(); });
  if (b == "gelu") {
    return eigen_each([](const CMap& x) { return 0.5f * x * (1 + (x * 0.70710678f).erf()); });
  }
  if (b == "silu") return eigen_each([](const CMap& x) { return x * x.logistic(); });
  if (b == "softplus") return eigen_each([](const CMap& x) { return x.exp().log1p(); });
  if (b == "elu") return eigen_each([](const CMap& x) { return (x > 0).select(x, x.expm1()); });
  if (b == "sigmoid_backward") {
    return [](const float* y, const float* dy, float* dx, std::size_t n) {
      const auto m = static_cast<Eigen::Index>(n);
      Map(dx, m) = CMap(dy, m) * CMap(y, m) * (1 - CMap(y, m));
    };
  }
  if (b == "softmax" || b == "log_softmax") {
    const bool log = b == "log_softmax";
    return [row, log](const float* x, const float*, float* y, std::size_t n) {
      const auto rows = static_cast<Eigen::Index>(n / row), cols = static_cast<Eigen::Index>(row);
      CRowsMap in(x, rows, cols);
      RowsMap out(y, rows, cols);
      for (Eigen::Index r = 0; r < rows; ++r) {
        const float m = in.row(r).maxCoeff();
        if (log) {
          const float ls = std::log((in.row(r) - m).exp().sum());
          out.row(r) = in.row(r) - (m + ls);
        } else {
          out.row(r) = (in.row(r) - m).exp();
          out.row(r) /= out.row(r).sum();
        }
      }
    };
  }
  return nullptr;
}
#endif

#ifdef ACTFN_HAVE_DNNL
// ---- oneDNN: eltwise and softmax_v2 primitives, created once per size ----
dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

Impl dnnl_impl(const std::string& f) {
  using dnnl::algorithm;
  const std::size_t row = row_of(f);
  const std::string b = base_of(f);
  struct Alg {
    const char* name;
    algorithm a;
    float alpha;
  };
  static const Alg kAlgs[] = {
      {"relu", algorithm::eltwise_relu, 0},          {"leaky_relu", algorithm::eltwise_relu, 0.01f},
      {"sigmoid", algorithm::eltwise_logistic, 0},   {"tanh", algorithm::eltwise_tanh, 0},
      {"gelu", algorithm::eltwise_gelu_erf, 0},      {"silu", algorithm::eltwise_swish, 1},
      {"softplus", algorithm::eltwise_soft_relu, 0}, {"elu", algorithm::eltwise_elu, 1},
  };
  // One primitive per (n): creating it is not part of the call.
  struct Cached {
    std::size_t n = 0;
    dnnl::primitive p;
  };
  auto cache = std::make_shared<Cached>();
  auto md_of = [row](std::size_t n) {
    using tag = dnnl::memory::format_tag;
    const dnnl::memory::dims dims =
        row ? dnnl::memory::dims{static_cast<long>(n / row), static_cast<long>(row)}
            : dnnl::memory::dims{static_cast<long>(n)};
    return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, row ? tag::ab : tag::a);
  };
  if (b == "softmax" || b == "log_softmax") {
    const algorithm a = b == "softmax" ? algorithm::softmax_accurate : algorithm::softmax_log;
    return [cache, md_of, a](const float* x, const float*, float* y, std::size_t n) {
      const auto md = md_of(n);
      if (cache->n != n) {
        const dnnl::softmax_v2_forward::desc d(dnnl::prop_kind::forward_inference, a, md, md, 1);
        cache->p = dnnl::softmax_v2_forward(dnnl::softmax_v2_forward::primitive_desc(d, engine()));
        cache->n = n;
      }
      dnnl::memory src(md, engine(), const_cast<float*>(x)), dst(md, engine(), y);
      dnnl::stream s(engine());
      cache->p.execute(s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
      s.wait();
    };
  }
  if (b == "sigmoid_backward") {
    return [cache, md_of](const float* y, const float* dy, float* dx, std::size_t n) {
      const auto md = md_of(n);
      if (cache->n != n) {
        const dnnl::eltwise_forward::desc fd(dnnl::prop_kind::forward_training,
                                             algorithm::eltwise_logistic_use_dst_for_bwd, md);
        const dnnl::eltwise_forward::primitive_desc fpd(fd, engine());
        const dnnl::eltwise_backward::desc bd(algorithm::eltwise_logistic_use_dst_for_bwd, md, md);
        cache->p = dnnl::eltwise_backward(dnnl::eltwise_backward::primitive_desc(bd, engine(), fpd));
        cache->n = n;
      }
      dnnl::memory dst(md, engine(), const_cast<float*>(y)),
          ddst(md, engine(), const_cast<float*>(dy)), dsrc(md, engine(), dx);
      dnnl::stream s(engine());
      cache->p.execute(s, {{DNNL_ARG_DST, dst}, {DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_DIFF_SRC, dsrc}});
      s.wait();
    };
  }
  for (const Alg& alg : kAlgs) {
    if (b != alg.name) continue;
    return [cache, md_of, alg](const float* x, const float*, float* y, std::size_t n) {
      const auto md = md_of(n);
      if (cache->n != n) {
        const dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, alg.a, md, alg.alpha);
        cache->p = dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(d, engine()));
        cache->n = n;
      }
      dnnl::memory src(md, engine(), const_cast<float*>(x)), dst(md, engine(), y);
      dnnl::stream s(engine());
      cache->p.execute(s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
      s.wait();
    };
  }
  return nullptr;
}
#endif

#ifdef ACTFN_HAVE_XNNPACK
// ---- XNNPACK (Debian's 2022 snapshot): operators run single-threaded (no threadpool) ----
Impl xnnpack(const std::string& f) {
  const std::size_t row = row_of(f);
  const std::string b = base_of(f);
  struct Op {
    std::size_t n = 0;
    xnn_operator_t op = nullptr;
    ~Op() {
      if (op) xnn_delete_operator(op);
    }
  };
  auto cache = std::make_shared<Op>();
  using Create = xnn_status (*)(std::size_t channels, xnn_operator_t*);
  using Setup = xnn_status (*)(xnn_operator_t, std::size_t, const float*, float*);
  Create create = nullptr;
  Setup setup = nullptr;
  // channels = 1 and batch = n for the elementwise ones; channels = row for softmax.
  if (b == "relu") {
    create = [](std::size_t c, xnn_operator_t* op) {
      return xnn_create_clamp_nc_f32(c, c, c, 0.0f, INFINITY, 0, op);
    };
    setup = [](xnn_operator_t op, std::size_t b, const float* x, float* y) {
      return xnn_setup_clamp_nc_f32(op, b, x, y, nullptr);
    };
  } else if (b == "leaky_relu") {
    create = [](std::size_t c, xnn_operator_t* op) {
      return xnn_create_leaky_relu_nc_f32(c, c, c, 0.01f, 0, op);
    };
    setup = [](xnn_operator_t op, std::size_t b, const float* x, float* y) {
      return xnn_setup_leaky_relu_nc_f32(op, b, x, y, nullptr);
    };
  } else if (b == "sigmoid") {
    create = [](std::size_t c, xnn_operator_t* op) {
      return xnn_create_sigmoid_nc_f32(c, c, c, 0, op);
    };
    setup = [](xnn_operator_t op, std::size_t b, const float* x, float* y) {
      return xnn_setup_sigmoid_nc_f32(op, b, x, y, nullptr);
    };
  } else if (b == "elu") {
    create = [](std::size_t c, xnn_operator_t* op) {
      return xnn_create_elu_nc_f32(c, c, c, 1.0f, 0, op);
    };
    setup = [](xnn_operator_t op, std::size_t b, const float* x, float* y) {
      return xnn_setup_elu_nc_f32(op, b, x, y, nullptr);
    };
  } else if (b == "softmax") {
    create = [](std::size_t c, xnn_operator_t* op) {
      return xnn_create_softmax_nc_f32(c, c, c, 0, op);
    };
    setup = [](xnn_operator_t op, std::size_t b, const float* x, float* y) {
      return xnn_setup_softmax_nc_f32(op, b, x, y, nullptr);
    };
  } else {
    return nullptr;
  }
  return [cache, create, setup, row](const float* x, const float*, float* y, std::size_t n) {
    const std::size_t channels = row ? row : 1, batch = n / channels;
    if (cache->n != n) {
      if (cache->op) xnn_delete_operator(cache->op);
      cache->op = nullptr;
      if (create(channels, &cache->op) != xnn_status_success) throw std::runtime_error("xnn create");
      cache->n = n;
    }
    if (setup(cache->op, batch, x, y) != xnn_status_success) throw std::runtime_error("xnn setup");
    if (xnn_run_operator(cache->op, nullptr) != xnn_status_success) {
      throw std::runtime_error("xnn run");
    }
  };
}
#endif

}  // namespace

void init(int threads) {
  // oneDNN threads through OpenMP, which reads OMP_NUM_THREADS when it loads: bench/compare
  // sets it to --threads.
#ifdef ACTFN_HAVE_XNNPACK
  if (xnn_initialize(nullptr) != xnn_status_success) throw std::runtime_error("xnn_initialize");
#endif
  (void)threads;
}

std::string available() {
  std::string s = "naive";
#ifdef ACTFN_HAVE_EIGEN
  s += " eigen";
#endif
#ifdef ACTFN_HAVE_DNNL
  s += " onednn";
#endif
#ifdef ACTFN_HAVE_XNNPACK
  s += " xnnpack";
#endif
  return s;
}

void copy_loop(const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = x[i] + 0.0f;
}

bool threaded(const std::string& impl) { return impl.rfind("actfn", 0) == 0 || impl == "onednn"; }

std::vector<std::pair<std::string, Impl>> implementations(const std::string& function) {
  Out out;
  auto add = [&](const char* name, Impl f) {
    if (f) out.emplace_back(name, std::move(f));
  };
  add("naive", naive(function));
#ifdef ACTFN_HAVE_EIGEN
  add("eigen", eigen(function));
#endif
#ifdef ACTFN_HAVE_DNNL
  add("onednn", dnnl_impl(function));
#endif
#ifdef ACTFN_HAVE_XNNPACK
  add("xnnpack", xnnpack(function));
#endif
  return out;
}

}  // namespace peers
