# recorder — seccomp profiles from what a workload really does.
#   make run    build, then replay the bundled example log and print its profile (no root needed)
#   make test   every test; the kernel tests need root (CI runs as root)
#   make bench  benchmarks, then bench/results.md: replay vs grep|sort and the SPO
#               regexp, the per-record path, and the live storm under a do-nothing
#               reader, watch, record and auditd, with a perf profile of watch (as
#               root); BENCHFLAGS=-before=BIN profiles another recorder beside it

GO        ?= go
BIN       := bin/recorder
EXAMPLE   ?= testdata/logs/syslog-rfc3339.log
PKGS      := libseccomp-dev pkg-config gcc
TEST_PKGS := auditd systemd runc containerd containernetworking-plugins
BENCH_PKGS := time
GEN_PKGS  := clang-14 llvm-14
GOTESTFLAGS ?=
BENCHFLAGS ?=

.PHONY: all help build static image run test bench fuzz deps test-deps bench-deps install-test-pkgs kube-tools kube-dir vet lint check-builds generate-check clean

all: build

# help: every target with the line after its '## '.
help:
	@awk -F':.*## ' '/^[a-z-]+:.*## /{printf "  make %-12s %s\n", $$1, $$2}' $(firstword $(MAKEFILE_LIST))

# Set-up lives here and only here. install_pkgs installs the Debian packages
# named in $(1) that are missing: with apt-get as root, or stops with one line
# naming them.
define install_pkgs
	@need=; for p in $(1); do [ "$$(dpkg-query -W -f='$${Status}' $$p 2>/dev/null)" = "install ok installed" ] || need="$$need $$p"; done; \
	if [ -n "$$need" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing$$need"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q $$need >/dev/null 2>&1 || \
	      { apt-get update -q >/dev/null && apt-get install -y -q $$need >/dev/null; } || \
	      { echo "could not install$$need with apt-get" >&2; exit 1; }; \
	  else \
	    echo "missing packages:$$need — install them with: sudo apt-get install -y$$need" >&2; exit 1; \
	  fi; \
	fi
endef

# deps: what the build needs (cgo and libseccomp-golang).
deps: ## install what the build needs (apt-get, as root)
	$(call install_pkgs,$(PKGS))

# test-deps: what the tests need besides (auditd; systemd for systemd-analyze
# verify of the units convert writes). Installing auditd may start one;
# only one process can be the kernel's audit daemon, and the kernel tests
# register themselves, so stop the auditd the install started (by the pid it
# wrote), and leave alone one that ran before.
test-deps: deps kube-tools ## install what the tests need besides
	@before=$$(pgrep -x auditd || true); \
	$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) install-test-pkgs || exit 1; \
	for f in /run/auditd.pid /var/run/auditd.pid; do \
	  [ -r $$f ] || continue; pid=$$(tr -cd 0-9 < $$f); \
	  [ -n "$$pid" ] && [ "$$(cat /proc/$$pid/comm 2>/dev/null)" = auditd ] || continue; \
	  case " $$before " in *" $$pid "*) continue;; esac; \
	  echo "stopping auditd $$pid, started by its package's install (the tests register their own)"; \
	  kill $$pid; for i in $$(seq 50); do kill -0 $$pid 2>/dev/null || break; sleep 0.2; done; \
	done

install-test-pkgs:
	$(call install_pkgs,$(TEST_PKGS))

# kube-tools: the Kubernetes the end-to-end tests start (internal/kubetest):
# kube-apiserver, kube-controller-manager, kube-scheduler, the kubelet and
# kubectl in one binary from k8s.io/kubernetes (test/kube/tools, a module of
# its own, so the recorder's go.mod never requires it), and kine. Built once
# into a cache outside the repository, keyed by the tools' sources (the same
# key internal/kubetest computes), and skipped when there: a cold build takes
# minutes, a cached one nothing. Built into a temporary directory first, so
# a half-built cache never looks present.
KUBE_TOOLS_SRC := test/kube/tools
KUBE_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/recorder-kube
KUBE_VERSION := $(shell awk '$$1 == "k8s.io/kubernetes" {print $$2}' $(KUBE_TOOLS_SRC)/go.mod)
KINE_VERSION := $(shell cat $(KUBE_TOOLS_SRC)/kine.version)
KUBE_KEY := $(shell cd $(KUBE_TOOLS_SRC) && cat go.mod go.sum main.go kine.version build.sh | sha256sum | cut -c1-12)
KUBE_DIR := $(KUBE_CACHE)/$(KUBE_VERSION)-$(KUBE_KEY)
kube-tools: ## build the tests' Kubernetes binaries and kine into $(KUBE_CACHE) (once)
	@if [ -x $(KUBE_DIR)/kube ] && [ -x $(KUBE_DIR)/kine ]; then exit 0; fi; \
	set -e; mkdir -p $(KUBE_CACHE); tmp=$$(mktemp -d $(KUBE_CACHE)/.build-XXXXXX); \
	trap 'rm -rf $$tmp' EXIT; \
	echo "building k8s.io/kubernetes $(KUBE_VERSION) and kine $(KINE_VERSION) into $(KUBE_DIR) (minutes on a cold cache)"; \
	GO=$(GO) $(KUBE_TOOLS_SRC)/build.sh $$tmp; \
	chmod 755 $$tmp; rm -rf $(KUBE_DIR); mv $$tmp $(KUBE_DIR)

