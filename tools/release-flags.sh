#!/bin/sh
# Prints the extra `swift build -c release` flags for this machine: the haswell target (AVX2,
# FMA, BMI2, F16C, MOVBE: x86-64 CPUs since 2013) when /proc/cpuinfo lists all of them, so
# the Swift kernels' loops run 8 lanes wide instead of SSE2's 4. Nothing elsewhere (arm64,
# macOS, older x86-64), and nothing when SURGEON_PORTABLE=1 (a binary for other machines).
# The binary then needs such a CPU: copy it only to machines that have one.
[ "${SURGEON_PORTABLE:-0}" = 1 ] && exit 0
[ "$(uname -m)" = x86_64 ] || exit 0
[ -r /proc/cpuinfo ] || exit 0
flags=$(grep -m1 '^flags' /proc/cpuinfo)
for f in avx2 fma bmi2 f16c movbe; do
  case " $flags " in *" $f "*) ;; *) exit 0 ;; esac
done
echo "-Xswiftc -target-cpu -Xswiftc haswell"
