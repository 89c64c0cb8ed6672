#pragma once
#include <napi.h>

namespace verpo::binding {
void InitReward(Napi::Env env, Napi::Object exports);
void InitExec(Napi::Env env, Napi::Object exports);
}  // namespace verpo::binding
