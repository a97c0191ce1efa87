// swift-tools-version: 6.1
// libFuzzer targets; build only through `make fuzz` (they need -sanitize=fuzzer, which
// supplies `main`):
//   swift build --package-path fuzz -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
import PackageDescription

let package = Package(
    name: "surgeon-fuzz",
    dependencies: [.package(name: "surgeon-shell", path: "..")],
    targets: [
        .executableTarget(
            name: "fuzz-loader",
            dependencies: [.product(name: "SurgeonFuzzable", package: "surgeon-shell")]
        ),
        .executableTarget(
            name: "fuzz-commands",
            dependencies: [.product(name: "SurgeonFuzzable", package: "surgeon-shell")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
