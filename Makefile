# SPDX-License-Identifier: GPL-2.0
# Virtual routers and distributed IP hosts for Linux 7.2.
#
#   make run      build everything, boot the demo VM (the main job)
#   make check    run every test (host checks, cargo test, KUnit and
#                 selftests in a booted VM, QEMU harness self-test)
#   make bench    what the series costs: ratios against the unpatched kernel, VRFs (not a test)
#   make bench-profile  where one bench case's instructions go, per kernel function
#
# Downloads and build trees live in $(VR_CACHE) (default ~/.cache/vr-linux).

.PHONY: all deps kernel vrctl image run shell dhost-demo check bench bench-profile patches ynl
all: kernel image

deps:
	scripts/deps.sh
kernel:
	scripts/kernel.sh
image:
	scripts/guest-image.sh
vrctl:
	cargo build --release --locked -p vrctl
run:
	scripts/run.sh
shell:
	scripts/run.sh --shell
dhost-demo:
	scripts/run.sh --dhost
check:
	tests/host/run.sh
bench:
	scripts/bench.sh
bench-profile:
	scripts/bench-profile.sh
# Developer helpers: write the cached kernel tree's commits back to
# kernel-patches/, regenerate the code generated from the YNL spec.
patches:
	scripts/export-patches.sh
ynl:
	scripts/ynl-gen.sh
