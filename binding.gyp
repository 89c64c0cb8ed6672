# The shipping build (node-gyp, prebuildify, node-gyp-build). Sources come from
# native/sources.json, which CMakeLists.txt reads too.
{
  "targets": [
    {
      "target_name": "verpo",
      "sources": [
        "<!@(node -p \"const s=require('./native/sources.json'); s.core.concat(s.binding).join(' ')\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native"
      ],
      "defines": [
        "NAPI_VERSION=<!(node -p \"require('./native/sources.json').napi_version\")",
        "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-ffp-contract=off", "-fno-math-errno", "-Wall", "-Wextra"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-lpthread", "-ldl"] }]
      ]
    },
    {
      # The zygote's fork server (native/zygote), loaded by the Python zygote through ctypes: plain C ABI,
      # no Node or Python headers, no C++ runtime. It must sit beside verpo.node (prebuildify copies
      # build/Release/*.so into the prebuild folder with it).
      "target_name": "verpo_zygote",
      "type": "shared_library",
      "product_prefix": "",
      "product_extension": "so",
      "sources": [
        "<!@(node -p \"require('./native/sources.json').zygote.join(' ')\")"
      ],
      "include_dirs": ["native"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O2", "-fno-exceptions", "-fno-rtti", "-Wall", "-Wextra"],
      "ldflags": ["-Wl,--as-needed"]
    }
  ]
}
