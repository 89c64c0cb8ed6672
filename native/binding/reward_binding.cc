// Glue for the reward kernels. JS (lib/reward) validates and formats errors; this file re-checks
// the argument types cheaply and hands raw pointers to the core. The async form follows the baton
// pattern: the typed arrays are pinned by references, and Execute touches no Node-API.
#include <napi.h>

#include <exception>
#include <string>
#include <vector>

#include "binding/bindings.h"
#include "core/reward/kernel.hpp"

namespace verpo::binding {
namespace {

using reward::Batch;
using reward::Output;
using reward::Params;
using reward::Result;

template <typename T>
bool TypedArrayOf(const Napi::Value& v, napi_typedarray_type type, T** data, uint64_t* len) {
  if (!v.IsTypedArray()) return false;
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  if (ta.TypedArrayType() != type) return false;
  void* base = nullptr;
  size_t length = 0;
  napi_value ab;
  size_t offset = 0;
  napi_typedarray_type t;
  if (napi_get_typedarray_info(v.Env(), v, &t, &length, &base, &ab, &offset) != napi_ok) return false;
  *data = static_cast<T*>(base);
  *len = length;
  return true;
}

// Positional arguments (see lib/native/types.ts):
// 0 passed:u8, 1 rows:u32, 2 tests:u32, 3 trajectory:u32|null, 4 rho:f64|null, 5 test_weight:f64|null,
// 6 params:f64[6] (scheme, estimator, alpha, beta, gamma, delta), 7 reward, 8 dense, 9 outcome,
// 10 advantage:f64 per row, 11 weight, 12 rho_out:f64 per test, 13 group_begin, 14 group_end.
struct Call {
  Batch batch;
  Params params;
  Output out;
  uint64_t begin = 0, end = 0;
};

// A small enum code from a double; anything else maps to a value the kernel rejects (BadParam).
uint32_t Code(double x) {
  return x >= 0 && x <= 15 && x == static_cast<double>(static_cast<uint32_t>(x)) ? static_cast<uint32_t>(x) : 0xffffffffu;
}

// The kernel allocates scratch memory; running out is an error for the caller, never a crash.
bool Guarded(const Call& c, Result* r, std::string* why) {
  try {
    *r = reward::compute(c.batch, c.params, c.out, c.begin, c.end);
    return true;
  } catch (const std::exception& e) {
    *why = std::string("verpo native compute failed: ") + e.what();
    return false;
  }
}

bool Parse(const Napi::CallbackInfo& info, Call* c, std::string* why) {
  if (info.Length() != 15) return *why = "expected 15 arguments", false;
  uint64_t n = 0;
  uint8_t* passed = nullptr;
  uint32_t *rows = nullptr, *tests = nullptr, *traj = nullptr;
  double *rho = nullptr, *test_weight = nullptr, *params = nullptr;
  if (!TypedArrayOf(info[0], napi_uint8_array, &passed, &c->batch.passed_len)) return *why = "passed must be a Uint8Array", false;
  uint64_t groups_rows = 0, groups_tests = 0;
  if (!TypedArrayOf(info[1], napi_uint32_array, &rows, &groups_rows)) return *why = "rows must be a Uint32Array", false;
  if (!TypedArrayOf(info[2], napi_uint32_array, &tests, &groups_tests)) return *why = "tests must be a Uint32Array", false;
  if (groups_rows != groups_tests) return *why = "rows and tests must have one entry per group", false;
  if (!info[3].IsNull() && !TypedArrayOf(info[3], napi_uint32_array, &traj, &c->batch.trajectory_len))
    return *why = "trajectory must be a Uint32Array or null", false;
  if (!info[4].IsNull() && !TypedArrayOf(info[4], napi_float64_array, &rho, &c->batch.rho_len))
    return *why = "rho must be a Float64Array or null", false;
  if (!info[5].IsNull() && !TypedArrayOf(info[5], napi_float64_array, &test_weight, &c->batch.test_weight_len))
    return *why = "testWeight must be a Float64Array or null", false;
  if (!TypedArrayOf(info[6], napi_float64_array, &params, &n) || n != 6) return *why = "params must be a Float64Array(6)", false;
  double* outs[6];
  uint64_t lens[6];
  for (int i = 0; i < 6; ++i)
    if (!TypedArrayOf(info[7 + i], napi_float64_array, &outs[i], &lens[i])) return *why = "outputs must be Float64Arrays", false;
  if (lens[0] != lens[1] || lens[0] != lens[2] || lens[0] != lens[3] || lens[4] != lens[5])
    return *why = "output lengths disagree", false;
  if (!info[13].IsNumber() || !info[14].IsNumber()) return *why = "group range must be numbers", false;
  const double gb = info[13].As<Napi::Number>().DoubleValue(), ge = info[14].As<Napi::Number>().DoubleValue();
  if (!(gb >= 0 && ge >= gb && ge <= static_cast<double>(groups_rows))) return *why = "group range out of bounds", false;
  c->batch.passed = passed;
  c->batch.rows = rows;
  c->batch.tests = tests;
  c->batch.groups = groups_rows;
  c->batch.trajectory = traj;
  c->batch.rho = rho;
  c->batch.test_weight = test_weight;
  c->params.scheme = static_cast<reward::Scheme>(Code(params[0]));
  c->params.estimator = static_cast<reward::Estimator>(Code(params[1]));
  c->params.alpha = params[2];
  c->params.beta = params[3];
  c->params.gamma = params[4];
  c->params.delta = params[5];
  c->out = Output{outs[0], outs[1], outs[2], outs[3], outs[4], outs[5], lens[0], lens[4]};
  c->begin = static_cast<uint64_t>(gb);
  c->end = static_cast<uint64_t>(ge);
  return true;
}

// null on success, else [status, index, group] for lib/reward to turn into a named error.
Napi::Value ResultValue(Napi::Env env, const Result& r) {
  if (r.status == reward::Status::Ok) return env.Null();
  Napi::Array a = Napi::Array::New(env, 3);
  a.Set(0u, Napi::Number::New(env, static_cast<double>(r.status)));
  a.Set(1u, Napi::Number::New(env, static_cast<double>(r.index)));
  a.Set(2u, Napi::Number::New(env, static_cast<double>(r.group)));
  return a;
}

Napi::Value Compute(const Napi::CallbackInfo& info) {
  Call c;
  std::string why;
  if (!Parse(info, &c, &why)) {
    Napi::TypeError::New(info.Env(), "verpo native compute: " + why).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  Result r;
  if (!Guarded(c, &r, &why)) {
    Napi::RangeError::New(info.Env(), why).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  return ResultValue(info.Env(), r);
}

class ComputeWorker : public Napi::AsyncWorker {
 public:
  ComputeWorker(Napi::Env env, const Napi::CallbackInfo& info, const Call& c)
      : Napi::AsyncWorker(env, "verpo:computeRewards"), deferred_(Napi::Promise::Deferred::New(env)), call_(c) {
    // Pin every array for the life of the work (the baton holds pointers into them).
    for (size_t i = 0; i < 13; ++i)
      if (info[i].IsObject()) pinned_.push_back(Napi::Persistent(info[i].As<Napi::Object>()));
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    std::string why;
    if (!Guarded(call_, &result_, &why)) SetError(why);
  }
  void OnOK() override { deferred_.Resolve(ResultValue(Env(), result_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Call call_;
  Result result_;
  std::vector<Napi::ObjectReference> pinned_;
};

Napi::Value ComputeAsync(const Napi::CallbackInfo& info) {
  Call c;
  std::string why;
  if (!Parse(info, &c, &why)) {
    Napi::TypeError::New(info.Env(), "verpo native computeAsync: " + why).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  auto* w = new ComputeWorker(info.Env(), info, c);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value SumBytes(const Napi::CallbackInfo& info) {
  uint8_t* data = nullptr;
  uint64_t len = 0;
  if (info.Length() != 1 || !TypedArrayOf(info[0], napi_uint8_array, &data, &len)) {
    Napi::TypeError::New(info.Env(), "sumBytes expects a Uint8Array").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  return Napi::Number::New(info.Env(), static_cast<double>(reward::sum_bytes(data, len)));
}

}  // namespace

void InitReward(Napi::Env env, Napi::Object exports) {
  exports.Set("rewardCompute", Napi::Function::New(env, Compute, "rewardCompute"));
  exports.Set("rewardComputeAsync", Napi::Function::New(env, ComputeAsync, "rewardComputeAsync"));
  exports.Set("sumBytes", Napi::Function::New(env, SumBytes, "sumBytes"));
}

}  // namespace verpo::binding
