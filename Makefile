# SPDX-License-Identifier: GPL-2.0
# Virtual routers and distributed IP hosts for Linux 7.2.
#
#   make run      build everything, boot the demo VM (the main job)
#   make check    run every test (host checks, cargo test, KUnit and
#                 selftests in a booted VM, QEMU harness self-test)
#   make bench    what the series costs: ratios against the unpatched kernel, VRFs (not a test)
#   make bench-profile  where one bench case's instructions go, per kernel function
#   make install  vrctl, vrctl(8) and its shell completions, vr-dhostd and
#                 vr-dhostd(8), in $(DESTDIR)$(PREFIX)
#
# Downloads and build trees live in $(VR_CACHE) (default ~/.cache/vr-linux).

.PHONY: all deps kernel vrctl image run shell dhost-demo check bench bench-profile patches ynl install
all: kernel image

PREFIX ?= /usr/local
# Where cargo puts the release build (CARGO_TARGET_DIR if set).
VRCTL_BIN = $(or $(CARGO_TARGET_DIR),target)/release/vrctl
VR_DHOSTD_BIN = $(or $(CARGO_TARGET_DIR),target)/release/vr-dhostd

deps:
	scripts/deps.sh
kernel:
	scripts/kernel.sh
image:
	scripts/guest-image.sh
vrctl:
	cargo build --release --locked -p vrctl -p vr-dhostd
# The completion scripts are what the built vrctl prints.
install: vrctl
	install -D -m 0755 $(VRCTL_BIN) $(DESTDIR)$(PREFIX)/sbin/vrctl
	install -D -m 0644 vrctl/man/vrctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/vrctl.8
	install -D -m 0755 $(VR_DHOSTD_BIN) $(DESTDIR)$(PREFIX)/sbin/vr-dhostd
	install -D -m 0644 vr-dhostd/man/vr-dhostd.8 $(DESTDIR)$(PREFIX)/share/man/man8/vr-dhostd.8
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(VRCTL_BIN) completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/vrctl
	$(VRCTL_BIN) completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_vrctl
	$(VRCTL_BIN) completion fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/vrctl.fish
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
