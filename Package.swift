// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "surgeon-shell",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "surgeon-shell", targets: ["surgeon-shell"]),
        // For the libFuzzer targets in fuzz/ (a separate package that depends on this one).
        .library(name: "SurgeonFuzzable", targets: ["SurgeonShell", "SurgeonONNX", "SurgeonGraph", "SurgeonTensor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
    ],
    targets: [
        // System libraries (Debian: libopenblas-dev, libncursesw5-dev, libreadline-dev).
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw"),
        .systemLibrary(name: "CReadline", path: "Sources/CReadline"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // Generated protobuf bindings live in their own module so they compile once.
        .target(
            name: "ONNXProto",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/ONNXProto"
        ),

        // Narrow accelerators in C under the Swift core, both dispatched at run time (the default
        // x86-64 target lacks the instructions); see DECISIONS.md.
        // float16 <-> float32 with F16C.
        .target(name: "CHalfConvert", path: "Sources/CHalfConvert"),
        // The int8 matrix product on AVX-512 VNNI.
        .target(name: "CQGemm", path: "Sources/CQGemm"),
        // The float32 product against a weight packed once, on AVX-512F or AVX2 + FMA.
        .target(name: "CPackedGemm", dependencies: ["CHalfConvert"], path: "Sources/CPackedGemm"),
        // Float32 max pooling rows on AVX2 (PoolFloat's row kernel is its reference).
        .target(name: "CPool", path: "Sources/CPool"),
        .target(name: "SurgeonTensor", dependencies: ["COpenBLAS", "CHalfConvert", "CQGemm", "CPackedGemm"]),
        .target(name: "SurgeonGraph", dependencies: ["SurgeonTensor", "CPool"]),
        .target(
            name: "SurgeonONNX",
            dependencies: ["SurgeonGraph", "ONNXProto", "CZlib", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .target(name: "Surgeon", dependencies: ["SurgeonGraph", "SurgeonONNX"]),
        .target(name: "SurgeonShell", dependencies: ["Surgeon", "SurgeonONNX", "SurgeonGraph", "SurgeonTensor", "CZlib"]),
        .target(name: "SurgeonTUI", dependencies: ["SurgeonShell", "Surgeon", "SurgeonGraph", "SurgeonTensor", "CNcursesw", "CReadline"]),
        .executableTarget(
            name: "surgeon-shell",
            dependencies: [
                "SurgeonShell", "SurgeonTUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // bench/HeatmapBench: how fast a 100-million-element tensor reaches the heatmap pane (not a test).
        .executableTarget(name: "surgeon-heatmap-bench", dependencies: ["SurgeonTUI", "SurgeonShell", "SurgeonTensor"],
                          path: "bench/HeatmapBench"),

        // Runs the ONNX backend node cases in a child process for ConformanceTests.
        .executableTarget(name: "surgeon-conformance", dependencies: ["SurgeonONNX", "SurgeonGraph", "SurgeonTensor"]),

        .target(name: "TestSupport", dependencies: ["SurgeonGraph", "SurgeonTensor"], path: "Tests/TestSupport"),
        .testTarget(name: "SurgeonTensorTests", dependencies: ["SurgeonTensor", "TestSupport"]),
        .testTarget(name: "SurgeonGraphTests", dependencies: ["SurgeonGraph", "TestSupport"]),
        .testTarget(name: "SurgeonONNXTests", dependencies: ["SurgeonONNX", "TestSupport"]),
        .testTarget(name: "SurgeonTests", dependencies: ["Surgeon", "TestSupport"]),
        .testTarget(
            name: "SurgeonShellTests",
            dependencies: ["SurgeonShell", "SurgeonONNX", "ONNXProto", "TestSupport", "CZlib", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .testTarget(name: "SurgeonTUITests", dependencies: ["SurgeonTUI", "SurgeonShell", "SurgeonONNX", "TestSupport"],
                    exclude: ["Snapshots", "e2e"]),
        .testTarget(name: "ConformanceTests", dependencies: ["SurgeonONNX", "SurgeonGraph", "TestSupport"], exclude: ["expected-pass.txt"]),
    ],
    // Swift 5 language mode: the C libraries (curses, readline, stdio) are global mutable
    // state that strict concurrency checking cannot model; see DECISIONS.md.
    swiftLanguageModes: [.v5]
)
