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
        ["OS=='linux'", { "libraries": ["-lpthread"] }]
      ]
    }
  ]
}