# kube-dir: where kube-tools puts them (internal/kubetest checks it finds the same).
kube-dir:
	@echo $(KUBE_DIR)

build: deps ## build bin/recorder
	$(GO) build -o $(BIN) ./cmd/recorder

# static: the binary of the DaemonSet's image (deploy/kubernetes/Containerfile),
# for linux/$(ARCH): built without cgo, so that it cross-compiles for every
# architecture of the image (make static ARCH=arm64) and runs on an empty
# base. It has no libseccomp: record and run say so; watch, replay, profile
# and the rest work.
ARCH       ?= $(shell $(GO) env GOARCH)
BIN_STATIC ?= bin/recorder-linux-$(ARCH)
static: ## the DaemonSet's binary: static, without cgo, for linux/$(ARCH)
	CGO_ENABLED=0 GOOS=linux GOARCH=$(ARCH) $(GO) build -trimpath -ldflags '-s -w' -o $(BIN_STATIC) ./cmd/recorder

# image: the DaemonSet's image without docker or a registry: the static
# binary alone, as a docker-archive tar named $(IMAGE), for
# "ctr -n k8s.io images import" on a node (or "docker load").
IMAGE     ?= ghcr.io/recorder-dev/recorder:dev
IMAGE_TAR ?= bin/recorder-image-linux-$(ARCH).tar
image: static ## the DaemonSet's image as a docker-archive tar (bin/), without docker
	$(GO) run ./internal/imagetar/mkimage -o $(IMAGE_TAR) -ref $(IMAGE) -arch $(ARCH) -entrypoint /recorder /recorder=$(BIN_STATIC)

run: build ## build, then replay the bundled example log
	./$(BIN) replay $(EXAMPLE)

vet: deps ## go vet of every package
	$(GO) vet ./...

# lint: staticcheck at a pinned version, built once into the Go bin dir
# (outside the repository: a new machine builds it on its first make test).
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(shell $(GO) env GOPATH)/bin/staticcheck
lint: deps ## staticcheck (pinned; built once, outside the repository)
	@[ -x $(STATICCHECK) ] && $(STATICCHECK) -version 2>/dev/null | grep -qF '($(STATICCHECK_VERSION:v%=%))' || \
	  { echo "building staticcheck $(STATICCHECK_VERSION)"; $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION); }
	$(STATICCHECK) ./...

# check-builds: only internal/sandbox's filter needs cgo and libseccomp;
# the recorder must still build without cgo, and everything for macOS.
check-builds: ## a build without cgo, for arm64 (the image's second architecture), and for macOS
	CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/recorder
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -o /dev/null ./...
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) vet ./...
	GOOS=darwin CGO_ENABLED=0 $(GO) build -o /dev/null ./...
	GOOS=darwin CGO_ENABLED=0 $(GO) vet ./...

# generate-check: the committed generated files are what their sources make
# (the eBPF object needs clang, so this is no Go test): go generate runs in a
# copy of the tree, and each file of GENERATED must come out byte-identical.
GENERATED := syscalls/table_gen.go internal/procev/procev_bpfel.o
generate-check: ## the committed generated files are what go generate makes
	$(call install_pkgs,$(GEN_PKGS))
	@d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && \
	tar -c --exclude=./.git --exclude=./bin . | tar -x -C "$$d" && \
	(cd "$$d" && $(GO) generate $(sort $(addprefix ./,$(dir $(GENERATED))))) && \
	for f in $(GENERATED); do \
	  cmp -s "$$f" "$$d/$$f" || { echo "$$f is not what its source makes: run go generate ./$$(dirname $$f)/ and commit it" >&2; exit 1; }; \
	done; echo "generated files current: $(GENERATED)"

test: test-deps vet lint check-builds generate-check ## every test, the kernel tests among them (as root)
	$(GO) test -count=1 -timeout 9m $(GOTESTFLAGS) ./...

# bench-deps: GNU time measures peak memory (auditd, the live storm's third
# reader, comes with test-deps).
bench-deps: test-deps
	$(call install_pkgs,$(BENCH_PKGS))

bench: build bench-deps ## benchmarks, then bench/results.md
	$(GO) test -run '^$$' -bench . -benchmem ./audit/ ./syscalls/ ./profilegen/ ./cmd/recorder/
	$(GO) run ./bench/run -o bench/results.md $(BENCHFLAGS)

# fuzz: the parser (its corpus in audit/testdata/fuzz), the profile writer's
# file names and the profile reader (run --profile, --base FILE, --merge and
# watch's resume read untrusted JSON and YAML).
fuzz: deps ## the fuzz targets, each for a bounded count
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 1000000x ./audit/
	$(GO) test -run '^$$' -fuzz FuzzFileName -fuzztime 300000x ./profilegen/
	$(GO) test -run '^$$' -fuzz FuzzUnmarshal -fuzztime 300000x ./profilegen/
	$(GO) test -run '^$$' -fuzz FuzzProfile -fuzztime 100000x ./profiletool/
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 300000x ./cgroup/

clean: ## remove bin/ and testdata/bench
	rm -rf bin testdata/bench
