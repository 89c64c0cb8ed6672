// Module registration only; each concern has its own binding file.
#include <napi.h>

#include "binding/bindings.h"

namespace {
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  verpo::binding::InitReward(env, exports);
  verpo::binding::InitExec(env, exports);
  return exports;
}
}  // namespace

NODE_API_MODULE(verpo, Init)
